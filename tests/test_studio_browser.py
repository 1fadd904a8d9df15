"""The studio's page in a real browser (issue 14, bar 1): headless Chromium through
Selenium uploads a photo, picks a preset, sees previews arrive while it paints, and
downloads the SVG of the finished painting. Screenshots of each state go to
$PAINTER_SCREENSHOTS when set (to look at)."""
from __future__ import annotations

import json
import os
import shutil
import time
import urllib.request
from pathlib import Path

import pytest

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from .conftest import STUDIO_TOKEN, start_studio  # noqa: E402

CHROMIUM, DRIVER = shutil.which("chromium") or "/usr/bin/chromium", shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(DRIVER is None or not Path(CHROMIUM).exists(),
                                reason="needs Debian's chromium and chromium-driver (make testdeps)")


@pytest.fixture
def studio(tmp_path):
    proc, url = start_studio(tmp_path / "data")
    yield url
    proc.terminate()
    proc.wait(30)


@pytest.fixture
def browser():
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1300,1000"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(options=opts, service=webdriver.ChromeService(executable_path=DRIVER))
    yield driver
    driver.quit()


def _shot(driver, name: str) -> None:
    folder = os.environ.get("PAINTER_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(folder) / f"studio-{name}.png"))


def test_paint_a_photo_in_the_browser(studio, browser, tmp_path):
    from skimage import data
    from PIL import Image

    photo = tmp_path / "chelsea.png"
    Image.fromarray(data.chelsea()).resize((300, 200)).save(photo)
    browser.get(f"{studio}/?token={STUDIO_TOKEN}")  # the URL the studio prints and opens
    wait = WebDriverWait(browser, 60)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, '.style[data-style="van_gogh"]'))
    _shot(browser, "1-empty")
    upload = browser.find_element(By.ID, "photo")
    browser.execute_script("arguments[0].hidden = false", upload)
    upload.send_keys(str(photo))
    # each preset's card fills with the photo painted in it, first the plain one
    wait.until(lambda d: "thumbs/none.png" in d.find_element(By.CSS_SELECTOR, '.style[data-style="none"] .thumb')
               .get_attribute("style"))
    browser.find_element(By.CSS_SELECTOR, '.style[data-style="van_gogh"]').click()
    for field, value in (("steps", "200"), ("size", "128")):
        box = browser.find_element(By.ID, field)
        box.clear()
        box.send_keys(value)
    _shot(browser, "2-chosen")
    browser.find_element(By.ID, "go").click()
    previews = set()
    deadline = time.time() + 120
    while time.time() < deadline and browser.find_element(By.ID, "downloads").get_attribute("hidden") is not None:
        src = browser.find_element(By.ID, "canvas").get_attribute("src") or ""
        if "preview.png" in src:
            if not previews:
                _shot(browser, "3-painting")
            previews.add(src)
        time.sleep(0.1)
    assert browser.find_element(By.ID, "downloads").get_attribute("hidden") is None, "the painting did not finish"
    assert len(previews) >= 2, previews  # the canvas changed while it painted
    assert "done" in browser.find_element(By.ID, "stage").text
    _shot(browser, "4-done")
    links = {a.text: a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "#downloads a")}
    assert {"SVG", "PNG", "Strokes (JSON)", "GIF", "MP4", "Animated SVG"} <= set(links)
    cookie = browser.get_cookie(f"painter-studio-{studio.rsplit(':', 1)[1]}")
    assert cookie and cookie["value"] == STUDIO_TOKEN and cookie["httpOnly"]  # the page's requests carry it

    def download(link: str) -> bytes:
        got = urllib.request.Request(link, headers={"Cookie": f"{cookie['name']}={cookie['value']}"})
        return urllib.request.urlopen(got, timeout=30).read()

    svg = download(links["SVG"]).decode()
    strokes = json.loads(download(links["Strokes (JSON)"]))
    assert strokes["meta"]["style"] == "van_gogh" and strokes["meta"]["steps"] == 200  # the finished painting
    assert svg.startswith("<svg") and 'viewBox="0 0 300 200"' in svg
    assert svg.count("<path") >= len(strokes["strokes"]) > 100
    listed = browser.find_elements(By.CSS_SELECTOR, "#jobs li")
    assert len(listed) == 1 and "done" in listed[0].text


def test_a_page_refused_an_event_stream_follows_its_job_by_asking(tmp_path, browser):
    """A busy studio (--max-streams 1, held here) refuses the page's event stream with
    503; the page then asks for the job's state until it is done."""
    import socket

    from PIL import Image

    from .test_studio_faults import LONG, _open_stream, _post

    proc, studio = start_studio(tmp_path / "data", "--max-streams", "1", "--workers", "1")
    try:
        photo = tmp_path / "p.png"
        Image.new("RGB", (120, 90), (40, 90, 160)).save(photo)
        blocker = _post(studio, photo.read_bytes(), LONG)  # the worker is busy, its stream the one allowed
        held: socket.socket = _open_stream(studio, blocker)
        browser.get(f"{studio}/?token={STUDIO_TOKEN}")
        wait = WebDriverWait(browser, 60)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, '.style[data-style="none"]'))
        upload = browser.find_element(By.ID, "photo")
        browser.execute_script("arguments[0].hidden = false", upload)
        upload.send_keys(str(photo))
        for field, value in (("steps", "20"), ("size", "64")):
            box = browser.find_element(By.ID, field)
            box.clear()
            box.send_keys(value)
        browser.find_element(By.ID, "go").click()
        wait.until(lambda d: "waiting" in d.find_element(By.ID, "stage").text)  # queued behind the blocker
        req = urllib.request.Request(f"{studio}/api/jobs/{blocker}", method="DELETE",
                                     headers={"Authorization": f"token {STUDIO_TOKEN}"})
        urllib.request.urlopen(req, timeout=10).read()
        held.close()
        WebDriverWait(browser, 120).until(lambda d: "done" in d.find_element(By.ID, "stage").text)
        assert browser.find_element(By.ID, "downloads").get_attribute("hidden") is None
    finally:
        proc.terminate()
        proc.wait(30)
