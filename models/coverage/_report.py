"""Coverage report (HTML or PDF, offline) and CSV/GeoJSON downloads of every table.

The map and chart are drawn with matplotlib from the shipped layers (no tiles, no web); the HTML
embeds them as data URIs so the file is self-contained; the PDF is written with PdfPages.
"""
from __future__ import annotations

import base64
import html
import io
import json
import re
import textwrap
import zipfile
from pathlib import Path

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402
from matplotlib.colors import Normalize  # noqa: E402

from geodata.safe_export import csv_bytes  # noqa: E402

AUDIENCES = ("donor", "planner")
FORMATS = ("html", "pdf")
EXTENT = (60.3, 78.2, 23.3, 37.4)   # lon_min, lon_max, lat_min, lat_max: Pakistan and its borders
GAP_COLOUR = "#d7191c"
CMAP = "RdYlGn"
TABLE_ROWS = 25


def audience_tables(coverage, audience: str) -> dict[str, pd.DataFrame]:
    """Donors get ``donor_tables`` only; planners every table."""
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}, got {audience!r}")
    if audience == "donor":
        from models.coverage._donor import donor_tables
        return donor_tables(coverage)
    return coverage.tables()


def _biggest_gaps(tables: dict, n: int = 5) -> pd.DataFrame:
    rows = []
    for name, kind in (("segments", "border segment"), ("corridors", "corridor"), ("crossings", "crossing"),
                       ("launch_points", "launch point")):
        frame = tables.get(name)
        if frame is None or frame.empty or "gap" not in frame.columns:
            continue
        for _, r in frame[frame["gap"].fillna(False).astype(bool)].iterrows():
            rows.append({"element": kind, "where": r["label"], "flow": r["flow"], "uncovered": r["uncovered"],
                         "share_intercepted": r["share_intercepted"], "why": r["why"]})
    out = pd.DataFrame(rows, columns=["element", "where", "flow", "uncovered", "share_intercepted", "why"])
    return out.sort_values("uncovered", ascending=False, kind="stable").head(n).reset_index(drop=True)


def summary_lines(coverage, tables: dict) -> list[str]:
    """The summary in plain words."""
    lines = [f"On the modelled routes an estimated {coverage.total_volume:,.0f} migrants a year leave or cross "
             f"Pakistan irregularly. The checkpoints in this plan ({len(coverage.checkpoints)} site"
             f"{'' if len(coverage.checkpoints) == 1 else 's'}) would "
             f"intercept about {coverage.intercepted_volume:,.0f} of them a year ({coverage.share:.0%}); "
             f"{coverage.uncovered_volume:,.0f} a year pass no checkpoint that stops them."]
    if coverage.adaptive:
        before = coverage.parameters.get("static_share")
        lines.append("These figures already assume that smugglers learn where the checkpoints are and move to "
                     "other routes" + (f" (before they adapt: {before:.0%})." if before is not None else "."))
    by = coverage.by_case_mode.groupby("case_type")[["flow", "intercepted"]].sum()
    parts = [f"{t}: {r['intercepted'] / r['flow']:.0%} of {r['flow']:,.0f}" for t, r in by.iterrows() if r["flow"] > 0]
    if parts:
        lines.append("Intercepted share by crime type - " + "; ".join(parts) + ".")
    gaps = _biggest_gaps(tables)
    if len(gaps):
        lines.append(f"The {len(gaps)} biggest gaps (most migrants passing without being stopped):")
        for i, g in gaps.iterrows():
            lines.append(f"{i + 1}. {g['where']}, {g['element']}: {g['uncovered']:,.0f} a year uncovered of "
                         f"{g['flow']:,.0f} - {g['why']}.")
    else:
        lines.append("No element carries a gap under the thresholds used (see assumptions).")
    marg = coverage.marginal
    if marg is not None and len(marg) > 1:
        first, last = marg.iloc[0], marg.iloc[-1]
        text = (f"What more checkpoints would buy (chart below): from {first['share']:.0%} with none added to "
                f"{last['share']:.0%} with {int(last['k'])} more on fixed routes")
        if "share_after" in marg.columns:
            text += f"; from {first['share_after']:.0%} to {last['share_after']:.0%} once smugglers re-route"
        lines.append(text + ".")
    return lines


