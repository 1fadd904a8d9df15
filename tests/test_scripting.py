"""The StrokeSet operations artists script with, and render options."""
import numpy as np
import torch
from PIL import Image

from painter import StrokeSet, render
from painter.image.color import srgb_to_lab

from .conftest import photo, psnr_np, run_cli


def test_selections():
    s = StrokeSet.random(200, seed=1)
    s.layer = torch.arange(200) % 4
    assert len(s.select_layers([1, 3])) == 100 and len(s.select_layers(2)) == 50
    left = torch.zeros(20, 20, dtype=torch.bool)
    left[:, :10] = True
    sel = s.in_mask(left)
    assert 0 < len(sel) < 200 and bool((sel.centres()[:, 0] < 0.5).all())
    w = s.widths.mean(1)
    assert len(s.by_size(max_width=float(w.median()))) == int((w <= w.median()).sum())
    red = s.by_color((1.0, 0.0, 0.0), tolerance=60)
    d_all = (srgb_to_lab(s.colors) - srgb_to_lab(torch.tensor([1.0, 0.0, 0.0]))).norm(dim=-1)
    assert 0 < len(red) < len(s) and len(red) == int((d_all <= 60).sum())  # exactly the close ones, not none
    d = (srgb_to_lab(red.colors) - srgb_to_lab(torch.tensor([1.0, 0.0, 0.0]))).norm(dim=-1)
    assert bool((d <= 60).all())


def test_transforms():
    s = StrokeSet.random(50, seed=2)
    back = s.rotate(30).rotate(-30)
    assert torch.allclose(back.points, s.points, atol=1e-5)
    big = s.scale(2.0)
    assert torch.allclose(big.widths, 2 * s.widths)
    moved = s.translate(0.1, -0.2)
    assert torch.allclose(moved.points - s.points, torch.tensor([0.1, -0.2]).expand_as(s.points), atol=1e-6)
    # a quarter turn of the whole picture equals the rotated render
    s.background = (1.0, 1.0, 1.0)
    a = render(s.rotate(90), 64, 64)
    b = torch.rot90(render(s, 64, 64), k=-1, dims=(1, 2))
    assert float((a - b).abs().mean()) < 0.01


def test_recolor_hue_image_jitter():
    s = StrokeSet.random(80, seed=3)
    pal = ["#ff0000", "#0000ff"]
    r = s.recolor(pal)
    assert {tuple(c) for c in r.colors.tolist()} <= {(1.0, 0.0, 0.0), (0.0, 0.0, 1.0)}
    muted = s._replace(colors=0.45 + 0.1 * s.colors)  # in gamut at every hue
    h = muted.shift_hue(180)
    lab0, lab1 = srgb_to_lab(muted.colors), srgb_to_lab(h.colors)
    assert torch.allclose(lab0[:, 0], lab1[:, 0], atol=0.5)  # lightness kept
    assert torch.allclose(lab0[:, 1:], -lab1[:, 1:], atol=0.5)  # opposite hue
    assert torch.allclose(h.shift_hue(180).colors, muted.colors, atol=1e-3)
    img = torch.zeros(3, 10, 10)
    img[1] = 1.0
    assert torch.equal(s.colors_from(img).colors, torch.tensor([0.0, 1.0, 0.0]).expand(80, 3))
    j1, j2 = s.jitter(0.01, 0.05, seed=1), s.jitter(0.01, 0.05, seed=1)
    assert torch.equal(j1.points, j2.points) and not torch.equal(j1.points, s.points)


def test_render_any_size_matches_after_downscale():
    """Vectors: drawn at 2048 and box-downscaled to 256, a painting matches its 256 render."""
    s = StrokeSet.random(500, seed=5)
    small = render(s, 256, 256)
    big = render(s, 2048, 2048)
    down = torch.nn.functional.avg_pool2d(big[None], 8)[0]
    to8 = lambda t: (t.permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8)  # noqa: E731
    assert psnr_np(to8(small), to8(down)) >= 32


def test_cli_render_layers_and_background_image(tmp_path):
    s = StrokeSet.random(60, seed=1)
    s.layer = torch.arange(60) % 3
    s.meta["size"] = 64
    src = tmp_path / "s.json"
    s.save(src)
    bgp = tmp_path / "bg.png"
    Image.fromarray(photo("coffee", 50)).save(bgp)
    r = run_cli("render", src, "--layers", "0,2", "--background", bgp, "-o", tmp_path / "a.png")
    assert r.returncode == 0, r.stderr
    got = np.asarray(Image.open(tmp_path / "a.png").convert("RGB"))
    from painter.image.io import fit_background, load_image

    want = render(s.select_layers([0, 2]), 64, 64, background=fit_background(load_image(bgp), 64, 64))
    assert psnr_np(got, (want.permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8)) > 45
    r = run_cli("render", src, "--layers", "x,y", "-o", tmp_path / "b.png")
    assert r.returncode == 2 and "--layers" in r.stderr
