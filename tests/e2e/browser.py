"""Shared helpers of the browser tests: the app server, headless Chromium with DevTools logs, waits, checks.

Chromium runs with every host but localhost unresolvable, and records through the DevTools protocol
(chromedriver's performance log) every request the page and the map frame make, and the console.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
HAVE_CHROMIUM = Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()
SKIP_REASON = "chromium/chromedriver not installed (apt-get install -y chromium chromium-driver)"
BASE_COLOURS = {"pakistan": (0xfb, 0xf8, 0xef), "neighbours": (0xec, 0xeb, 0xe4), "sea": (0xcf, 0xe3, 0xef)}


def intercept_records(ids: list, lon, lat, rng, *, text=None, synthetic: bool = True, source: str = "e2e"):
    """Intercept records at (lon, lat) with random dates in 2025, persons and case types drawn from ``rng``
    (in that order); ``text`` goes into place name and notes."""
    import geopandas as gpd
    import pandas as pd

    n = len(ids)
    return gpd.GeoDataFrame({
        "id": ids,
        "date": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
        "date_from": pd.NaT, "date_to": pd.NaT, "persons": rng.integers(1, 9, n),
        "case_type": rng.choice(["smuggling", "trafficking", "unknown"], n), "mode": "land", "agency": "FIA",
        "place_name": text, "nationality": None, "notes": text, "synthetic": synthetic, "source": source,
    }, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def app_server(data_dir: Path, db_url: str, extra_env: dict | None = None, timeout: float = 90,
               root: Path = ROOT):
    """`streamlit run app.py` (of ``root``) in demo mode on a free loopback port; yields its base URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHECKPOST_")}
    env.update(CHECKPOST_DEMO="1", CHECKPOST_DATA_DIR=str(data_dir), CHECKPOST_DB_URL=db_url, **(extra_env or {}))
    log_path = data_dir / "streamlit.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address",
             "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false"],
            cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(base, proc, log_path, timeout)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def _wait_healthy(base: str, proc, log_path: Path, timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).read() == b"ok":
                return
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError(f"streamlit did not start; log: {log_path.read_text()[-2000:]}")


def chrome(window: str = "1500,1100"):
    """Headless Chromium with the outside world unresolvable and DevTools performance + console logs."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", f"--window-size={window}",
                 "--disable-dev-shm-usage",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    drv.set_page_load_timeout(60)
    SHOTS.mkdir(parents=True, exist_ok=True)
    return drv


# ------------------------------------------------------------------------------------ waits
def wait(driver, condition, timeout=60):
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(driver, timeout, poll_frequency=0.25).until(condition)


def by_xpath(driver, xpath, timeout=60):
    from selenium.webdriver.common.by import By
    return wait(driver, lambda d: next(iter(d.find_elements(By.XPATH, xpath)), None), timeout)


def text_on_page(driver, text, timeout=60):
    t = json.dumps(text, ensure_ascii=False)
    return by_xpath(driver, f"//*[contains(normalize-space(.), {t}) and not(*[contains(normalize-space(.), {t})])]",
                    timeout)


def button(driver, label, timeout=60):
    return by_xpath(driver, f"//button[normalize-space(.)={json.dumps(label)}]", timeout)


def running(driver) -> bool:
    """Whether the app is running a script (status widget shown or elements drawn faded)."""
    from selenium.webdriver.common.by import By
    return bool(driver.find_elements(By.CSS_SELECTOR, "[data-testid='stStatusWidget']")
                or driver.find_elements(By.CSS_SELECTOR, "[data-stale='true']"))


def idle(driver, timeout=90):
    """Wait until the app has finished rerunning."""
    driver.switch_to.default_content()
    time.sleep(0.7)
    wait(driver, lambda d: not running(d), timeout)
    time.sleep(0.3)


def demo_sign_in(driver, server, role_label: str | None = None, shot: str | None = None):
    driver.get(server)
    button(driver, "Enter the demo", 90)
    if shot:
        driver.save_screenshot(str(SHOTS / shot))
    if role_label:
        by_xpath(driver, f"//label[.//p[normalize-space(.)={json.dumps(role_label)}]]", 30).click()
    button(driver, "Enter the demo").click()
    text_on_page(driver, "Signed in as", 90)


def go_to(driver, url_path, title, timeout=120, first=False):
    """Open a page from the sidebar menu (``first``: the default page, whose link has no path)."""
    driver.switch_to.default_content()
    link = ("(//a[@data-testid='stSidebarNavLink'])[1]" if first else
            f"//a[@data-testid='stSidebarNavLink' and contains(@href, '/{url_path}')]")
    by_xpath(driver, link).click()
    by_xpath(driver, f"//h1[contains(normalize-space(.), {json.dumps(title)})]", timeout)


def map_frames(driver) -> list:
    from selenium.webdriver.common.by import By
    driver.switch_to.default_content()
    return driver.find_elements(By.XPATH, "//iframe[contains(@title, 'st_folium')]")


def map_frame(driver, timeout=90, index=0):
    """The map's iframe once Leaflet has drawn the base layers (the test switches back to the page)."""
    driver.switch_to.default_content()
    wait(driver, lambda d: len(map_frames(d)) > index, timeout)
    frame = map_frames(driver)[index]
    driver.switch_to.frame(frame)
    try:
        wait(driver, lambda d: d.execute_script(
            "return !!(window.map && Object.keys(window.map._layers).length > 20 "
            "&& document.querySelector('canvas') && document.querySelector('.leaflet-control-layers'))"), timeout)
    finally:
        driver.switch_to.default_content()
    return frame