REROUTING_WORDS = {
    "logit": "smugglers spread over the cheaper routes around the checkpoints, more of them on cheaper ones "
             "(logit route choice)",
    "best_response": "each group of smugglers takes its best route around the checkpoints, up to {detour:.0%} "
                     "dearer than its cheapest (best response)",
    "none": "routes stay fixed: smugglers do not react to the checkpoints",
}


def _section_refs(texts) -> str:
    """The distinct report sections cited in ``texts`` ("§4.1, §4.2.2"), in order."""
    refs = sorted({m for t in texts for m in re.findall(r"§\s?\d+(?:\.\d+)*", t)},
                  key=lambda r: [int(x) for x in re.findall(r"\d+", r)])
    return ", ".join(refs)


def _source_sentences(sources: list[str]) -> list[str]:
    """The scenario's provenance strings summarised as a few sentences, each with its source."""
    demand = [s[len("demand: "):] for s in sources if s.startswith("demand: ")]
    route = [s[len("route choice: "):] for s in sources if s.startswith("route choice: ")]
    detection = [s[len("detection assumed at "):] for s in sources if s.startswith("detection assumed at ")]
    out = []
    if demand:
        added = sum("addition:" in d for d in demand)
        text = (f"Migrants per route come from the scenario's {len(demand)} origin-destination flows, built from "
                "the UNODC 2011 situational analysis of migrant smuggling from Pakistan")
        refs = _section_refs(demand)
        text += f" (sections {refs})" if refs else ""
        if added:
            text += (f"; {added} of them are Checkpost additions where the report names a region but not a "
                     "district, placed at GeoNames positions")
        out.append(text + ".")
    if route:
        out.append("Route choice uses the flow model's settings: " + ", ".join(r.replace("_", " ") for r in route)
                   + " (routes.flows).")
    if detection:
        parts = [d.replace(" checkpoints: ", " checkpoints stop ").replace("_", " ") for d in detection]
        out.append("Detection is assumed per checkpoint type: " + "; ".join(parts)
                   + " of those who pass (scenario parameters, not measured rates).")
    sites = [s for s in sources if s.startswith("checkpoint sites: ")]
    if sites:
        out.append("Checkpoint sites: " + ", ".join(s[len("checkpoint sites: "):] for s in sites) + ".")
    out.append("Borders, crossings, launch points and source districts come from the shipped geodata layers "
               "(Natural Earth, GeoNames and the UNODC 2011 report; see geodata/SOURCES.md).")
    return out


def assumptions(coverage) -> list[str]:
    """The report's assumptions in plain sentences, each saying where it comes from."""
    p = coverage.parameters
    rerouting = REROUTING_WORDS.get(p.get("rerouting", "none"), str(p.get("rerouting")))
    out = [f"Land borders are cut into {p['segment_km']:.0f} km segments, measured in UTM zone 42N.",
           f"A gap is a border segment, corridor, crossing or launch point with at least {p['gap_min_flow']:,.0f} "
           f"migrants a year of whom fewer than {p['gap_max_share']:.0%} are intercepted; gaps are looked for "
           f"only in {p.get('study_area', 'Pakistan and its border belt')}.",
           "Intercepted means the expected number stopped anywhere on their route; the flow through a border "
           "segment counts everyone whose route crosses it.",
           "Re-routing: " + rerouting.format(detour=float(p.get("detour", 0.5))) + ".",
           "Every figure is a model estimate: 100% of the persons-per-year counts are simulated from scenario "
           "parameters; none is a count of real people.",
           "Donor tables hold aggregates only; cells under 5 persons are pooled into 'other (suppressed)'."]
    return out + _source_sentences(list(coverage.sources))


