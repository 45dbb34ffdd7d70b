"""What every intercept-file reader shares: the opened source, the table of text rows it yields,
the file-level error, and the rule that no message echoes more than 200 characters of the file."""
from __future__ import annotations

import io
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

SAMPLE_BYTES = 256 * 1024
HEADER_SEARCH_ROWS = 10
ECHO_CHARS = 200   # no message shows more of the file than this


class FileProblem(Exception):
    """The file as a whole cannot be read; the message names the file and says why."""


def clip(text, limit: int = ECHO_CHARS) -> str:
    """File content (or a library's message quoting it) cut to ``limit`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass
class RawTable:
    """Rows of one table as text, plus what was learned while opening it."""

    kind: str                      # csv, xlsx, geojson, gpkg, shapefile, kml
    headers: list[str]
    chunks: Iterator[list[tuple[int, list, str, list]]]  # (row, values, row problem, overflow)
    notes: list[str] = field(default_factory=list)
    encoding: str | None = None
    problems: list[str] = field(default_factory=list)   # file-level problems found while streaming
    # The first data rows, ``(row, values)``, read ahead so that decisions about whole columns
    # (date order) rest on the same rows whatever the chunk size.
    evidence: list = field(default_factory=list)


@dataclass
class Source:
    """A path or an in-memory upload, opened lazily."""

    name: str
    path: Path | None
    data: bytes | None

    def head(self, size: int = SAMPLE_BYTES) -> bytes:
        if self.data is not None:
            return self.data[:size]
        with open(self.path, "rb") as handle:
            return handle.read(size)

    def open_binary(self):
        return open(self.path, "rb") if self.data is None else io.BytesIO(self.data)

    @contextmanager
    def as_path(self, suffix: str):
        """A real file path for libraries that need one (GDAL)."""
        if self.path is not None:
            yield self.path
            return
        handle, temp = tempfile.mkstemp(suffix=suffix)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(self.data)
            yield Path(temp)
        finally:
            os.unlink(temp)


def as_source(source, file_name: str | None = None) -> Source:
    """Accept a path, bytes, or a file-like object (e.g. a Streamlit UploadedFile)."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise FileNotFoundError(f"intercept file not found: {path}")
        return Source(file_name or path.name, path, None)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return Source(file_name or "upload", None, bytes(source))
    if hasattr(source, "getvalue"):
        return Source(file_name or Path(getattr(source, "name", "upload")).name, None,
                      bytes(source.getvalue()))
    if hasattr(source, "read"):
        data = source.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
        return Source(file_name or Path(str(getattr(source, "name", "upload"))).name, None, bytes(data))
    raise TypeError(f"read_intercepts needs a path, bytes or a file object, not {type(source).__name__}")
