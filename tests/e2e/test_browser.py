"""End to end in headless Chromium against `streamlit run app.py` on localhost, outside network blocked.

Sign in (demo planner), see the map render (pixels of a screenshot), 100,000 intercepts on the map
(time to show, time to zoom), click the map to add a checkpoint, see its catch, save the plan, reload
and find it.  Screenshots go to artifacts/screenshots/ (the README names the folder).

Needs Debian's chromium and chromium-driver (scripts/test.sh installs them); skipped without them.
"""
from __future__ import annotations

import json
import time

import numpy as np
import pytest

from browser import (HAVE_CHROMIUM, SHOTS, SKIP_REASON, DevToolsLog, app_server, button, by_xpath,
                     demo_sign_in, go_to, idle, intercept_records, map_frame, screenshot_colours, text_on_page, wait)

N_INTERCEPTS = 100_000
RESULTS = {}

pytestmark = pytest.mark.skipif(not HAVE_CHROMIUM, reason=SKIP_REASON)


def _synthetic_intercepts(n: int, seed: int = 7):
    """n synthetic records spread over Balochistan, Sindh and Punjab (labelled synthetic)."""
    rng = np.random.default_rng(seed)
    lon, lat = rng.uniform(61.6, 71.0, n), rng.uniform(24.9, 31.0, n)
    return intercept_records([f"SIM-{i:06d}" for i in range(n)], lon, lat, rng, source="e2e synthetic")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("checkpost-e2e")
    url = f"sqlite:///{data_dir / 'checkpost.sqlite'}"
    from store.db import get_engine
    from store.records import import_records

    import_records(_synthetic_intercepts(N_INTERCEPTS), "e2e-synthetic.csv", "e2e", engine=get_engine(url))
    with app_server(data_dir, url) as base:
        yield base


def resources_outside(driver, base) -> list[str]:
    """Requests the page and the map frame made to anywhere but the app (DevTools network log)."""
    return DevToolsLog(driver).read().outside(base)


# ------------------------------------------------------------------------------------ the test
@pytest.fixture
def failure_shot(driver, request):
    yield
    if getattr(request.node, "rep_call", None) is None or request.node.rep_call.failed:
        driver.switch_to.default_content()
        driver.save_screenshot(str(SHOTS / "zz_failure.png"))