# ----------------------------------------------------------------------------- figures
def draw_gap_map(coverage, tables: dict | None = None, ax=None, n_labels: int = 5):
    """Static gap map from the shipped layers: segments and corridors coloured by share intercepted."""
    import geodata

    tables = tables or coverage.tables()
    if ax is None:
        _, ax = plt.subplots(figsize=(8.3, 7.6))
    ax.set_facecolor("#cfe3ef")
    geodata.layer("neighbours").plot(ax=ax, color="#ecebe4", edgecolor="#9a9a9a", linewidth=0.4)
    geodata.layer("pakistan").plot(ax=ax, color="#fbf8ef", edgecolor="#6b6b6b", linewidth=0.6)
    geodata.layer("coastline").plot(ax=ax, color="#5d8aa8", linewidth=0.6)
    geodata.layer("borders").plot(ax=ax, color="#222222", linewidth=0.7, zorder=2)
    norm = Normalize(0, 1)
    cmap = plt.get_cmap(CMAP)
    cor = tables.get("corridors")
    if cor is not None and len(cor):  # air legs drawn straight across the map would hide the ground
        keep = [g is not None and not g.is_empty for g in cor.geometry]
        cor = cor[np.asarray(keep, dtype=bool) & (cor["flow"].fillna(0) > 0).to_numpy() & (cor["mode"] != "air").to_numpy()]
        if len(cor):
            _draw_corridors(ax, cor, cmap, norm)
    seg = tables.get("segments")
    if seg is not None and len(seg):
        seg = seg[np.asarray([g is not None and not g.is_empty for g in seg.geometry], dtype=bool)]
        quiet = seg[seg["flow"].fillna(0) <= 0]
        busy = seg[seg["flow"].fillna(0) > 0]
        if len(quiet):
            quiet.plot(ax=ax, color="#7f7f7f", linewidth=1.0, zorder=4)
        if len(busy):
            gaps = busy[busy["gap"].fillna(False).astype(bool)]
            if len(gaps):
                gaps.plot(ax=ax, color=GAP_COLOUR, linewidth=14, alpha=0.35, zorder=5)
            busy.plot(ax=ax, color="#111111", linewidth=7.5, zorder=5)
            busy.plot(ax=ax, color=[cmap(norm(s)) for s in busy["share_intercepted"].fillna(0)], linewidth=5.5,
                      zorder=6)
    cps = coverage.checkpoints
    if len(cps):
        ax.scatter(cps.geometry.x, cps.geometry.y, marker="^", s=46, color="#111111", edgecolor="white",
                   linewidth=0.6, zorder=7, label="checkpoint")
    gaps = _biggest_gaps(tables, n_labels)
    for i, g in gaps.iterrows():
        geom = _geometry_of(tables, g)
        if geom is None or geom.is_empty:
            continue
        pt = geom.representative_point() if geom.geom_type != "Point" else geom
        ax.annotate(str(i + 1), (pt.x, pt.y), xytext=(6, 6), textcoords="offset points", fontsize=10,
                    fontweight="bold", color="white", zorder=9,
                    bbox={"boxstyle": "circle,pad=0.25", "fc": GAP_COLOUR, "ec": "white"})
    ax.set_xlim(EXTENT[0], EXTENT[1])
    ax.set_ylim(EXTENT[2], EXTENT[3])
    ax.set_aspect(1 / np.cos(np.radians(30)))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    _legend(ax, cmap, norm)
    ax.set_title("Coverage gaps: border segments and corridors by share intercepted", fontsize=11)
    return ax


def _legend(ax, cmap, norm) -> None:
    """Colour bar (share intercepted) and the symbol legend under the map."""
    sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
    cb = ax.figure.colorbar(sm, ax=ax, fraction=0.035, pad=0.01)
    cb.set_label("share of the flow intercepted")
    cb.ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    from matplotlib.lines import Line2D
    handles = [Line2D([], [], color=cmap(0.05), lw=5, label="border segment with flow (colour = share)"),
               Line2D([], [], color=GAP_COLOUR, lw=9, alpha=0.35, label="gap (much flow, little intercepted)"),
               Line2D([], [], color="#7f7f7f", lw=1, label="border segment, no modelled flow"),
               Line2D([], [], marker="^", color="#111111", lw=0, label="checkpoint"),
               Line2D([], [], marker="o", color=GAP_COLOUR, lw=0, label="numbered: five biggest gaps")]
    handles.insert(1, Line2D([], [], color=cmap(0.5), lw=2, label="corridor: road or track (width = flow)"))
    handles.insert(2, Line2D([], [], color=cmap(0.5), lw=7, alpha=0.35, label="sea lane (simplified band)"))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=2, fontsize=7, frameon=False)


SEA_SIMPLIFY_M = 25_000.0   # sea lanes follow the coast in many small steps; drawn simplified they stay legible


