"""Shared pieces for the app tests: a fresh database per test, a small hand-checkable network, planted records."""
from __future__ import annotations

import networkx as nx
import pandas as pd

from geodata.crs import haversine_m

# A tiny Balochistan network.  Quetta (0) reaches the Iran side (3) only through the Taftan crossing (2),
# by two roads: north through 1 (N-40) or south through 4 (a track).
NODES = {
    0: (66.99, 30.18, "town", "Quetta"),
    1: (64.40, 29.55, "junction", "Dalbandin junction"),
    2: (61.57, 28.94, "crossing", "Taftan"),
    3: (60.86, 29.50, "destination", "Zahedan side"),
    4: (64.00, 28.30, "junction", "Kharan track"),
}
LINKS = [  # (u, v, mode, ref, extra travel hours)
    (0, 1, "road", "N-40", 0.0),
    (1, 2, "road", "N-40", 0.0),
    (0, 4, "track", "", 0.0),
    (4, 2, "track", "", 0.0),
    (2, 3, "crossing", "", 0.0),
]


def small_network() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs="EPSG:4326", name="test network")
    for n, (x, y, kind, name) in NODES.items():
        G.add_node(n, x=x, y=y, kind=kind, name=name)
    for u, v, mode, ref, extra_h in LINKS:
        (x1, y1, *_), (x2, y2, *_) = NODES[u], NODES[v]
        length = float(haversine_m(x1, y1, x2, y2))
        speed = 60 / 3.6  # same speed on both: the logit splits the flow between them
        data = dict(mode=mode, length=length, travel_time=length / speed + extra_h * 3600, cost_pkr=0.0,
                    ref=ref, name=f"{ref or mode} {u}-{v}", source="test")
        G.add_edge(u, v, 0, **data)
        G.add_edge(v, u, 0, **data)
    return G


def small_demand(volume: float = 1000.0) -> pd.DataFrame:
    return pd.DataFrame({"origin": [0], "destination": [3], "mode_preference": ["land"],
                         "migrants_per_year": [volume], "case_type": ["smuggling"], "source": ["test"]})


def fresh_database(monkeypatch, tmp_path):
    """Point the store at an empty SQLite file for this test."""
    import store.db

    monkeypatch.setenv("CHECKPOST_DB_URL", f"sqlite:///{tmp_path / 'checkpost.sqlite'}")
    monkeypatch.setenv("CHECKPOST_DATA_DIR", str(tmp_path))
    store.db.reset_engines()
    return store.db.get_engine()


def ensure_account(user: dict) -> dict:
    """Make the account a test puts in session state exist in the database with that role and region.

    Every page run re-reads the signed-in account (security item S4): a session whose account is
    missing, inactive or changed is signed out.
    """
    import secrets

    from store.users import create_user, get_user
    from ui.accounts import update_user

    stored = get_user(user["username"])
    if stored is None:
        create_user(user["username"], secrets.token_urlsafe(16), role=user["role"], region=user.get("region"),
                    actor="test")
    elif (stored["role"], stored["region"], stored["active"]) != (user["role"], user.get("region"), True):
        update_user(user["username"], actor="test", role=user["role"], region=user.get("region"), active=True)
    return user


# Planted intercept records: distinctive ids, notes and positions that must never reach a donor.
PLANTED = [
    # id, lon, lat, case_type, province (by position)
    ("REC-SECRET-SINDH-1", 67.12346, 24.87654, "smuggling"),     # Karachi, Sindh
    ("REC-SECRET-SINDH-2", 68.37111, 25.39222, "trafficking"),   # Hyderabad, Sindh
    ("REC-SECRET-PUNJAB-1", 74.34568, 31.55876, "trafficking"),  # Lahore, Punjab
    ("REC-SECRET-BALO-1", 67.03861, 30.21131, "smuggling"),      # Quetta, Balochistan (digits on no shipped line)
]


def plant_records(user: str = "test"):
    import geopandas as gpd

    from store.records import import_records

    frame = gpd.GeoDataFrame({
        "id": [r[0] for r in PLANTED],
        "date": pd.to_datetime(["2025-03-01", "2025-03-02", "2025-03-03", "2025-03-04"]),
        "date_from": pd.to_datetime([None] * 4), "date_to": pd.to_datetime([None] * 4),
        "persons": [3, 2, 5, 4],
        "case_type": [r[3] for r in PLANTED],
        "mode": ["land"] * 4, "agency": ["FIA"] * 4,
        "place_name": ["SECRET-PLACE"] * 4, "nationality": ["SECRET-NATION"] * 4,
        "notes": ["SECRET-NOTE"] * 4, "synthetic": [False] * 4, "source": ["test"] * 4,
    }, geometry=gpd.points_from_xy([r[1] for r in PLANTED], [r[2] for r in PLANTED]), crs="EPSG:4326")
    return import_records(frame, "planted.csv", user)
