"""Every example script runs, at a tiny size."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = {
    "gallery.py": ["--size", "32", "--strokes", "30", "--steps", "4", "--photos", "coffee", "--refine", "2"],
    "recolor.py": ["--size", "32", "--strokes", "30", "--steps", "4"],
    "two_styles.py": ["--size", "32", "--steps", "4"],
    "custom_loss.py": ["--size", "32", "--strokes", "30", "--steps", "12", "--every", "5"],
}


@pytest.mark.parametrize("script", sorted(TINY))
def test_example_runs(script, tmp_path):
    r = subprocess.run([sys.executable, str(ROOT / "examples" / script), *TINY[script], "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stdout[-1500:] + r.stderr[-1500:]
    assert any(tmp_path.glob("*.png")) or any(tmp_path.glob("*.svg"))


def test_every_example_is_tested():
    scripts = {p.name for p in (ROOT / "examples").glob("*.py")} - {"demo_photo.py"}
    assert scripts == set(TINY)
