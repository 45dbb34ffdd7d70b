"""Intercept records in the database: import batches and map queries.

    >>> from geodata.ingest import read_intercepts
    >>> from store.records import import_batch, query_intercepts
    >>> summary = import_batch(read_intercepts("ledger.csv"), "ledger.csv", user="planner1")
    >>> gdf = query_intercepts("2011-03-01", "2011-03-31", case_type="trafficking", province="Sindh")
"""
from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import asdict, dataclass, field
from typing import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from geodata.schema import typed_intercepts
from store.audit import log as audit_log
from store.db import get_engine, run_write, session_scope
from store.limits import fit, too_long
from store.models import CASE_TYPES, MODES, ImportBatch, Intercept, as_utc

INSERT_CHUNK = 5000   # rows per write transaction: short enough that sign-ins never wait long
STREAM_CHUNK = 10_000  # rows validated at a time by import_file (bounds its memory; see bench/)
STALE_AFTER = dt.timedelta(hours=1)
HASH_LOOKUP_CHUNK = 500

# Approximate bounding boxes (lon_min, lat_min, lon_max, lat_max) of Pakistan's provinces and
# territories, used when no province polygon layer is available.  Boxes of neighbours overlap,
# so a box query also returns points just across a border; see docs/records.md.
PROVINCE_BBOXES = {
    "Balochistan": (60.8, 24.8, 70.3, 32.2),
    "Sindh": (66.6, 23.6, 71.2, 28.6),
    "Punjab": (69.3, 27.6, 75.4, 34.1),
    "Khyber Pakhtunkhwa": (69.2, 31.1, 74.2, 36.95),
    "Gilgit-Baltistan": (72.5, 34.5, 77.9, 37.1),
    "Azad Jammu and Kashmir": (73.1, 32.8, 75.0, 35.2),
    "Islamabad Capital Territory": (72.8, 33.5, 73.4, 33.85),
}
_PROVINCE_ALIASES = {
    "kp": "Khyber Pakhtunkhwa", "kpk": "Khyber Pakhtunkhwa", "nwfp": "Khyber Pakhtunkhwa",
    "khyberpakhtunkhwa": "Khyber Pakhtunkhwa", "fata": "Khyber Pakhtunkhwa",
    "gb": "Gilgit-Baltistan", "gilgitbaltistan": "Gilgit-Baltistan",
    "ajk": "Azad Jammu and Kashmir", "azadkashmir": "Azad Jammu and Kashmir",
    "azadjammuandkashmir": "Azad Jammu and Kashmir", "ict": "Islamabad Capital Territory",
    "islamabad": "Islamabad Capital Territory", "islamabadcapitalterritory": "Islamabad Capital Territory",
    "balochistan": "Balochistan", "baluchistan": "Balochistan", "sindh": "Sindh", "sind": "Sindh",
    "punjab": "Punjab",
}


class FileNotImportable(ValueError):
    """The file could not be read completely; nothing was stored."""


@dataclass
class BatchSummary:
    """What one import did; ``batch_id`` is None when nothing was accepted (no batch written)."""

    batch_id: int | None
    file_name: str
    imported_by: str
    accepted: int
    inserted: int
    already_present: int
    rejected: int
    duplicates: int
    by_case_type: dict
    repeat_of: int | None = None       # the same file was imported as this batch; nothing written
    refused: list = field(default_factory=list)   # rows the database cannot hold: source, id, reason

    @property
    def written(self) -> bool:
        """True when this import wrote a batch."""
        return self.batch_id is not None and self.repeat_of is None

    def message(self) -> str:
        """One plain sentence for the user."""
        if self.repeat_of is not None:
            return (f"This file was already imported as batch {self.repeat_of}; nothing was written "
                    "again.")
        if self.batch_id is None:
            return "Nothing was accepted from this file, so no batch was written."
        refused = f" {len(self.refused)} rows had values too long to store." if self.refused else ""
        return (f"Batch {self.batch_id}: {self.inserted} new records stored, {self.already_present} "
                f"were already in the database.{refused}")

    def as_dict(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------- hashing

def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value)


def _days(series, size) -> list:
    """A datetime-like column as a list of datetime.date (None for missing)."""
    if series is None:
        return [None] * size
    stamps = pd.to_datetime(pd.Series(series).reset_index(drop=True))
    dates = stamps.dt.date.astype(object)
    return dates.where(stamps.notna(), None).tolist()


