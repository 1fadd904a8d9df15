import os

import numpy as np
import pytest
import torch
from PIL import Image

from painter.io import InputError, atomic_write_bytes, load_image


def _save(tmp_path, name, im, **kw):
    p = tmp_path / name
    im.save(p, **kw)
    return p


@pytest.mark.parametrize("mode", ["L", "RGB", "P", "CMYK", "I;16"])
def test_modes_load_as_rgb(tmp_path, mode):
    base = Image.fromarray((np.arange(24 * 32 * 3).reshape(24, 32, 3) % 256).astype(np.uint8))
    im = base.convert(mode) if mode != "I;16" else base.convert("L").convert("I;16")
    ext = "jpg" if mode == "CMYK" else "png"
    img = load_image(_save(tmp_path, f"x.{ext}", im))
    assert img.shape == (3, 24, 32) and img.dtype == torch.float32
    assert 0 <= float(img.min()) and float(img.max()) <= 1


def test_alpha_is_composited_over_background(tmp_path):
    a = np.zeros((8, 8, 4), np.uint8)
    a[..., 0] = 255
    a[:, :4, 3] = 255  # left half opaque red, right half transparent
    img = load_image(_save(tmp_path, "a.png", Image.fromarray(a, "RGBA")), background=(0.0, 0.0, 1.0))
    assert torch.allclose(img[:, 0, 0], torch.tensor([1.0, 0.0, 0.0]))
    assert torch.allclose(img[:, 0, 7], torch.tensor([0.0, 0.0, 1.0]))


def test_exif_orientation_is_applied(tmp_path):
    im = Image.new("RGB", (40, 20), (255, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW on display
    img = load_image(_save(tmp_path, "r.jpg", im, exif=exif))
    assert img.shape == (3, 40, 20)


def test_resize_longer_side(tmp_path):
    img = load_image(_save(tmp_path, "b.png", Image.new("RGB", (300, 100))), size=150)
    assert img.shape == (3, 50, 150)


def test_bomb_refused_before_decoding(tmp_path):
    p = tmp_path / "bomb.png"
    # a valid PNG header claiming 50000 x 50000 pixels
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", 50000, 50000, 8, 2, 0, 0, 0)
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))  # noqa: E731
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b""))
    with pytest.raises(InputError, match="limit"):
        load_image(p)


def test_atomic_write_replaces_whole_file_and_leaves_no_temp(tmp_path):
    p = tmp_path / "f.bin"
    p.write_bytes(b"old")
    atomic_write_bytes(p, b"new content")
    assert p.read_bytes() == b"new content"
    assert os.listdir(tmp_path) == ["f.bin"]


def test_failed_write_keeps_old_file(tmp_path):
    p = tmp_path / "f.bin"
    p.write_bytes(b"old")

    with pytest.raises(TypeError):
        atomic_write_bytes(p, object())  # type: ignore[arg-type]
    assert p.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["f.bin"]
