"""Coverage report: self-contained HTML, offline PDF checked as page images, CSV/GeoJSON downloads."""
from __future__ import annotations

import base64
import io
import json
import re
import zipfile

import numpy as np
import pandas as pd
import pytest

from coverage_fixtures import TEST_BORDER, checkpoint_at_crossing, hand_flows
from models import coverage as C
from models.coverage._report import GAP_COLOUR, downloads_zip


@pytest.fixture(scope="module")
def rep():
    flows = hand_flows()
    flows.paths.loc[1, "volume"] = 3.0            # a small trafficking cell donors must not see
    r = C.gaps(checkpoint_at_crossing(0.6), flows, adaptive=False, borders=TEST_BORDER)
    r.marginal = pd.DataFrame({"k": [0, 1, 2], "share": [0.0, 0.6, 0.7], "gain": [0.0, 0.6, 0.1],
                               "sites": [[], ["c3"], ["c3", "c6"]], "share_after": [0.0, 0.4, 0.65],
                               "sites_after": [[], ["e1-2-0"], ["c3", "c6"]]})
    return r


def test_html_is_self_contained_and_says_it_plainly(rep):
    page = C.report(rep, audience="planner", fmt="html").decode("utf-8")
    assert page.startswith("<!doctype html>")
    # no external resource: images are data URIs, no script or stylesheet links
    assert not re.search(r"""(src|href)=['"](https?:)?//""", page)
    images = re.findall(r"src='data:image/png;base64,([^']+)'", page)
    assert len(images) == 2                        # gap map + marginal chart
    assert all(base64.b64decode(i)[:8] == b"\x89PNG\r\n\x1a\n" for i in images)
    assert "estimated 903 migrants a year" in page and "(1 site)" in page
    assert "Testland border, km 25-50" in page     # one of the biggest gaps, by name
    assert "from 0% with none added to 70% with 2 more on fixed routes; from 0% to 65% once smugglers" in page
    for section in ("Summary", "Gap map", "What more checkpoints would buy", "Border segments", "Corridors",
                    "Source districts", "Sources and assumptions"):
        assert f"<h2>{section}</h2>" in page or f"<h2>{section}" in page, section
    assert rep.data_version in page and rep.created in page


