"""Bring the shipped real road alignments into ``routes/data/`` reproducibly.

    python -m routes.import_roads /work/shared/data      # copy, after checking each file's SHA-256

The files are Natural Earth 1:10m roads (public domain), noded at junctions, built byte-for-byte by
the shared data folder's ``prepare.py`` (see its SOURCES.md and geodata/SOURCES.md, "Roads").  They
are copied unchanged; a file whose SHA-256 differs from the pinned one is refused, so the network
build always reads the alignments its figures were measured on.
"""
from __future__ import annotations

import argparse
import hashlib
import shutil
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"

# shipped name -> (name in the shared data folder, SHA-256 of its bytes)
ROAD_FILES: dict[str, tuple[str, str]] = {
    "roads_naturalearth.geojson": (
        "roads.geojson", "7f5ab243b9ef1eb86a74039a4ce5b837e24fc01f9de79ef129b7fd53d46dfae2"),
    "roads_naturalearth_west.geojson": (
        "roads_west_corridor.geojson", "875e42eb28209e1b2f484e826d3cdae74654956d5db2399adb86b14d5d644e4c"),
}


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def road_paths() -> list[Path]:
    """Paths of the shipped road files, in a fixed order."""
    return [DATA / name for name in ROAD_FILES]


def import_roads(source_dir: Path, target_dir: Path = DATA) -> list[Path]:
    """Copy the road files from ``source_dir`` into ``target_dir`` after checking their SHA-256.

    Parameters
    ----------
    source_dir : Path
        Folder holding ``roads.geojson`` and ``roads_west_corridor.geojson``.
    target_dir : Path
        Where the shipped copies go (default ``routes/data``).

    Returns
    -------
    list of Path
        The written files.
    """
    written = []
    for shipped, (name, digest) in ROAD_FILES.items():
        src = Path(source_dir) / name
        if not src.exists():
            raise FileNotFoundError(f"import_roads: {src} not found")
        found = sha256(src)
        if found != digest:
            raise ValueError(f"import_roads: {src} has SHA-256 {found}, expected {digest}; "
                             "rebuild it with prepare.py or update the pin with the new measurements")
        dst = Path(target_dir) / shipped
        shutil.copyfile(src, dst)
        written.append(dst)
    return written


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source_dir", type=Path)
    args = parser.parse_args(argv)
    for path in import_roads(args.source_dir):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
