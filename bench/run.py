"""Drive load against a running server with wrk and print a table (called by bench/run.sh).

Stdlib only. Talks to 127.0.0.1 only. Exit status: 0 when every endpoint meets the target,
1 when one misses it, 2 when the harness itself fails (server down, login failed, not 200).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import resource
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from endpoints import ENDPOINTS, IDS_QUERY

ROOT = Path(__file__).resolve().parent.parent
WRK_SCRIPT = Path(__file__).resolve().parent / "wrk.lua"
BENCH_EMAIL = "bench@milepost.example"
BENCH_LARGE_EMAIL = "bench-large@milepost.example"  # owner of the 2,000-project organisation
BENCH_PASSWORD = "milepost-bench"
HOST = "127.0.0.1"
RESULT_LINE = re.compile(r"^BENCH_RESULT (.*)$", re.MULTILINE)


class HarnessError(Exception):
    pass


@dataclass
class Result:
    label: str
    path: str
    auth: str | None
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    requests: int
    errors: int
    non2xx: int
    target_ms: float = 50.0
    server_cpu_s: float = 0.0
    server_cpu_pct: float = 0.0
    wrk_cpu_pct: float = 0.0
    other_cpu_pct: float = 0.0
    pct_of_healthz: float = 100.0
    passed: bool = True

    @property
    def cpu_ms_per_request(self) -> float:
        """Server CPU per request (gunicorn + database): barely moved by other load."""
        return 1000 * self.server_cpu_s / self.requests if self.requests else 0.0


def request(port: int, method: str, path: str, headers=None, body=None):
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


def cookies_from(headers) -> dict[str, str]:
    jar = SimpleCookie()
    for name, value in headers:
        if name.lower() == "set-cookie":
            jar.load(value)
    return {key: morsel.value for key, morsel in jar.items()}


def wait_healthy(port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if request(port, "GET", "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise HarnessError(f"/healthz did not answer 200 within {seconds:.0f} s")


def login(port: int, email: str = BENCH_EMAIL) -> str:
    """Log in through the real login form; return the Cookie header value."""
    status, headers, body = request(port, "GET", "/login/")
    if status != 200:
        raise HarnessError(f"GET /login/ answered {status}")
    cookies = cookies_from(headers)
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if not match or "csrftoken" not in cookies:
        raise HarnessError("no CSRF token on /login/")
    form = urlencode(
        {
            "csrfmiddlewaretoken": match.group(1).decode(),
            "username": email,
            "password": BENCH_PASSWORD,
        }
    )
    status, headers, _ = request(
        port,
        "POST",
        "/login/",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken']}",
        },
        body=form,
    )
    session = cookies_from(headers).get("sessionid")
    if status != 302 or not session:
        raise HarnessError(f"login as {email} failed (status {status}, no session cookie)")
    return f"sessionid={session}"


def api_token(email: str = BENCH_EMAIL) -> str:
    out = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "api_token", email, "--name", "bench"],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout.strip()
    if not out.startswith("mp_"):
        raise HarnessError(f"manage.py api_token printed no token: {out!r}")
    return out


def bench_ids() -> dict[str, int]:
    """Ids for the path placeholders (see endpoints.IDS_QUERY)."""
    out = (
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "shell", "-c", IDS_QUERY],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    return json.loads(out)


class CpuMeter:
    """CPU time of the whole machine, of the server under test and of wrk, between two points.

    The machine may be shared: CPU used by anything else during a measurement makes its
    figures unreliable, so the table reports it ("other CPU").
    """

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, server_pid: int | None, database_name: str):
        self.server_pid = server_pid
        self.database_name = database_name.encode()
        self.cpus = os.cpu_count() or 1

    @staticmethod
    def _machine_busy() -> float:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return (sum(fields[:8]) - idle) / CpuMeter.TICK

    @staticmethod
    def _process_cpu(pid: int) -> float:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CpuMeter.TICK  # utime + stime

    def _ours(self) -> dict[int, float]:
        """Gunicorn's master and workers, and database backends serving the bench database."""
        pids: set[int] = set()
        if self.server_pid:
            pids.add(self.server_pid)
            for task in Path(f"/proc/{self.server_pid}/task").glob("*/children"):
                pids.update(int(p) for p in task.read_text().split())
        if self.database_name:
            for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
                try:
                    if self.database_name in cmdline.read_bytes():
                        pids.add(int(cmdline.parent.name))
                except OSError:
                    pass
        cpu = {}
        for pid in pids:
            with contextlib.suppress(OSError, IndexError, ValueError):
                cpu[pid] = self._process_cpu(pid)
        return cpu

    def start(self) -> None:
        self.t0 = time.monotonic()
        self.busy0 = self._machine_busy()
        self.ours0 = self._ours()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.children0 = usage.ru_utime + usage.ru_stime

    def stop(self) -> dict[str, float]:
        """Percentages of the machine's capacity (all CPUs) during the interval."""
        elapsed = time.monotonic() - self.t0
        busy = self._machine_busy() - self.busy0
        ours_now = self._ours()
        server = sum(cpu - self.ours0.get(pid, 0.0) for pid, cpu in ours_now.items())
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        load = usage.ru_utime + usage.ru_stime - self.children0
        capacity = elapsed * self.cpus / 100
        return {
            "server_cpu_s": server,
            "server_cpu_pct": server / capacity,
            "wrk_cpu_pct": load / capacity,
            "other_cpu_pct": max(0.0, busy - server - load) / capacity,
        }


