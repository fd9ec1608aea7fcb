"""Storage faults (docs/security.md): the SQLite database on a small filesystem that
fills up. The test mounts a 3 MiB tmpfs (it must run as root, as CI does),
puts the database there, starts the server, and fills the filesystem to
the last byte with a filler file. Then:

  - requests that must write (code exchange, refresh, revocation, sign-in)
    fail with 503 temporarily_unavailable: never a 500, a crash or a hang;
  - reads keep working: discovery, JWKS, the Resource API with an existing
    access token, introspection of an existing refresh token;
  - once the filler is gone the same server, without a restart, serves the
    very requests that failed: a refresh whose rotation failed did not
    consume the token (the transaction rolled back), and the code whose
    exchange failed is still unused;
  - PRAGMA integrity_check says ok.

The PostgreSQL counterpart (a server stopped and started under load)
belongs to the PostgreSQL tests; on GH_TEST_DB=postgres this file skips.
"""
import errno
import os
import sqlite3
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conftest import BACKEND_SECRET

TMPFS_SIZE = "3m"
TIMEOUT = 15  # every request must answer well within this: no hang
CONCURRENT = 8


pytestmark = pytest.mark.skipif(
    os.environ.get("GH_TEST_DB", "sqlite") != "sqlite",
    reason="SQLite-specific (a database file on a full filesystem); PostgreSQL outages are "
           "tested with the PostgreSQL backend")


