"""Contact sheets: labelled pictures side by side."""
from __future__ import annotations

import math

import numpy as np
import torch
from PIL import Image, ImageDraw

from ..io import to_uint8


def contact_sheet(tiles: list[tuple[str, torch.Tensor]], columns: int | None = None, pad: int = 8,
                  label_height: int = 18) -> torch.Tensor:
    """Lay out ``(label, [3,H,W] image)`` pairs in a grid with a label under each;
    returns the sheet as a [3,H,W] tensor in [0,1]."""
    if not tiles:
        raise ValueError("a contact sheet needs at least one picture")
    columns = columns or math.ceil(math.sqrt(len(tiles)))
    rows = math.ceil(len(tiles) / columns)
    cw = max(t.shape[2] for _, t in tiles)
    ch = max(t.shape[1] for _, t in tiles)
    sheet = Image.new("RGB", (columns * (cw + pad) + pad, rows * (ch + label_height + pad) + pad), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (label, img) in enumerate(tiles):
        x = pad + (i % columns) * (cw + pad)
        y = pad + (i // columns) * (ch + label_height + pad)
        sheet.paste(Image.fromarray(to_uint8(img)), (x, y))
        draw.text((x + 2, y + ch + 3), label, fill=(20, 20, 20))
    return torch.from_numpy(np.asarray(sheet, dtype=np.float32) / 255.0).permute(2, 0, 1)
