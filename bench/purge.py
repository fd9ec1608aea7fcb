"""Helpers of bench/purge.sh.
  purge.py signin ISSUER CLIENT REDIRECT USER PASSWORD
      signs in once (authorize, login page, argon2id) and prints
      "VERIFIER CHALLENGE COOKIE": a PKCE pair and the browser session the
      lifecycle loader reuses for every family
  purge.py watch ISSUER CLIENT REDIRECT COOKIE VERIFIER CHALLENGE DB PID SECONDS STEP LOG
      for SECONDS: rotates one family of its own every 20 ms (a timed probe;
      a new family when its family expired), and every STEP seconds samples
      the database's bytes and rows and the server's RSS (PID). Meanwhile it
      follows the server's "purged expired rows" lines in LOG; at the end
      it prints the samples, the passes, and the probe's p99 while a pass
      ran and otherwise. DB: a SQLite file path, or a PostgreSQL URL."""
import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time

import requests


def signin(issuer, client, redirect, user, password):
    import base64, hashlib, html, secrets
    verifier = secrets.token_urlsafe(48)[:64]
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    b = requests.Session()
    r = b.get(issuer + "/authorize", allow_redirects=False, params={
        "response_type": "code", "client_id": client, "redirect_uri": redirect, "scope": "api",
        "state": "s", "code_challenge": challenge, "code_challenge_method": "S256"})
    form = {k: html.unescape(v) for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', r.text)}
    form.update(username=user, password=password)
    r = b.post(issuer + "/login", data=form, allow_redirects=False)
    assert r.status_code in (302, 303), r.text
    cookie = "; ".join(f"{c.name}={c.value}" for c in b.cookies)
    print(verifier, challenge, cookie)


def new_family(s, issuer, client, redirect, cookie, verifier, challenge):
    r = s.get(issuer + "/authorize", allow_redirects=False, headers={"Cookie": cookie}, params={
        "response_type": "code", "client_id": client, "redirect_uri": redirect, "scope": "api",
        "state": "s", "code_challenge": challenge, "code_challenge_method": "S256"})
    code = re.search(r"[?&]code=([^&]+)", r.headers["Location"]).group(1)
    r = s.post(issuer + "/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect,
        "client_id": client, "code_verifier": verifier})
    return r.json()["refresh_token"]


def probe(stop, samples, issuer, client, redirect, cookie, verifier, challenge):
    s = requests.Session()
    rt = new_family(s, issuer, client, redirect, cookie, verifier, challenge)
    while not stop.is_set():
        t0 = time.time()
        r = s.post(issuer + "/token", data={"grant_type": "refresh_token", "refresh_token": rt,
                                            "client_id": client}, timeout=30)
        t1 = time.time()
        if r.status_code == 200:
            samples.append((t0, (t1 - t0) * 1000))
            rt = r.json()["refresh_token"]
        else:  # the family reached its absolute lifetime
            rt = new_family(s, issuer, client, redirect, cookie, verifier, challenge)
        time.sleep(max(0, 0.02 - (time.time() - t0)))


def db_state(db):
    if db.startswith("postgres"):
        out = subprocess.run(["psql", db, "-Atc",
                              "SELECT pg_database_size(current_database()), "
                              "(SELECT count(*) FROM family), (SELECT count(*) FROM refresh_token)"],
                             capture_output=True, text=True, check=True).stdout.strip()
        size, fam, rt = out.split("|")
        return int(size), int(fam), int(rt)
    size = sum(os.path.getsize(db + ext) for ext in ("", "-wal", "-shm")
               if os.path.exists(db + ext))
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        fam = c.execute("SELECT count(*) FROM family").fetchone()[0]
        rt = c.execute("SELECT count(*) FROM refresh_token").fetchone()[0]
    finally:
        c.close()
    return size, fam, rt


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1)) / 1024


def follow(stop, log, out):
    """Appends (start, end, rows, ms) for each purge pass the server logs,
    as it logs it: the log's timestamps have whole seconds, so the end is
    when the line appeared here (read every 10 ms), the start its
    duration before."""
    with open(log) as f:
        f.seek(0, os.SEEK_END)
        buf = ""
        while not stop.is_set():
            chunk = f.read()
            if not chunk:
                time.sleep(0.01)
                continue
            buf += chunk
            *lines, buf = buf.split("\n")
            now = time.time()
            for line in lines:
                if "purged expired rows" in line:
                    rec = json.loads(line)
                    out.append((now - int(rec["ms"]) / 1000 - 0.01, now, int(rec["rows"]),
                                int(rec["ms"])))


def p99(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * 0.99))] if xs else float("nan")


def watch(issuer, client, redirect, cookie, verifier, challenge, db, pid, seconds, step, log):
    stop, samples, ps = threading.Event(), [], []
    t = threading.Thread(target=probe, args=(stop, samples, issuer, client, redirect, cookie,
                                             verifier, challenge))
    tail = threading.Thread(target=follow, args=(stop, log, ps))
    start = time.time()
    t.start()
    tail.start()
    rows = []
    while True:
        el = time.time() - start
        size, fam, rt = db_state(db)
        rows.append((el, size, fam, rt, rss_mb(pid)))
        if el >= seconds:
            break
        time.sleep(max(0, min(step, seconds - el)))
    stop.set()
    t.join(60)
    tail.join(60)
    print("| elapsed s | database MB | families | refresh tokens | server RSS MB |")
    print("|---:|---:|---:|---:|---:|")
    for el, size, fam, rt, rss in rows:
        print(f"| {el:.0f} | {size / 1e6:.1f} | {fam} | {rt} | {rss:.1f} |")
    inside = [ms for ts, ms in samples if any(a <= ts <= b for a, b, _, _ in ps)]
    outside = [ms for ts, ms in samples if not any(a <= ts <= b for a, b, _, _ in ps)]
    print(f"\npurge passes: {len(ps)}, {sum(p[2] for p in ps)} rows, longest "
          f"{max((p[3] for p in ps), default=0)} ms")
    half = [r for r in rows if r[0] >= seconds / 2]
    lo, hi = min(r[1] for r in half), max(r[1] for r in half)
    print(f"RESULT size_mb_half={lo / 1e6:.1f}..{hi / 1e6:.1f} size_mb_end={rows[-1][1] / 1e6:.1f} "
          f"probe_p99_purging={p99(inside):.1f} n_purging={len(inside)} "
          f"probe_p99_other={p99(outside):.1f} n_other={len(outside)} passes={len(ps)}")


if __name__ == "__main__":
    if sys.argv[1] == "signin":
        signin(*sys.argv[2:7])
    else:
        a = sys.argv[2:]
        watch(*a[:7], int(a[7]), float(a[8]), float(a[9]), a[10])