def _texts(series, size) -> list:
    if series is None:
        return [None] * size
    values = pd.Series(series).reset_index(drop=True).astype(object)
    values = values.where(values.notna(), None).map(lambda v: None if v is None or str(v) == "" else str(v))
    return values.tolist()


def rows_from_frame(frame: gpd.GeoDataFrame) -> list[dict]:
    """Intercept-schema GeoDataFrame -> table rows with content hashes (batch_id not set)."""
    size = len(frame)
    if size == 0:
        return []
    if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
        frame = frame.to_crs("EPSG:4326")
    lon = np.round(frame.geometry.x.to_numpy(np.float64), 7).tolist()
    lat = np.round(frame.geometry.y.to_numpy(np.float64), 7).tolist()
    date = _days(frame.get("date"), size)
    first = [f or d for f, d in zip(_days(frame.get("date_from"), size), date)]
    last = [t or d for t, d in zip(_days(frame.get("date_to"), size), date)]
    persons = frame["persons"].astype("int64").tolist()
    synthetic = (frame["synthetic"].fillna(False).astype(bool).tolist() if "synthetic" in frame
                 else [False] * size)
    text = {name: _texts(frame.get(name), size) for name in
            ("id", "case_type", "mode", "agency", "place_name", "nationality", "notes", "source")}
    precision = _precisions(frame, size)  # issue 11 hook: date/position precision, not part of the hash
    rows = []
    for i in range(size):
        if first[i] is None or last[i] is None:
            raise ValueError(f"intercept row {i} (id {text['id'][i]!r}) has neither date nor date_from/date_to")
        row = {
            "record_id": text["id"][i] or "", "date": date[i], "date_from": first[i], "date_to": last[i],
            "span_days": (last[i] - first[i]).days, "persons": persons[i],
            "case_type": text["case_type"][i], "mode": text["mode"][i], "agency": text["agency"][i],
            "place_name": text["place_name"][i], "nationality": text["nationality"][i],
            "notes": text["notes"][i], "synthetic": synthetic[i],
            "source": text["source"][i][:255] if text["source"][i] else None,
            "lon": lon[i], "lat": lat[i],
        }
        row["content_hash"] = content_hash(row)
        row["date_precision"], row["position_precision"] = precision[0][i], precision[1][i]
        rows.append(row)
    return rows


def _precisions(frame, size) -> tuple[list[str], list[str]]:
    """date_precision and position_precision columns, with the schema defaults where absent."""
    from geodata.schema import INTERCEPT_DEFAULTS

    return tuple([value or INTERCEPT_DEFAULTS[name] for value in _texts(frame.get(name), size)]
                 for name in ("date_precision", "position_precision"))


_HASHED = ("record_id", "date", "date_from", "date_to", "persons", "case_type", "mode", "agency",
           "place_name", "nationality", "notes", "synthetic", "lon", "lat")


def content_hash(row: dict) -> str:
    """SHA-256 over a record's content (not its source line or batch): same record, same hash."""
    text = "\x1f".join("" if (value := row.get(key)) is None else _text(value) for key in _HASHED)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- import

def _existing_hashes(session: Session, hashes: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(hashes), HASH_LOOKUP_CHUNK):
        part = hashes[start:start + HASH_LOOKUP_CHUNK]
        found.update(session.scalars(select(Intercept.content_hash).where(Intercept.content_hash.in_(part))))
    return found


def _insert_chunk(session: Session, rows: list[dict]) -> None:
    # Core executemany on the session's connection: same transaction, no ORM bookkeeping.
    session.connection().execute(Intercept.__table__.insert(), rows)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _in_session(connection, work):
    with Session(bind=connection) as session:   # joins the connection's transaction
        return work(session)


