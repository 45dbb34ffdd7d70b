"""Click-to-place: snapping to the network, what a site catches (hand-checkable), the edit history."""
import pandas as pd
import pytest

from app_fixtures import small_demand, small_network
from routes.flows import assign
from ui import proposal as P
from ui.catch import Snapper, checkpoints_frame, nearest_place, plan_catch


@pytest.fixture(scope="module")
def G():
    return small_network()


@pytest.fixture(scope="module")
def snapper(G):
    return Snapper(G)


def test_click_near_the_crossing_snaps_to_the_crossing_node(snapper):
    site = snapper.snap(61.60, 28.96)  # about 3.5 km from Taftan
    assert site["node"] == 2 and site["edge"] is None
    assert site["site_type"] == "crossing" and site["name"] == "Taftan"
    assert site["snap_distance_km"] == pytest.approx(3.6, abs=0.5)
    assert site["nearest_place"]  # from the gazetteer


def test_click_beside_the_highway_snaps_to_the_road_with_its_ref(snapper):
    # Half way between Quetta and the Dalbandin junction, 0.2 degrees north of the straight road.
    site = snapper.snap((66.99 + 64.40) / 2, (30.18 + 29.55) / 2 + 0.2)
    assert site["node"] is None and sorted(site["edge"][:2]) == [0, 1]
    assert site["site_type"] == "road" and site["ref"] == "N-40"
    # the snapped point lies on the road line between the two towns
    assert 64.40 < site["lon"] < 66.99 and 29.55 < site["lat"] < 30.18


def test_far_from_a_road_the_track_is_chosen(snapper):
    site = snapper.snap(64.0, 28.0)  # south, by the Kharan track
    assert site["site_type"] == "track"


def test_snap_rejects_positions_that_are_not_lon_lat(snapper):
    with pytest.raises(ValueError, match="not a lon/lat"):
        snapper.snap(200.0, 30.0)


def test_nearest_place_of_gwadar_is_gwadar():
    name, metres = nearest_place(62.3254, 25.1216)
    assert name == "Gwadar" and metres < 3_000


def test_only_way_across_catches_the_same_static_and_rerouted(G):
    # Everyone must pass Taftan: passing = all 1000, caught = detection * 1000 both ways.
    catch = plan_catch(G, small_demand(1000.0), [{"site_id": "taftan", "node": 2, "detection": 0.4}])
    row = catch.sites.set_index("site_id").loc["taftan"]
    assert row["passing"] == pytest.approx(1000.0)
    assert row["caught_static"] == pytest.approx(400.0)
    assert row["caught_rerouted"] == pytest.approx(400.0)
    assert catch.share_static == pytest.approx(0.4)


def test_road_checkpoint_static_catch_equals_volume_on_paths_through_it(G):
    demand = small_demand(1000.0)
    base = assign(G, demand)
    through = sum(v for v, edges in zip(base.paths["volume"], base.paths["edges"])
                  if (0, 1, 0) in edges or (1, 0, 0) in edges)
    assert 0 < through < 1000  # the logit splits the flow between the highway and the track
    catch = plan_catch(G, demand, [{"site_id": "n40", "edge": (0, 1, 0), "detection": 0.5}])
    row = catch.sites.iloc[0]
    assert row["passing"] == pytest.approx(through, rel=1e-6)
    assert row["caught_static"] == pytest.approx(0.5 * through, rel=1e-6)
    # informed smugglers take the track instead: fewer caught, some detour
    assert row["caught_rerouted"] < row["caught_static"]
    assert row["detoured"] > 0


def test_empty_plan_catches_nothing(G):
    catch = plan_catch(G, small_demand(500.0), [])
    assert catch.caught_static == 0 and catch.caught_rerouted == 0 and catch.total_volume == pytest.approx(500.0)


def test_duplicate_site_ids_are_refused():
    with pytest.raises(ValueError, match="appears twice"):
        checkpoints_frame([{"site_id": "a", "node": 1, "detection": 0.5}, {"site_id": "a", "node": 2, "detection": 0.5}])


def _site(site_id, node=None, edge=None):
    return {"site_id": site_id, "node": node, "edge": edge, "detection": 0.5, "lon": 0.0, "lat": 0.0}


def test_add_move_delete_and_undo():
    state = P.new_proposal()
    assert P.add_site(state, _site("a", node=1))
    assert P.add_site(state, _site("b", edge=(3, 4, 0)))
    assert not P.add_site(state, _site("c", edge=(4, 3, 0)))  # same link, other direction
    assert [s["site_id"] for s in state["sites"]] == ["a", "b"]
    assert P.move_site(state, "a", _site("x", node=7))
    assert state["sites"][0]["site_id"] == "a" and state["sites"][0]["node"] == 7
    assert P.delete_sites(state, ["b"]) == 1
    assert [s["node"] for s in state["sites"]] == [7]
    assert P.undo(state) and [s["site_id"] for s in state["sites"]] == ["a", "b"]
    assert P.undo(state) and state["sites"][0]["node"] == 1
    assert P.undo(state) and P.undo(state) and state["sites"] == []
    assert not P.undo(state)


def test_detection_must_be_a_probability():
    state = P.new_proposal(sites=[_site("a", node=1)])
    with pytest.raises(ValueError, match="probability"):
        P.set_detection(state, "a", 1.5)
    P.set_detection(state, "a", 0.9)
    assert state["sites"][0]["detection"] == 0.9 and P.undo(state) and state["sites"][0]["detection"] == 0.5


def test_catch_on_the_shipped_network_adds_up():
    """A 5-site plan on the shipped network: every site is reported, catches add up (timing: bench/bench_app_catch.py)."""
    from routes.demand import default_demand
    from routes.network import default_network

    G, demand = default_network(), default_demand()
    snap = Snapper(G)
    sites = [snap.snap(lon, lat) for lon, lat in [(66.4, 29.9), (61.6, 28.95), (67.0, 24.9), (62.3, 25.15), (65.0, 27.0)]]
    catch = plan_catch(G, demand, sites)
    assert len(catch.sites) == 5 and catch.caught_static > 0
    assert isinstance(catch.sites, pd.DataFrame)
    assert (catch.sites["caught_static"] <= catch.sites["passing"] + 1e-9).all()
    assert 0 < catch.share_static <= 1
