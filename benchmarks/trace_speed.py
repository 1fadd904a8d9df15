"""Tracing as a whole process: `painter trace` of a 512 px photo against vtracer.

`painter trace astronaut.png -o out.svg -q` (16 colours, no refine: the defaults) is
run as its own process several times, and so is vtracer (its Python binding,
`convert_image_to_svg_py`, colour mode, in a fresh interpreter) on the same photo in
the same run: the figures are median wall seconds and peak RSS. The SVG is compared
byte for byte with the one painter wrote before tracing lost torch (issue 26): its
SHA-256, for this photo and this command in an empty folder, is REFERENCE_SHA256
(made by commit 1d2aebe's paths, with the <title> and <metadata> of issue 28 saying what
made it: the same bytes otherwise; a change to the picture, the metadata or painter's
version says so in its message).

Bars (issue 26): median wall <= 1.0 s; the SVG identical to the reference. vtracer
is measured alongside (the issue's comparison: 0.2-0.4 s) when it is installed.
"""
from __future__ import annotations

import hashlib
import importlib.util
import sys
import tempfile
from pathlib import Path

from _common import astronaut, bar, finish, measure_runs, painter_cmd, parse_args, run_benchmark, save_png, say

MAX_WALL_S = 1.0
#: `painter trace astronaut.png -o out.svg -q` (skimage's astronaut, 512 px): 1d2aebe's
#: paths, issue 28's title and metadata, painter 0.1.0
REFERENCE_SHA256 = "ff56d0e0c2e2b0744d1be7b215944b59fd86ddf9b69f4630ed552b1dd3c944ef"
VTRACER = "import sys, vtracer; vtracer.convert_image_to_svg_py(sys.argv[1], sys.argv[2], colormode='color')"


def in_folder(folder: Path, cmd: list[str]) -> list[str]:
    """``cmd`` run in ``folder`` (the recorded output paths stay relative)."""
    return ["/usr/bin/env", "-C", str(folder), *cmd]


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    repeats = 2 if args.quick else 5
    figures: dict = {"repeats": repeats}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        save_png(astronaut(512), folder / "astronaut.png")
        figures["painter"] = m = measure_runs(
            in_folder(folder, painter_cmd() + ["trace", "astronaut.png", "-o", "out.svg", "-q"]), repeats, check=True)
        say(f"painter trace: {m['median_wall_s']:.3f} s, {m['peak_rss_mb']:.0f} MB")
        digest = hashlib.sha256((folder / "out.svg").read_bytes()).hexdigest()
        figures["svg_sha256"] = digest
        if importlib.util.find_spec("vtracer") is not None:
            figures["vtracer"] = v = measure_runs(
                in_folder(folder, [sys.executable, "-c", VTRACER, "astronaut.png", "vt.svg"]), repeats, check=True)
            say(f"vtracer: {v['median_wall_s']:.3f} s, {v['peak_rss_mb']:.0f} MB")
    same = digest == REFERENCE_SHA256
    bars = {"wall_s": bar(figures["painter"]["median_wall_s"], MAX_WALL_S, unit=" s"),
            "svg_identical": {"value": int(same), "limit": 1, "op": ">=", "unit": "", "pass": same}}
    finish("trace_speed", args.quick, figures, bars)


if __name__ == "__main__":
    run_benchmark("trace_speed", main)
