"""A notebook shows paintings as pictures: a small notebook runs in a real Jupyter
kernel (nbclient, ipykernel), and the outputs of a PaintResult, its StrokeSet and a
traced PathSet are PNG images of the art, not repr lines."""
from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

CELLS = [
    "import numpy as np, torch, painter\n"
    "photo = torch.linspace(0, 1, 24 * 32).reshape(1, 24, 32).expand(3, -1, -1).clone()\n"
    "photo[0, 6:18, 8:20] = 1.0\n"
    "r = painter.paint(photo, size=32, strokes=16, steps=3, progress=False)\n"
    "r",
    "r.strokes",
    "painter.trace(photo, colors=3)",
    "from painter.export import draw\n"
    "(draw(r.strokes, 24, 32).permute(1, 2, 0).numpy() * 255).round().astype(np.uint8).tobytes().hex()",
]


def _pictures(cell) -> list[np.ndarray]:
    return [np.asarray(Image.open(io.BytesIO(base64.b64decode(out["data"]["image/png"]))).convert("RGB"))
            for out in cell.outputs if "image/png" in out.get("data", {})]


def test_a_notebook_shows_paintings_and_traced_art_as_pictures(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    nbclient.NotebookClient(nb, timeout=240, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    result, strokes, traced, drawn = nb.cells
    shown = _pictures(result)
    assert len(shown) == 1 and shown[0].shape == (24, 32, 3)  # the painting, at its own size
    # the very picture the export draws
    expected = np.frombuffer(bytes.fromhex(drawn.outputs[0]["data"]["text/plain"].strip("'")), np.uint8)
    assert np.array_equal(shown[0].reshape(-1), expected)
    assert [p.tobytes() for p in _pictures(strokes)] == [shown[0].tobytes()]
    paths = _pictures(traced)
    assert len(paths) == 1 and paths[0].shape == (24, 32, 3) and paths[0].std() > 20  # the traced colours
