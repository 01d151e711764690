"""Which load generator (``make bench-generator``): wrk against the Python client of bench/load.py.

Both drive the same servers with the same 50 keep-alive connections: the bare echo
(bench/echo.py), whose throughput is what the generator must clearly exceed, and the canned
server, which leaves the generator as the only thing working. wrk (one thread, C, epoll)
replays requests signed and encrypted beforehand through a Lua script, as nothing in wrk can
encrypt; the Python client (:mod:`bench.load_client`) sends the benchmark's real mix.
Servers and generators alternate, medians of the runs are printed.

    python -m bench.load_wrk [--runs 3] [--duration 6]
"""
from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

from bench.load import AES_KEY, APPID, TOKEN, bench_env, measure, started
from bench.load_mix import Signer, residents

LUA = """
local requests = {}
local next_index = 1

function init(args)
  for line in io.lines(args[1]) do
    local tab = line:find("\\t", 1, true)
    requests[#requests + 1] = wrk.format("POST", line:sub(1, tab - 1),
      {["Content-Type"] = "text/xml"}, line:sub(tab + 1))
  end
end

function request()
  local r = requests[next_index]
  next_index = next_index % #requests + 1
  return r
end
"""


def write_requests(path: Path, count: int, host: str) -> None:
    """``count`` requests of the benchmark's mix, signed now: one ``path<TAB>body`` per line."""
    signer = Signer(TOKEN, APPID, AES_KEY, host=host)
    people = residents(50, run_tag=uuid.uuid4().hex[:8])
    streams = [iter(resident) for resident in people]
    now = int(time.time())
    with path.open("w", encoding="ascii") as out:
        for n in range(count):
            sealed = signer.seal(next(streams[n % len(streams)]), now)
            request = signer.request(sealed, now).decode("ascii")
            target = request.split(" ", 2)[1]
            out.write(f"{target}\t{sealed.body.decode('ascii')}\n")


def parse_wrk(output: str) -> tuple[float, float, float]:
    """(requests/s, p50 ms, p99 ms) from ``wrk --latency`` output."""
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    return rate, _ms(output, "50%"), _ms(output, "99%")


def _ms(output: str, label: str) -> float:
    match = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    if match is None:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def run_wrk(url: str, script: Path, requests: Path, duration: float, connections: int) -> tuple[float, float, float]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration:g}s", "--latency", "-s", str(script),
               f"{url}/wechat", "--", str(requests)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    if "Non-2xx" in result.stdout or "Socket errors" in result.stdout:
        print(result.stdout, file=sys.stderr)
    return parse_wrk(result.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load_wrk", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=float, default=6.0)
    parser.add_argument("--residents", type=int, default=50)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk; `make bench-generator` does it)", file=sys.stderr)
        return 2
    figures: dict[tuple[str, str], list[tuple[float, float, float, float]]] = {}
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="linli-wrk-")))
        script = scratch / "replay.lua"
        script.write_text(LUA, encoding="utf-8")
        env = bench_env()
        echo = stack.enter_context(started("echo", "1", [sys.executable, "-m", "bench.echo"], env, scratch))
        canned = stack.enter_context(started("canned", "1", [sys.executable, "-m", "bench.echo", "--canned"], env,
                                             scratch, canned=True))
        for round_ in range(args.runs):
            requests = scratch / "requests.txt"
            write_requests(requests, 20000, f"127.0.0.1:{echo.port}")  # signed now: inside the skew window
            for server in (echo, canned):
                rate, p50, p99 = run_wrk(server.url, script, requests, args.duration, args.residents)
                figures.setdefault((server.label, "wrk"), []).append((rate, p50, p99, float("nan")))
                measured = measure(server.url, TOKEN, APPID, AES_KEY, server_pid=None, concurrency=args.residents,
                                   duration=args.duration, messages=None, warmup=1.0, retry_share=0.03,
                                   seed=round_, check=not server.canned)
                s = measured.summary
                figures.setdefault((server.label, "python"), []).append((s.rate, s.p50, s.p99, s.generator_busy))
                print(f"  run {round_ + 1}: {server.label:<7} wrk {rate:7.0f}/s   python {s.rate:7.0f}/s "
                      f"(generator {s.generator_busy * 100:.0f} % of a core, errors {s.errors})", flush=True)
    print(f"\n{'server':<8} {'generator':<10} {'msg/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'gen. CPU':>9}")
    for (label, generator), rows in figures.items():
        med = [statistics.median(column) for column in zip(*rows, strict=True)]
        busy = f"{med[3] * 100:.0f} %" if generator == "python" else "–"
        print(f"{label:<8} {generator:<10} {med[0]:8.0f} {med[1]:8.1f} {med[2]:8.1f} {busy:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