def _draw_corridors(ax, cor: gpd.GeoDataFrame, cmap, norm) -> None:
    """Land corridors by share intercepted (width = flow); sea lanes simplified, thin and dashed on top."""
    top = float(cor["flow"].max()) or 1.0
    colours = [cmap(norm(v)) for v in cor["share_intercepted"].fillna(0)]
    sea = (cor["mode"] == "sea").to_numpy()
    if (~sea).any():
        land = cor[~sea]
        land.plot(ax=ax, color=[c for c, s in zip(colours, sea) if not s],
                  linewidth=0.5 + 2.5 * np.sqrt(land["flow"] / top), alpha=0.8, zorder=3)
    if sea.any():
        # the sea network is a mesh of parallel legs: each lane is drawn as one simplified band instead
        from geodata.crs import METRIC_CRS
        lanes = cor[sea].to_crs(METRIC_CRS)
        lanes["geometry"] = lanes.geometry.simplify(SEA_SIMPLIFY_M).buffer(SEA_SIMPLIFY_M / 2)
        lanes.to_crs(cor.crs).plot(ax=ax, color=[c for c, s in zip(colours, sea) if s], edgecolor="none", alpha=0.35, zorder=3)


def _geometry_of(tables, gap_row):
    for name, col in (("segments", "label"), ("corridors", "label"), ("crossings", "label"), ("launch_points", "label")):
        frame = tables.get(name)
        if frame is None or col not in frame.columns:
            continue
        hit = frame[frame[col] == gap_row["where"]]
        if len(hit) and hit.geometry.iloc[0] is not None:
            return hit.geometry.iloc[0]
    return None


def draw_marginal(marginal: pd.DataFrame, ax=None):
    """Intercepted share against the number of added checkpoints (static and after re-routing)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.2))
    ax.plot(marginal["k"], marginal["share"], marker="o", color="#1f618d", label="static (flows stay on their routes)")
    if "share_after" in marginal.columns:
        ax.plot(marginal["k"], marginal["share_after"], marker="s", color="#d35400",
                label="robust plan, after smugglers re-route")
    ax.set_xlabel("checkpoints added")
    ax.set_ylabel("share of migrants intercepted")
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xticks(list(marginal["k"]))
    ax.set_ylim(0, max(0.05, float(np.nanmax(marginal[["share"] + (["share_after"] if "share_after" in marginal
                                                                    else [])].to_numpy())) * 1.15))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("What each additional checkpoint buys", fontsize=11)
    return ax


def _png(draw) -> str:
    fig = plt.figure(figsize=(8.3, 7.0))
    ax = fig.add_subplot(111)
    draw(ax)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


# ----------------------------------------------------------------------------- tables for print
def _number(v) -> str:
    if pd.isna(v) or not np.isfinite(v):
        return ""
    return f"{v:,.0f}" if abs(v) >= 10 or float(v).is_integer() else f"{v:.2f}"


def _readable_column(column: pd.Series) -> pd.Series:
    """One column's values for print: shares in %, counts whole, lists joined, Yes/No, floats rounded."""
    c = column.name
    if c.startswith("share") or c == "gain":
        return column.map(lambda v: "" if pd.isna(v) else f"{v:.0%}")
    if c in ("flow", "intercepted", "uncovered", "met", "persons", "volume", "flow_static"):
        return column.map(lambda v: "suppressed" if pd.isna(v) else f"{v:,.0f}")
    if c in ("km_from", "km_to", "length_km", "distance_to_checkpoint_km"):
        return column.map(lambda v: "" if pd.isna(v) or not np.isfinite(v) else f"{v:,.0f}")
    if column.map(lambda v: isinstance(v, (list, tuple))).any():
        return column.map(lambda v: ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v)
    if column.map(lambda v: isinstance(v, (bool, np.bool_))).any():
        return column.map(lambda v: ("Yes" if v else "No") if isinstance(v, (bool, np.bool_)) else
                          ("" if pd.isna(v) else v))
    if pd.api.types.is_float_dtype(column):
        return column.map(_number)
    return column


def printable(frame: pd.DataFrame, rows: int | None = TABLE_ROWS) -> pd.DataFrame:
    """Readable table: no geometry, whole persons, percentages, km, Yes/No; busiest first."""
    out = pd.DataFrame(frame.drop(columns=[c for c in ("geometry",) if c in frame.columns]))
    out = out.drop(columns=[c for c in ("label", "pooled_rows", "key", "distance_to_checkpoint_m") if c in out])
    if "flow" in out.columns:
        out = out.sort_values("uncovered" if "uncovered" in out.columns else "flow", ascending=False, kind="stable")
        out = out[out["flow"].fillna(1) > 0] if (out["flow"].fillna(1) > 0).any() else out
    if rows is not None:
        out = out.head(rows)
    for c in out.columns:
        out[c] = _readable_column(out[c])
    return out.reset_index(drop=True)


