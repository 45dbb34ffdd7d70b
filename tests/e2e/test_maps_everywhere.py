"""Every page's map, for every role, in headless Chromium with no internet.

One server (demo mode) on a small database holding script-injection payloads in every text that can
reach a map: a saved plan's name and site id, intercept records' place names and notes, and the import
batch's file name.  For each role and page: the map has drawn the base layers (pixels of a
screenshot), the console has no error, no request left the app (DevTools network log), hovering the
plan's sites shows the payload as text and ``window.__xss`` stays undefined.  Then the re-run check:
zooming and a place search leave the page quiet within 2 s.
"""
from __future__ import annotations

import time

import numpy as np
import pytest

from browser import (HAVE_CHROMIUM, SHOTS, SKIP_REASON, DevToolsLog, app_server, button, by_xpath,
                     demo_sign_in, go_to, idle, in_frame, intercept_records, map_frame, map_frames, running, screenshot_colours,
                     text_on_page)

pytestmark = pytest.mark.skipif(not HAVE_CHROMIUM, reason=SKIP_REASON)

PAYLOAD = '<img src=x onerror="top.__xss=1">'
PLAN_NAME = f"XSS plan {PAYLOAD}"
ROLE_LABELS = {"planner": "IATF planner", "commander": "Field commander", "donor": "Donor", "admin": "Administrator"}
# page url path -> (title, has a map, button to press before the map shows)
PAGES = {
    "overview": ("Route map", True, None),
    "hotspots": ("Hotspots", True, None),
    "planner": ("Checkpoint planner", True, None),
    "propose": ("Propose checkpoints", True, None),
    "plans": ("Saved plans", True, None),
    "coverage": ("Coverage", True, "Analyse coverage"),
    "data": ("Data", False, None),
    "admin": ("Users", False, None),
}
SINGLE_PAGE_ROLES = {"admin"}  # one page: Streamlit shows no menu
ROLE_PAGES = {"planner": ["overview", "hotspots", "planner", "propose", "plans", "coverage", "data"],
              "commander": ["overview", "hotspots", "propose", "plans", "data"],
              "donor": ["overview", "coverage"],
              "admin": ["admin"]}
TIMES: dict[str, float] = {}


def _records(n: int, synthetic: bool, seed: int):
    """n records over Balochistan and Sindh; the real ones carry the payload in place name and notes."""
    rng = np.random.default_rng(seed)
    lon, lat = rng.uniform(62.0, 68.5, n), rng.uniform(25.3, 30.5, n)
    ids = [f"{'SIM' if synthetic else 'REAL'}-{seed}-{i:05d}" for i in range(n)]
    return intercept_records(ids, lon, lat, rng, text=None if synthetic else PAYLOAD, synthetic=synthetic)


def _seed_database(url: str) -> None:
    from routes.network import default_network
    from store.db import get_engine
    from store.plans import save_plan
    from store.records import import_records

    engine = get_engine(url)
    import_records(_records(3000, True, 1), "simulator.csv", "e2e", engine=engine)
    import_records(_records(40, False, 2), f"ledger {PAYLOAD}.csv", "e2e", engine=engine)
    G = default_network()
    crossings = [(n, d) for n, d in G.nodes(data=True) if d.get("kind") == "crossing"][:2]
    sites = [{"site_id": f"{PAYLOAD}-{i}", "node": n, "detection": 0.5, "lon": d["x"], "lat": d["y"]}
             for i, (n, d) in enumerate(crossings)]
    save_plan(PLAN_NAME, sites, "e2e", note=PAYLOAD, engine=engine)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("checkpost-maps")
    url = f"sqlite:///{data_dir / 'checkpost.sqlite'}"
    _seed_database(url)
    with app_server(data_dir, url) as base:
        yield base


@pytest.fixture(autouse=True)
def failure_shot(request):
    yield
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        drv = request.getfixturevalue("driver")
        drv.switch_to.default_content()
        drv.save_screenshot(str(SHOTS / f"zz_failure_{request.node.name}.png"))


def hover_sites(driver, frame, payload_ids: bool = True) -> list[str]:
    """Move the mouse over every plan site in the map (those whose id holds the payload, or all); the tooltips' texts."""
    from selenium.webdriver.common.action_chains import ActionChains

    test = "p.site_id.indexOf('onerror') >= 0" if payload_ids else "true"
    points = in_frame(driver, frame, """
        const out = [];
        const box = window.map.getContainer().getBoundingClientRect();
        for (const layer of Object.values(window.map._layers)) {
            const p = layer.feature && layer.feature.properties;
            if (p && typeof p.site_id === 'string' && (TEST) && layer.getLatLng) {
                const xy = window.map.latLngToContainerPoint(layer.getLatLng());
                if (xy.x > 5 && xy.y > 5 && xy.x < box.width - 5 && xy.y < box.height - 5)
                    out.push([xy.x - box.width / 2, xy.y - box.height / 2]);
            }
        }
        return out;""".replace("TEST", test))
    texts = []
    driver.switch_to.frame(frame)
    try:
        container = driver.find_element("css selector", ".leaflet-container")
        for x, y in points:
            ActionChains(driver).move_to_element_with_offset(container, int(x), int(y)).perform()
            time.sleep(0.6)
            texts += driver.execute_script(
                "return [...document.querySelectorAll('.leaflet-tooltip')].map(t => t.innerText)")
        ActionChains(driver).move_to_element_with_offset(container, 0, 0).perform()
    finally:
        driver.switch_to.default_content()
    return texts


