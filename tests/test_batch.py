"""painter batch (issue 15): a folder of images painted on worker processes, broken
ones named, reruns that repaint nothing, and a killed driver that never leaves a
partial output."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from painter.batch import batch, discover

from .conftest import free_port

PHOTOS = ("astronaut", "chelsea", "coffee", "rocket")


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """8 small photos (p0..p5 at the top, p6 and p7 in more/, and one PNG named
    photo-named.txt: images are recognized by content), one truncated JPEG and a text
    file that is no image."""
    from skimage import data

    d = tmp_path_factory.mktemp("photos")
    (d / "more").mkdir()
    names = ["p0.png", "p1.jpg", "p2.png", "p3.jpg", "p4.png", "p5.jpg", "more/p6.png", "more/p7.jpg"]
    for i, name in enumerate(names[:7]):
        img = Image.fromarray(getattr(data, PHOTOS[i % 4])()).resize((56 + 4 * i, 44))
        img.save(d / name, format="JPEG" if name.endswith(".jpg") else "PNG")
    Image.fromarray(data.camera()).resize((64, 48)).convert("RGB").save(d / "photo-named.txt", format="PNG")
    (d / "broken.jpg").write_bytes((d / "p1.jpg").read_bytes()[:400])
    (d / "readme.txt").write_text("not an image")
    return d


def _run(*args, cwd=None, timeout=600):
    return subprocess.run([sys.executable, "-m", "painter", "batch", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout)


FAST = ("--steps", "10", "--size", "48", "--strokes", "40")


def test_a_folder_is_painted_the_broken_image_named_and_a_rerun_repaints_nothing(folder, tmp_path):
    out = tmp_path / "out"
    r = _run(folder, "-o", out, "--format", "png,json", "--workers", "2", *FAST)
    assert r.returncode == 1, r.stderr
    pngs = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png"))
    assert len(pngs) == 8 and "more/p6.png" in pngs and "photo-named.png" in pngs, pngs
    assert len(list(out.rglob("*.json"))) == 8 + 1  # and failures.json
    assert "broken.jpg" in r.stderr and "truncated" in r.stderr.lower()
    failures = json.loads((out / "failures.json").read_text())["failed"]
    assert [f["image"] for f in failures] == ["broken.jpg"]
    for p in out.rglob("*.png"):
        Image.open(p).load()  # complete pictures
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and p.name != "failures.json"}
    start = time.perf_counter()
    again = _run(folder, "-o", out, "--format", "png,json", "--workers", "2", *FAST)
    took = time.perf_counter() - start
    assert again.returncode == 1 and "8 already done" in again.stderr, again.stderr
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps  # nothing repainted
    assert took <= 10, took


def test_the_same_seed_gives_the_same_stroke_files_with_one_worker_or_two(folder, tmp_path):
    one = batch([folder / "p0.png", folder / "p1.jpg"], tmp_path / "one", formats=("json",), workers=1,
                steps=6, size=48, strokes=30)
    two = batch([folder / "p0.png", folder / "p1.jpg"], tmp_path / "two", formats=("json",), workers=2,
                steps=6, size=48, strokes=30)
    assert one.ok and two.ok and sorted(one.painted) == sorted(two.painted) == ["p0.png", "p1.jpg"]
    for name in ("p0.json", "p1.json"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_inputs_files_folders_and_lists(folder, tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_text(f"# photos\n{folder / 'p0.png'}\n\n{os.path.relpath(folder / 'more' / 'p6.png', tmp_path)}\n")
    items = discover([listing, folder / "p2.png"], tmp_path / "out", ("png", "svg"))
    assert [i.source.name for i in items] == ["p0.png", "p6.png", "p2.png"]
    assert items[0].outputs == (tmp_path / "out" / "p0.png", tmp_path / "out" / "p0.svg")
    # two images that would share a name keep their extensions
    (tmp_path / "twins").mkdir()
    for ext in ("png", "jpg"):
        Image.new("RGB", (8, 8)).save(tmp_path / "twins" / f"a.{ext}")
    names = sorted(i.outputs[0].name for i in discover([tmp_path / "twins"], tmp_path / "o", ("png",)))
    assert names == ["a.jpg.png", "a.png.png"]
    with pytest.raises(ValueError, match="no such file"):
        discover([tmp_path / "nowhere"], tmp_path / "o", ("png",))
    with pytest.raises(ValueError, match="readme.txt, line 1: not an image: no such file"):
        discover([folder / "readme.txt"], tmp_path / "o", ("png",))  # read as a list of paths


@pytest.mark.parametrize("args, code, words", [
    (("--format", "png,bmp"), 2, "not a format"),
    (("--workers", "0"), 2, "--workers"),
    (("--style", "van_gog"), 2, "van_gogh"),
])
def test_bad_options_are_one_line(folder, tmp_path, args, code, words):
    r = _run(folder, "-o", tmp_path / "out", *args)
    assert r.returncode == code and words in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / "out").exists()


def test_a_killed_driver_leaves_no_partial_output_and_the_next_run_finishes(folder, tmp_path):
    out = tmp_path / "out"
    for delay in (2.5, 4.0):
        proc = subprocess.Popen([sys.executable, "-m", "painter", "batch", str(folder), "-o", str(out), "-q",
                                 "--format", "png,json,svg", "--steps", "40", "--size", "64"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)  # the driver and its workers, at once
        proc.wait()
        for p in out.rglob("*"):
            if p.is_file() and not p.name.startswith("."):
                if p.suffix == ".png":
                    Image.open(p).load()
                elif p.suffix == ".json":
                    json.loads(p.read_text())
                elif p.suffix == ".svg":
                    assert p.read_text().rstrip().endswith("</svg>")
    r = _run(folder, "-o", out, "-q", "--format", "png,json,svg", "--steps", "40", "--size", "64")
    assert r.returncode == 1 and len(list(out.rglob("*.png"))) == 8, r.stderr
    assert not [p for p in out.rglob(".*") if p.is_file()]  # no temporary file left behind


RAY = Path(sys.executable).with_name("ray")


@pytest.fixture
def ray_cluster(monkeypatch):
    """A two-node Ray cluster on this machine (a head and one more node, one CPU each),
    started with the ``ray`` command as a user would; yields the head's address."""
    import shutil
    import tempfile

    pytest.importorskip("ray", reason="Ray is not installed (make install installs painter[cluster])")
    # the nodes, `ray status` and the driver all without tokens, whatever ~/.ray holds
    # from an earlier `--ray auto` (a local instance turns token authentication on)
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    port = free_port()
    temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # Ray's socket paths must stay short
    common = ["--node-ip-address", "127.0.0.1", "--num-cpus", "1", "--object-store-memory", "100000000",
              "--disable-usage-stats", "--block"]
    nodes = [subprocess.Popen([str(RAY), "start", "--head", "--port", str(port), "--include-dashboard", "false",
                               "--temp-dir", temp, *common], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)]
    address = f"127.0.0.1:{port}"
    try:
        _wait_for_nodes(address, 1)
        nodes.append(subprocess.Popen([str(RAY), "start", "--address", address, *common],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        _wait_for_nodes(address, 2)
        yield address
    finally:
        for proc in reversed(nodes):
            proc.send_signal(signal.SIGTERM)  # `ray start --block` stops its node's processes
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        shutil.rmtree(temp, ignore_errors=True)


def _wait_for_nodes(address: str, count: int, timeout: float = 90) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r = subprocess.run([str(RAY), "status", "--address", address], capture_output=True, text=True)
        if r.returncode == 0 and r.stdout.count(" node_") >= count:
            return
        time.sleep(1)
    raise AssertionError(f"the Ray cluster at {address} did not reach {count} nodes")


def _ray_workers() -> list[int]:
    r = subprocess.run(["pgrep", "-f", "ray::_paint_one_thread"], capture_output=True, text=True)
    return [int(p) for p in r.stdout.split()]


@pytest.mark.slow
def test_a_two_node_ray_cluster_paints_the_same_files_and_survives_a_killed_worker(folder, tmp_path, ray_cluster):
    local = _run(folder, "-o", tmp_path / "local", "--format", "png,json", "--workers", "2", "-q", *FAST)
    on_ray = _run(folder, "-o", tmp_path / "ray", "--format", "png,json", "--ray", ray_cluster, "-q", *FAST)
    assert local.returncode == on_ray.returncode == 1 and "broken.jpg" in on_ray.stderr, on_ray.stderr
    strokes = sorted(p.relative_to(tmp_path / "local") for p in (tmp_path / "local").rglob("*.json")
                     if p.name != "failures.json")
    assert len(strokes) == 8 and len(list((tmp_path / "ray").rglob("*.png"))) == 8
    for rel in strokes:  # the same seed gives the same strokes on the cluster
        assert (tmp_path / "ray" / rel).read_bytes() == (tmp_path / "local" / rel).read_bytes(), rel

    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "painter", "batch", str(folder), "-o", str(out), "-q",
                             "--format", "png,json", "--ray", ray_cluster, "--steps", "150", "--size", "48",
                             "--strokes", "40"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed = None
    end = time.monotonic() + 120
    while killed is None and time.monotonic() < end and proc.poll() is None:
        workers = _ray_workers()
        if workers:
            time.sleep(1.0)  # well into a painting
            try:
                os.kill(workers[0], signal.SIGKILL)
                killed = workers[0]
            except ProcessLookupError:
                continue
        time.sleep(0.2)
    _, err = proc.communicate(timeout=600)
    assert killed is not None, "no Ray worker was seen painting"
    assert proc.returncode == 1, err
    assert len(list(out.rglob("*.png"))) == 8 and len(list(out.rglob("*.json"))) == 8 + 1, err
    assert [f["image"] for f in json.loads((out / "failures.json").read_text())["failed"]] == ["broken.jpg"]


def test_ray_missing_says_how_to_install_it(folder, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    with pytest.raises(ValueError, match=r"pip install 'painter\[cluster\]'"):
        batch([folder / "p0.png"], tmp_path / "out", ray="auto", steps=2, size=32, strokes=10)
    assert not list((tmp_path / "out").rglob("*.png"))
