"""python -m routes: assign and simulate on the OSM fixture, checkpoint CSV parsing."""
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from routes import cli

FIXTURE = Path(__file__).parent / "data" / "osm" / "quetta_sample.osm"


def test_assign_on_an_osm_extract_writes_paths_and_edge_flows(tmp_path, capsys):
    pd.DataFrame({"origin": [1], "destination": [5], "migrants_per_year": [100.0]}).to_csv(tmp_path / "d.csv", index=False)
    (tmp_path / "cp.csv").write_text("site_id,detection,node,u,v,key\nA,0.5,4,,,\n")
    cli.main(["assign", "--osm", str(FIXTURE), "--demand", str(tmp_path / "d.csv"), "--checkpoints",
              str(tmp_path / "cp.csv"), "--paths", str(tmp_path / "p.geojson"), "--edges", str(tmp_path / "e.csv")])
    out = capsys.readouterr().out
    assert "volume 100/year" in out
    paths = gpd.read_file(tmp_path / "p.geojson")
    assert paths["volume"].sum() == pytest.approx(100.0)
    edges = pd.read_csv(tmp_path / "e.csv")
    assert {"u", "v", "key", "volume", "intercepted"} <= set(edges.columns)
    # every route west passes node 4: half are caught there
    assert paths["intercepted"].sum() == pytest.approx(50.0)


def test_checkpoint_csv_edges_and_nodes(tmp_path):
    path = tmp_path / "cp.csv"
    path.write_text("site_id,detection,node,u,v,key\nA,0.5,4,,,\nB,0.2,,3,4,1\n")
    table = cli.read_checkpoints(path)
    assert table.loc[0, "node"] == 4 and table.loc[0, "edge"] is None
    assert table.loc[1, "edge"] == (3, 4, 1) and table.loc[1, "node"] is None


@pytest.mark.parametrize("text, message", [("site_id,node\nA,4\n", "missing column 'detection'"),
                                           ("site_id,detection\nA,0.5\n", "need a 'node' column"),
                                           ("site_id,detection,node,u,v\nA,0.5,,,\n", r"row 2 \(A\)")])
def test_bad_checkpoint_csv_is_named(tmp_path, text, message):
    path = tmp_path / "cp.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        cli.read_checkpoints(path)


def test_network_with_a_merged_extract_writes_osm_and_natural_earth_edges(tmp_path, capsys):
    import geopandas as gpd

    out = tmp_path / "edges.geojson"
    cli.main(["network", "--merge-osm", str(FIXTURE), "--out", str(out)])
    assert "nodes" in capsys.readouterr().out
    edges = gpd.read_file(out)
    sources = set(edges["geometry_source"].dropna())
    assert {"osm", "naturalearth", "schematic"} <= sources
    assert (edges.loc[edges["geometry_source"] == "osm", "source"] == "osm-xml:quetta_sample.osm").all()
