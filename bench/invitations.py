#!/usr/bin/env python3
"""Invitation benchmarks with their baselines in the same run (issue 9's targets).

Run by bench/run.sh against a release build on a database of its own:
  B1  bulk import of 10,000 rows end to end (dry run, commit, every invitation, audit event
      and outbox row written) against `psql \\copy` loading the same rows into the same table,
      alternated BENCH_BULK_ROUNDS times (default 5), medians of the per-round ratios;
  B2  the REST list at 100,000 invitations in one organisation: page 1,000 against page 1
      (keyset pagination), p50 and p99 over alternating requests;
  B3  an email search over the same 100,000 invitations;
  A1  the analytics report (issue 11) over the same 100,000 invitations, all in its default
      30-day range, through the page's server function with a browser session.
Prints a Markdown table: target, figure, baseline, ratio, verdict.
"""
import csv, http.client, io, json, os, statistics, subprocess, sys, time, uuid

BASE_HOST, BASE_PORT = "127.0.0.1", int(os.environ["BENCH_PORT"])
TOKEN = os.environ["BENCH_TOKEN"]
DB_URL = os.environ["BENCH_DATABASE_URL"]
ORG_LIST = os.environ["BENCH_LIST_ORG"]
ORG_COPY = os.environ["BENCH_COPY_ORG"]
ROWS = int(os.environ.get("BENCH_BULK_ROWS", "10000"))
PAGE_SIZE = 50  # rows per page of the invitation list (src/invitations/dto.rs)
REPEAT = int(os.environ.get("BENCH_REPEAT", "2000"))


def psql(sql):
    return subprocess.run(["psql", DB_URL, "-qtAX", "-c", sql], check=True,
                          capture_output=True, text=True).stdout.strip()


def request(conn, method, path, body=None, content_type=None):
    headers = {"Authorization": f"Bearer {TOKEN}"}
    if content_type:
        headers["Content-Type"] = content_type
    start = time.perf_counter()
    conn.request(method, path, body=body, headers=headers)
    res = conn.getresponse()
    data = res.read()
    return res.status, data, time.perf_counter() - start


