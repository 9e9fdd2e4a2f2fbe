"""The client list, search and detail at 100,000 and at 1,000,000 clients, with every query's plan.

    .venv/bin/python bench/scale_bench.py                 # build both databases, then measure in process
    KEEP=1 .venv/bin/python bench/scale_bench.py          # reuse crm_bench100k / crm_bench1m if they are whole
    KEEP=1 HTTP=1 .venv/bin/python bench/scale_bench.py   # + over HTTP (gunicorn -w 2, wrk), floor before/after

Databases (bench/scale_db.py builds them set-based, ~3 minutes for 1,000,000): DB_SMALL (crm_bench100k) with
N_SMALL clients and DB_LARGE (crm_bench1m) with N_LARGE. For each it times REPEAT requests per operation in
process (Django test client, the whole middleware stack, DEBUG off): the API list, search ("Nord"), detail,
a search for one whole email address and one whole phone number, the HTML list page and its search. It prints
the median wall and CPU milliseconds, the large/small throughput ratio (target >= 90%), the whole-email and
whole-phone searches against the list at the large size (target >= 50%), and, at the large size, the node
types of the plan of every statement each operation runs. It exits non-zero when a plan reads clients,
purchases or complaints (or any table of 10,000+ rows) by a sequential scan.

With HTTP=1 the same operations run over HTTP against each database (bench/http_bench.py: gunicorn -w 2,
production profile, wrk -t2 -c4 for DUR), with ../shared/floor-bench/floor.sh before and after (or its req/s
given as FLOOR_FIGURES=list=..,search=..,detail=..), and the tables print the ratios to the floor and between
the two sizes. The floor's own in-process times are printed beside when /tmp/floor/venv exists."""

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
import http_bench  # noqa: E402
import scale_db  # noqa: E402

DB_SMALL = os.environ.get("DB_SMALL", "crm_bench100k")
DB_LARGE = os.environ.get("DB_LARGE", "crm_bench1m")
N_SMALL = int(os.environ.get("N_SMALL", "100000"))
N_LARGE = int(os.environ.get("N_LARGE", "1000000"))
REPEAT = int(os.environ.get("REPEAT", "100"))
HTTP = os.environ.get("HTTP", "") not in ("", "0")
LIST_OPS = ("api list", "api search", "api search whole email", "api search whole phone", "html list",
            "html list search")  # fmt: skip

FLOOR_IN_PROCESS = r"""
import statistics, sys, time
sys.path.insert(0, sys.argv[1])
import floorapp
from django.test import Client
from rest_framework.authtoken.models import Token
c = Client(SERVER_NAME="127.0.0.1", HTTP_AUTHORIZATION="Token " + Token.objects.get(user__username="floor").key)
pk = floorapp.Client.objects.order_by("-id").values_list("id", flat=True).first()
for name, url in [("list", "/clients/"), ("search", "/clients/?search=Nord"), ("detail", f"/clients/{pk}/")]:
    for _ in range(5):
        assert c.get(url).status_code == 200
    wall, cpu = [], []
    for _ in range(int(sys.argv[2])):
        t, u = time.perf_counter(), time.process_time()
        c.get(url)
        wall.append((time.perf_counter() - t) * 1000); cpu.append((time.process_time() - u) * 1000)
    print(name, statistics.median(wall), statistics.median(cpu))
"""