def check_page(driver, server, log, role, page) -> dict:
    title, has_map, press = PAGES[page]
    t0 = time.perf_counter()
    if role in SINGLE_PAGE_ROLES:
        by_xpath(driver, f"//h1[contains(normalize-space(.), '{title}')]", 120)
    else:
        go_to(driver, page, title, first=ROLE_PAGES[role][0] == page)
    if press:
        idle(driver)
        button(driver, press).click()
    result = {}
    if has_map:
        frame = map_frame(driver, timeout=180)
        TIMES[f"{role}/{page}"] = round(time.perf_counter() - t0, 2)
        idle(driver)
        driver.save_screenshot(str(SHOTS / f"maps_{role}_{page}.png"))
        result["colours"] = screenshot_colours(driver, frame)
        # Saved plans label sites by readable names (the stored ids, payload included, never reach its map)
        result["tooltips"] = hover_sites(driver, frame, payload_ids=page != "plans")
    else:
        idle(driver)
        driver.save_screenshot(str(SHOTS / f"maps_{role}_{page}.png"))
    log.read()
    result["xss"] = driver.execute_script("return typeof window.__xss")
    result["errors"], result["outside"] = log.errors(), log.outside(server)
    return result


@pytest.mark.parametrize("role", ["planner", "commander", "donor", "admin"])
def test_every_page_draws_offline_with_text_escaped(server, driver, role):
    log = DevToolsLog(driver)
    demo_sign_in(driver, server, ROLE_LABELS[role])
    for page in ROLE_PAGES[role]:
        result = check_page(driver, server, log, role, page)
        where = f"{role} on {page}"
        assert result["errors"] == [], (where, result["errors"])
        assert result["outside"] == [], (where, result["outside"])
        assert result["xss"] == "undefined", where
        if PAGES[page][1]:
            colours = result["colours"]
            # Saved plans fit the view to the plan: a commander's one-site plan is zoomed in far from the sea
            assert colours["pakistan"] > 0.02 and (colours["sea"] > 0.02 or page == "plans"), (where, colours)
            assert colours["neighbours"] > 0.01, (where, colours)
        if page in ("plans",):  # hovered: readable names shown, the payload nowhere, no script ran
            assert result["tooltips"] and not any(PAYLOAD in text for text in result["tooltips"]), (
                where, result["tooltips"])
    if role == "planner":  # the stored plan opened for editing: its sites on the Propose map
        go_to(driver, "plans", "Saved plans")
        idle(driver)
        by_xpath(driver, "//button[contains(normalize-space(.), 'Open in Propose checkpoints')]").click()
        by_xpath(driver, "//h1[contains(normalize-space(.), 'Propose checkpoints')]", 120)
        frame = map_frame(driver, timeout=180)
        idle(driver)
        tooltips = hover_sites(driver, frame)
        driver.save_screenshot(str(SHOTS / "maps_planner_propose_stored_plan.png"))
        assert any(PAYLOAD in text for text in tooltips), tooltips
        assert driver.execute_script("return typeof window.__xss") == "undefined"
        assert log.read().errors() == [] and log.outside(server) == []


def _quiet_for(driver, log, seconds: float) -> tuple[int, bool]:
    """(websocket messages the page sent, whether a script ran) during the next ``seconds``."""
    log.read()
    sent, ran = log.ws_frames_sent, False
    end = time.time() + seconds
    while time.time() < end:
        ran = ran or running(driver)
        time.sleep(0.1)
    log.read()
    return log.ws_frames_sent - sent, ran


def test_zoom_and_search_leave_the_page_quiet(server, driver):
    log = DevToolsLog(driver)
    demo_sign_in(driver, server, ROLE_LABELS["commander"])
    frame = map_frame(driver, timeout=180)
    idle(driver)
    driver.switch_to.frame(frame)
    zoom_in = driver.find_element("css selector", ".leaflet-control-zoom-in")
    zoom_in.click()
    time.sleep(0.4)
    zoom_in.click()
    zoom = driver.execute_script("return window.map.getZoom()")
    driver.switch_to.default_content()
    sent, ran = _quiet_for(driver, log, 3.0)
    assert (sent, ran) == (0, False), "zooming re-ran the page"
    assert zoom == 7

    go_to(driver, "propose", "Propose checkpoints")
    frame = map_frame(driver, timeout=180)
    idle(driver)
    box = by_xpath(driver, "//div[@data-testid='stTextInput'][.//p[normalize-space(.)='Find a place']]//input")
    box.send_keys("Taftan\n")
    text_on_page(driver, "Taftan —", 60)
    t0 = time.perf_counter()
    idle(driver)
    settled = time.perf_counter() - t0
    sent, ran = _quiet_for(driver, log, 3.0)
    assert (sent, ran) == (0, False), "the page kept re-running after the search"
    assert settled < 2.0 + 1.0, settled  # idle() itself waits 1 s
    centre = in_frame(driver, map_frames(driver)[0], "const c = window.map.getCenter(); return [c.lat, c.lng]")
    assert centre[0] == pytest.approx(28.95, abs=0.2) and centre[1] == pytest.approx(61.58, abs=0.3), centre
    # the user's own zoom after the search stays (no view written back)
    driver.switch_to.frame(map_frames(driver)[0])
    driver.find_element("css selector", ".leaflet-control-zoom-out").click()
    driver.switch_to.default_content()
    sent, ran = _quiet_for(driver, log, 2.5)
    assert (sent, ran) == (0, False)
    driver.save_screenshot(str(SHOTS / "maps_commander_search_taftan.png"))
    assert log.errors() == [] and log.outside(server) == []
