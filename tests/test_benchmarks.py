"""Smoke runs of the benchmarks (slow; CI runs them with `make test-slow`).

Quality, fidelity, determinism and memory bars must hold even in the reduced runs;
wall-time bars are checked by the full benchmarks, not here, because a shared CI
machine's timings say more about its neighbours than about the code.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TIMING = ("wall_s", "fwd_over_resvg", "fwdbwd_over_resvg", "offline_wall_s", "vgg_wall_s", "busy_p95_ms", "ratio")


@pytest.mark.slow
@pytest.mark.parametrize("name", ["batch_scaling", "cli_startup", "coverage", "fidelity", "full_size", "many_strokes",
                                  "presets", "quality", "determinism", "materials", "render_speed",
                                  "style_match", "style_palette", "style_speed", "studio_faults", "studio_load", "trace_bw",
                                  "trace_color", "trace_refine", "trace_speed"])
def test_benchmark_quick(name):
    if name in ("style_match", "style_palette") and not (ROOT.parent / "shared" / "data" / "styles").is_dir():
        pytest.skip("the paintings in ../shared/data/styles are not beside this checkout")
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / f"{name}.py"), "--quick"],
                       capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert r.returncode in (0, 1), r.stdout[-2000:] + r.stderr[-2000:]
    result = json.loads(r.stdout.strip().splitlines()[-1])
    assert result["benchmark"] == name and result["bars"]
    for key, b in result["bars"].items():
        if not key.startswith(TIMING):
            assert b["pass"], (key, b)
