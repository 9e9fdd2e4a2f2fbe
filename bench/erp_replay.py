"""ERP replay benchmark: 2,000 purchases sent with Idempotency-Keys by 8 concurrent workers, then every one of
them sent again, against gunicorn -w 2 on PostgreSQL (the same server settings as bench/http_bench.py).

    .venv/bin/python bench/erp_replay.py              # 2,000 purchases, 8 workers, 500 clients
    PURCHASES=500 .venv/bin/python bench/erp_replay.py

On the first pass one request in ten is cut off by the client right after sending (the ERP's timeout): the
worker retries it with the same key, as an ERP would. Then the whole batch is replayed. Printed:
- lost: keys whose purchase is not in the ledger after the first pass,
- duplicated: purchases beyond one per key,
- drifted: replays whose answer differs from the first answer (status, id or body), plus client accounts
  whose running total differs from the sum of their ledger,
- requests per second of each pass."""

import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

os.environ.setdefault("N", os.environ.get("CLIENTS", "500"))
os.environ.setdefault("BENCH_DB", "bench_erp_replay")
os.environ.setdefault("PORT", "8021")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import http_bench  # noqa: E402  (its database loader and server settings)

PURCHASES = int(os.environ.get("PURCHASES", "2000"))
WORKERS = int(os.environ.get("WORKERS", "8"))
CUT_OFF = float(os.environ.get("CUT_OFF", "0.1"))
PORT = http_bench.PORT


def client_ids() -> list[int]:
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", http_bench.DB, "-Atc", "SELECT id FROM clients_client"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [int(x) for x in out.split()]


def send(conn, token, key, body):
    conn.request(
        "POST",
        "/api/v1/purchases/",
        body=body,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json", "Idempotency-Key": key},
    )
    response = conn.getresponse()
    return response.status, response.read()


def cut_off(token, key, body):
    """Send the request and hang up without reading the answer: the server may or may not have done it."""
    sock = socket.create_connection(("127.0.0.1", PORT))
    raw = (
        f"POST /api/v1/purchases/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token {token}\r\n"
        f"Content-Type: application/json\r\nIdempotency-Key: {key}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body.encode()
    sock.sendall(raw)
    sock.close()


def run_pass(token, jobs, *, cut: float):
    answers, lock = {}, threading.Lock()
    queue = list(jobs)

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        rng = random.Random()
        while True:
            with lock:
                if not queue:
                    return
                key, body = queue.pop()
            if cut and rng.random() < cut:
                cut_off(token, key, body)
            for _attempt in range(5):  # the ERP's retry loop: same key, same body
                try:
                    status, content = send(conn, token, key, body)
                except (OSError, http.client.HTTPException):
                    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
                    continue
                if status < 500 and status != 409:
                    break
                time.sleep(0.05)
            with lock:
                answers[key] = (status, content)

    started = time.time()
    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers, len(jobs) / (time.time() - started)


def ledger_figures():
    sql = """
    SELECT (SELECT count(*) FROM purchases_purchase),
           (SELECT count(*) FROM crm_idempotencyrecord),
           (SELECT count(*) FROM purchases_clientaccount a WHERE a.cumulative_total <> COALESCE(
               (SELECT sum(p.net_total) FROM purchases_purchase p WHERE p.client_id = a.client_id), 0))
    """
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", http_bench.DB, "-Atc", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return [int(x) for x in out.split("|")]


def main():
    info = http_bench.prepare(http_bench.DB, http_bench.N)
    clients = client_ids()
    rng = random.Random(7)
    jobs = []
    for _ in range(PURCHASES):
        lines = [
            {"product": f"P{rng.randrange(50):03d}", "quantity": str(rng.randint(1, 5))}
            for _ in range(rng.randint(1, 3))
        ]
        jobs.append((str(uuid.uuid4()), json.dumps({"client": rng.choice(clients), "lines": lines})))
    server = subprocess.Popen(
        [
            str(http_bench.ROOT / ".venv/bin/gunicorn"),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{PORT}",
            "crm.wsgi:application",
            "--error-logfile",
            "/tmp/bench_erp_replay_gunicorn.log",
        ],  # fmt: skip
        cwd=http_bench.ROOT,
        env=http_bench.env_for(http_bench.DB),
    )
    try:
        for _ in range(120):  # until gunicorn answers
            try:
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                break
            except OSError:
                time.sleep(0.5)
        http_bench.warm("/healthz", "Accept: application/json", times=40)
        token = info["TOKEN"]
        first, first_rate = run_pass(token, jobs, cut=CUT_OFF)
        purchases, records, _ = ledger_figures()
        created = {key for key, (status, _) in first.items() if status in (200, 201)}
        replayed, replay_rate = run_pass(token, jobs, cut=0)
        purchases_after, _, accounts_off = ledger_figures()
        drifted = sum(1 for key, answer in replayed.items() if answer != first.get(key)) + accounts_off
        refused = [status for status, _ in first.values() if status not in (200, 201)]
        lost = PURCHASES - len(created)
        print(f"| ERP replay ({PURCHASES} purchases, {WORKERS} workers, {int(CUT_OFF * 100)}% cut off) | value |")
        print("|---|---|")
        print(f"| lost (no purchase for a key) | {lost} |")
        print(f"| duplicated (purchases beyond one per key) | {purchases_after - PURCHASES} |")
        print(f"| drifted (replay answer differs, or account != ledger) | {drifted} |")
        print(f"| refused on the first pass | {len(refused)} |")
        print(f"| first pass req/s (with retries) | {first_rate:.1f} |")
        print(f"| replay pass req/s | {replay_rate:.1f} |")
        print(f"| ledger rows after first pass / after replay | {purchases} / {purchases_after} |")
        print(f"| stored answers | {records} |")
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