#: Who each ``auth`` of bench/endpoints.py is.
LOGINS = {
    "session": BENCH_EMAIL,
    "token": BENCH_EMAIL,
    "session-large": BENCH_LARGE_EMAIL,
    "token-large": BENCH_LARGE_EMAIL,
}


def credentials(port: int, auths: set[str | None]) -> dict[str, str]:
    """A session cookie or an API token for every ``auth`` the endpoints use."""
    unknown = auths - set(LOGINS) - {None}
    if unknown:
        raise HarnessError(f"unknown auth {sorted(unknown)!r} in bench/endpoints.py")
    found = {}
    for auth in sorted(a for a in auths if a):
        email = LOGINS[auth]
        found[auth] = login(port, email) if auth.startswith("session") else api_token(email)
    return found


def auth_header(auth: str | None, found: dict[str, str]) -> tuple[str, str] | None:
    if auth is None:
        return None
    if auth.startswith("session"):
        return ("Cookie", found[auth])
    return ("Authorization", f"Bearer {found[auth]}")


def check_ok(port: int, path: str, header) -> None:
    status, _, body = request(port, "GET", path, headers=dict([header]) if header else {})
    if status != 200:
        raise HarnessError(f"GET {path} answered {status}, not 200: {body[:300]!r}")


def wrk(port: int, path: str, header, *, seconds: float, args) -> dict[str, float]:
    env = dict(os.environ, BENCH_HEADER_NAME="", BENCH_HEADER_VALUE="")
    if header:
        env.update(BENCH_HEADER_NAME=header[0], BENCH_HEADER_VALUE=header[1])
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds:g}s",
        "--timeout",
        "5s",
        "-s",
        str(WRK_SCRIPT),
        f"http://{HOST}:{port}{path}",
    ]
    proc = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=seconds + 30, check=False
    )
    match = RESULT_LINE.search(proc.stdout)
    if proc.returncode != 0 or not match:
        raise HarnessError(f"wrk failed on {path}:\n{proc.stdout}\n{proc.stderr}")
    return {k: float(v) for k, v in (pair.split("=") for pair in match.group(1).split())}


def wait_quiet(meter: CpuMeter, args) -> None:
    """Wait (bounded) until other processes leave the CPUs alone; the server is idle here."""
    deadline = time.monotonic() + args.quiet_wait
    said = False
    while True:
        meter.start()
        time.sleep(1)
        if meter.stop()["other_cpu_pct"] <= args.noisy_pct or time.monotonic() > deadline:
            return
        if not said:
            print(f"  (machine busy with other work; waiting up to {args.quiet_wait:g} s)")
            said = True


