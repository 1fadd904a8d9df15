"""Determinism: the same `painter paint` command twice gives byte-identical JSON.

Runs the CLI twice with --seed 7 on the astronaut photo (256x256; 500 strokes,
default steps; --quick: 100 strokes, 30 steps), writing the stroke JSON to two
paths, and compares their SHA-256. Bar: identical.
"""
from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from _common import astronaut, bar, finish, parse_args, run_benchmark, run_cli, save_png, say


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    opts = ["--strokes", 100, "--steps", 30] if args.quick else ["--strokes", 500]
    digests = []
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        photo = save_png(astronaut(256), d / "photo.png")
        for i in (1, 2):
            out = d / f"run{i}.json"
            wall = run_cli(["paint", photo, "--style", "none", "--size", 256, "--seed", 7, *opts,
                            "-o", out, "--quiet"])
            digests.append(hashlib.sha256(out.read_bytes()).hexdigest())
            say(f"run {i}: {wall:.1f} s, sha256 {digests[-1]}  ({out.stat().st_size} bytes)")
    same = digests[0] == digests[1]
    say("the two JSON files are " + ("identical" if same else "DIFFERENT"))
    figures = {"options": [str(o) for o in opts], "seed": 7, "sha256": digests}
    finish("determinism", args.quick, figures, {"identical": bar(float(same), 1.0, at_most=False)})


if __name__ == "__main__":
    run_benchmark("determinism", main)
