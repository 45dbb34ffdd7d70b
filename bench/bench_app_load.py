"""Many users at once: concurrent sessions over Streamlit's websocket protocol against the Route map.

    python bench/bench_app_load.py                       # this checkout, 1 then 20 sessions
    python bench/bench_app_load.py --baseline-ref main   # the same run against `git archive main` too (before/after)
    python bench/bench_app_load.py --sessions 1 5 20 --reruns 3 --timeout 240
    python bench/bench_app_load.py --processes 1 2            # also two app processes on one database

For each app checkout the benchmark starts ``streamlit run app.py`` on a free loopback port with
``CHECKPOST_DEMO=1`` and a fresh SQLite database (the demo seeds the scenario simulator's intercepts),
warms it up with one session, then opens N websocket clients at once.  Each client does what a
browser does: runs the app, clicks "Enter the demo" (planner), and waits until the Route map's script
run has finished (``script_finished``); then it re-runs the Route map ``--reruns`` times, as a user
moving the map or coming back to the page does.  "Page complete" is the time from sending the rerun
to the server's ``script_finished`` message.  Every client is bounded by ``--timeout`` seconds; a
client that times out, sees an exception element or never reaches the Route map counts as an error.

Figures go to stdout as a Markdown table (median, 90th percentile, worst, errors, the server's CPU
seconds per page run read from /proc, and the machine's load average while measuring: on a shared
machine the wall-clock times say as much about the neighbours as about the app); with a baseline, the
ratios baseline/this for each session count.  Nothing here is a test: run by hand, copy the table to
docs/app.md.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parents[1]
FINISHED = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")
ROUTE_MAP_TITLE = "Route map"


@dataclass
class Run:
    """What one script run sent back."""

    seconds: float
    buttons: dict[str, str] = field(default_factory=dict)   # label -> widget id
    headings: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    bytes_received: int = 0


@dataclass
class SessionResult:
    sign_in_to_map_s: float | None = None
    reruns_s: list[float] = field(default_factory=list)
    error: str | None = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _note_element(run: Run, message: ForwardMsg) -> None:
    if not message.HasField("delta") or not message.delta.HasField("new_element"):
        return
    element = message.delta.new_element
    kind = element.WhichOneof("type")
    if kind == "button":
        run.buttons[element.button.label] = element.button.id
    elif kind == "heading":
        run.headings.append(element.heading.body)
    elif kind == "exception":
        run.exceptions.append(f"{element.exception.type}: {element.exception.message}"[:200])


async def script_run(ws, widget_states=None) -> Run:
    """Send one rerun and read until the run finishes; a run that hands over to another (st.rerun) is followed."""
    back = BackMsg()
    back.rerun_script.query_string = ""
    back.rerun_script.page_script_hash = ""
    for state in widget_states or []:
        back.rerun_script.widget_states.widgets.append(state)
    started = time.perf_counter()
    await ws.send(back.SerializeToString())
    run = Run(0.0)
    while True:
        raw = await ws.recv()
        run.bytes_received += len(raw)
        message = ForwardMsg()
        message.ParseFromString(raw)
        _note_element(run, message)
        if message.WhichOneof("type") == "script_finished":
            if message.script_finished == FINISHED:
                run.seconds = time.perf_counter() - started
                return run
            if message.script_finished != ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN"):
                raise RuntimeError(f"script finished with status {message.script_finished}")


def _click(widget_id: str):
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    state = WidgetState()
    state.id = widget_id
    state.trigger_value = True
    return [state]


async def one_session(port: int, reruns: int) -> SessionResult:
    """A planner signs in through the demo and (re-)runs the Route map; times in seconds."""
    result = SessionResult()
    async with websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],
                                  max_size=None, open_timeout=60, ping_interval=None) as ws:
        sign_in_page = await script_run(ws)
        button = sign_in_page.buttons.get("Enter the demo")
        if button is None:
            raise RuntimeError(f"no 'Enter the demo' button (headings {sign_in_page.headings})")
        first = await script_run(ws, _click(button))
        _check_route_map(first)
        result.sign_in_to_map_s = first.seconds
        for _ in range(reruns):
            again = await script_run(ws)
            _check_route_map(again)
            result.reruns_s.append(again.seconds)
    return result


def _check_route_map(run: Run) -> None:
    if run.exceptions:
        raise RuntimeError(f"exception on the page: {run.exceptions[0]}")
    if ROUTE_MAP_TITLE not in run.headings:
        raise RuntimeError(f"the Route map was not shown (headings {run.headings[:3]})")


async def bounded_session(port: int, reruns: int, timeout: float) -> SessionResult:
    try:
        return await asyncio.wait_for(one_session(port, reruns), timeout)
    except (asyncio.TimeoutError, TimeoutError):
        return SessionResult(error=f"timed out after {timeout:.0f} s")
    except (OSError, RuntimeError, websockets.WebSocketException) as error:
        return SessionResult(error=str(error)[:200])


async def many_sessions(ports: list[int], n: int, reruns: int, timeout: float) -> list[SessionResult]:
    """``n`` sessions at once, spread over the app processes as a sticky reverse proxy would."""
    return list(await asyncio.gather(*(bounded_session(ports[i % len(ports)], reruns, timeout) for i in range(n))))


@contextmanager
def app_server(app_dir: Path, log_path: Path, data: Path):
    """``streamlit run app.py`` from ``app_dir`` on a free port, database under ``data``; yields (port, pid)."""
    port = free_port()
    env = {**os.environ, "CHECKPOST_DEMO": "1", "CHECKPOST_DATA_DIR": str(data),
           "CHECKPOST_DB_URL": f"sqlite:///{data / 'checkpost.sqlite'}", "PYTHONUNBUFFERED": "1"}
    env.pop("CHECKPOST_DEMO_RECORDS", None)
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true",
               # as in production: no file watcher, which would reload modules if the checkout changes
               "--server.fileWatcherType", "none"]
    with open(log_path, "wb") as log:
        server = subprocess.Popen(command, cwd=app_dir, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_healthy(port, server)
            yield port, server.pid
        finally:
            server.terminate()
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()


def _wait_healthy(port: int, server: subprocess.Popen, limit_s: float = 120.0) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"streamlit did not answer on port {port} within {limit_s:.0f} s")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def summary(results: list[SessionResult]) -> dict:
    """Median, 90th percentile and worst page-complete time (s) of the reruns, and the errors."""
    times = sorted(t for r in results for t in r.reruns_s)
    first = sorted(r.sign_in_to_map_s for r in results if r.sign_in_to_map_s is not None)

    def pct(values, q):
        return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")

    return {"sessions": len(results), "errors": sum(r.error is not None for r in results),
            "error_examples": sorted({r.error for r in results if r.error})[:3],
            "median_s": statistics.median(times) if times else float("nan"), "p90_s": pct(times, 0.9),
            "worst_s": times[-1] if times else float("nan"),
            "first_median_s": statistics.median(first) if first else float("nan"),
            "first_worst_s": first[-1] if first else float("nan"), "runs": len(times)}


def measure(app_dir: Path, label: str, session_counts: list[int], reruns: int, timeout: float,
            processes: int = 1) -> dict[int, dict]:
    """Start ``processes`` app processes from ``app_dir`` on one database and run each session count."""
    out = {}
    data = Path(tempfile.mkdtemp(prefix="checkpost-load-"))
    with ExitStack() as stack:
        servers = []
        for number in range(processes):
            log_path = Path(tempfile.gettempdir()) / f"checkpost-load-{label}-{number}.log"
            port, pid = stack.enter_context(app_server(app_dir, log_path, data))
            # one at a time: the first seeds the demo records, each builds its own caches
            warm = asyncio.run(many_sessions([port], 1, 1, timeout * 2))
            if warm[0].error:
                raise RuntimeError(f"{label}: warm-up failed: {warm[0].error} (server log {log_path})")
            servers.append((port, pid))
        ports, pids = [p for p, _ in servers], [pid for _, pid in servers]
        for n in session_counts:
            cpu_before, load_before = sum(map(cpu_seconds, pids)), os.getloadavg()[0]
            out[n] = summary(asyncio.run(many_sessions(ports, n, reruns, timeout)))
            # page runs: the sign-in page, sign-in to Route map, and the reruns, per session
            out[n]["server_cpu_per_run_s"] = (sum(map(cpu_seconds, pids)) - cpu_before) / max(1, n * (2 + reruns))
            out[n]["load_average"] = (load_before + os.getloadavg()[0]) / 2
            print(f"{label}: {n} sessions -> {out[n]}", file=sys.stderr, flush=True)
    return out


def baseline_checkout(ref: str) -> Path:
    """``git archive ref`` unpacked into a temporary folder (the repository itself is not touched)."""
    target = Path(tempfile.mkdtemp(prefix=f"checkpost-{ref.replace('/', '_')}-"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def table(results: dict[str, dict[int, dict]]) -> str:
    labels = list(results)
    lines = ["| code | sessions | page complete median (s) | p90 (s) | worst (s) | sign-in to map, median (s) "
             "| server CPU per page run (s) | machine load average | errors |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for label in labels:
        for n, row in results[label].items():
            lines.append(f"| {label} | {n} | {row['median_s']:.2f} | {row['p90_s']:.2f} | {row['worst_s']:.2f} "
                         f"| {row['first_median_s']:.2f} | {row['server_cpu_per_run_s']:.2f} "
                         f"| {row['load_average']:.1f} | {row['errors']} |")
    if len(labels) >= 2:
        before, after = labels[0], labels[1]
        for n in results[after]:
            if n in results[before]:
                ratio = results[before][n]["median_s"] / results[after][n]["median_s"]
                cpu = results[before][n]["server_cpu_per_run_s"] / results[after][n]["server_cpu_per_run_s"]
                lines.append(f"\n{n} sessions: median {before} / {after} = {ratio:.1f}x; "
                             f"server CPU per page run {cpu:.1f}x")
    return "\n".join(lines)


def _stop_on_sigterm() -> None:
    """A SIGTERM ends the benchmark through its ``finally`` blocks, so no app server is left running."""
    import signal

    def stop(_signum, _frame):
        raise KeyboardInterrupt("SIGTERM")

    signal.signal(signal.SIGTERM, stop)


def main(argv=None) -> int:
    _stop_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", nargs="+", type=int, default=[1, 20])
    parser.add_argument("--reruns", type=int, default=3, help="Route map reruns per session after sign-in")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds one session may take in all")
    parser.add_argument("--baseline-ref", help="also measure this git ref (e.g. main), unpacked with git archive")
    parser.add_argument("--baseline-dir", type=Path, help="also measure the app in this folder")
    parser.add_argument("--processes", type=int, nargs="+", default=[1],
                        help="app processes on one database, sessions spread over them (sticky proxy); "
                             "this checkout is measured once per count")
    args = parser.parse_args(argv)
    results = {}
    baseline = args.baseline_dir or (baseline_checkout(args.baseline_ref) if args.baseline_ref else None)
    if baseline is not None:
        results[f"before ({args.baseline_ref or baseline.name})"] = measure(
            baseline, "before", args.sessions, args.reruns, args.timeout)
    for processes in args.processes:
        label = "this checkout" + (f", {processes} processes" if processes > 1 else "")
        results[label] = measure(ROOT, f"after-{processes}", args.sessions, args.reruns, args.timeout, processes)
    print(f"cores: {os.cpu_count()}; reruns per session: {args.reruns}; timeout per session: {args.timeout:.0f} s")
    print(table(results))
    errors = [row["error_examples"] for per in results.values() for row in per.values() if row["errors"]]
    if errors:
        print(f"errors: {errors}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
