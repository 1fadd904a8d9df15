"""Render speed against resvg, and peak memory of a large forward+backward.

For random strokes (1,000 at 256x256 and 5,000 at 512x512) it times, as medians:
resvg rasterizing the SVG export of the strokes (PNG bytes out; the SVG is made
once, outside the timing), ``painter.render`` under no_grad, and render + MSE loss
+ backward. Bars: forward <= 3x resvg, forward+backward <= 10x resvg, and the peak
RSS of a 5,000-stroke 512x512 forward+backward in a fresh process < 3 GB.
--quick: 5 repeats, only the 1,000-stroke timing case, and the memory probe on 1,000
strokes at 256x256 (bar: < 1 GB).
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys

import torch

import painter
from painter.export import to_svg

from _common import bar, finish, median_time, parse_args, rasterize_svg, run_benchmark, say

CASES = [(1000, 256), (5000, 512)]  # (strokes, pixels)
MEM_CASE, QUICK_MEM_CASE = (5000, 512), (1000, 256)
SEED = 0
FWD_MAX, FWDBWD_MAX, PEAK_MB_MAX, QUICK_PEAK_MB_MAX = 3.0, 10.0, 3072, 1024


def fwd_bwd_fn(strokes: painter.StrokeSet, px: int):
    """A closure running render + MSE vs a fixed random target + backward."""
    params = [t.detach().clone().requires_grad_() for t in (strokes.points, strokes.widths, strokes.colors,
                                                             strokes.opacity)]
    s = painter.StrokeSet(*params, strokes.layer, strokes.canvas)
    target = torch.rand(3, px, px, generator=torch.Generator().manual_seed(1))

    def run() -> None:
        for p in params:
            p.grad = None
        loss = ((painter.render(s, px, px) - target) ** 2).mean()
        loss.backward()

    return run


def measure_case(n: int, px: int, repeats: int) -> dict:
    strokes = painter.StrokeSet.random(n, seed=SEED)
    svg = to_svg(strokes, px, px)

    def fwd() -> None:
        with torch.no_grad():
            painter.render(strokes, px, px)

    t_resvg = median_time(lambda: rasterize_svg(svg), repeats)
    t_fwd = median_time(fwd, repeats)
    t_fb = median_time(fwd_bwd_fn(strokes, px), repeats)
    r = {"strokes": n, "px": px, "svg_kb": round(len(svg) / 1024), "resvg_s": t_resvg, "fwd_s": t_fwd,
         "fwdbwd_s": t_fb, "fwd_over_resvg": t_fwd / t_resvg, "fwdbwd_over_resvg": t_fb / t_resvg}
    say(f"{n:>5} strokes {px}x{px} (SVG {r['svg_kb']} KB): resvg {1e3 * t_resvg:7.1f} ms | "
        f"forward {1e3 * t_fwd:7.1f} ms ({r['fwd_over_resvg']:.2f}x) | "
        f"forward+backward {1e3 * t_fb:7.1f} ms ({r['fwdbwd_over_resvg']:.2f}x)")
    return r


def rss_high_water_mb() -> tuple[float, float]:
    """(VmHWM of this process, getrusage ru_maxrss) in MB. On Linux ru_maxrss carries the
    parent's high-water mark over fork+exec, so VmHWM (reset by exec) is the figure we use."""
    ru = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    try:
        with open("/proc/self/status") as f:
            hwm = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024
    except OSError:
        hwm = ru
    return hwm, ru


def peak_memory_child(n: int, px: int) -> None:
    """Hidden mode: one forward+backward in this fresh process; print RSS high-water marks (MB)."""
    baseline, _ = rss_high_water_mb()
    fwd_bwd_fn(painter.StrokeSet.random(n, seed=SEED), px)()
    peak, ru_maxrss = rss_high_water_mb()
    print(json.dumps({"baseline_mb": baseline, "peak_mb": peak, "ru_maxrss_mb": ru_maxrss}))


def measure_peak_memory(n: int, px: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--peak-mem-child", str(n), str(px)],
                         capture_output=True, text=True, check=True, timeout=600).stdout
    r = json.loads(out.strip().splitlines()[-1])
    say(f"peak RSS of a {n}-stroke {px}x{px} forward+backward (fresh process): {r['peak_mb']:.0f} MB "
        f"(after imports: {r['baseline_mb']:.0f} MB)")
    return r


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], lambda ap: ap.add_argument(
        "--peak-mem-child", nargs=2, type=int, metavar=("N", "PX"), help="internal: memory probe"))
    if args.peak_mem_child:
        return peak_memory_child(*args.peak_mem_child)
    repeats = 5 if args.quick else 11
    say(f"render speed vs resvg: medians of {repeats} runs after 1 warm-up, {torch.get_num_threads()} torch threads")
    cases = [measure_case(n, px, repeats) for n, px in (CASES[:1] if args.quick else CASES)]
    mem_case = QUICK_MEM_CASE if args.quick else MEM_CASE
    mem = measure_peak_memory(*mem_case)
    bars = {}
    for c in cases:
        key = f"{c['strokes']}@{c['px']}"
        bars[f"fwd_over_resvg_{key}"] = bar(c["fwd_over_resvg"], FWD_MAX, unit="x")
        bars[f"fwdbwd_over_resvg_{key}"] = bar(c["fwdbwd_over_resvg"], FWDBWD_MAX, unit="x")
    bars["peak_rss_mb"] = bar(mem["peak_mb"], QUICK_PEAK_MB_MAX if args.quick else PEAK_MB_MAX, unit=" MB")
    memory = {"strokes": mem_case[0], "px": mem_case[1], **mem}
    finish("render_speed", args.quick, {"repeats": repeats, "cases": cases, "memory": memory}, bars)


if __name__ == "__main__":
    run_benchmark("render_speed", main)
