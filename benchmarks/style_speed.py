"""Neural painting at 512 px (issue bars): `painter paint <astronaut 512px> --style
van_gogh` with defaults, (a) with no VGG weights (never downloaded): <= 90 s wall, <= 3 GB
peak, exit 0 with one short notice line, nothing under --quiet; (b) with an injected random VGG19 (weights file):
<= 150 s wall, and its style loss at the end <= 50% of its value at the start.
"""
import json
import os
import resource
import subprocess
import tempfile
import time
from pathlib import Path

from _common import astronaut, bar, finish, painter_cmd, parse_args, run_benchmark, save_png, say

WALL_OFFLINE, WALL_VGG, PEAK_MB, STYLE_RATIO = 90.0, 150.0, 3072.0, 0.5


def _run(args: list[str], env: dict) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MB of the child, stderr) of one CLI run."""
    t0 = time.perf_counter()
    p = subprocess.run(painter_cmd() + args, capture_output=True, text=True, env=env, timeout=1800)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"painter exited {p.returncode}: {' '.join(p.stderr.split())[-300:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest child so far
    return wall, peak, p.stderr


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    size, extra = (256, ["--steps", "40"]) if args.quick else (512, [])
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        photo = save_png(astronaut(512), tmp / "astronaut.png")
        env = {k: v for k, v in os.environ.items() if k != "PAINTER_VGG_WEIGHTS"}
        env["TORCH_HOME"] = str(tmp / "torch")  # an empty hub cache: no weights anywhere
        base = ["paint", str(photo), "--style", "van_gogh", "--size", str(size), *extra]

        wall_off, peak_off, err = _run(base + ["-o", str(tmp / "off.json")], env)  # not quiet: the notice shows
        notes = [l for l in err.splitlines() if "VGG19" in l]
        _, _, quiet_err = _run(base + ["--quiet", "--steps", "0", "-o", str(tmp / "quiet.json")], env)
        say(f"offline: {wall_off:.1f} s, peak {peak_off:.0f} MB, notice: {notes[0] if notes else '(none)'}")

        import torch
        from painter.style.perceptual import random_vgg_state_dict

        weights = tmp / "random_vgg19.pth"
        torch.save(random_vgg_state_dict(), weights)
        wall_vgg, _, _ = _run(base + ["--quiet", "--weights", str(weights), "-o", str(tmp / "vgg.json")], env)
        meta = json.loads((tmp / "vgg.json").read_text())["meta"]
        sl = meta["style_loss"]
        ratio = sl["end"] / sl["start"]
        say(f"random VGG: {wall_vgg:.1f} s, style loss {sl['start']:.4f} -> {sl['end']:.4f} (ratio {ratio:.3f})")

    figures = {"size": size, "offline": {"wall_s": wall_off, "peak_mb": peak_off, "notice": notes},
               "random_vgg": {"wall_s": wall_vgg, "style_loss": sl, "ratio": ratio}}
    bars = {
        "notice_one_line": bar(float(len(notes) == 1 and len(notes[0]) <= 100 and "painter weights fetch" in notes[0]
                                     and quiet_err.strip() == ""), 1.0, at_most=False),
        "offline_wall_s": bar(wall_off, WALL_OFFLINE, unit=" s"),
        "offline_peak_mb": bar(peak_off, PEAK_MB, unit=" MB"),
        "vgg_wall_s": bar(wall_vgg, WALL_VGG, unit=" s"),
        "style_loss_ratio": bar(ratio, STYLE_RATIO),
    }
    finish("style_speed", args.quick, figures, bars)


if __name__ == "__main__":
    run_benchmark("style_speed", main)
