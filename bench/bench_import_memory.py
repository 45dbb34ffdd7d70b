"""Benchmark: peak memory and time of importing a large intercept CSV (issue 16, target: 200,000
rows under 300 MB peak).

    python bench/bench_import_memory.py                 # 200,000 rows, SQLite in a temp dir
    python bench/bench_import_memory.py --rows 50000

Each variant runs in its own fresh Python process on the same file and database kind, so its peak
resident memory (``ru_maxrss`` of that process, from ``os.wait4``) is its own:

  * ``store import`` (the command line): streams the file chunk by chunk through the same validation,
    short write transactions (store.records.import_file);
  * the whole-file path it replaced: ``read_intercepts`` of the whole file, then ``import_batch``;
  * the reference tool: ``pandas.read_csv`` of the whole file + ``DataFrame.to_sql`` into SQLite
    (no validation, no hashes, no duplicate checks).

Prints a markdown table: seconds, peak MB and records stored per variant, with ratios to the
reference; and how long sign-ins (bcrypt check + audit entry, as the app does) took, once a second,
while the streamed import ran on the same SQLite file.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

WHOLE_FILE = """
import sys
from geodata.ingest import read_intercepts
from store.db import get_engine
from store.records import import_batch
result = read_intercepts(sys.argv[1])
print(import_batch(result, "bench.csv", "bench", engine=get_engine(sys.argv[2])).inserted)
"""
REFERENCE = """
import sys
import pandas as pd
from sqlalchemy import create_engine
frame = pd.read_csv(sys.argv[1])
engine = create_engine(sys.argv[2])
frame.to_sql("reference", engine, index=False, chunksize=5000)
print(len(frame))
"""


def run(command: list[str], env: dict, log: Path, during=None) -> tuple[float, float, str]:
    """(seconds, peak MB, last line of output) of one child process.

    The child writes to a file, not a pipe, so it can be reaped with ``os.wait4``, which gives
    that child's own peak resident memory.  ``during()`` is called repeatedly while it runs.
    """
    began = time.perf_counter()
    with open(log, "wb") as out:
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG if during else 0)
            if pid == child.pid:
                break
            during()
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - began
    text = log.read_text(errors="replace").strip()
    if child.returncode != 0:
        raise RuntimeError(f"{command[:3]} failed: {text[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, text.splitlines()[-1]   # ru_maxrss is in kB on Linux


class SignIns:
    """Sign in (bcrypt check + audit entry, as the app does) once a second during an import."""

    def __init__(self, url: str):
        from store.db import get_engine
        from store.users import create_user

        os.environ["CHECKPOST_DB_URL"] = url
        create_user("bench-user", "a long passphrase", role="planner", engine=get_engine(url))
        self.seconds: list[float] = []
        self.failures: list[str] = []

    def __call__(self) -> None:
        from ui.auth import SignInLimiter, check_credentials

        began = time.perf_counter()
        try:
            if check_credentials("bench-user", "a long passphrase", limiter=SignInLimiter()) is None:
                self.failures.append("refused")
        except Exception as error:  # noqa: BLE001 - a benchmark reports every failure
            self.failures.append(repr(error)[:200])
        self.seconds.append(time.perf_counter() - began)
        time.sleep(1.0)

    def baseline(self, count: int = 3) -> None:
        """Sign-ins with no import running, for comparison on the same (shared) machine."""
        for _ in range(count):
            self()
        self.alone, self.seconds = self.seconds, []

    def report(self) -> str:
        if not self.seconds:
            return "no sign-ins ran"
        ordered, alone = sorted(self.seconds), sorted(self.alone)
        return (f"{len(ordered)} sign-ins during the streamed import: median {ordered[len(ordered) // 2]:.2f} s, "
                f"worst {ordered[-1]:.2f} s, {len(self.failures)} failed; with no import running: median "
                f"{alone[len(alone) // 2]:.2f} s")


def main(argv=None) -> int:
    from bench_store import ingest_rows

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="checkpost-memory-"))
    path = workdir / "bench.csv"
    ingest_rows(path, args.rows, args.seed)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    results = []
    for label, command, database in (
            ("reference: pandas.read_csv + DataFrame.to_sql (no checks)",
             [sys.executable, "-c", REFERENCE, str(path)], "reference"),
            ("`python -m store import` (streamed in chunks, every cell checked)",
             [sys.executable, "-m", "store", "import", str(path), "--user", "bench"], "streamed"),
            ("whole file: read_intercepts + import_batch (before issue 16)",
             [sys.executable, "-c", WHOLE_FILE, str(path)], "whole")):
        url = f"sqlite:///{workdir / (database + '.sqlite')}"
        log = workdir / f"{database}.log"
        if database == "streamed":
            sign_ins = SignIns(url)
            sign_ins.baseline()
            seconds, peak, out = run(command, {**env, "CHECKPOST_DB_URL": url}, log, during=sign_ins)
        else:
            seconds, peak, out = run(command + [url], env, log)
        results.append((label, seconds, peak, out))
        print(f"{label}: {seconds:.1f} s, {peak:.0f} MB peak ({out})", file=sys.stderr)
    base_s, base_mb = results[0][1], results[0][2]
    print(f"\n{args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB CSV, SQLite\n")
    print("| variant | time | peak memory | ratio (time, memory) to reference |")
    print("| --- | ---: | ---: | ---: |")
    for label, seconds, peak, _ in results:
        print(f"| {label} | {seconds:.1f} s | {peak:.0f} MB | {seconds / base_s:.1f}x, {peak / base_mb:.1f}x |")
    print(f"\n{sign_ins.report()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