def _html_tables(page: str) -> list[pd.DataFrame]:
    """Tables of an HTML page as DataFrames of strings (stdlib parser: no lxml needed)."""
    from html.parser import HTMLParser

    class Tables(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tables, self.row, self.cell = [], None, None

        def handle_starttag(self, tag, attrs):
            if tag == "table":
                self.tables.append([])
            elif tag == "tr":
                self.row = []
            elif tag in ("td", "th"):
                self.cell = ""

        def handle_endtag(self, tag):
            if tag in ("td", "th") and self.row is not None:
                self.row.append(self.cell.strip())
                self.cell = None
            elif tag == "tr" and self.tables:
                self.tables[-1].append(self.row)
                self.row = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell += data

    parser = Tables()
    parser.feed(page)
    return [pd.DataFrame(rows[1:], columns=rows[0]) for rows in parser.tables if rows]


def test_donor_html_has_no_small_cells_or_paths(rep):
    page = C.report(rep, audience="donor", fmt="html").decode("utf-8")
    assert "audience: donor" in page and "cells under 5 persons pooled" in page
    tables = _html_tables(page)
    assert len(tables) >= 6
    assert any("Migrants /yr" in t.columns for t in tables)
    for t in tables:
        assert not [c for c in t.columns if "_" in c], list(t.columns)     # readable headers, no snake_case
        assert not {"True", "False"} & set(t.to_numpy().ravel()), list(t.columns)
        for col in ("Migrants /yr", "Intercepted /yr", "Not intercepted /yr"):
            if col in t.columns:
                vals = t[col].astype(str).str.replace(",", "")
                nums = vals[vals != "suppressed"].astype(float)
                assert ((nums == 0) | (nums >= 5)).all(), (col, list(nums))
        assert "nodes" not in t.columns and "edges" not in t.columns
    with pytest.raises(ValueError, match="audience must be one of"):
        C.report(rep, audience="public")
    with pytest.raises(ValueError, match="fmt must be one of"):
        C.report(rep, fmt="docx")


def test_pdf_pages_render_and_show_the_map(rep, tmp_path):
    pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 renders the PDF pages to images")
    out = tmp_path / "coverage.pdf"
    data = C.report(rep, audience="donor", fmt="pdf", path=out)
    assert out.read_bytes() == data and data[:5] == b"%PDF-"
    pdf = pdfium.PdfDocument(data)
    # summary, map, marginal chart, 6 tables, sources
    assert len(pdf) == 10
    assert {tuple(round(x) for x in pdf[i].get_size()) for i in range(len(pdf))} == {(595, 842)}  # all A4 portrait
    images = [np.asarray(pdf[i].render(scale=0.6).to_pil().convert("RGB")) for i in range(len(pdf))]
    for i, img in enumerate(images):
        assert (img < 160).any(axis=2).mean() > 2e-4, f"page {i + 1} has no ink"
    text = pdf[0].get_textpage().get_text_range()
    assert "Checkpost coverage report" in text and "903" in text and "Testland border" in text
    # page 2 is the gap map: sea blue, Pakistan's cream fill and the gap colour are all there
    page = images[1].reshape(-1, 3).astype(int)
    def near(rgb, tol=18):
        return (np.abs(page - np.array(rgb)).max(axis=1) <= tol).mean()
    assert near((0xcf, 0xe3, 0xef)) > 0.02          # sea
    assert near((0xfb, 0xf8, 0xef)) > 0.05          # Pakistan
    red = tuple(int(GAP_COLOUR[i:i + 2], 16) for i in (1, 3, 5))
    assert near(red, 30) > 0.0005                   # numbered gap markers
    assert "Sources and assumptions" in pdf[len(pdf) - 1].get_textpage().get_text_range()


def test_downloads_every_table_as_csv_and_geojson(rep):
    files = C.downloads(rep, audience="planner")
    names = set(rep.tables()) | {"marginal_value"}
    assert set(files) == {f"{n}.{ext}" for n in names for ext in ("csv", "geojson")}
    seg = pd.read_csv(io.BytesIO(files["segments.csv"]))
    assert seg["flow"].tolist() == pytest.approx([603.0, 300.0, 0.0])
    gj = json.loads(files["segments.geojson"])
    assert gj["type"] == "FeatureCollection" and len(gj["features"]) == 3
    assert gj["features"][0]["geometry"]["type"] == "LineString"
    by = json.loads(files["by_case_mode.geojson"])
    assert all(f["geometry"] is None for f in by["features"])
    assert sum(f["properties"]["flow"] for f in by["features"]) == pytest.approx(903.0)
    marg = pd.read_csv(io.BytesIO(files["marginal_value.csv"]))
    assert marg["sites"].fillna("").tolist() == ["", "c3", "c3|c6"]
    donor = C.downloads(rep, audience="donor")
    split = pd.read_csv(io.BytesIO(donor["segments_by_case_mode.csv"]))
    assert "trafficking" not in set(split["case_type"])
    with zipfile.ZipFile(io.BytesIO(downloads_zip(rep))) as z:
        assert set(z.namelist()) == set(donor)


def test_cli_holding_and_bad_command(capsys):
    from models.coverage.__main__ import main

    with pytest.raises(SystemExit):
        main(["nonsense"])
    assert "invalid choice" in capsys.readouterr().err


def test_holding_centres_in_both_reports():
    pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 reads the PDF's text")
    from coverage_fixtures import detour_graph
    import geopandas as gpd
    from shapely.geometry import Point

    G = detour_graph()
    pts = lambda ns, col: gpd.GeoDataFrame({col: [f"n{n}" for n in ns], "node": ns, "name": [f"town {n}" for n in ns]},
                                           geometry=[Point(G.nodes[n]["x"], G.nodes[n]["y"]) for n in ns], crs="EPSG:4326")
    arrivals = pts([1, 4], "arrival_id").assign(persons=[100.0, 50.0])
    flows = hand_flows()
    r = C.gaps(checkpoint_at_crossing(0.6), flows, adaptive=False, borders=TEST_BORDER)
    r.holding = C.holding_centres(arrivals, 1, candidates=pts([1, 2, 4], "candidate_id"), network=G)
    # links 1-2, 2-3, 3-4 are 48 km each: at 1, 50 x 144 km; at 2, 100 x 48 + 50 x 96; at 4, 100 x 144
    d14 = sum(G.edges[e]["length"] for e in ((1, 2, 0), (2, 3, 0), (3, 4, 0)))
    assert list(r.holding.centres["name"]) == ["town 1"]
    assert r.holding.objective == pytest.approx(50.0 * d14)
    page = C.report(r, audience="planner", fmt="html").decode("utf-8")
    assert "<h2>Holding centres</h2>" in page and "town 1" in page
    pdf = pdfium.PdfDocument(C.report(r, audience="donor", fmt="pdf"))
    texts = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    assert any("Holding centres: 1" in t and "town 1" in t for t in texts)


def test_gaps_are_looked_for_only_in_pakistan_and_its_border_belt():
    from shapely.geometry import Point, box

    from models.coverage._gaps import study_area

    area = study_area()
    assert area.contains(Point(66.99, 30.18))          # Quetta
    assert area.contains(Point(60.86, 29.50))          # Zahedan side of Taftan, about 70 km beyond the border
    assert not area.contains(Point(28.98, 41.01))      # Istanbul
    assert not area.contains(Point(23.73, 37.98))      # Athens
    flows = hand_flows()
    inside = C.gaps(checkpoint_at_crossing(0.6), flows, adaptive=False, borders=TEST_BORDER)
    assert inside.segments["gap"].any() and inside.segments["in_study_area"].all()
    # the same routes placed in a study area far away (a box over Turkey): nothing is called a gap
    elsewhere = C.gaps(checkpoint_at_crossing(0.6), flows, adaptive=False, borders=TEST_BORDER,
                       area=box(26.0, 36.0, 45.0, 42.0))
    for table in (elsewhere.segments, elsewhere.corridors, elsewhere.crossings, elsewhere.districts):
        assert not table["gap"].any()
    assert elsewhere.biggest_gaps().empty
    assert elsewhere.segments["flow"].sum() == inside.segments["flow"].sum()   # the flows are still counted


def test_assumptions_are_sentences_with_their_source(rep):
    from models.coverage._report import assumptions

    flows = hand_flows()
    flows.demand["source"] = ["addition: central Punjab district (see unodc-2011 §4.1); position geonames:1164909; "
                              "pull: unodc-2011 §4.1 / §4.2.2 (IGTOS; Greece)", "unodc-2011 §9.2 (camel jockeys)"]
    r = C.gaps(checkpoint_at_crossing(0.6), flows, adaptive=False, borders=TEST_BORDER)
    lines = assumptions(r)
    assert len(lines) <= 12 and all(line.endswith(".") for line in lines)
    demand = next(line for line in lines if line.startswith("Migrants per route"))
    assert "2 origin-destination flows" in demand and "sections §4.1, §4.2.2, §9.2" in demand
    assert "1 of them are Checkpost additions" in demand
    assert not [line for line in lines if "geonames:" in line or line.startswith("demand: ")]
    assert any("Pakistan and a 100 km belt" in line for line in lines)
    assert any("100% of the persons-per-year counts are simulated" in line for line in lines)