class _BatchWriter:
    """Writes one file's records as one batch, a chunk per short transaction.

    The batch row is made when the first record is to be written (a file with nothing
    accepted writes no batch) and stays 'importing', its records hidden from queries,
    until :meth:`finish`; :meth:`discard` removes it and its records after a failure.
    With a caller's ``session`` everything happens in that one transaction instead.
    """

    def __init__(self, file_name: str, user: str, session: Session | None, engine: Engine | None):
        self.file_name, self.user = fit(file_name, 255), user
        self.session = session
        self.engine = None if session is not None else (engine or get_engine())
        self.batch_id: int | None = None
        self.sha: str | None = None
        self.counts = {"n_accepted": 0, "n_inserted": 0, "n_already_present": 0, "n_rejected": 0,
                       "n_duplicates": 0}
        self.by_case = {case: 0 for case in CASE_TYPES}
        self.refused: list[dict] = []

    def run(self, work):
        """``work(session)`` in the caller's transaction, or in its own retried write transaction."""
        if self.session is not None:
            return work(self.session)
        return run_write(self.engine, lambda connection: _in_session(connection, work))

    def earlier_batch(self, sha: str | None) -> int | None:
        if not sha:
            return None
        statement = (select(ImportBatch.id).where(ImportBatch.file_sha256 == sha)
                     .order_by(ImportBatch.id).limit(1))
        with session_scope(self.session, self.engine) as active:
            return active.scalar(statement)

    def add(self, part) -> None:
        """Validate one chunk's rows against the table limits and write what fits."""
        rows, refused = [], []
        for row in rows_from_frame(part.accepted):
            reason = too_long(row)
            if reason:
                refused.append({"source": row["source"], "id": row["record_id"], "reason": reason})
            else:
                rows.append(row)
        self.refused.extend(refused)
        self.counts["n_rejected"] += len(part.rejected) + len(refused)
        self.counts["n_duplicates"] += part.duplicates
        for start in range(0, len(rows), INSERT_CHUNK):  # one short write transaction each
            piece = rows[start:start + INSERT_CHUNK]
            inserted, present = self.run(lambda session: self._write(session, piece))
            self.counts["n_accepted"] += len(piece)
            self.counts["n_inserted"] += inserted
            self.counts["n_already_present"] += present
        for row in rows:
            self.by_case[row["case_type"]] = self.by_case.get(row["case_type"], 0) + 1

    def _write(self, session: Session, rows: list[dict]) -> tuple[int, int]:
        now = _utcnow()
        if self.batch_id is None:
            batch = ImportBatch(file_name=self.file_name, imported_by=self.user, file_sha256=self.sha,
                                status="importing", updated_at=now, **{k: 0 for k in self.counts})
            session.add(batch)
            session.flush()
            batch_id = batch.id
        else:  # first statement of the chunk is a write: the lock is held before the reads
            batch_id = self.batch_id
            session.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(updated_at=now))
        # Earlier chunks are in the database already (committed, or flushed in the caller's
        # transaction), so the lookup finds repeats across chunks; ``hashes`` within this one.
        existing = _existing_hashes(session, [row["content_hash"] for row in rows])
        fresh, present, hashes = [], 0, set()
        for row in rows:
            if row["content_hash"] in existing or row["content_hash"] in hashes:
                present += 1
                continue
            hashes.add(row["content_hash"])
            fresh.append({**row, "batch_id": batch_id})
        if fresh:
            _insert_chunk(session, fresh)
        session.flush()
        self.batch_id = batch_id   # only once the work succeeded: a retry starts from the same state
        return len(fresh), present

    def summary(self, repeat_of: int | None = None) -> BatchSummary:
        counts = self.counts
        return BatchSummary(repeat_of or self.batch_id, self.file_name, self.user, counts["n_accepted"],
                            counts["n_inserted"], counts["n_already_present"], counts["n_rejected"],
                            counts["n_duplicates"], dict(self.by_case), repeat_of, list(self.refused))

    def finish(self) -> BatchSummary:
        summary = self.summary()

        def complete(session: Session) -> None:
            if self.batch_id is None:
                audit_log(self.user, "import_skipped", {**summary.as_dict(), "why": "nothing accepted"},
                          session=session)
                return
            session.execute(update(ImportBatch).where(ImportBatch.id == self.batch_id).values(
                status="complete", updated_at=_utcnow(), **self.counts))
            audit_log(self.user, "import", summary.as_dict(), session=session)

        self.run(complete)
        return summary

    def repeat(self, earlier: int, part) -> BatchSummary:
        """The same file (same SHA-256) was imported before: report that batch, write none."""
        accepted = len(part.accepted) if part is not None else 0
        summary = self.summary(repeat_of=earlier)
        summary.accepted = summary.already_present = accepted
        summary.rejected = len(part.rejected) if part is not None else 0
        self.run(lambda session: audit_log(self.user, "import_skipped",
                                           {**summary.as_dict(), "why": f"same file as batch {earlier}"},
                                           session=session))
        return summary

    def discard(self) -> None:
        """Remove the unfinished batch and every record written for it."""
        if self.batch_id is None or self.session is not None:
            return  # nothing written, or the caller's transaction rolls back as a whole
        batch_id = self.batch_id

        def remove(session: Session) -> None:
            session.execute(delete(Intercept).where(Intercept.batch_id == batch_id))
            session.execute(delete(ImportBatch).where(ImportBatch.id == batch_id))

        self.run(remove)
        self.batch_id = None


