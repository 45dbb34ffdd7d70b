"""Time to first map after sign-in, and click to catch, in headless Chromium: this checkout vs another.

    python bench/bench_first_map.py                       # this checkout only
    python bench/bench_first_map.py --before /tmp/old     # side by side with an older checkout (git archive)

For each checkout and each database state (records already stored; empty, so demo mode first makes the
simulator's records) a fresh server is started, the demo planner signs in, and the seconds from the
"Enter the demo" click until the Route map's base layers are drawn are measured; then the same for a
second session on the warm server (``--pause S``: the first sign-in waits S seconds on the sign-in page,
as a person typing a password would).  Prints the figures; they vary with the machine's load.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "e2e")]

from browser import app_server, button, chrome, go_to, idle, map_frame, text_on_page  # noqa: E402

DOCS_SHOTS = ROOT / "docs" / "screenshots"


def _seed(url: str) -> None:
    from store.db import get_engine
    from ui.demo_data import DEMO_BATCH_NAME, simulated_records
    from store.records import import_records

    import_records(simulated_records().records, DEMO_BATCH_NAME, "bench", engine=get_engine(url))


def _sign_in_to_map(driver, base: str, pause: float = 0.0) -> float:
    driver.get(base)
    button(driver, "Enter the demo", 120)
    time.sleep(pause)  # a person reading the sign-in page and typing a password
    t0 = time.perf_counter()
    button(driver, "Enter the demo").click()
    text_on_page(driver, "Signed in as", 180)
    map_frame(driver, timeout=300)  # Leaflet has drawn the base layers (both versions have a layer switcher)
    return time.perf_counter() - t0


def readme_screenshots(driver) -> None:
    """The README's two pictures, on the demo data: the Route map and a hotspot's card."""
    idle(driver)
    driver.save_screenshot(str(DOCS_SHOTS / "route-map.png"))
    go_to(driver, "hotspots", "Hotspots")
    map_frame(driver, timeout=300)
    idle(driver)
    card = driver.find_elements("xpath", "//div[@data-testid='stMetric']")
    if card:
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", card[0])
        idle(driver)
    driver.save_screenshot(str(DOCS_SHOTS / "hotspots.png"))


def measure(root: Path, seeded: bool, screenshots: bool = False, pause: float = 0.0) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'checkpost.sqlite'}"
        if seeded:
            _seed(url)
        with app_server(Path(tmp), url, root=root, timeout=180) as base:
            driver = chrome()
            try:
                first = _sign_in_to_map(driver, base, pause)
                second = _sign_in_to_map(driver, base)
                if screenshots:
                    readme_screenshots(driver)
            finally:
                driver.quit()
    return {"first_session_s": round(first, 1), "second_session_s": round(second, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="an older checkout to compare with")
    parser.add_argument("--screenshots", action="store_true", help="refresh docs/screenshots/ (this checkout)")
    parser.add_argument("--pause", type=float, default=0.0,
                        help="seconds on the sign-in page before the first sign-in (someone typing)")
    parser.add_argument("--stored-only", action="store_true", help="skip the empty-database case")
    args = parser.parse_args()
    roots = {"this": ROOT} | ({"before": args.before} if args.before else {})
    rows = {}
    for seeded in (True,) if args.stored_only else (True, False):
        for label, root in roots.items():
            rows[(label, seeded)] = measure(root, seeded, args.screenshots and label == "this" and seeded, args.pause)
            print(label, "records stored" if seeded else "empty database", rows[(label, seeded)], flush=True)
    print(json.dumps({f"{k[0]} / {'records stored' if k[1] else 'empty database'}": v for k, v in rows.items()},
                     indent=2))


if __name__ == "__main__":
    main()
