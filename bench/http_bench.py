"""HTTP benchmark of the CRM next to ../shared/floor-bench, with the same server settings:
gunicorn -w 2, DEBUG off, PostgreSQL, wrk -t2 -c4 for DUR per operation.

    .venv/bin/python bench/http_bench.py                      # N=100000 clients, DUR=10s, database bench_http
    KEEP=1 BENCH_DB=crm_bench100k .venv/bin/python bench/http_bench.py   # reuse a database of N clients
    N=5000 DUR=3s FLOOR=0 .venv/bin/python bench/http_bench.py
    FLOOR_FIGURES=list=753,search=571,detail=960 .venv/bin/python bench/http_bench.py

Builds the database set-based with bench/scale_db.py (dropped first unless KEEP=1 finds N clients in it;
clients named like the floor's, "<Word> <Word> <Suffix> #i", 1 in 10 contains "Nord"), then measures:
API client list / search / detail, a search for one whole email and one whole phone number, the HTML client
list page and its search, and purchases recorded per second through the API (4 concurrent keep-alive
clients). The floor (../shared/floor-bench/floor.sh, after `bash setup.sh` there) runs right before and
right after in the same run unless FLOOR=0 or FLOOR_FIGURES gives its req/s; each row prints the floor's
figure for the same operation (the mean of the two runs) and the ratio to it, with the target.
bench/scale_bench.py runs the same operations at 100,000 and 1,000,000 clients."""

import contextlib
import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scale_db  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FLOOR_DIR = Path(os.environ.get("FLOOR_DIR", ROOT.parent / "shared" / "floor-bench"))
N = int(os.environ.get("N", "100000"))
DUR = os.environ.get("DUR", "10s")
DB = os.environ.get("BENCH_DB", "bench_http")
PORT = int(os.environ.get("PORT", "8020"))
ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "crm.settings",
    "DJANGO_ENV": "production",
    "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "filesystem://"),
    "DJANGO_SECRET_KEY": "bench-" + "k" * 60,
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "API_THROTTLE_USER": "1000000/min",
    "LOG_LEVEL": "WARNING",
    # as deployed (docker-compose.yml): a shared Redis cache for sessions and rate limits
    "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/14"),
}
PY = sys.executable
GUNICORN = str(Path(PY).with_name("gunicorn"))
# (operation, the floor's operation it is read against, target ratio)
TARGETS = {
    "api list": ("list", 0.65),
    "api search": ("search", 0.65),
    "api detail": ("detail", 0.65),
    "html list": ("list", 0.5),
    "html list search": ("list", 0.5),
}


def env_for(db: str) -> dict:
    return {**ENV, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db}"}


def prepare(db: str, n: int) -> dict:
    scale_db.ensure(db, n)
    subprocess.run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env_for(db), check=True)
    return scale_db.info(db, env=env_for(db))


@contextlib.contextmanager
def serve(db: str, port: int = PORT):
    """gunicorn -w 2 on the database, stopped (by its PID) on the way out."""
    server = subprocess.Popen(
        [GUNICORN, "-w", "2", "-b", f"127.0.0.1:{port}", "crm.wsgi:application", "--error-logfile",
         f"/tmp/bench_http_gunicorn_{port}.log"],
        cwd=ROOT,
        env=env_for(db),
    )  # fmt: skip
    try:
        for _ in range(120):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                conn.request("GET", "/healthz")
                if conn.getresponse().status in (200, 503):
                    break
            except OSError:
                time.sleep(0.5)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=20)


def warm(path: str, header: str, port: int = PORT, times: int = 20):
    """Both gunicorn workers load their code and open their connections on first use: not what is measured."""
    name, value = header.split(": ", 1)
    for _ in range(times):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", path, headers={name: value})
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 200, (path, resp.status)
        conn.close()