def pct(samples, p):
    s = sorted(samples)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def bulk_round(n):
    """One alternation of B1: our import of ROWS fresh rows (dry run, then the confirmed
    upload until the job reports `done`), then `psql \\copy` of as many invitation rows.
    Returns (dry run s, commit s, \\copy s)."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["email", "first_name", "last_name", "role"])
    for i in range(ROWS):
        w.writerow([f"bulk{n}x{i}@bench.example", "Bulk", f"Row{i}", "member"])
    body = out.getvalue().encode()
    conn = http.client.HTTPConnection(BASE_HOST, BASE_PORT, timeout=120)
    start = time.perf_counter()
    status, _, _ = request(conn, "POST", "/api/invitations/bulk?dry_run=true", body, "text/csv")
    assert status == 200, status
    dry = time.perf_counter() - start
    start = time.perf_counter()
    status, data, _ = request(conn, "POST", "/api/invitations/bulk", body, "text/csv")
    assert status == 202, (status, data[:300])
    job = json.loads(data)["job"]["id"]
    while True:
        status, data, _ = request(conn, "GET", f"/api/invitations/bulk/{job}")
        j = json.loads(data)
        if j["status"] == "done":
            break
        time.sleep(0.01)
    commit = time.perf_counter() - start
    assert j["created_rows"] == ROWS, j
    # Baseline: psql \copy of the same number of rows, shaped as invitation rows, into the
    # same table.
    copy = io.StringIO()
    cw = csv.writer(copy)
    for i in range(ROWS):
        cw.writerow([str(uuid.uuid4()), ORG_COPY, f"copy{n}x{i}@bench.example", "Copy", f"Row{i}", "member",
                     "\\x" + os.urandom(32).hex(), "2030-01-01T00:00:00Z"])
    path = "/tmp/gatehouse-bench-copy.csv"
    with open(path, "w") as f:
        f.write(copy.getvalue())
    start = time.perf_counter()
    subprocess.run(["psql", DB_URL, "-qX", "-c",
                    f"\\copy invitations (id, organisation_id, email, first_name, last_name, role, token_hash, expires_at) FROM '{path}' CSV"],
                   check=True)
    baseline = time.perf_counter() - start
    return dry, commit, baseline


def bulk():
    """B1 over BENCH_BULK_ROUNDS alternations (default 5): the median of each figure and of
    the per-round ratios, end to end (dry run + commit) and for the commit alone."""
    rounds = [bulk_round(n) for n in range(int(os.environ.get("BENCH_BULK_ROUNDS", "5")))]
    med = lambda xs: statistics.median(xs)
    return {
        "dry": med([r[0] for r in rounds]),
        "commit": med([r[1] for r in rounds]),
        "end_to_end": med([r[0] + r[1] for r in rounds]),
        "copy": med([r[2] for r in rounds]),
        "ratio": med([r[2] / (r[0] + r[1]) for r in rounds]),
        "commit_ratio": med([r[2] / r[1] for r in rounds]),
    }


def listing():
    cursor = psql(f"""SELECT (extract(epoch FROM created_at) * 1000000)::bigint || '.' || id
                        FROM invitations WHERE organisation_id = '{ORG_LIST}'
                       ORDER BY created_at DESC, id DESC OFFSET {PAGE_SIZE * 999 - 1} LIMIT 1""")
    conn = http.client.HTTPConnection(BASE_HOST, BASE_PORT, timeout=30)
    first, deep, search = [], [], []
    for _ in range(20):  # warm-up
        request(conn, "GET", "/api/invitations")
    for _ in range(REPEAT):
        s, _, t = request(conn, "GET", "/api/invitations")
        assert s == 200
        first.append(t)
        s, data, t = request(conn, "GET", "/api/invitations?cursor=" + cursor)
        assert s == 200 and len(json.loads(data)["items"]) == PAGE_SIZE
        deep.append(t)
        s, _, t = request(conn, "GET", "/api/invitations?search=son4242")
        assert s == 200
        search.append(t)
    return first, deep, search


def analytics():
    """Signs the bench admin in (BENCH_ADMIN_EMAIL / BENCH_ADMIN_PASSWORD) and times the
    analytics report, the page's one server call, after 5 warm-up calls."""
    conn = http.client.HTTPConnection(BASE_HOST, BASE_PORT, timeout=30)
    form = f"email={os.environ['BENCH_ADMIN_EMAIL']}&password={os.environ['BENCH_ADMIN_PASSWORD']}".replace(" ", "+")
    conn.request("POST", "/rpc/auth/sign-in", body=form,
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    res = conn.getresponse()
    res.read()
    assert res.status == 200, res.status
    cookie = "; ".join(c.split(";", 1)[0] for c in res.headers.get_all("Set-Cookie"))
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    times = []
    for i in range(5 + 30):
        start = time.perf_counter()
        conn.request("POST", "/rpc/analytics/report", body="", headers=headers)
        res = conn.getresponse()
        data = res.read()
        elapsed = time.perf_counter() - start
        assert res.status == 200, (res.status, data[:300])
        if i >= 5:
            times.append(elapsed)
    assert json.loads(data)["sent"] >= 100000, data[:200]
    return times


def main():
    report = analytics()
    first, deep, search = listing()
    b1 = bulk()
    ms = lambda x: f"{x * 1000:.1f} ms"
    e2e, copy = b1["end_to_end"], b1["copy"]
    rows = [
        ("B1 bulk 10,000 rows end to end (dry run + commit): rate ≥ 0.5× psql \\copy",
         f"{e2e:.2f} s ({ROWS / e2e:,.0f} rows/s)", f"{copy:.2f} s ({ROWS / copy:,.0f} rows/s)",
         f"{b1['ratio']:.2f}×", b1["ratio"] >= 0.5),
        ("B1 the commit alone (upload to `done`), for comparison", f"{b1['commit']:.2f} s",
         f"{copy:.2f} s", f"{b1['commit_ratio']:.2f}×", b1["commit_ratio"] >= 0.5),
        ("B1 bulk 10,000 rows within 3 s", f"{e2e:.2f} s", "3 s", "", e2e <= 3.0),
        ("B1 dry run of 10,000 rows ≤ 1 s", f"{b1['dry']:.2f} s", "1 s", "", b1["dry"] <= 1.0),
        ("B2 list page 1,000 p99 ≤ 1.3× page 1", f"p50 {ms(pct(deep, 50))}, p99 {ms(pct(deep, 99))}",
         f"p50 {ms(pct(first, 50))}, p99 {ms(pct(first, 99))}", f"{pct(deep, 99) / pct(first, 99):.2f}×",
         pct(deep, 99) <= 1.3 * pct(first, 99)),
        ("B3 email search < 50 ms", f"p50 {ms(pct(search, 50))}, p99 {ms(pct(search, 99))}", "50 ms", "",
         pct(search, 99) < 0.05),
        ("A1 analytics report at 100,000 invitations ≤ 200 ms", f"p50 {ms(pct(report, 50))}, p99 {ms(pct(report, 99))}",
         "200 ms", "", pct(report, 99) <= 0.2),
    ]
    print("| target | figure | baseline | ratio | verdict |")
    print("| --- | --- | --- | --- | --- |")
    for name, fig, base, ratio, ok in rows:
        print(f"| {name} | {fig} | {base} | {ratio} | {'pass' if ok else 'falls short'} |")


if __name__ == "__main__":
    sys.exit(main())