def _import(parts: Iterable, file_name: str, user: str, session: Session | None,
            engine: Engine | None) -> BatchSummary:
    if not user or not str(user).strip():
        raise ValueError("import_batch: user (who imports) is required")
    if len(str(user)) > 64:
        raise ValueError("import_batch: user name is longer than 64 characters")
    writer = _BatchWriter(file_name, str(user), session, engine)
    if session is None:
        discard_stale_batches(engine=writer.engine)
    try:
        for number, part in enumerate(parts):
            if getattr(part, "file_errors", None):
                # An unreadable (or partly unreadable) file is not imported at all.
                raise FileNotImportable(f"{file_name} was not imported: {'; '.join(part.file_errors)}")
            if number == 0:
                writer.sha = part.file_sha256
                earlier = writer.earlier_batch(writer.sha)
                if earlier is not None:
                    return writer.repeat(earlier, part)
            writer.add(part)
        return writer.finish()
    except BaseException:
        writer.discard()
        raise


def discard_stale_batches(older_than: dt.timedelta = STALE_AFTER, *, session: Session | None = None,
                          engine: Engine | None = None) -> list[int]:
    """Remove batches left 'importing' by a process that died (no chunk for ``older_than``)."""
    cutoff = _utcnow() - older_than
    with session_scope(session, engine) as active:
        stale = list(active.scalars(select(ImportBatch.id).where(
            ImportBatch.status == "importing", ImportBatch.updated_at < cutoff)))
        if stale:
            active.execute(delete(Intercept).where(Intercept.batch_id.in_(stale)))
            active.execute(delete(ImportBatch).where(ImportBatch.id.in_(stale)))
    return stale


def import_batch(result, file_name: str, user: str, *, session: Session | None = None,
                 engine: Engine | None = None) -> BatchSummary:
    """Store the accepted records of an IngestResult as one import batch.

    Raises FileNotImportable when the result carries file errors (nothing is stored).

    Records whose content is already stored (same content hash) are not added again;
    a file imported before (same SHA-256) writes no batch and reports the earlier one
    (``repeat_of``); a file with nothing accepted writes no batch (``batch_id`` None).
    Rows with a value too long for its column are refused with the reason (``refused``).
    Records are written in short transactions of ``INSERT_CHUNK`` rows (others may read
    and sign in meanwhile) and stay hidden until the batch is complete; any failure
    removes the batch and its records, and leaves no audit entry.
    """
    return _import([result], file_name, user, session, engine)


def import_records(records: gpd.GeoDataFrame, file_name: str, user: str, *, session: Session | None = None,
                   engine: Engine | None = None) -> BatchSummary:
    """Store an intercept-schema GeoDataFrame (e.g. routes.simulate records) as one batch, idempotently."""
    from geodata.ingest import IngestResult

    empty = pd.DataFrame(columns=["row", "field", "reason"])
    result = IngestResult(records, empty, pd.DataFrame(columns=["row", "field", "kind", "message"]),
                          file_name=file_name)
    return _import([result], file_name, user, session, engine)


def import_file(source, user: str, *, file_name: str | None = None, session: Session | None = None,
                engine: Engine | None = None, on_chunk=None, **read_options) -> BatchSummary:
    """Validate and import a file chunk by chunk, as one batch (memory stays bounded by the chunk size).

    Same rules as :func:`import_batch`; ``read_options`` go to ``geodata.ingest.iter_intercepts``.
    ``on_chunk(result)`` is called with each chunk's IngestResult before it is stored (e.g. to
    collect rejected rows).
    """
    from geodata.ingest import iter_intercepts

    read_options.setdefault("chunksize", STREAM_CHUNK)
    parts = iter_intercepts(source, file_name=file_name, **read_options)
    if on_chunk is not None:
        parts = _tee(parts, on_chunk)
    name = file_name or getattr(source, "name", None) or str(source)
    return _import(parts, str(name).rsplit("/", 1)[-1], user, session, engine)