HEADERS = {
    "segment_id": "Segment", "border_id": "Border code", "border": "Border", "neighbour": "Neighbour",
    "km_from": "From km", "km_to": "To km", "length_km": "Length km", "flow": "Migrants /yr",
    "flow_static": "Before re-routing /yr", "intercepted": "Intercepted /yr", "uncovered": "Not intercepted /yr",
    "share_intercepted": "Share intercepted", "share_met": "Share meeting a checkpoint",
    "met": "Meeting a checkpoint /yr", "gap": "Gap", "in_study_area": "In study area",
    "distance_to_checkpoint_km": "Nearest checkpoint km", "corridor": "Corridor", "corridor_mode": "Mode",
    "mode": "Mode", "id": "Code", "name": "Name", "district_id": "District code", "district": "District",
    "province": "Province", "case_type": "Crime type", "element": "Element", "where": "Where", "why": "Why",
    "k": "Checkpoints added", "share": "Share intercepted (fixed routes)", "gain": "Gain",
    "share_after": "Share after re-routing", "persons": "Persons", "month": "Month", "records": "Records",
    "candidate_id": "Code", "centre": "Centre", "arrivals": "Arrivals", "distance_km": "Road distance km",
}
REPORT_DROPS = ("sites", "sites_after", "node", "nodes", "edges")   # internal ids stay in the CSV downloads


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """A printed table with people's headers: no snake_case, no internal id lists."""
    out = frame.drop(columns=[c for c in REPORT_DROPS if c in frame.columns])
    return out.rename(columns=lambda c: HEADERS.get(c, str(c).replace("_", " ").capitalize()))


REPORT_TABLES = [("segments", "Border segments"), ("corridors", "Corridors"), ("crossings", "Crossings"),
                 ("launch_points", "Coastal launch points"), ("districts", "Source districts"),
                 ("by_case_mode", "By crime type and mode")]
PLANNER_COLUMNS = {
    "segments": ["segment_id", "border", "km_from", "km_to", "flow", "flow_static", "intercepted", "uncovered",
                 "share_intercepted", "distance_to_checkpoint_m", "gap"],
    "corridors": ["corridor", "mode", "flow", "flow_static", "intercepted", "uncovered", "share_intercepted", "gap"],
    "crossings": ["id", "name", "flow", "flow_static", "intercepted", "uncovered", "share_intercepted", "gap"],
    "launch_points": ["id", "name", "flow", "flow_static", "intercepted", "uncovered", "share_intercepted", "gap"],
    "districts": ["district_id", "name", "province", "flow", "met", "share_met", "intercepted", "uncovered"],
}


def _report_table(tables, name, audience) -> pd.DataFrame:
    frame = tables[name]
    if audience == "planner" and name in PLANNER_COLUMNS:
        cols = [c for c in PLANNER_COLUMNS[name] if c in frame.columns]
        frame = frame[cols].copy()
        if "distance_to_checkpoint_m" in frame.columns:
            frame["distance_to_checkpoint_km"] = frame.pop("distance_to_checkpoint_m") / 1000.0
    elif audience == "donor":
        frame = frame.drop(columns=[c for c in ("why", "label") if c in frame.columns])
    return readable(printable(frame))