@pytest.fixture
def small_fs(gh):
    """A freshly mounted 3 MiB tmpfs, unmounted afterwards (after the
    server that uses it stopped, whatever the test's outcome)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    mnt = tempfile.mkdtemp(prefix="gh-smallfs-")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE},mode=0700", "tmpfs",
                        mnt], capture_output=True, text=True)
    if r.returncode != 0:
        os.rmdir(mnt)
        pytest.skip(f"cannot mount a tmpfs: {r.stderr.strip()}")
    try:
        yield mnt
    finally:
        gh.stop()
        r = subprocess.run(["umount", mnt], capture_output=True, text=True)
        if r.returncode != 0:  # a process still holds it: detach it anyway
            subprocess.run(["umount", "-l", mnt], capture_output=True)
        os.rmdir(mnt)


def fill(path):
    """Writes to path until the filesystem is full; returns the bytes written."""
    n = 0
    with open(path, "wb", buffering=0) as f:
        for size in (1 << 16, 4096, 512, 1):
            chunk = b"\0" * size
            while True:
                try:
                    n += f.write(chunk)
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
                    break
    return n


def free_bytes(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def assert_unavailable(r, what):
    assert r.status_code == 503, f"{what}: {r.status_code} {r.text[:300]}"
    assert r.json()["error"] == "temporarily_unavailable", f"{what}: {r.text[:300]}"
    assert r.headers.get("Cache-Control") == "no-store"


def post(url, **kw):
    return requests.post(url, timeout=TIMEOUT, **kw)


def get(url, **kw):
    return requests.get(url, timeout=TIMEOUT, **kw)


def test_full_filesystem(gh, small_fs):
    db = os.path.join(small_fs, "gatehouse.db")
    gh.db = "sqlite:" + db
    gh.setup()
    gh.start()
    pid = gh.proc.pid

    # state made before the disk fills
    kept = gh.tokens()  # read back during the outage
    pending = gh.tokens()  # its refresh fails during the outage, works after
    # refreshed all at once during the outage (they may share a failed commit)
    batch = [gh.tokens()["refresh_token"] for _ in range(CONCURRENT)]
    code, verifier, redirect = gh.code_flow()  # its exchange fails, works after
    exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect,
                "client_id": "spa", "code_verifier": verifier}
    bearer = {"Authorization": "Bearer " + kept["access_token"]}
    assert get(gh.api + "/api/me", headers=bearer).status_code == 200

    # Move everything from the WAL into the database file and truncate the
    # WAL to zero, so that the next commit must grow a file: otherwise it
    # could reuse WAL pages already allocated and never see the full disk.
    con = sqlite3.connect(db, timeout=10)
    try:
        busy, _, _ = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        con.close()
    assert busy == 0
    filler = os.path.join(small_fs, "filler")
    filled = fill(filler)
    assert free_bytes(small_fs) == 0
    print(f"\n[storage] database {os.path.getsize(db)} bytes, filler {filled} bytes")

    try:
        # writes: 503 temporarily_unavailable, quickly
        t = time.monotonic()
        assert_unavailable(post(gh.issuer + "/token", data=exchange), "code exchange")
        assert_unavailable(gh.refresh(pending["refresh_token"]), "refresh")
        assert_unavailable(gh.refresh(pending["refresh_token"]), "refresh, second try")
        with ThreadPoolExecutor(CONCURRENT) as pool:
            for r in pool.map(gh.refresh, batch):
                assert_unavailable(r, "concurrent refresh")
        took = time.monotonic() - t
        assert took < 10, f"failing writes took {took:.1f} s"
        # a failed write does not wedge the writer: reads still answer
        assert get(gh.issuer + "/.well-known/oauth-authorization-server").status_code == 200
        assert get(gh.issuer + "/.well-known/openid-configuration").status_code == 200
        assert get(gh.issuer + "/jwks").json()["keys"]
        assert get(gh.issuer + "/healthz").status_code == 200
        r = get(gh.issuer + "/readyz")  # the database is reachable, if full
        assert r.status_code == 200, r.text
        me = get(gh.api + "/api/me", headers=bearer)
        assert me.status_code == 200 and me.json()["sub"] == "alice", me.text
        r = post(gh.issuer + "/introspect", data={"token": kept["refresh_token"]},
                 auth=("backend", BACKEND_SECRET))
        assert r.status_code == 200 and r.json()["active"] is True, r.text
        r = post(gh.issuer + "/token", data={"grant_type": "client_credentials", "scope": "api"},
                 auth=("backend", BACKEND_SECRET))
        assert r.status_code == 200, r.text  # issues a JWT, writes nothing
        # more writes
        r = post(gh.issuer + "/revoke", data={"token": kept["refresh_token"], "client_id": "spa"})
        assert_unavailable(r, "revocation")
        s, page = gh.authorize(challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGmSstw-cM")
        assert page.status_code == 200, page.text  # the login page writes nothing
        r = gh.login(s, page)
        assert r.status_code == 503, f"sign-in: {r.status_code} {r.text[:300]}"
        assert gh.proc.poll() is None, "the server died"
    finally:
        os.unlink(filler)

    # space is back: the same server recovers, and nothing was consumed
    r = gh.refresh(pending["refresh_token"])
    assert r.status_code == 200, f"refresh after the outage: {r.status_code} {r.text}"
    assert gh.refresh(r.json()["refresh_token"]).status_code == 200
    with ThreadPoolExecutor(CONCURRENT) as pool:
        for r in pool.map(gh.refresh, batch):
            assert r.status_code == 200, f"refresh after the outage: {r.status_code} {r.text}"
    r = post(gh.issuer + "/token", data=exchange)
    assert r.status_code == 200, f"code exchange after the outage: {r.status_code} {r.text}"
    assert gh.refresh(r.json()["refresh_token"]).status_code == 200
    # the revocation that failed did not happen
    r = post(gh.issuer + "/introspect", data={"token": kept["refresh_token"]},
             auth=("backend", BACKEND_SECRET))
    assert r.json()["active"] is True, r.text
    assert gh.tokens()["refresh_token"]  # a whole new sign-in
    assert gh.proc.pid == pid and gh.proc.poll() is None

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        con.close()
    gh.stop()
    con = sqlite3.connect(db, timeout=10)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        con.close()
    log = gh.logtext()
    errors = [line for line in log.splitlines() if "level=error" in line]
    print("[storage] server errors logged during the outage:\n  " + "\n  ".join(errors))
    assert errors, log
