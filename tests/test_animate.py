import numpy as np
import pytest

from painter import StrokeSet, render
from painter.export.animate import frame_counts, gif_frames, save_gif
from painter.image.io import to_uint8

from .conftest import photo, psnr_np, run_cli


def painting_like(n: int, seed: int = 4) -> StrokeSet:
    """Random strokes coloured like a painting: each takes the photo's colour under it."""
    import torch

    s = StrokeSet.random(n, seed=seed)
    img = torch.from_numpy(photo("astronaut", 256)).float() / 255
    c = (s.points.mean(1) * 255).long().clamp(0, 255)
    s.colors = img[c[:, 1], c[:, 0]]
    s.opacity[:] = 1.0
    s.background = (0.95, 0.9, 0.8)
    return s


def test_frame_counts():
    assert frame_counts(10, frames=3) == [0, 5, 10]
    assert frame_counts(10, strokes_per_frame=4) == [0, 4, 8, 10]
    assert frame_counts(3, frames=10) == [0, 1, 2, 3]  # never a frame without a new stroke
    with pytest.raises(ValueError):
        frame_counts(5, strokes_per_frame=0)


def test_gif_of_a_2000_stroke_painting(tmp_path):
    s = painting_like(2000)
    p = tmp_path / "a.gif"
    save_gif(s, p, size=256)
    fr = gif_frames(p)
    assert len(fr) >= 24
    assert np.array_equal(fr[0], to_uint8(render(s[:0], 256, 256)))  # the empty canvas
    assert psnr_np(fr[-1], to_uint8(render(s, 256, 256))) >= 30
    assert p.stat().st_size <= 4_000_000
    # strokes appear progressively: each frame differs from the one before
    assert all(not np.array_equal(a, b) for a, b in zip(fr, fr[1:]))


def test_cli_animate_and_paint_to_gif(tmp_path, photo_file):
    r = run_cli("paint", photo_file, "--strokes", "40", "--size", "48", "--steps", "5", "--quiet",
                "-o", tmp_path / "p.gif", "-o", tmp_path / "p.json")
    assert r.returncode == 0, r.stderr
    assert len(gif_frames(tmp_path / "p.gif")) >= 24
    r = run_cli("animate", tmp_path / "p.json", "-o", tmp_path / "q.gif", "--strokes-per-frame", "10", "--size", "64")
    assert r.returncode == 0, r.stderr
    fr = gif_frames(tmp_path / "q.gif")
    assert len(fr) == 5 and fr[0].shape == (64, 64, 3)
    r = run_cli("animate", tmp_path / "p.json", "-o", tmp_path / "q.mov")
    assert r.returncode == 2 and "gif" in r.stderr


def test_mp4(tmp_path):
    import imageio_ffmpeg

    from painter.export.animate import save_mp4

    s = painting_like(300)
    p = tmp_path / "a.mp4"
    save_mp4(s, p, size=97, fps=10, seconds=2, hold=1)
    reader = imageio_ffmpeg.read_frames(str(p))
    meta = next(reader)
    frames = [np.frombuffer(f, np.uint8).reshape(98, 98, 3) for f in reader]
    assert meta["size"] == (98, 98) and len(frames) == 21 + 9
    final = to_uint8(render(s, 97, 97))
    assert psnr_np(frames[-1][:97, :97], final) >= 28  # lossy video
    assert np.abs(frames[0][:97, :97].astype(int) - to_uint8(render(s[:0], 97, 97))).mean() < 3


def _chromium() -> str | None:
    import shutil

    return shutil.which("chromium") or shutil.which("chromium-browser")


def _screenshot(svg_path, out_png, w: int, h: int, ms: int) -> np.ndarray:
    """Headless Chromium's picture of ``svg_path`` after ``ms`` of (virtual) time (a
    still picture: tests/test_materials.py's filters)."""
    import subprocess

    from PIL import Image

    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
           f"--user-data-dir={out_png.parent / ('profile' + out_png.stem)}", "--force-device-scale-factor=1",
           f"--window-size={w},{h}", f"--virtual-time-budget={ms}", f"--screenshot={out_png}",
           svg_path.resolve().as_uri()]
    subprocess.run(cmd, capture_output=True, timeout=120, check=True)
    return np.asarray(Image.open(out_png).convert("RGB"))[:h, :w]


def _screenshots(svg_path, w: int, h: int, times_ms: list[int]) -> list[np.ndarray]:
    """Headless Chromium's pictures of ``svg_path`` with every animation of the page
    paused at each of ``times_ms`` (through Selenium: the Web Animations API sets the
    clock, so a loaded machine gives the same pictures as an idle one)."""
    import io
    import shutil

    from PIL import Image
    from selenium import webdriver

    opts = webdriver.ChromeOptions()
    opts.binary_location = _chromium()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=1",
                f"--window-size={w + 100},{h + 200}"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(options=opts, service=webdriver.ChromeService(executable_path=shutil.which("chromedriver")))
    try:
        driver.get(svg_path.resolve().as_uri())
        assert driver.execute_script("return document.getAnimations().length") > 0  # the strokes are animated
        shots = []
        for ms in times_ms:
            driver.execute_script("document.getAnimations().forEach(a => { a.pause(); a.currentTime = arguments[0]; })",
                                  ms)
            driver.execute_script("return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
            png = driver.get_screenshot_as_png()
            shots.append(np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))[:h, :w])
        return shots
    finally:
        driver.quit()


@pytest.mark.skipif((_chromium() is None or __import__("shutil").which("chromedriver") is None)
                    and not __import__("os").environ.get("CI"),
                    reason="Chromium and chromium-driver are not installed (make testdeps installs them)")
def test_animated_svg_in_a_browser(tmp_path):
    """The strokes draw themselves in Chromium: at the end the picture is the static
    SVG (as resvg draws it); half-way, some of the strokes are there, not all."""
    from .conftest import resvg_render

    s = painting_like(400)
    s.meta["size"] = 200
    s.save(tmp_path / "s.json")
    r = run_cli("animate", tmp_path / "s.json", "-o", tmp_path / "anim.svg", "--seconds", "2")
    assert r.returncode == 0, r.stderr
    r = run_cli("render", tmp_path / "s.json", "-o", tmp_path / "static.svg")
    assert r.returncode == 0, r.stderr
    static = resvg_render((tmp_path / "static.svg").read_text())
    end, half = _screenshots(tmp_path / "anim.svg", 200, 200, [2500, 1000])
    assert psnr_np(end, static) >= 30
    # half-way, about half of the strokes are there (each draws itself over its slot)
    by_count = {k: psnr_np(half, to_uint8(render(s[:k], 200, 200))) for k in (0, 100, 200, 300, 400)}
    assert max(by_count, key=by_count.get) == 200, by_count