def _tee(parts, callback):
    for part in parts:
        callback(part)
        yield part


def list_batches(*, imported_by: str | None = None, session: Session | None = None,
                 engine: Engine | None = None) -> pd.DataFrame:
    """Import batches, oldest first; only those ``imported_by`` that user when given (a commander's own)."""
    statement = select(ImportBatch).order_by(ImportBatch.id)
    if imported_by is not None:
        statement = statement.where(ImportBatch.imported_by == str(imported_by))
    with session_scope(session, engine) as active:
        rows = active.execute(statement).scalars().all()
        return pd.DataFrame([{c.name: as_utc(getattr(row, c.name)) for c in ImportBatch.__table__.columns}
                             for row in rows],
                            columns=[c.name for c in ImportBatch.__table__.columns])


# ---------------------------------------------------------------- queries

def province_bbox(province: str) -> tuple[tuple[float, float, float, float], object | None]:
    """(bbox, polygon or None) for a province name; a polygon only when a province layer is shipped."""
    key = "".join(ch for ch in str(province).lower() if ch.isalnum())
    name = _PROVINCE_ALIASES.get(key)
    polygon = _province_polygon(name or province)
    if polygon is not None:
        return tuple(polygon.bounds), polygon
    if name is None:
        raise ValueError(f"province '{province}' is not known; use one of {', '.join(PROVINCE_BBOXES)}")
    return PROVINCE_BBOXES[name], None


def _province_polygon(name: str):
    try:
        import geodata
        layer = geodata.layer("provinces")
    except (ImportError, AttributeError, KeyError, LookupError, ValueError, FileNotFoundError, OSError):
        return None
    if "name" not in layer:
        return None
    match = layer[layer["name"].astype(str).str.lower() == str(name).lower()]
    if match.empty:
        return None
    return match.to_crs("EPSG:4326").geometry.union_all()


