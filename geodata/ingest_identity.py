"""Record identity within one file: which rows are the same record, which only look alike.

* With a source id column (``Main ID``, ``FIR no.``) the id is the identity: distinct ids are
  distinct records, always.  The same id again with the same content is an exact duplicate; with
  other content it is a conflict.
* Without ids, only rows equal in every mapped field are exact duplicates (rejected, counted
  once).  Rows that merely share date, place and persons are *possible duplicates*: kept, flagged
  and grouped (the group is named by its first row) so the user can drop or keep them together.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


class DuplicateRow(Exception):
    """This row repeats an earlier one; ``field`` and the message go into the rejected rows."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


def _digest(text: str) -> bytes:
    # 8 bytes per row keep a million-row file's identity table small.
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()


@dataclass
class Identity:
    """Keeps what was seen across the chunks of one file."""

    has_ids: bool
    ids: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    contents: dict[bytes, int] = field(default_factory=dict)
    looks: dict[tuple, tuple[int, str]] = field(default_factory=dict)
    grouped: set[int] = field(default_factory=set)

    def check(self, number: int, record_id: str, content: str, look: tuple) -> list[dict]:
        """Register row ``number``; return possible-duplicate entries it creates (may be empty).

        Parameters
        ----------
        number : int
            The row number as the clerk sees it.
        record_id : str
            The row's source id ("" when the file has none).
        content : str
            Every mapped field of the row, parsed, joined (the id excluded).
        look : tuple
            (first day, last day, place, persons): what possible duplicates share.

        Raises
        ------
        DuplicateRow
            For an exact duplicate or an id used before with other content.
        """
        digest = _digest(content)
        if self.has_ids and record_id:
            return self._check_id(number, record_id, digest)
        first = self.contents.get(digest)
        if first is not None:
            raise DuplicateRow("row", f"duplicate of row {first} (every field the same); not counted twice")
        self.contents[digest] = number
        return self._check_look(number, record_id, look)

    def _check_id(self, number: int, record_id: str, digest: bytes) -> list[dict]:
        seen = self.ids.get(record_id)
        if seen is None:
            self.ids[record_id] = (number, digest)
            return []
        if seen[1] == digest:
            raise DuplicateRow("row", f"duplicate of row {seen[0]} (same id '{record_id}' and the same content); "
                                      "not counted twice")
        raise DuplicateRow("id", f"id '{record_id}' is already used on row {seen[0]}; ids must be unique")

    def _check_look(self, number: int, record_id: str, look: tuple) -> list[dict]:
        first = self.looks.get(look)
        if first is None:
            self.looks[look] = (number, record_id)
            return []
        group = first[0]
        entries = []
        if group not in self.grouped:
            self.grouped.add(group)
            entries.append({"group": group, "row": group, "id": first[1]})
        entries.append({"group": group, "row": number, "id": record_id})
        return entries