def wrk(path: str, header: str, port: int = PORT):
    warm(path, header, port)
    out = subprocess.run(
        ["wrk", "-t2", "-c4", f"-d{DUR}", "--latency", "-H", header, f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return float(rps), p50, p99, (non2xx.group(1) if non2xx else "0")


def operations(info: dict) -> list[tuple[str, str, str]]:
    token_h = f"Authorization: Token {info['TOKEN']}"
    cookie_h = f"Cookie: sessionid={info['SESSION']}"
    return [
        ("api list", "/api/v1/clients/", token_h),
        ("api search", "/api/v1/clients/?search=Nord", token_h),
        ("api detail", f"/api/v1/clients/{info['CLIENT']}/", token_h),
        ("api search whole email", f"/api/v1/clients/?search={info['EMAIL']}", token_h),
        ("api search whole phone", f"/api/v1/clients/?search=%2B{info['PHONE'].lstrip('+')}", token_h),
        ("html list", "/clients/", cookie_h),
        ("html list search", "/clients/?q=Nord", cookie_h),
    ]


def measure(db: str, info: dict, port: int = PORT, purchases: bool = True) -> dict:
    """{operation: (req/s, p50, p99, non-2xx)} over HTTP for one database."""
    results = {}
    with serve(db, port):
        for name, path, header in operations(info):
            results[name] = wrk(path, header, port)
            print(f"  {db} {name}: {results[name][0]:.0f} req/s", file=sys.stderr, flush=True)
        if purchases:
            rate, errors = post_purchases(info["TOKEN"], [int(info["CLIENT"])], port=port)
            results["api record purchase (4 clients)"] = (rate, "", "", str(errors))
    return results


def post_purchases(token: str, client_ids, skus=("P001", "P002"), seconds: float = 10.0, threads: int = 4,
                   port: int = PORT):  # fmt: skip
    """Purchases recorded per second by `threads` concurrent keep-alive clients; (rate, non-201 answers)."""
    count = [0]
    errors = [0]
    lock = threading.Lock()
    deadline = time.time() + seconds

    def worker(k):
        conn = http.client.HTTPConnection("127.0.0.1", port)
        i = 0
        while time.time() < deadline:
            client = client_ids[(k * 7919 + i) % len(client_ids)]
            i += 1
            lines = [{"product": skus[0], "quantity": "2"}, {"product": skus[1], "quantity": "1"}]
            body = json.dumps({"client": client, "lines": lines})
            conn.request(
                "POST",
                "/api/v1/purchases/",
                body=body,
                headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
            )
            resp = conn.getresponse()
            resp.read()
            with lock:
                if resp.status == 201:
                    count[0] += 1
                else:
                    errors[0] += 1

    started = time.time()
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return count[0] / (time.time() - started), errors[0]


def floor_run() -> dict:
    """{op: req/s} from one run of floor.sh (hello, list, search, detail)."""
    out = subprocess.run(["bash", str(FLOOR_DIR / "floor.sh")], capture_output=True, text=True, check=True).stdout
    figures = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) >= 2 and re.match(r"^[\d.]+$", cells[1]):
            figures[cells[0]] = float(cells[1])
    print(f"  floor: {figures}", file=sys.stderr, flush=True)
    return figures


def floor_figures(runs: list[dict]) -> dict:
    """The floor's req/s per operation: FLOOR_FIGURES=list=..,search=..,detail=.. when given, else the mean of
    the runs made in this process."""
    given = os.environ.get("FLOOR_FIGURES", "")
    if given:
        return {k: float(v) for k, v in (pair.split("=") for pair in given.split(","))}
    runs = [r for r in runs if r]
    return {op: sum(r[op] for r in runs) / len(runs) for op in runs[0]} if runs else {}


def floor_wanted() -> bool:
    """floor.sh runs unless FLOOR=0 or FLOOR_FIGURES is given; it needs `bash setup.sh` in its folder first."""
    if os.environ.get("FLOOR", "1") == "0" or os.environ.get("FLOOR_FIGURES"):
        return False
    if not Path("/tmp/floor/venv/bin/gunicorn").exists():
        print(f"no /tmp/floor/venv: run `bash setup.sh` in {FLOOR_DIR} (or give FLOOR_FIGURES)", file=sys.stderr)
        return False
    return True


def table(title: str, results: dict, floor: dict) -> None:
    print(f"| op (CRM, {title}) | req/s | p50 | p99 | non-2xx | floor req/s | ratio | target |")
    print("|---|---|---|---|---|---|---|---|")
    for name, (rps, p50, p99, non2xx) in results.items():
        ref, target = TARGETS.get(name, (None, None))
        fl = floor.get(ref) if ref else None
        ratio = f"{rps / fl:.0%}" if fl else ""
        fl_text = f"{fl:.1f}" if fl else ""
        target_text = f">= {target:.0%}" if target else ""
        print(f"| {name} | {rps:.1f} | {p50} | {p99} | {non2xx} | {fl_text} | {ratio} | {target_text} |")


def main():
    t0 = time.time()
    info = prepare(DB, N)
    print(f"database {DB} ready ({N} clients) in {time.time() - t0:.1f}s", file=sys.stderr)
    runs = [floor_run()] if floor_wanted() else []
    results = measure(DB, info)
    if runs:
        runs.append(floor_run())
    floor = floor_figures(runs)
    table(f"{N} clients", results, floor)
    for name in ("api search whole email", "api search whole phone"):
        print(f"{name}: {results[name][0] / results['api list'][0]:.0%} of the api list (target >= 50%)")


if __name__ == "__main__":
    main()