def measure(meter: CpuMeter, label: str, path: str, auth, target: float, found, args):
    header = auth_header(auth, found)
    for attempt in range(1, args.attempts + 1):
        wait_quiet(meter, args)
        print(
            f"  {path:<28} warm-up {args.warmup:g} s, measuring {args.duration:g} s"
            + (f" (attempt {attempt}: the last one was disturbed)" if attempt > 1 else ""),
            flush=True,
        )
        if args.warmup:
            wrk(args.port, path, header, seconds=args.warmup, args=args)
        meter.start()
        r = wrk(args.port, path, header, seconds=args.duration, args=args)
        cpu = meter.stop()
        if cpu["other_cpu_pct"] <= args.noisy_pct:
            break
    return Result(
        label=label,
        path=path,
        auth=auth,
        rps=r["rps"],
        p50_ms=r["p50_ms"],
        p95_ms=r["p95_ms"],
        p99_ms=r["p99_ms"],
        max_ms=r["max_ms"],
        requests=int(r["requests"]),
        errors=int(r["errors"]),
        non2xx=int(r["non2xx"]),
        target_ms=target,
        **cpu,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--duration", type=float, default=float(os.environ.get("BENCH_SECONDS", 10))
    )
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument(
        "--connections", type=int, default=int(os.environ.get("BENCH_CONNECTIONS", 8))
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--target-p95-ms", type=float, default=50.0)
    parser.add_argument(
        "--only", default=os.environ.get("BENCH_ONLY", ""), help="Substring filter on paths."
    )
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    parser.add_argument("--server-pid", type=int, help="Gunicorn's master (for CPU accounting).")
    parser.add_argument(
        "--database-name", default="", help="PostgreSQL database whose backends count as ours."
    )
    parser.add_argument(
        "--noisy-pct",
        type=float,
        default=10.0,
        help="A measurement is disturbed when other processes use more of the CPUs than this.",
    )
    parser.add_argument("--quiet-wait", type=float, default=30.0, help="Seconds to wait for quiet.")
    parser.add_argument("--attempts", type=int, default=3, help="Tries per disturbed endpoint.")
    args = parser.parse_args()

    try:
        wait_healthy(args.port, 60)
        ids = bench_ids()
        endpoints = [("healthz (baseline)", "/healthz", None, args.target_p95_ms)] + [
            (label, path.format(**ids), auth, target[0] if target else args.target_p95_ms)
            for label, path, auth, *target in ENDPOINTS
            if args.only in path
        ]
        found = credentials(args.port, {auth for _label, _path, auth, _target in endpoints})
        for _label, path, auth, _target in endpoints:  # all must answer 200 before any load
            check_ok(args.port, path, auth_header(auth, found))
        meter = CpuMeter(args.server_pid, args.database_name)
        results = [
            measure(meter, label, path, auth, target, found, args)
            for label, path, auth, target in endpoints
        ]
    except (HarnessError, subprocess.CalledProcessError, OSError) as error:
        detail = getattr(error, "stderr", "") or ""
        print(f"!! bench failed: {error}\n{detail}", file=sys.stderr)
        return 2

    baseline = results[0].rps
    for r in results:
        r.pct_of_healthz = 100.0 * r.rps / baseline if baseline else 0.0
        r.passed = r.p95_ms < r.target_ms and r.errors == 0 and r.non2xx == 0
    print()
    print(
        f"{args.connections} connections, {args.threads} wrk threads, {args.duration:g} s each; "
        f"target p95 < {args.target_p95_ms:g} ms (or the endpoint's own, in the result column)"
    )
    head = (
        f"{'endpoint':<20} {'path':<30} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'% healthz':>9} {'errors':>6} {'CPU ms/req':>10} {'CPU srv/wrk/other':>17}  result"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        cpu = f"{r.server_cpu_pct:.0f}/{r.wrk_cpu_pct:.0f}/{r.other_cpu_pct:.0f}%"
        print(
            f"{r.label:<20} {r.path:<30} {r.rps:>7.1f} {r.p50_ms:>7.1f} {r.p95_ms:>7.1f} "
            f"{r.p99_ms:>7.1f} {r.pct_of_healthz:>8.1f}% {r.errors + r.non2xx:>6} "
            f"{r.cpu_ms_per_request:>10.2f} {cpu:>17}  "
            f"{'PASS' if r.passed else 'FAIL'}"
            + (f" (< {r.target_ms:g} ms)" if r.target_ms != args.target_p95_ms else "")
        )
    noisy = [r.path for r in results if r.other_cpu_pct > args.noisy_pct]
    if noisy:
        print(
            f"!! Other processes used more than {args.noisy_pct:g}% of the CPUs while measuring "
            f"{', '.join(noisy)}: those figures are unreliable; run again on a quiet machine."
        )
    if args.json:
        rows = [dict(asdict(r), cpu_ms_per_request=r.cpu_ms_per_request) for r in results]
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
