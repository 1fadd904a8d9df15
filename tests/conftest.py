import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]


def psnr_np(a: np.ndarray, b: np.ndarray) -> float:
    mse = ((a.astype(np.float64) - b.astype(np.float64)) ** 2).mean() / 255.0**2
    return float("inf") if mse == 0 else 10 * np.log10(1 / mse)


def resvg_render(svg: str) -> np.ndarray:
    """Rasterize an SVG string with resvg (independent renderer) -> uint8 [H,W,3]."""
    import resvg_py

    png = bytes(resvg_py.svg_to_bytes(svg_string=svg, skip_system_fonts=True))
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def photo(name: str = "astronaut", size: int = 64) -> np.ndarray:
    from skimage import data

    im = Image.fromarray(getattr(data, name)()).convert("RGB")
    return np.array(im.resize((size, size), Image.BOX))


@pytest.fixture
def photo_file(tmp_path) -> Path:
    p = tmp_path / "photo.png"
    Image.fromarray(photo("astronaut", 96)).save(p)
    return p


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "painter", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