def _as_date(value, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as error:
        raise ValueError(f"query_intercepts: {name} {value!r} is not a date") from error
    return None if pd.isna(stamp) else stamp.date()


def _as_list(value, allowed, name) -> list[str] | None:
    if value is None:
        return None
    values = [value] if isinstance(value, str) else list(value)
    bad = [v for v in values if v not in allowed]
    if bad:
        raise ValueError(f"query_intercepts: {name} {bad} not in {', '.join(allowed)}")
    return values


def _conditions(session, start, end, case_type, mode, bbox, province, synthetic):
    start, end = _as_date(start, "start"), _as_date(end, "end")
    conditions, polygon = [], None
    if start is not None and end is not None and end < start:
        raise ValueError(f"query_intercepts: end {end} is before start {start}")
    if end is not None:
        conditions.append(Intercept.date_from <= end)
    if start is not None:
        # Overlap with the window; the largest stored span bounds the index scan from below.
        max_span = session.scalar(select(func.max(Intercept.span_days))) or 0
        conditions.append(Intercept.date_from >= start - dt.timedelta(days=int(max_span)))
        conditions.append(Intercept.date_to >= start)
    boxes = []
    if bbox is not None:
        if len(bbox) != 4 or not bbox[0] <= bbox[2] or not bbox[1] <= bbox[3]:
            raise ValueError(f"query_intercepts: bbox {bbox} must be (lon_min, lat_min, lon_max, lat_max)")
        boxes.append(tuple(float(v) for v in bbox))
    if province is not None:
        box, polygon = province_bbox(province)
        boxes.append(box)
    if boxes:
        lon_min = max(b[0] for b in boxes)
        lat_min = max(b[1] for b in boxes)
        lon_max = min(b[2] for b in boxes)
        lat_max = min(b[3] for b in boxes)
        conditions += [Intercept.lon >= lon_min, Intercept.lon <= lon_max,
                       Intercept.lat >= lat_min, Intercept.lat <= lat_max]
    cases = _as_list(case_type, CASE_TYPES, "case_type")
    if cases is not None:
        conditions.append(Intercept.case_type.in_(cases))
    modes = _as_list(mode, MODES, "mode")
    if modes is not None:
        conditions.append(Intercept.mode.in_(modes))
    if synthetic is not None:
        conditions.append(Intercept.synthetic.is_(bool(synthetic)))
    conditions.append(_in_complete_batch())
    return conditions, polygon


def _in_complete_batch():
    """Records of a batch still importing (or being removed) are not shown to anyone."""
    unfinished = select(ImportBatch.id).where(ImportBatch.status != "complete")
    return or_(Intercept.batch_id.is_(None), Intercept.batch_id.not_in(unfinished))


_COLUMNS = ("record_id", "date", "date_from", "date_to", "date_precision", "persons", "case_type", "mode",
            "agency", "place_name", "nationality", "notes", "synthetic", "source", "position_precision",
            "batch_id", "lon", "lat")


def query_intercepts(start=None, end=None, case_type=None, mode=None, bbox=None, province=None, *,
                     synthetic: bool | None = None, session: Session | None = None,
                     engine: Engine | None = None) -> gpd.GeoDataFrame:
    """Intercepts whose known date or period overlaps ``start``..``end`` (inclusive), as a GeoDataFrame.

    ``case_type`` / ``mode``: one value or a list.  ``bbox``: (lon_min, lat_min, lon_max, lat_max).
    ``province``: a name (Sindh, KP, ...): its polygon when a province layer is shipped, otherwise
    its approximate bounding box.  ``synthetic``: True/False to keep only simulated/real records.
    """
    with session_scope(session, engine) as active:
        conditions, polygon = _conditions(active, start, end, case_type, mode, bbox, province, synthetic)
        statement = select(*(getattr(Intercept, name) for name in _COLUMNS)).where(and_(True, *conditions))
        result = active.execute(statement)
        frame = pd.DataFrame(result.fetchall(), columns=list(_COLUMNS))
    date = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    period = date.isna()  # schema: date_from/date_to only when just a period is known
    columns = frame.rename(columns={"record_id": "id"}).assign(
        date=date,
        date_from=pd.to_datetime(frame["date_from"]).astype("datetime64[ns]").where(period),
        date_to=pd.to_datetime(frame["date_to"]).astype("datetime64[ns]").where(period))
    gdf = typed_intercepts(columns, frame["lon"], frame["lat"],
                           extra={"batch_id": frame["batch_id"].astype("Int64")})
    if polygon is not None and len(gdf):
        gdf = gdf[gdf.intersects(polygon)].reset_index(drop=True)
    return gdf


def count_intercepts(start=None, end=None, case_type=None, mode=None, bbox=None, province=None, *,
                     by=("case_type",), synthetic: bool | None = None, session: Session | None = None,
                     engine: Engine | None = None) -> pd.DataFrame:
    """Record and person counts grouped by ``by`` (aggregates only: safe for donor views).

    With a province polygon layer the counts use its bounding box; use
    query_intercepts for exact polygon membership.
    """
    allowed = ("case_type", "mode", "synthetic", "batch_id")
    bad = [name for name in by if name not in allowed]
    if bad:
        raise ValueError(f"count_intercepts: cannot group by {bad}; use {', '.join(allowed)}")
    with session_scope(session, engine) as active:
        conditions, _ = _conditions(active, start, end, case_type, mode, bbox, province, synthetic)
        groups = [getattr(Intercept, name) for name in by]
        statement = (select(*groups, func.count().label("records"), func.sum(Intercept.persons).label("persons"))
                     .where(and_(True, *conditions)).group_by(*groups).order_by(*groups))
        frame = pd.DataFrame(active.execute(statement).fetchall(), columns=[*by, "records", "persons"])
    if list(by) == ["case_type"]:
        frame = frame.set_index("case_type").reindex(list(CASE_TYPES), fill_value=0).reset_index()
    return frame.astype({"records": "int64", "persons": "int64"})


def batch_detail(batch_id: int, *, session: Session | None = None, engine: Engine | None = None) -> dict:
    with session_scope(session, engine) as active:
        batch = active.get(ImportBatch, batch_id)
        if batch is None:
            raise LookupError(f"import batch {batch_id} does not exist")
        return {c.name: as_utc(getattr(batch, c.name)) for c in ImportBatch.__table__.columns}


__all__ = ["FileNotImportable", "discard_stale_batches", "import_batch", "import_records", "import_file", "query_intercepts", "count_intercepts", "list_batches",
           "batch_detail", "province_bbox", "content_hash", "BatchSummary", "PROVINCE_BBOXES"]
