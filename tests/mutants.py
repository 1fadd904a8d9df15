"""Deliberate bugs, one at a time: does the test suite catch each of them?

    .venv/bin/python tests/mutants.py [--list] [NAME ...]

For each mutant the package is copied to a temporary folder, one named bug is put
into the copy (an exact text replacement, which must match once), and the tests
that should catch it run against the copy (PYTHONPATH points there, so in-process
imports and ``python -m painter`` subprocesses both get the bug). A mutant is
*caught* when those tests fail. First the same tests run on the unmutated copy and
must pass, so a broken test cannot "catch" anything. Exit status 0 when every
mutant is caught, 1 otherwise. `make test-slow` (CI) runs it.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COPY = ("painter", "tests", "styles", "examples", "benchmarks", "pyproject.toml", "cli.py")


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str  # file in the package, relative to the repository
    old: str  # text that must occur exactly once
    new: str
    tests: tuple[str, ...]  # pytest arguments: node ids, files, -k expressions


MUTANTS = [
    Mutant("texture Grams collapsed to one number per level (the bug of 79fa431)", "painter/style/texture.py",
           "1))[0].flatten(1))\n",
           "1)).flatten(1))\n",
           ("tests/test_texture.py",)),
    Mutant("texture loss pushes hues (luma's true gradient)", "painter/style/texture.py",
           "            y = value(image)\n",
           "            y = image[:1] * 0.299 + image[1:2] * 0.587 + image[2:] * 0.114\n",
           ("tests/test_styles.py::test_the_value_only_losses_move_values_not_hues",)),
    Mutant("SSIM on luma's gradient beside the texture terms", "painter/engine/run.py",
           "inside, grey=terms.texture is not None)", "inside)",
           ("tests/test_styles.py::test_a_paint_run_asks_for_grey_ssim_only_beside_a_texture_term",)),
    Mutant("brushwork dashes over the detail too", "painter/engine/brushwork.py",
           "** FLAT_POWER * (1 - plan.faces[0])", "* 0 + (1 - plan.faces[0])",
           ("tests/test_brushwork.py",)),
    Mutant("brushwork dashes hide the photo", "painter/engine/brushwork.py",
           "KEEP_SSIM = 0.9\n", "KEEP_SSIM = 0.0\n",
           ("tests/test_brushwork.py::test_the_dashes_keep_the_photo",)),
    Mutant("a measured preset's strokes sized by its wavelength, not its marks", "painter/style/analyze.py",
           "width = max(1.5, mk.width[1] * 256)", "width = max(1.5, 0.6 * m.scale * 256)",
           ("tests/test_marks.py::test_a_measured_preset_paints_its_finest_layer_with_the_painting_s_marks",)),
    Mutant("brushwork chains run straight, not along the flow", "painter/engine/brushwork.py",
           "        a = _at(theta, pos)\n", "        a = _at(theta, start)\n",
           ("tests/test_brushwork.py::test_the_dashes_run_in_chains_along_the_flow",)),
    Mutant("k-means palette keeps its first run", "painter/image/color.py",
           "    for _ in range(max(1, restarts)):\n", "    for _ in range(1):\n",
           ("tests/test_analyze.py::test_the_palette_is_the_best_of_several_k_means_runs",)),
    Mutant("compositing order reversed", "painter/render/__init__.py",
           "    pts, s = to_pixels(points, canvas, height, width)\n",
           "    points, widths, colors, opacity = (t.flip(0) for t in (points, widths, colors, opacity))\n"
           "    pts, s = to_pixels(points, canvas, height, width)\n",
           ("tests/test_render.py",)),
    Mutant("coverage shifted by half a pixel", "painter/render/raster.py",
           "    g = torch.arange(t, device=device, dtype=dtype) + 0.5\n",
           "    g = torch.arange(t, device=device, dtype=dtype)\n",
           ("tests/test_render.py",)),
    Mutant("stroke taper ignored", "painter/render/__init__.py",
           "    wid = widths * s\n",
           "    wid = widths[:, :1].expand_as(widths) * s\n",
           ("tests/test_render.py",)),
    Mutant("evenodd filled as nonzero", "painter/render/paths.py",
           "    return torch.where(evenodd, (winding & 1) != 0, winding != 0)\n",
           "    return winding != 0\n",
           ("tests/test_paths.py",)),
    Mutant("last stroke dropped from SVG export", "painter/export/svg.py",
           "    while i < len(st):\n        end = i + 1\n",
           "    while i < len(st) - 1:\n        end = i + 1\n",
           ("tests/test_svg.py",)),
    Mutant("--background ignored by render", "painter/cli.py",
           "    bg = _parse_background(background)\n    strokes = _load_art(strokes_file).to(",
           "    bg = None\n    strokes = _load_art(strokes_file).to(",
           ("tests/test_cli.py::test_render_any_size",)),
    Mutant("16-bit input scaled by 1/255", "painter/image/io.py",
           '        full = 65535.0 if im.mode != "I" or a.max() > 255 else 255.0\n',
           "        full = 255.0\n",
           ("tests/test_io.py",)),
    Mutant("alpha composited over black, not the background", "painter/image/io.py",
           "        return rgba[..., :3] * a + bg * (1.0 - a)\n",
           "        return rgba[..., :3] * a\n",
           ("tests/test_io.py",)),
    Mutant("EXIF orientation ignored", "painter/image/io.py",
           "    return _to_rgb(ImageOps.exif_transpose(open_image(p, str(p))), background)\n",
           "    return _to_rgb(open_image(p, str(p)), background)\n",
           ("tests/test_io.py",)),
    Mutant("outputs written in place, not atomically", "painter/image/io.py",
           "    os.close(fd)\n    try:\n        os.chmod(tmp, 0o666 & ~_umask())\n",
           "    os.close(fd)\n    os.unlink(tmp)\n    tmp = str(p)\n    try:\n",
           ("tests/test_io.py",)),
    Mutant("seams between traced layers (layers not stacked)", "painter/trace/bitmaps.py",
           "    return [r >= i for i in range(order.size)], inks[order]\n",
           "    return [r == i for i in range(order.size)], inks[order]\n",
           ("tests/test_trace.py::test_color_trace_is_faithful_and_has_no_seams",)),
    Mutant("tracing loads torch", "painter/trace/bitmaps.py",
           "import numpy as np\n",
           "import numpy as np\nimport torch  # noqa: F401\n",
           ("tests/test_trace.py", "-k", "never_imports_torch")),
    Mutant("Potrace's words packed with the pixels in the wrong bit order", "painter/trace/libpotrace.py",
           "np.packbits(bitmap, axis=1)",
           "np.packbits(bitmap, axis=1, bitorder=\"little\")",
           ("tests/test_trace.py", "-k", "ctypes")),
    Mutant("GIF loop count ignored", "painter/export/animate.py",
           "loop=loop, disposal=1",
           "loop=0, disposal=1",
           ("tests/test_cli_options.py", "-k", "loop")),
    Mutant("fetched weights stored without their checksum", "painter/style/weights.py",
           "            if not digest.startswith(prefix):\n",
           "            if False:\n",
           ("tests/test_weights.py", "-k", "fetch or checksum")),
    Mutant("painting downloads the weights it lacks", "painter/style/perceptual.py",
           "             download: bool = False, progress: bool = False) -> VGGFeatures:\n",
           "             download: bool = True, progress: bool = False) -> VGGFeatures:\n",
           ("tests/test_weights.py", "-k", "never_downloads")),
    Mutant("stroke files lose float precision", "painter/primitives/fileformat.py",
           '    return float(repr(np.float32(v)).removeprefix("np.float32(").removesuffix(")"))\n',
           "    return round(float(v), 4)\n",
           ("tests/test_strokes.py",)),
    Mutant("usage errors exit 1 instead of 2", "painter/cli.py",
           "        code = e.exit_code if isinstance(e, UserError) else EXIT_USAGE\n",
           "        code = 1\n",
           ("tests/test_cli.py",)),
    Mutant("--seed ignored by paint", "painter/engine/run.py",
           "    torch.manual_seed(seed)\n    gen = torch.Generator().manual_seed(seed)\n",
           "    torch.manual_seed(0)\n    gen = torch.Generator().manual_seed(0)\n",
           ("tests/test_cli_options.py", "-k", "seed")),
    Mutant("bristle ridges offset along the stroke, not across it", "painter/materials/bristles.py",
           "    return torch.stack([-use[..., 1], use[..., 0]], -1)\n",
           "    return use\n",
           ("tests/test_materials.py", "-k", "bristle")),
    Mutant("a material's paint filter left out of the PNG", "painter/materials/finish.py",
           "                img = over(filtered(f.paint_filter, f.height, f.width, f.paint[g]), img)\n",
           "                img = _render(f.paint[g], img)\n",
           ("tests/test_materials.py", "-k", "adds_texture")),
    Mutant("the studio answers any Host (DNS rebinding)", "painter/studio/guard.py",
           "        if not self.security.host_allowed(_hostname(host)):\n",
           "        if False:\n",
           ("tests/test_studio_security.py", "-k", "host")),
    Mutant("the studio takes cross-site changes", "painter/studio/guard.py",
           '        if scope["method"] in UNSAFE_METHODS:\n',
           '        if scope["method"] == "PUT":\n',
           ("tests/test_studio_security.py", "-k", "origin or referer")),
    Mutant("the renderer imports a style (a backwards import)", "painter/render/raster.py",
           "from .binning import Bins\n",
           "from .binning import Bins\nfrom ..style.presets import preset_names  # noqa: F401\n",
           ("tests/test_layout.py", "-k", "one_way")),
    Mutant("a material's picture under the PDF's vectors", "painter/export/pdf.py",
           'svg = svg[:svg.rindex("</svg>")] + _image_element(picture, lay) + "</svg>"',
           'svg = svg.replace("<rect", _image_element(picture, lay) + "<rect", 1)',
           ("tests/test_cli_options.py", "-k", "pdf and material")),
    Mutant("a paper's SVG and PDF put the picture in the corner", "painter/export/svgdoc.py",
           """nested = svg.replace("<svg", f'<svg x="{lay.left}" y="{lay.top}"', 1)""",
           """nested = svg.replace("<svg", '<svg x="0" y="0"', 1)""",
           ("tests/test_cli_options.py", "-k", "a3")),
    Mutant("pictures without their sRGB profile", "painter/image/io.py",
           'options: dict = {"icc_profile": _srgb_profile()}',
           "options: dict = {}",
           ("tests/test_cli_options.py", "-k", "jpg")),
    Mutant("a chunked upload read whole, past the limit", "painter/studio/app.py",
           "        if size > MAX_UPLOAD_BYTES:\n",
           "        if False:\n",
           ("tests/test_studio.py", "-k", "chunked")),
    Mutant("strokes placed at random, not where the painting differs", "painter/engine/place.py",
           "        err = gaussian_blur(((current - target) ** 2).sum(0, keepdim=True), sigma)[0]\n",
           "        err = torch.ones_like(target[0])\n",
           ("tests/test_place.py",)),
    Mutant("contour strokes anywhere, not on the edges", "painter/engine/place.py",
           "    if along_edges:\n",
           "    if False:\n",
           ("tests/test_place.py",)),
    Mutant("the studio waits for ever on a request sent a byte at a time", "painter/studio/protocol.py",
           '            self.logger.warning("closed a connection whose request came too slowly")\n'
           "            self.transport.close()\n",
           "            pass\n",
           ("tests/test_studio_security.py", "-k", "slowly")),
    Mutant("the studio takes every connection, past --max-connections", "painter/studio/protocol.py",
           "        if len(self.connections) > self.max_connections:\n",
           "        if False:\n",
           ("tests/test_studio_faults.py", "-k", "caps")),
    Mutant("the studio opens every event stream, past --max-streams", "painter/studio/app.py",
           "        if self.open >= self.max_streams:\n",
           "        if False:\n",
           ("tests/test_studio_faults.py", "-k", "caps")),
    Mutant("a job's worker holds all the memory it wants", "painter/studio/worker.py",
           "        resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))\n",
           "        pass\n",
           ("tests/test_studio_faults.py", "-k", "memory")),
    Mutant("a failed job keeps what it wrote of its results", "painter/studio/worker.py",
           "            partial.unlink(missing_ok=True)\n",
           "            pass\n",
           ("tests/test_studio_faults.py", "-k", "no_result_files")),
    Mutant("a job whose folder is removed fails with a raw file error", "painter/studio/worker.py",
           "    if not folder.is_dir():\n",
           "    if False:\n",
           ("tests/test_studio_faults.py", "-k", "folder_is_removed")),
    Mutant("the page loses its job when the busy studio refuses its event stream", "painter/studio/static/studio.js",
           "    poll(id);\n  };\n",
           "  };\n",
           ("tests/test_studio_browser.py", "-k", "refused")),
]


def make_copy(dest: Path) -> None:
    for name in COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(src, dest / name)


def run_tests(copy: Path, tests: tuple[str, ...], timeout: float = 900) -> tuple[bool, str]:
    """Run ``tests`` against the package in ``copy``: (passed, last lines of output)."""
    env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-o", "addopts=", *tests]
    try:
        r = subprocess.run(cmd, cwd=copy, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, f"timed out after {timeout:.0f} s"
    lines = (r.stdout + r.stderr).strip().splitlines()
    return r.returncode == 0, " | ".join(lines[-2:])


def check_isolation(copy: Path) -> None:
    """The copy, not the checkout (nor an installed painter), is what the tests import."""
    env = {**os.environ, "PYTHONPATH": str(copy)}
    out = subprocess.run([sys.executable, "-c", "import painter; print(painter.__file__)"], cwd=copy, env=env,
                         capture_output=True, text=True, timeout=120).stdout.strip()
    if not out.startswith(str(copy)):
        raise SystemExit(f"mutants: the tests would import {out!r}, not the mutated copy in {copy}")


def apply(copy: Path, m: Mutant) -> None:
    f = copy / m.path
    text = f.read_text()
    n = text.count(m.old)
    if n != 1:
        raise SystemExit(f"mutants: {m.name!r}: the text to replace occurs {n} times in {m.path}; update the mutant")
    f.write_text(text.replace(m.old, m.new))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="run only the mutants whose name contains one of these")
    ap.add_argument("--list", action="store_true", help="list the mutants and exit")
    a = ap.parse_args()
    chosen = [m for m in MUTANTS if not a.names or any(n in m.name for n in a.names)]
    if a.list or not chosen:
        for m in MUTANTS:
            print(f"{m.name:<52} {m.path:<28} {' '.join(m.tests)}")
        return 0 if a.list else 2
    results = []
    with tempfile.TemporaryDirectory(prefix="painter-mutants-") as tmp:
        base = Path(tmp) / "base"
        make_copy(base)
        check_isolation(base)
        for tests in dict.fromkeys(m.tests for m in chosen):  # the unmutated copy passes every selection
            ok, tail = run_tests(base, tests)
            if not ok:
                print(f"mutants: the tests {' '.join(tests)} fail without any mutant: {tail}", flush=True)
                return 1
        for i, m in enumerate(chosen):
            copy = Path(tmp) / f"m{i}"
            shutil.copytree(base, copy)
            apply(copy, m)
            t0 = time.perf_counter()
            passed, tail = run_tests(copy, m.tests)
            caught = not passed
            results.append((m, caught))
            print(f"{'caught  ' if caught else 'SURVIVED'} {m.name:<52} {time.perf_counter() - t0:5.1f} s  "
                  f"({' '.join(m.tests)}: {tail[-160:]})", flush=True)
            shutil.rmtree(copy)
    survived = [m.name for m, caught in results if not caught]
    print(f"{len(results) - len(survived)} of {len(results)} mutants caught"
          + (f"; survived: {', '.join(survived)}" if survived else ""))
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
