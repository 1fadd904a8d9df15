"""Contact sheets: labelled pictures side by side."""
from __future__ import annotations

import math

import numpy as np
import torch
from PIL import Image, ImageDraw

from ..image.io import to_uint8


def contact_sheet(tiles: list[tuple[str, torch.Tensor]], columns: int | None = None, pad: int = 8,
                  label_height: int = 18) -> torch.Tensor:
    """Lay out ``(label, [3,H,W] image)`` pairs in a grid with a label under each;
    returns the sheet as a [3,H,W] tensor in [0,1]."""
    if not tiles:
        raise ValueError("a contact sheet needs at least one picture")
    columns = columns or math.ceil(math.sqrt(len(tiles)))
    rows = math.ceil(len(tiles) / columns)
    cw = max(t.shape[2] for _, t in tiles)
    # each row as tall as its tallest picture (landscape rows leave no empty band)
    row_h = [max(t.shape[1] for _, t in tiles[r * columns:(r + 1) * columns]) for r in range(rows)]
    tops = [pad + sum(h + label_height + pad for h in row_h[:r]) for r in range(rows)]
    sheet = Image.new("RGB", (columns * (cw + pad) + pad, tops[-1] + row_h[-1] + label_height + pad), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (label, img) in enumerate(tiles):
        r = i // columns
        x, y = pad + (i % columns) * (cw + pad), tops[r]
        sheet.paste(Image.fromarray(to_uint8(img)), (x, y))
        draw.text((x + 2, y + row_h[r] + 3), label, fill=(20, 20, 20))
    return torch.from_numpy(np.asarray(sheet, dtype=np.float32) / 255.0).permute(2, 0, 1)
