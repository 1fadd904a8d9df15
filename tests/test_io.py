import os

import numpy as np
import pytest
import torch
from PIL import Image

from painter.image.io import InputError, atomic_write_bytes, load_image


def _save(tmp_path, name, im, **kw):
    p = tmp_path / name
    im.save(p, **kw)
    return p


def _gradient() -> np.ndarray:
    """24x32x3 uint8 with every channel varying."""
    y, x = np.mgrid[0:24, 0:32]
    return np.stack([x * 8, y * 10, (x * y) % 256], -1).astype(np.uint8)


@pytest.mark.parametrize("mode", ["L", "RGB", "P", "CMYK"])
def test_modes_load_as_rgb(tmp_path, mode):
    base = Image.fromarray(_gradient())
    im = base.convert(mode)
    ext = "jpg" if mode == "CMYK" else "png"
    img = load_image(_save(tmp_path, f"x.{ext}", im))
    assert img.shape == (3, 24, 32) and img.dtype == torch.float32
    got = (img.permute(1, 2, 0).numpy() * 255).astype(np.float64)
    want = np.asarray(im.convert("RGB"), np.float64)  # what Pillow says the pixels are
    if mode == "CMYK":  # a JPEG: compare with what was written, within JPEG's loss
        want = np.asarray(Image.open(tmp_path / "x.jpg").convert("RGB"), np.float64)
    assert np.abs(got - want).max() < 0.51
    if mode == "L":
        assert np.allclose(img[0], img[1]) and np.allclose(img[1], img[2])
        assert abs(float(img[0, 0, 31]) - round(0.299 * 248 + 0.587 * 0 + 0.114 * 0) / 255) < 1e-6


def test_16_bit_is_scaled_by_its_full_range(tmp_path):
    a = (np.arange(24 * 32).reshape(24, 32) * 85).astype(np.uint16)  # 0 .. 65195
    p = _save(tmp_path, "x16.png", Image.fromarray(a))
    assert Image.open(p).mode == "I;16" and a.max() > 255
    img = load_image(p)
    assert img.shape == (3, 24, 32)
    assert torch.allclose(img[0], torch.from_numpy(a / 65535.0).float(), atol=1e-6)
    assert torch.equal(img[0], img[2])
    dark = load_image(_save(tmp_path, "dark16.png", Image.fromarray((a // 512).astype(np.uint16))))  # <= 127 of 65535
    assert float(dark.max()) < 0.002  # a dark 16-bit picture stays dark, not scaled as if 8-bit


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
