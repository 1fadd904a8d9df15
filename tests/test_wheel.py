"""The package as a user installs it: the built wheel in a fresh virtualenv, run from
a folder outside the checkout (slow: a fresh venv installs torch; CI runs it).

Builds the sdist and, from the sdist, the wheel (``python -m build``, as a release
would), checks what they carry, installs the wheel (not editable) into a new venv,
then runs ``painter --version``, ``painter styles`` and a small ``painter paint
--style van_gogh`` there.
"""
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from painter import __version__

from .conftest import ROOT, photo

PRESETS = sorted(p.stem for p in (ROOT / "styles").glob("*.toml"))


def _run(cmd, cwd, timeout=900, env=None):
    r = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    assert r.returncode == 0, f"{cmd}: exit {r.returncode}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r


@pytest.mark.slow
def test_wheel_installs_and_paints_outside_the_checkout():
    with tempfile.TemporaryDirectory(prefix="painter-wheel-") as tmp:  # ~6 GB of venv: removed at once
        tmp = Path(tmp)
        dist, venv, work = tmp / "dist", tmp / "venv", tmp / "work"
        work.mkdir()
        _run([sys.executable, "-m", "build", "--outdir", dist, ROOT], cwd=tmp)
        (wheel,) = dist.glob("painter-*.whl")
        (sdist,) = dist.glob("painter-*.tar.gz")
        assert wheel.name == f"painter-{__version__}-py3-none-any.whl" and __version__ in sdist.name

        with zipfile.ZipFile(wheel) as z:
            names = set(z.namelist())
            meta = z.read(f"painter-{__version__}.dist-info/METADATA").decode()
        assert {f"painter/builtin_styles/{n}.toml" for n in PRESETS} <= names
        assert f"painter-{__version__}.dist-info/licenses/LICENSE" in names
        for field in ("Requires-Python: >=3.10", "License-Expression: MIT", "Project-URL: ", "Classifier: ",
                      "Description-Content-Type: text/markdown", "Requires-Dist: torch"):
            assert field in meta, field

        base = getattr(sys, "_base_executable", sys.executable)
        _run([base, "-m", "venv", venv], cwd=tmp)
        _run([venv / "bin" / "python", "-m", "pip", "install", "-q", wheel], cwd=tmp, timeout=1800)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        painter = venv / "bin" / "painter"

        where = _run([venv / "bin" / "python", "-c", "import painter; print(painter.__file__)"], work, env=env)
        assert str(venv) in where.stdout and str(ROOT) not in where.stdout  # the installed copy, not the checkout
        assert _run([painter, "--version"], work, env=env).stdout.split()[-1] == __version__
        listed = [line.split()[0] for line in _run([painter, "styles"], work, env=env).stdout.splitlines()]
        assert listed == PRESETS

        Image.fromarray(photo("chelsea", 80)).save(work / "photo.png")
        _run([painter, "paint", "photo.png", "--style", "van_gogh", "--size", "64", "--steps", "12", "-q",
              "-o", "painting.png", "-o", "painting.svg", "-o", "painting.json"], work, env=env)
        with Image.open(work / "painting.png") as im:
            assert im.size == (80, 80)  # the photo's own size; the working size was 64
        strokes = json.loads((work / "painting.json").read_text())
        assert strokes["meta"]["style"] == "van_gogh" and len(strokes["strokes"]) > 100
        assert strokes["meta"]["size"] == 64 and strokes["meta"]["output_size"] == 80
        assert (work / "painting.svg").read_text().count("<path") > 100
