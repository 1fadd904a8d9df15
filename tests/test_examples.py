"""Every example script runs at a tiny size, and does what its docstring claims."""
import importlib.util
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import torch
from PIL import Image

import painter

from .conftest import photo

ROOT = Path(__file__).resolve().parents[1]
TINY = {
    "gallery.py": ["--size", "32", "--strokes", "30", "--steps", "4", "--photos", "coffee", "--refine", "2"],
    "recolor.py": ["--size", "32", "--strokes", "30", "--steps", "4"],
    "two_styles.py": ["--size", "32", "--steps", "4"],
    "custom_loss.py": ["--size", "32", "--strokes", "30", "--steps", "300", "--every", "5", "--patience", "4"],
    "paintings.py": ["--size", "40", "--steps", "4", "--tile", "40", "--photos", "coffee", "chelsea",
                     "--paintings", "paintings"],
}
SVG = "{http://www.w3.org/2000/svg}"


def _run(script: str, out: Path) -> str:
    r = subprocess.run([sys.executable, str(ROOT / "examples" / script), *TINY[script], "--out", str(out)],
                       capture_output=True, text=True, timeout=300, cwd=out)
    assert r.returncode == 0, r.stdout[-1500:] + r.stderr[-1500:]
    return r.stdout


def test_every_example_is_tested():
    scripts = {p.name for p in (ROOT / "examples").glob("*.py")} - {"demo_photo.py"}
    assert scripts == set(TINY)


def test_gallery_writes_paintings_sheets_and_traces(tmp_path):
    _run("gallery.py", tmp_path)
    names = {p.name for p in tmp_path.rglob("*") if p.is_file()}
    for want in ("sheet.png", "styles.png", "materials.png", "traced.png", "coffee.svg", "coffee.png", "coffee.json",
                 "astronaut-van_gogh.svg"):
        assert want in names, (want, sorted(names))
    sheet = np.asarray(Image.open(next(tmp_path.rglob("styles.png"))).convert("RGB"))
    assert sheet.std() > 10  # pictures, not a blank page
    assert 'filter="url(#oil-relief)"' in next(tmp_path.rglob("astronaut-van_gogh.svg")).read_text()


def test_paintings_sheet_puts_each_painting_beside_the_photos_in_its_style(tmp_path):
    (tmp_path / "paintings").mkdir()
    for name, stripes in (("bands", 4), ("checks", 9)):  # two "paintings" with different marks and colours
        y, x = np.mgrid[:48, :64]
        art = np.stack([(x // stripes) % 2 * 200 + 30, (y // stripes) % 2 * 150 + 50, np.full_like(x, 90)], -1)
        Image.fromarray(art.astype(np.uint8)).save(tmp_path / "paintings" / f"{name}.png")
    _run("paintings.py", tmp_path)
    out = tmp_path / "out" if (tmp_path / "out").is_dir() else tmp_path
    names = {p.name for p in out.rglob("*.png")}
    assert {"sheet.png", "coffee-bands.png", "chelsea-checks.png"} <= names, sorted(names)
    sheet = np.asarray(Image.open(next(out.rglob("sheet.png"))).convert("RGB"))
    assert sheet.shape[0] > 2 * 40 and sheet.shape[1] > 3 * 40  # two rows of painting + two photos
    a, b = (np.asarray(Image.open(next(out.rglob(f"coffee-{n}.png"))).convert("RGB")).astype(float)
            for n in ("bands", "checks"))
    assert np.abs(a - b).mean() > 5  # each painting's style shows


def _svg_shapes(path: Path) -> tuple[list[str], list[str]]:
    """Geometry (every path's d) and colours (fill/stroke of every path) of an SVG."""
    paths = list(ET.parse(path).getroot().iter(f"{SVG}path"))
    colours = [(p.get("stroke") if p.get("stroke") not in (None, "none") else p.get("fill")) or "" for p in paths]
    return [p.get("d") for p in paths], colours


def test_recolor_changes_colours_and_keeps_geometry(tmp_path):
    _run("recolor.py", tmp_path)
    d0, c0 = _svg_shapes(tmp_path / "original.svg")
    assert len(d0) >= 30
    inks = {"#264653", "#2a9d8f", "#e9c46a", "#f4a261", "#e76f51"}
    for stem in ("five_inks", "hue_+120", "astronauts_colours"):
        d, c = _svg_shapes(tmp_path / f"{stem}.svg")
        assert d == d0, f"{stem}: the strokes moved"
        changed = sum(a != b for a, b in zip(c, c0)) / len(c0)
        assert changed > 0.8, f"{stem}: only {changed:.0%} of the colours changed"
        if stem == "five_inks":
            assert {x.lower() for x in c} <= inks and len(set(c)) >= 3


def test_two_styles_paints_each_region_in_its_style(tmp_path):
    out = _run("two_styles.py", tmp_path)
    n_rest, n_subject = (int(v) for v in re.search(r"(\d+) watercolor \+ (\d+) van_gogh", out).groups())
    assert n_rest > 0 and n_subject > 0
    s = painter.StrokeSet.load(tmp_path / "chelsea.json")
    assert len(s) == n_rest + n_subject
    rest, subject = s[:n_rest], s[n_rest:]
    from skimage import data

    mask = _load_example("two_styles").ellipse_mask(*data.chelsea().shape[:2]).float()  # the example's subject
    h, w = painter.export.export_size(s, None)
    mask = torch.nn.functional.interpolate(mask[None, None], size=(h, w), mode="nearest")[0, 0] > 0.5  # as paint() sees it
    assert len(subject.in_mask(mask)) == n_subject and len(rest.in_mask(mask)) == 0
    # van_gogh is opaque impasto (opacity >= 0.8), watercolor translucent washes (<= 0.55; its detail layer,
    # the last touches with more pigment, <= 0.85)
    washes = rest[rest.layer < 2]
    assert len(washes) > 0 and float(subject.opacity.min()) >= 0.79 and float(washes.opacity.max()) <= 0.56


def _load_example(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_custom_loss_raises_saturation_and_stops_early(tmp_path):
    out = _run("custom_loss.py", tmp_path)
    m = re.search(r"stopping at step (\d+)", out)
    assert m and int(m.group(1)) < 300, out  # the callback stopped the run before its 300 steps
    frames = sorted(tmp_path.glob("step*.png"))
    assert frames and all(int(f.stem[4:]) % 5 == 0 and int(f.stem[4:]) <= int(m.group(1)) for f in frames)
    assert (tmp_path / "painting.svg").is_file() and (tmp_path / "painting.png").is_file()

    boost = _load_example("custom_loss").saturation_boost
    img = torch.from_numpy(photo("astronaut", 48)).permute(2, 0, 1).float() / 255

    def saturation(x):
        return float((x - x.mean(0, keepdim=True)).abs().mean())

    plain = painter.paint(img, strokes=60, size=32, steps=40, seed=1)
    boosted = painter.paint(img, strokes=60, size=32, steps=40, seed=1, losses=[boost])
    # here: plain 0.074, photo 0.075, boosted 0.080
    assert saturation(boosted.image) > saturation(plain.image) * 1.04
    assert saturation(boosted.image) > saturation(boosted.target) * 1.02  # more saturated than the photo itself
