"""Many strokes, large canvases: the engine's cost follows the strokes being worked on.

1. Kotovenko et al.'s setting: `painter paint astronaut.png --style none --strokes
   5000 --size 512` (the 512x512 photo), medians of 3 runs. Bars: wall <= 25 s,
   PSNR >= 34 dB.
2. `--strokes 20000 --size 1024` on the astronaut resized to 1024x1024. Bars: wall
   <= 150 s, peak RSS <= 3 GB; PSNR reported.
3. Per-step cost against the strokes already painted: four equal layers of 5000
   strokes at 1024 px, no polish, 12 steps each, in this process; the median ms per
   step of each layer. Bar: the last layer's (15000 frozen strokes beneath) is at
   most 1.25 times the first's (none beneath).
4. Whether the final polish pays for itself: setting 1 in this process with the
   polish, and without it (POLISH_SHARE = 0) given the same wall time (more
   layered steps); PSNR of each is reported.
Runs 1 and 2 are each one process (wall and peak RSS from wait4).
--quick: run 1 with 60 steps and run 3 with layers of 1000 strokes at 512 px; only
bar 3 is checked.
"""
from __future__ import annotations

import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from _common import (
    bar, finish, painter_cmd, parse_args, photo, psnr, read_png, run_benchmark, run_measured, save_png, say,
)

WALL_5K, PSNR_5K, WALL_20K, RSS_MAX_MB, GROWTH_MAX = 25.0, 34.0, 150.0, 3072.0, 1.25


def cli_run(src, d: Path, name: str, args: list) -> dict:
    path = save_png(src, d / f"{name}.png")
    out = d / f"{name}-out.png"
    run = run_measured(painter_cmd() + ["paint", path, "--style", "none", "-q", *args, "-o", out], check=True)
    run["psnr_db"] = psnr(read_png(out), src)
    del run["stderr"]
    return run


@contextmanager
def no_polish():
    """Runs painted inside have no final polish (painter.engine.plan.POLISH_SHARE = 0)."""
    import importlib

    plan = importlib.import_module("painter.engine.plan")
    share, plan.POLISH_SHARE = plan.POLISH_SHARE, 0.0
    try:
        yield
    finally:
        plan.POLISH_SHARE = share


def step_cost(strokes_per_layer: int, size: int, steps: int) -> list[dict]:
    """Median ms per step of each of four equal layers painted one over the other."""
    import torch

    from painter.engine.run import paint
    from painter.style.styles import LayerSpec

    img = torch.from_numpy(photo("astronaut", size).copy()).permute(2, 0, 1).float() / 255
    times: dict[int, list[float]] = {}
    last = [time.perf_counter()]

    def tick(step, strokes, image) -> None:
        now = time.perf_counter()
        times.setdefault(len(strokes), []).append(1000 * (now - last[0]))
        last[0] = now

    with no_polish():
        layers = (LayerSpec(0.25, 0.4, 0.25, 1.0),) * 4
        paint(img, style="none", strokes=4 * strokes_per_layer, size=size, steps=4 * steps, layers=layers,
              callback=tick)
    return [{"frozen_beneath": n - strokes_per_layer, "active": strokes_per_layer,
             "ms_per_step": statistics.median(ts[1:])} for n, ts in sorted(times.items())]


def polish_payoff(src) -> dict:
    """PSNR of setting 1 with the polish and without it in the same wall time."""
    import torch

    from painter.engine.run import paint

    img = torch.from_numpy(src.copy()).permute(2, 0, 1).float() / 255

    def run(steps: int) -> tuple[float, float]:
        t0 = time.perf_counter()
        r = paint(img, style="none", strokes=5000, size=512, steps=steps)
        return time.perf_counter() - t0, r.psnr

    t_polish, db_polish = run(240)
    with no_polish():
        t0, _ = run(240)
        steps = round(240 * t_polish / t0)
        t_plain, db_plain = run(steps)
    return {"with_polish": {"steps": 240, "wall_s": t_polish, "psnr_db": db_polish},
            "layers_only": {"steps": steps, "wall_s": t_plain, "psnr_db": db_plain}}


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    figures, bars = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        a512 = photo("astronaut", 512)
        quick = ["--steps", "60"] if args.quick else []
        runs = [cli_run(a512, d, "a512", ["--strokes", 5000, "--size", 512, *quick])
                for _ in range(1 if args.quick else 3)]
        figures["strokes_5000_at_512"] = r = {key: statistics.median(x[key] for x in runs) for key in runs[0]}
        r["wall_runs"] = [x["wall_s"] for x in runs]
        say(f"5000 strokes at 512 px: {r['wall_s']:.1f} s (median of {len(runs)}), {r['peak_rss_mb']:.0f} MB, "
            f"PSNR {r['psnr_db']:.2f} dB")
        if not args.quick:
            bars["wall_5000_at_512"] = bar(r["wall_s"], WALL_5K, unit=" s")
            bars["psnr_5000_at_512"] = bar(r["psnr_db"], PSNR_5K, at_most=False, unit=" dB")
            figures["strokes_20000_at_1024"] = r = cli_run(photo("astronaut", 1024), d, "a1024",
                                                           ["--strokes", 20000, "--size", 1024])
            say(f"20000 strokes at 1024 px: {r['wall_s']:.1f} s, {r['peak_rss_mb']:.0f} MB, "
                f"PSNR {r['psnr_db']:.2f} dB")
            bars["wall_20000_at_1024"] = bar(r["wall_s"], WALL_20K, unit=" s")
            bars["rss_20000_at_1024"] = bar(r["peak_rss_mb"], RSS_MAX_MB, unit=" MB")
    per_layer, size = (1000, 512) if args.quick else (5000, 1024)
    figures["step_cost"] = rows = step_cost(per_layer, size, 12)
    for row in rows:
        say(f"layer of {row['active']} strokes over {row['frozen_beneath']} frozen ones at {size} px: "
            f"{row['ms_per_step']:.0f} ms per step")
    bars["step_cost_growth"] = bar(rows[-1]["ms_per_step"] / rows[0]["ms_per_step"], GROWTH_MAX)
    if not args.quick:
        figures["polish"] = p = polish_payoff(a512)
        say(f"polish: {p['with_polish']['psnr_db']:.2f} dB in {p['with_polish']['wall_s']:.1f} s; layers only "
            f"({p['layers_only']['steps']} steps): {p['layers_only']['psnr_db']:.2f} dB in "
            f"{p['layers_only']['wall_s']:.1f} s")
    finish("many_strokes", args.quick, figures, bars)


if __name__ == "__main__":
    run_benchmark("many_strokes", main)
