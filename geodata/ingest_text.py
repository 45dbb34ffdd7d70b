"""Text files (CSV, TSV, Excel's "Unicode text"): the encoding, the delimiter, the rows.

Encodings are tried in the order Pakistani offices use them: UTF-8 (with or without
BOM), UTF-16, then Windows-1256 (Urdu/Arabic) or Windows-1252 (English and other
Western text), chosen by how the bytes form words.  Text that reads cleanly in none of
them is refused with a message saying to save the file as UTF-8, never guessed (a
guess turned Urdu into Korean).
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from typing import Iterator

from geodata.ingest_rows import attach_rows
from geodata.ingest_source import SAMPLE_BYTES, FileProblem, RawTable, Source, clip

DELIMITERS = (",", ";", "\t", "|")
UTF8_SHARE = 0.9        # of non-ASCII bytes in valid UTF-8 sequences: "meant as UTF-8"
ARABIC_SHARE = 0.8      # of non-ASCII characters that must be Arabic script for Windows-1256
SAVE_AS_UTF8 = ("save it again as UTF-8 (Excel: File > Save As > 'CSV UTF-8'), or as Windows-1256 "
                "for Urdu / Windows-1252 for English text")
_SEP_LINE = re.compile(r"^sep=(.)\s*$")
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_WORD = re.compile(rb"[A-Za-z\x80-\xff]+")
_TYPOGRAPHY = set("‘’‚“”„–—…•€£¥©®°±×÷·¨´¸¯¬¦§¶«»¡¿ ")

csv.field_size_limit(16 * 1024 * 1024)


def _utf16_without_bom(sample: bytes, name: str) -> str | None:
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > len(sample) // 4 and even < odd // 8:
        return "utf-16-le"
    if even > len(sample) // 4 and odd < even // 8:
        return "utf-16-be"
    raise FileProblem(f"{name} looks like a binary file, not text or a spreadsheet")


def _is_utf8(head: bytes) -> bool:
    try:
        head.decode("utf-8")
        return True
    except UnicodeDecodeError as error:
        # A sample cut inside a multi-byte character fails only in its last bytes.
        if len(head) >= SAMPLE_BYTES and error.start >= len(head) - 3:
            try:
                head[:error.start].decode("utf-8")
                return True
            except UnicodeDecodeError:
                return False
        return False


def _word_votes(head: bytes) -> tuple[int, int, int]:
    """(Western, Arabic-script, garbled) words among those with non-ASCII bytes.

    Accents sit one or two to an ASCII word (Café); Urdu words are all high bytes; words
    where high and ASCII bytes alternate (a double-byte Asian encoding) are neither.
    """
    western = arabic = garbled = 0
    for word in _WORD.findall(head):
        high = sum(1 for byte in word if byte >= 0x80)
        if not high:
            continue
        if high == len(word):
            arabic += len(word) >= 2
        elif high <= len(word) / 2:
            western += 1
        else:
            garbled += 1
    return western, arabic, garbled


def _arabic_share(text: str) -> float:
    wide = [ch for ch in text if ord(ch) >= 0x80 and ch not in _TYPOGRAPHY]
    if not wide:
        return 0.0
    arabic = sum(1 for ch in wide if "\u0600" <= ch <= "\u06ff" or unicodedata.category(ch) == "Mn")
    return arabic / len(wide)


def _single_byte(head: bytes, name: str) -> str:
    """Windows-1256 or Windows-1252 for text that is not UTF-8, or a FileProblem saying what to do."""
    high = sum(1 for byte in head if byte >= 0x80)
    in_utf8 = sum(len(match) for match in _UTF8_SEQUENCE.findall(head))
    if high and in_utf8 >= UTF8_SHARE * high:
        raise FileProblem(f"{name} is mostly UTF-8 but some of its bytes are not (a part was saved in another "
                          f"encoding); {SAVE_AS_UTF8}")
    western, arabic, garbled = _word_votes(head)
    if arabic > western + garbled and _arabic_share(head.decode("cp1256")) >= ARABIC_SHARE:
        return "cp1256"
    if western >= arabic + garbled:
        try:
            head.decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            pass
    raise FileProblem(f"{name} is not UTF-8 and does not read cleanly as Windows-1256 (Urdu) or "
                      f"Windows-1252 (English); {SAVE_AS_UTF8}")


def detect_encoding(head: bytes, name: str) -> str:
    """The text encoding from the first bytes: BOMs, UTF-16 without BOM, UTF-8, then Windows-1256/1252."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    utf16 = _utf16_without_bom(head[:4096], name)
    if utf16:
        return utf16
    if _is_utf8(head):
        return "utf-8"
    return _single_byte(head, name)


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n")
    return controls > max(2, len(text) // 100) or text.count("\ufffd") > max(4, len(text) // 20)


def _pick_delimiter(sample: str) -> str:
    lines = [line for line in sample.splitlines()[:30] if line.strip()]
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last sampled line may be cut
    best, best_score = ",", (-1, -1)
    for delimiter in DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        if not counts or max(counts) < 2:
            continue
        header = counts[0]
        consistent = sum(1 for count in counts if count == header)
        score = (consistent, header)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _sep_line(sample: str) -> str | None:
    """Excel's ``sep=;`` first line names the delimiter (Excel hides the line itself)."""
    first = sample.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    match = _SEP_LINE.match(first)
    return match[1] if match else None


def _ends_with_newline(source: Source) -> bool:
    if source.data is not None:
        tail = source.data[-4:]
    else:
        with open(source.path, "rb") as handle:
            handle.seek(max(0, source.path.stat().st_size - 4))
            tail = handle.read()
    return tail.rstrip(b"\x00").endswith((b"\n", b"\r"))


def read_csv_table(source: Source, chunksize: int) -> RawTable:
    """Open a text table; raises FileProblem for binary or undecodable text."""
    head = source.head()
    encoding = detect_encoding(head, source.name)
    sample = head.decode(encoding, errors="replace")
    if encoding != "utf-16" and len(head) == SAMPLE_BYTES:
        sample = sample[:-4]
    if _looks_binary(sample):
        raise FileProblem(f"{source.name} looks like a binary file, not text or a spreadsheet")
    declared = _sep_line(sample)
    body = sample.lstrip("\ufeff").split("\n", 1)[-1] if declared else sample.lstrip("\ufeff")
    delimiter = declared or _pick_delimiter(body)
    notes = []
    if encoding not in ("utf-8", "utf-8-sig"):
        notes.append(f"text encoding {encoding} detected and converted")
    if declared:
        notes.append(f"first line 'sep={declared}' honoured")
    if delimiter != ",":
        notes.append(f"columns separated by {'tab' if delimiter == chr(9) else repr(delimiter)}")
    table = RawTable("csv", [], iter(()), notes, encoding)
    rows = _text_rows(source, encoding, delimiter, skip_first=bool(declared), table=table)
    attach_rows(table, rows, chunksize, source.name, cut_short=not _ends_with_newline(source))
    return table


def _text_rows(source: Source, encoding: str, delimiter: str, skip_first: bool,
               table: RawTable) -> Iterator[tuple[int, list]]:
    text = io.TextIOWrapper(source.open_binary(), encoding=encoding, errors="strict", newline="")
    number = 0
    try:
        if skip_first:
            text.readline()
        for values in csv.reader(text, delimiter=delimiter):
            number += 1
            yield number, [value.lstrip("\ufeff") if number == 1 else value for value in values]
    except csv.Error as error:
        table.problems.append(f"{source.name}: reading stopped at row {number + 1}: {clip(error)}")
    except UnicodeDecodeError:
        table.problems.append(f"{source.name}: after row {number} the text is not {encoding} like the rows "
                              f"before it; {SAVE_AS_UTF8}")
    finally:
        text.close()
