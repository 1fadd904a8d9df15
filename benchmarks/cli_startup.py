"""Command-line start-up: the commands that paint nothing answer at once.

`painter --help`, `painter paint --help`, `painter styles`, `painter --version` and a
usage error are each run several times as their own process; the figures are the
median wall time and the peak resident memory (the child's ru_maxrss, from wait4).
Measured in the same run for comparison: `python -c "import torch"`, which every one
of these commands paid before the command line imported torch lazily, and the bare
interpreter start (`python -c pass`), the floor.

Bars: peak RSS <= 150 MB and median wall <= 0.6 s for each of the four commands;
the usage error exits 2 with one line on stderr.
"""
from __future__ import annotations

import os
import sys

from _common import bar, finish, measure_runs, painter_cmd, parse_args, run_benchmark, say

COMMANDS = {"help": ["--help"], "paint_help": ["paint", "--help"], "styles": ["styles"], "version": ["--version"],
            "usage_error": ["paint", "photo.jpg", "--no-such-option"]}
MAX_RSS_MB, MAX_WALL_S = 150.0, 0.6


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    repeats = 5 if args.quick else 9
    py = sys.executable
    figures: dict = {"repeats": repeats, "load_before": os.getloadavg()[0]}
    refs = {"python_bare": [py, "-c", "pass"], "python_import_torch": [py, "-c", "import torch"]}
    for name, cmd in refs.items():
        figures[name] = m = measure_runs(cmd, repeats, timeout=120)
        say(f"reference {name}: {m['median_wall_s']:.3f} s, {m['peak_rss_mb']:.0f} MB")
    bars = {}
    for name, argv in COMMANDS.items():
        figures[name] = m = measure_runs(painter_cmd() + argv, repeats, timeout=120)
        say(f"painter {' '.join(argv)}: {m['median_wall_s']:.3f} s, {m['peak_rss_mb']:.0f} MB, exit {m['exit']}")
        if name == "usage_error":
            lines = m["stderr"].splitlines()
            ok = m["exit"] == [2] and len(lines) == 1 and lines[0].startswith("painter: error:")
            bars["usage_error_exit2_one_line"] = {"value": int(ok), "limit": 1, "op": ">=", "unit": "", "pass": ok}
        else:
            bars[f"peak_rss_mb_{name}"] = bar(m["peak_rss_mb"], MAX_RSS_MB, unit=" MB")
            bars[f"wall_s_{name}"] = bar(m["median_wall_s"], MAX_WALL_S, unit=" s")
        m.pop("stderr")
    figures["load_after"] = os.getloadavg()[0]
    finish("cli_startup", args.quick, figures, bars)


if __name__ == "__main__":
    run_benchmark("cli_startup", main)