def in_frame(driver, frame, script, *args):
    driver.switch_to.frame(frame)
    try:
        return driver.execute_script(script, *args)
    finally:
        driver.switch_to.default_content()


def screenshot_colours(driver, element) -> dict:
    """Share of the map's visible pixels (window screenshot cropped to the element) in each basemap colour."""
    from PIL import Image
    driver.switch_to.default_content()
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    time.sleep(0.5)
    left, top, right, bottom, ratio = driver.execute_script(
        "const r = arguments[0].getBoundingClientRect(); "
        "return [r.left, r.top, r.right, r.bottom, window.devicePixelRatio]", element)
    shot = Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert("RGB")
    box = [int(v * ratio) for v in (max(left, 0), max(top, 0), right, bottom)]
    box[2], box[3] = min(box[2], shot.width), min(box[3], shot.height)
    pixels = np.asarray(shot.crop(box)).astype(int).reshape(-1, 3)
    out = {name: float((np.abs(pixels - np.array(rgb)).max(axis=1) <= 6).mean()) for name, rgb in BASE_COLOURS.items()}
    out["pixels"] = int(len(pixels))
    return out


# ------------------------------------------------------------------------------------ DevTools logs
class DevToolsLog:
    """Requests and console messages from chromedriver's logs, read incrementally."""

    def __init__(self, driver):
        self.driver = driver
        self.requests: list[str] = []
        self.ws_frames_sent = 0
        self.console: list[dict] = []

    def read(self) -> "DevToolsLog":
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            method = message.get("method")
            if method == "Network.requestWillBeSent":
                self.requests.append(message["params"]["request"]["url"])
            elif method == "Network.webSocketFrameSent":
                self.ws_frames_sent += 1
        self.console += self.driver.get_log("browser")
        return self

    def outside(self, base: str) -> list[str]:
        """URLs requested from anywhere but the app."""
        local = (base, "data:", "blob:", "about:", "ws://127.0.0.1", "chrome-extension:")
        return [url for url in self.requests if not url.startswith(local)]

    def errors(self) -> list[str]:
        """Console errors (SEVERE), from the page and the map frames."""
        return [e["message"] for e in self.console if e.get("level") == "SEVERE"]