# ----------------------------------------------------------------------------- report
def report(coverage, *, audience: str = "donor", fmt: str = "html", path: str | Path | None = None,
           title: str = "Checkpost coverage report") -> bytes:
    """Self-contained coverage report for ``audience`` ("donor": aggregates only, or "planner") as
    ``fmt`` ("html" or "pdf"); returns the bytes and writes them to ``path`` when given."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, got {fmt!r}")
    tables = audience_tables(coverage, audience)
    data = _html(coverage, tables, audience, title) if fmt == "html" else _pdf(coverage, tables, audience, title)
    if path is not None:
        Path(path).write_bytes(data)
    return data


def _meta(coverage, audience) -> str:
    return (f"{coverage.created} · data version {coverage.data_version} · audience: {audience} · "
            f"{'after re-routing' if coverage.adaptive else 'flows on fixed routes'}")


def _html(coverage, tables, audience, title) -> bytes:
    e = html.escape
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{e(title)}</title><style>"
             "body{font:14px/1.45 sans-serif;max-width:980px;margin:2em auto;color:#222}"
             "table{border-collapse:collapse;font-size:12px;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;"
             "padding:2px 6px;text-align:right}th{background:#f2f2f2}img{max-width:100%}"
             ".meta{color:#666}.note{background:#fff6d6;padding:.5em}</style></head><body>",
             f"<h1>{e(title)}</h1><p class='meta'>{e(_meta(coverage, audience))}</p>",
             "<p class='note'>Figures are model estimates (persons per year) from scenario parameters, not "
             "statistics." + (" Aggregates only: no case records; cells under 5 persons pooled." if audience == "donor"
                              else "") + "</p><h2>Summary</h2>"]
    in_list = False
    for line in summary_lines(coverage, tables):
        numbered = line.split(". ", 1)[0].isdigit()
        if numbered and not in_list:
            parts.append("<ol>")
        if in_list and not numbered:
            parts.append("</ol>")
        in_list = numbered
        parts.append(f"<li>{e(line.split('. ', 1)[1])}</li>" if numbered else f"<p>{e(line)}</p>")
    if in_list:
        parts.append("</ol>")
    parts.append("<h2>Gap map</h2>")
    parts.append(f"<img alt='gap map' src='data:image/png;base64,{_png(lambda ax: draw_gap_map(coverage, tables, ax))}'>")
    if coverage.marginal is not None:
        parts.append("<h2>What more checkpoints would buy</h2>")
        parts.append(f"<img alt='marginal value' src='data:image/png;base64,"
                     f"{_png(lambda ax: draw_marginal(coverage.marginal, ax))}'>")
        parts.append(readable(printable(coverage.marginal, None)).to_html(index=False, escape=True))
    if coverage.holding is not None:
        parts.append("<h2>Holding centres</h2>")
        hp = coverage.holding
        parts.append(f"<p>{hp.k} centres; person-weighted mean road distance {hp.mean_distance_km:,.0f} km.</p>")
        parts.append(readable(printable(hp.centres.drop(columns=["node"], errors="ignore"), None)).to_html(
            index=False, escape=True))
    for name, label in REPORT_TABLES:
        if name in tables:
            parts.append(f"<h2>{e(label)}</h2>")
            parts.append(_report_table(tables, name, audience).to_html(index=False, escape=True))
    parts.append("<h2>Sources and assumptions</h2><ul>")
    parts += [f"<li>{e(a)}</li>" for a in assumptions(coverage)]
    parts.append(f"</ul><p class='meta'>Report created {e(coverage.created)}; data version "
                 f"{e(coverage.data_version)}.</p></body></html>")
    return "".join(parts).encode("utf-8")


def _text_page(pdf, title, lines, meta=None):
    fig = plt.figure(figsize=(8.27, 11.69))
    y = 0.95
    fig.text(0.07, y, title, fontsize=16, fontweight="bold")
    y -= 0.03
    if meta:
        fig.text(0.07, y, meta, fontsize=8, color="#666666")
        y -= 0.03
    for line in lines:
        for chunk in textwrap.wrap(line, 95) or [""]:
            if y < 0.05:
                pdf.savefig(fig)
                plt.close(fig)
                fig = plt.figure(figsize=(8.27, 11.69))
                y = 0.95
            fig.text(0.07, y, chunk, fontsize=9.5)
            y -= 0.018
        y -= 0.008
    pdf.savefig(fig)
    plt.close(fig)


A4 = (8.27, 11.69)   # every PDF page: A4 portrait, one orientation throughout


def _table_pages(pdf, label, frame: pd.DataFrame, rows_per_page=40):
    frame = frame.astype(object).where(frame.notna(), "").astype(str)
    for start in range(0, max(len(frame), 1), rows_per_page):
        chunk = frame.iloc[start:start + rows_per_page]
        fig = plt.figure(figsize=A4)
        ax = fig.add_axes([0.06, 0.05, 0.88, 0.88])
        ax.axis("off")
        ax.set_title(label + (f" (rows {start + 1}-{start + len(chunk)})" if len(frame) > rows_per_page else ""),
                     fontsize=12, loc="left")
        if len(chunk):
            cells = [[textwrap.shorten(str(v), 34, placeholder="…") for v in row] for row in chunk.to_numpy()]
            heads = [textwrap.fill(str(c), 14) for c in chunk.columns]   # long headers wrap onto two lines
            chars = np.array([max([max(len(x) for x in h.split("\n"))] + [len(r[j]) for r in cells])
                              for j, h in enumerate(heads)])
            widths = (chars + 2) / max(float((chars + 2).sum()), 1.0)   # measured in characters: fast, no renderer
            t = ax.table(cellText=cells, colLabels=heads, loc="upper left", cellLoc="right", colWidths=list(widths))
            t.auto_set_font_size(False)
            t.set_fontsize(6.5 if len(heads) > 7 else 7.5)
            for (row, _), cell in t.get_celld().items():
                cell.set_height(0.034 if row == 0 else 0.019)
                if row == 0:
                    cell.set_facecolor("#f2f2f2")
        else:
            ax.text(0, 0.9, "no rows", fontsize=10)
        pdf.savefig(fig)
        plt.close(fig)


def _figure_page(pdf, draw, box=(0.06, 0.2, 0.88, 0.74)) -> None:
    """One A4 portrait page holding one drawing (no tight box: every page keeps the same size)."""
    fig = plt.figure(figsize=A4)
    draw(fig.add_axes(list(box)))
    pdf.savefig(fig)
    plt.close(fig)


def _pdf(coverage, tables, audience, title) -> bytes:
    buf = io.BytesIO()
    with PdfPages(buf, metadata={"Title": title, "Subject": f"coverage ({audience})",
                                 "Creator": "Checkpost models.coverage"}) as pdf:
        note = ("Figures are model estimates (persons per year) from scenario parameters, not statistics: 100% "
                "of the counts are simulated."
                + (" Aggregates only: no case records; cells under 5 persons pooled." if audience == "donor" else ""))
        _text_page(pdf, title, [note, ""] + summary_lines(coverage, tables), _meta(coverage, audience))
        _figure_page(pdf, lambda ax: draw_gap_map(coverage, tables, ax))
        if coverage.marginal is not None:
            _figure_page(pdf, lambda ax: draw_marginal(coverage.marginal, ax), box=(0.1, 0.55, 0.82, 0.38))
        if coverage.holding is not None:
            hp = coverage.holding
            _table_pages(pdf, f"Holding centres: {hp.k}, person-weighted mean road distance "
                              f"{hp.mean_distance_km:,.0f} km",
                         readable(printable(hp.centres.drop(columns=["node"], errors="ignore"), None)))
        for name, label in REPORT_TABLES:
            if name in tables:
                _table_pages(pdf, label, _report_table(tables, name, audience))
        _text_page(pdf, "Sources and assumptions", assumptions(coverage) +
                   [f"Report created {coverage.created}; data version {coverage.data_version}."])
    return buf.getvalue()


# ----------------------------------------------------------------------------- downloads
def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(frame).copy()
    for c in out.columns:
        if c != "geometry" and out[c].map(lambda v: isinstance(v, (list, tuple, set))).any():
            out[c] = out[c].map(lambda v: "|".join(map(str, v)) if isinstance(v, (list, tuple, set)) else v)
    return out


def downloads(coverage, *, audience: str = "donor") -> dict[str, bytes]:
    """``{file name: bytes}``: every table of the audience's view as CSV and as GeoJSON."""
    tables = audience_tables(coverage, audience)
    if coverage.marginal is not None:
        tables = {**tables, "marginal_value": coverage.marginal}
    out = {}
    for name, frame in tables.items():
        plain = _plain(frame)
        out[f"{name}.csv"] = csv_bytes(plain.drop(columns=["geometry"], errors="ignore"), bom=False)
        if isinstance(frame, gpd.GeoDataFrame):
            gdf = gpd.GeoDataFrame(plain, geometry="geometry", crs=frame.crs).to_crs("EPSG:4326")
            out[f"{name}.geojson"] = gdf.to_json(drop_id=True, na="null").encode("utf-8")
        else:
            feats = [{"type": "Feature", "geometry": None, "properties": json.loads(row.to_json())}
                     for _, row in plain.iterrows()]
            out[f"{name}.geojson"] = json.dumps({"type": "FeatureCollection", "features": feats}).encode("utf-8")
    return out


def downloads_zip(coverage, *, audience: str = "donor") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in downloads(coverage, audience=audience).items():
            z.writestr(name, data)
    return buf.getvalue()
