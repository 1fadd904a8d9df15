import sys

import numpy as np
import pytest
import torch

from painter import StrokeSet, render
from painter.export import to_svg
from painter.render import render_stroke_params
from painter.render.geometry import canvas_transform, segment_coverage, stroke_segments

from .conftest import psnr_np, resvg_render


def reference_render(s: StrokeSet, h: int, w: int, bg) -> torch.Tensor:
    """Brute force: every stroke on every pixel, composited one by one (no tiles)."""
    sc, ox, oy = canvas_transform(s.canvas, h, w)
    pts = s.points.double() * sc + torch.tensor([ox, oy], dtype=torch.float64)
    a, b, ra, rb, stroke = stroke_segments(pts, s.widths.double() * sc)
    yy, xx = torch.meshgrid(torch.arange(h, dtype=torch.float64) + 0.5, torch.arange(w, dtype=torch.float64) + 0.5,
                            indexing="ij")
    p = torch.stack([xx, yy], -1)
    out = torch.as_tensor(bg, dtype=torch.float64).view(3, 1, 1).expand(3, h, w).clone()
    for i in range(len(s)):
        m = stroke == i
        cov = torch.zeros(h, w, dtype=torch.float64)
        for k in m.nonzero()[:, 0].tolist():
            cov = torch.maximum(cov, segment_coverage(p, a[k], b[k], ra[k], rb[k]))
        alpha = cov * float(s.opacity[i])
        out = out * (1 - alpha) + alpha * s.colors[i].double().view(3, 1, 1)
    return out


@pytest.mark.parametrize("tile", [4, 8, 16])
@pytest.mark.parametrize("hw", [(37, 53), (64, 64)])
def test_tiled_render_equals_brute_force(tile, hw):
    """Exact binning: the tiled renderer misses no stroke/pixel pair, whatever the tile size."""
    h, w = hw
    s = StrokeSet.random(40, canvas=(w / max(h, w), h / max(h, w)), seed=5)
    s.widths[:5] *= 0.1  # some hairlines
    s.points[5:8] += 0.4  # some partly off the canvas
    bg = (0.2, 0.5, 0.9)
    got = render(s, h, w, background=bg, tile=tile).double()
    ref = reference_render(s, h, w, bg)
    assert (got - ref).abs().max() < 1e-4


def test_no_strokes_gives_the_background():
    s = StrokeSet.empty()
    img = render(s, 10, 12, background=(0.1, 0.2, 0.3))
    assert img.shape == (3, 10, 12)
    assert torch.allclose(img, torch.tensor([0.1, 0.2, 0.3]).view(3, 1, 1).expand(3, 10, 12))


def test_background_image_shows_through_gaps():
    s = StrokeSet.random(3, seed=1)
    bg = torch.rand(3, 20, 20)
    img = render(s, 20, 20, background=bg)
    untouched = (img - bg).abs().sum(0) == 0
    assert untouched.any()


def test_gradcheck_all_parameters():
    s = StrokeSet.random(6, seed=4)
    s.widths *= 2.5
    s.opacity.clamp_(max=0.95)
    h = w = 14
    bg = torch.rand(3, h, w, dtype=torch.float64)
    args = [t.double().clone().requires_grad_() for t in (s.points, s.widths, s.colors, s.opacity)]
    bg.requires_grad_()

    def f(p, wd, c, o, b):
        return render_stroke_params(p, wd, c, o, s.canvas, h, w, b, tile=4)

    assert torch.autograd.gradcheck(f, [*args, bg], eps=1e-6, atol=1e-4, rtol=1e-3)


def test_gradcheck_tapered_and_thin_strokes():
    s = StrokeSet.random(4, seed=9)
    s.widths = torch.tensor([[0.02, 0.2], [0.3, 0.05], [0.04, 0.04], [0.15, 0.1]])
    s.opacity = torch.tensor([0.9, 0.6, 0.8, 0.7])
    h = w = 12
    bg = torch.full((3, h, w), 0.5, dtype=torch.float64)
    args = [t.double().clone().requires_grad_() for t in (s.points, s.widths, s.colors, s.opacity)]
    f = lambda p, wd, c, o: render_stroke_params(p, wd, c, o, s.canvas, h, w, bg, tile=8)  # noqa: E731
    assert torch.autograd.gradcheck(f, args, eps=1e-6, atol=1e-4, rtol=1e-3)


def test_opaque_strokes_get_opacity_gradients():
    """An opacity of 1 must still learn that lowering it reveals what is below."""
    s = StrokeSet.random(2, seed=2)
    s.points[1] = s.points[0]
    s.opacity[:] = 1.0
    o = s.opacity.clone().requires_grad_()
    img = render_stroke_params(s.points, s.widths, s.colors, o, s.canvas, 32, 32, torch.zeros(3, 32, 32))
    target = torch.zeros_like(img)
    ((img - target) ** 2).sum().backward()
    assert o.grad[1].abs() > 0


@pytest.mark.parametrize("taper", [True, False])
def test_matches_resvg_on_the_exported_svg(taper):
    """The picture of painter.render and resvg's drawing of the SVG export agree."""
    s = StrokeSet.random(300, seed=3, taper=taper)
    s.background = (1.0, 1.0, 1.0)
    ours = (render(s, 128, 128).permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8)
    theirs = resvg_render(to_svg(s, 128, 128))
    # random high-contrast strokes everywhere: the worst case for anti-aliasing differences
    assert psnr_np(ours, theirs) > 35


def test_resolution_independent():
    """Rendered big and box-downscaled, a stroke set matches its small render."""
    s = StrokeSet.random(100, seed=6)
    small = render(s, 64, 64)
    big = render(s, 256, 256)
    down = torch.nn.functional.avg_pool2d(big[None], 4)[0]
    mse = float(((small - down) ** 2).mean())
    assert 10 * np.log10(1 / mse) > 30


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu():
    s = StrokeSet.random(200, seed=1)
    cpu = render(s, 96, 96)
    gpu = render(s.to("cuda"), 96, 96).cpu()
    assert (cpu - gpu).abs().max() < 1e-4


def test_large_renders_are_drawn_in_bands_identically(monkeypatch):
    """Without gradients a big picture is drawn band by band (bounded memory), and the
    bands join without a seam: the result equals the one-pass render."""
    r = sys.modules["painter.render"]  # the package (painter.render is also the function)
    s = StrokeSet.random(150, canvas=(1.0, 0.7), seed=8)
    with torch.no_grad():
        whole = render(s, 140, 200)
        monkeypatch.setattr(r, "BAND_PIXELS", 200 * 24)
        banded = render(s, 140, 200)
    assert (whole - banded).abs().max() < 1e-6