def in_process(db: str) -> None:
    """Child process: times each operation against `db` and checks its plans; prints one JSON line."""
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{db}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "crm.settings.test"  # DEBUG off, no throttling
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from bench_plans import captured, check_statements
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from rest_framework.test import APIClient

    info = scale_db.info(db)
    api = APIClient()
    html = Client()
    html.force_login(get_user_model().objects.get(username="bench"))
    results, offences, log = {}, [], []
    for name, path, header in http_bench.operations(info):
        if header.startswith("Authorization"):
            client, extra = api, {"HTTP_AUTHORIZATION": header.split(": ", 1)[1]}
        else:
            client, extra = html, {}

        def call(client=client, path=path, extra=extra):
            response = client.get(path, **extra)
            assert response.status_code == 200, (path, response.status_code)

        for _ in range(5):
            call()
        wall, cpu = [], []
        for _ in range(REPEAT):
            t, u = time.perf_counter(), time.process_time()
            call()
            wall.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - u) * 1000)
        with captured(connection) as statements:
            call()
        wall.sort()
        results[name] = {
            "wall": statistics.median(wall),
            "p10": wall[len(wall) // 10],  # the least disturbed runs: what a shared machine's noise leaves alone
            "cpu": statistics.median(cpu),
            "queries": len(statements),
        }
        offences += check_statements(connection, statements, title=f"{db}: {name} {path}", out=log.append)
    print(json.dumps({"results": results, "offences": offences, "plans": log}))


def floor_in_process() -> dict:
    python = Path("/tmp/floor/venv/bin/python")
    if not python.exists():
        return {}
    out = subprocess.run(
        [str(python), "-c", FLOOR_IN_PROCESS, str(http_bench.FLOOR_DIR), str(REPEAT)],
        capture_output=True,
        text=True,
        cwd="/tmp",
    )
    if out.returncode:
        print(f"floor in process failed: {out.stderr[-300:]}", file=sys.stderr)
        return {}
    return {name: (float(w), float(c)) for name, w, c in (line.split() for line in out.stdout.splitlines())}


def run_child(db: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--in-process", db], cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"in-process run on {db} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    t0 = time.time()
    for db, n in ((DB_SMALL, N_SMALL), (DB_LARGE, N_LARGE)):
        scale_db.ensure(db, n)
    print(f"databases ready in {time.time() - t0:.0f}s", file=sys.stderr)
    small, large = run_child(DB_SMALL), run_child(DB_LARGE)
    floor = floor_in_process()
    print(f"\n| in process, {REPEAT} runs | {N_SMALL:,}: median ms (p10, cpu) | {N_LARGE:,}: median ms (p10, cpu) "
          "| queries | large/small req/s (median, p10) | target |\n|---|---|---|---|---|---|")  # fmt: skip
    for name, s in small["results"].items():
        g = large["results"][name]
        print(f"| {name} | {s['wall']:.2f} ({s['p10']:.2f}, {s['cpu']:.2f}) | "
              f"{g['wall']:.2f} ({g['p10']:.2f}, {g['cpu']:.2f}) | {s['queries']}/{g['queries']} | "
              f"{s['wall'] / g['wall']:.0%}, {s['p10'] / g['p10']:.0%} | >= 90% |")  # fmt: skip
    if floor:
        print("\n| floor in process (100,000) | ms | cpu ms |\n|---|---|---|")
        for name, (wall, cpu) in floor.items():
            print(f"| {name} | {wall:.2f} | {cpu:.2f} |")
    lg = large["results"]
    for name in ("api search whole email", "api search whole phone"):
        print(f"{name} at {N_LARGE:,}: {lg['api list']['wall'] / lg[name]['wall']:.0%} of the list's req/s "
              f"(p10: {lg['api list']['p10'] / lg[name]['p10']:.0%}; target >= 50%)")  # fmt: skip
    print(f"\nplans at {N_LARGE:,} clients (node types, depth first):")
    print("\n".join(large["plans"]))
    if HTTP:
        http_side_by_side()
    offences = small["offences"] + large["offences"]
    if offences:
        print("\nFAIL: sequential scans:\n  " + "\n  ".join(offences))
        sys.exit(1)
    print("\nplans: every list, search and detail query is on an index at both sizes")


def http_side_by_side():
    os.environ["KEEP"] = "1"  # main() has just built or checked both databases
    runs = [http_bench.floor_run()] if http_bench.floor_wanted() else []
    measured = {}
    for db in (DB_SMALL, DB_LARGE):
        info = http_bench.prepare(db, N_SMALL if db == DB_SMALL else N_LARGE)
        measured[db] = http_bench.measure(db, info)
    if runs:
        runs.append(http_bench.floor_run())
    floor = http_bench.floor_figures(runs)
    print()
    http_bench.table(f"{N_SMALL:,} clients, HTTP", measured[DB_SMALL], floor)
    print()
    http_bench.table(f"{N_LARGE:,} clients, HTTP", measured[DB_LARGE], floor)
    print(f"\n| op (HTTP) | {N_LARGE:,} / {N_SMALL:,} req/s | target |\n|---|---|---|")
    for name, (rps, *_rest) in measured[DB_LARGE].items():
        print(f"| {name} | {rps / measured[DB_SMALL][name][0]:.0%} | >= 90% |")
    lg = measured[DB_LARGE]
    for name in ("api search whole email", "api search whole phone"):
        print(f"{name} at {N_LARGE:,} over HTTP: {lg[name][0] / lg['api list'][0]:.0%} of the list (target >= 50%)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--in-process"]:
        in_process(sys.argv[2])
    else:
        main()