def test_sign_in_map_intercepts_propose_save_reload(server, driver, failure_shot):
    started = time.perf_counter()
    demo_sign_in(driver, server, shot="01_sign_in.png")

    # --- the route map with 100,000 intercepts in one fast marker cluster
    t0 = time.perf_counter()
    text_on_page(driver, f"{N_INTERCEPTS:,} intercept records", 120)  # the server has read them
    RESULTS["server_read_s"] = time.perf_counter() - t0
    frame = map_frame(driver)
    driver.switch_to.frame(frame)
    wait(driver, lambda d: d.execute_script("return document.querySelectorAll('.marker-cluster').length > 0"), 120)
    RESULTS["intercepts_shown_s"] = time.perf_counter() - t0
    RESULTS["cluster_icons"] = driver.execute_script("return document.querySelectorAll('.marker-cluster').length")
    zoom_ms = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const t0 = performance.now();
        window.map.once('zoomend', () => requestAnimationFrame(() => done(performance.now() - t0)));
        window.map.setZoom(window.map.getZoom() + 2, {animate: false});""")
    pan_ms = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const t0 = performance.now();
        window.map.once('moveend', () => requestAnimationFrame(() => done(performance.now() - t0)));
        window.map.panBy([300, 150], {animate: false});""")
    driver.execute_script("window.map.setView([29.5, 67.5], 5, {animate: false})")
    RESULTS["zoom_ms"], RESULTS["pan_ms"] = zoom_ms, pan_ms
    driver.switch_to.default_content()
    text_on_page(driver, f"{N_INTERCEPTS:,} intercept records")
    idle(driver)
    driver.save_screenshot(str(SHOTS / "02_route_map_100k_intercepts.png"))
    colours = screenshot_colours(driver, frame)
    RESULTS["route_map_colours"] = colours
    assert colours["pakistan"] > 0.03 and colours["sea"] > 0.03 and colours["neighbours"] > 0.03, colours
    # Responsiveness is measured into artifacts/screenshots/e2e_measurements.json, not asserted (timings are bench figures).

    # --- propose: click near the N-40 between Quetta and Nushki, see the catch
    go_to(driver, "propose", "Propose checkpoints")
    text_on_page(driver, "DEMO MODE")
    frame = map_frame(driver)
    idle(driver)
    colours = screenshot_colours(driver, frame)
    assert colours["pakistan"] > 0.03 and colours["sea"] > 0.03, colours
    driver.switch_to.frame(frame)
    driver.execute_script("window.map.setView([29.8, 66.3], 8, {animate: false})")
    time.sleep(0.5)
    point = driver.execute_script("""
        const p = window.map.latLngToContainerPoint([29.70, 66.47]);
        const box = window.map.getContainer().getBoundingClientRect();
        return [p.x, p.y, box.width, box.height];""")
    container = driver.find_element("css selector", ".leaflet-container")
    from selenium.webdriver.common.action_chains import ActionChains
    x, y, w, h = point
    t0 = time.perf_counter()
    ActionChains(driver).move_to_element_with_offset(container, int(x - w / 2), int(y - h / 2)).click().perform()
    driver.switch_to.default_content()
    text_on_page(driver, "Caught per year, static", 120)
    RESULTS["click_to_catch_s"] = time.perf_counter() - t0
    added = text_on_page(driver, "Added ")
    assert "N-40" in added.text or "road" in added.text, added.text
    metric = by_xpath(driver, "//div[@data-testid='stMetric'][.//*[contains(., 'Caught per year, static')]]"
                              "//div[@data-testid='stMetricValue']")
    caught = float(metric.text.replace(",", ""))
    RESULTS["caught_static_per_year"] = caught
    assert caught > 0
    idle(driver)
    driver.save_screenshot(str(SHOTS / "03_propose_checkpoint_catch.png"))

    # --- save the plan (after the map's own rerun has settled, or the click lands on a stale form)
    idle(driver)
    name_box = by_xpath(driver, "//div[@data-testid='stTextInput'][.//p[normalize-space(.)='Plan name']]//input")
    name_box.clear()
    name_box.send_keys("E2E Nushki road")
    idle(driver)
    button(driver, "Save plan").click()
    text_on_page(driver, "Saved 'E2E Nushki road' as version 1", 60)

    # --- reload: a new session, sign in again, the plan is there
    driver.refresh()
    demo_sign_in(driver, server)
    go_to(driver, "plans", "Saved plans")
    text_on_page(driver, "E2E Nushki road", 60)
    text_on_page(driver, "by demo-planner", 60)
    map_frame(driver)
    idle(driver)
    driver.save_screenshot(str(SHOTS / "04_saved_plan_after_reload.png"))

    outside = resources_outside(driver, server)
    assert outside == [], outside
    RESULTS["total_s"] = time.perf_counter() - started
    (SHOTS / "e2e_measurements.json").write_text(json.dumps(RESULTS, indent=2, default=float))


def test_donor_browser_holds_aggregates_only(server, driver, failure_shot):
    """Signed in as the demo donor: counts by case type, and no record, cluster or heat layer in the map frame."""
    driver.switch_to.default_content()
    driver.get(server)
    by_xpath(driver, "//label[.//p[normalize-space(.)='Donor']]", 90).click()
    button(driver, "Enter the demo").click()
    text_on_page(driver, "Intercepts by case type (aggregates)", 90)
    frame = map_frame(driver)
    idle(driver)
    driver.save_screenshot(str(SHOTS / "05_donor_route_map.png"))
    driver.switch_to.frame(frame)
    frame_html = driver.execute_script("return document.documentElement.outerHTML")
    assert driver.execute_script("return document.querySelectorAll('.marker-cluster, canvas.leaflet-heatmap-layer').length") == 0
    driver.switch_to.default_content()
    page_html = driver.page_source
    for text in ("SIM-0", "markerClusterGroup", "L.heatLayer", "e2e synthetic"):
        assert text not in frame_html and text not in page_html, text
    nav = [a.get_attribute("href").rsplit("/", 1)[-1] for a in
           driver.find_elements("xpath", "//a[@data-testid='stSidebarNavLink']")]
    assert set(nav) <= {"", "overview", "coverage"}, nav  # no propose, plans, data, hotspots, admin
