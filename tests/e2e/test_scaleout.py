"""Scale-out on PostgreSQL (docs/internals/store.md, "PostgreSQL"): several
`gatehouse serve` processes on one database behave as one server. Skipped on
SQLite."""
import concurrent.futures
import os
import re
import signal
import threading
import time

import pytest
import requests

from conftest import Gatehouse, free_port, pkce_pair

pytestmark = pytest.mark.skipif(os.environ.get("GH_TEST_DB", "sqlite") != "postgres",
                                reason="scale-out needs PostgreSQL (GH_TEST_DB=postgres)")


class Peer:
    """Another serve process on the same database and issuer."""

    def __init__(self, gh, index, *extra):
        self.gh = gh
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(gh.tmpdir, f"peer{index}.log"), "ab")
        import subprocess
        from conftest import BIN
        self.proc = subprocess.Popen(
            [BIN, "--db", gh.db, "serve", "--listen", f"127.0.0.1:{self.port}",
             "--issuer", gh.issuer, *extra], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        while time.time() < deadline:
            try:
                requests.get(self.url + "/healthz", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("peer did not start")

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=10)
        self.log.close()


@pytest.fixture
def cluster(gh):
    gh.setup()
    gh.start()
    peers = [Peer(gh, 1), Peer(gh, 2)]
    yield gh, peers
    for p in peers:
        p.stop()


def test_login_exchange_refresh_on_three_processes(cluster):
    gh, (p1, p2) = cluster
    verifier, challenge = pkce_pair()
    s, page = gh.authorize(challenge=challenge)
    r = gh.login(s, page)  # sign-in and consent on process 0
    code = re.search(r"code=([^&]+)", r.headers["Location"]).group(1)
    t = requests.post(p1.url + "/token", data={  # exchanged on process 1
        "grant_type": "authorization_code", "code": code, "client_id": "spa",
        "redirect_uri": f"{gh.app}/callback", "code_verifier": verifier})
    assert t.status_code == 200, t.text
    rt = t.json()["refresh_token"]
    r2 = requests.post(p2.url + "/token", data={  # refreshed on process 2
        "grant_type": "refresh_token", "refresh_token": rt, "client_id": "spa"})
    assert r2.status_code == 200, r2.text
    # the rotated token is dead everywhere, and its reuse revokes the family
    again = requests.post(gh.issuer + "/token", data={
        "grant_type": "refresh_token", "refresh_token": rt, "client_id": "spa"})
    assert again.status_code == 400 and "already used" in again.json()["error_description"]
    newest = requests.post(p1.url + "/token", data={
        "grant_type": "refresh_token", "refresh_token": r2.json()["refresh_token"],
        "client_id": "spa"})
    assert newest.status_code == 400


def test_parallel_refresh_over_three_processes_wins_once(cluster):
    gh, (p1, p2) = cluster
    rt = gh.tokens()["refresh_token"]
    urls = [gh.issuer, p1.url, p2.url]

    def one(i):
        return requests.post(urls[i % 3] + "/token", data={
            "grant_type": "refresh_token", "refresh_token": rt, "client_id": "spa"},
            timeout=30).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=50) as ex:
        codes = list(ex.map(one, range(200)))
    assert codes.count(200) == 1, codes
    assert all(c in (200, 400) for c in codes), codes


def test_key_rotation_reaches_every_process(cluster):
    gh, (p1, p2) = cluster
    gh.cli("keys", "rotate")
    deadline = time.time() + 5
    while time.time() < deadline:
        counts = [len(requests.get(u + "/jwks").json()["keys"])
                  for u in (gh.issuer, p1.url, p2.url)]
        if counts == [2, 2, 2]:
            return
        time.sleep(0.2)
    raise AssertionError(f"JWKS sizes {counts}")


def test_kill_one_process_mid_load_others_keep_serving(gh):
    """A process killed with -9 mid-load: the others keep serving and no
    refresh token a client received is lost. The reuse grace covers the
    one case a kill creates: a rotation committed whose answer never left
    the killed process, so its client presents the previous token again."""
    grace = ("--refresh-reuse-grace", "60")
    gh.setup()
    gh.start(*grace)
    p1, p2 = Peer(gh, 1, *grace), Peer(gh, 2, *grace)
    chains = [gh.tokens()["refresh_token"] for _ in range(4)]
    held = list(chains)
    stop = threading.Event()
    errors = []

    def walk(i):
        urls = [p1.url, p2.url]
        n = 0
        while not stop.is_set():
            try:
                r = requests.post(urls[n % 2] + "/token", data={
                    "grant_type": "refresh_token", "refresh_token": held[i],
                    "client_id": "spa"}, timeout=10)
            except requests.RequestException:
                n += 1  # the killed process: try the other one
                continue
            if r.status_code == 200:
                held[i] = r.json()["refresh_token"]
            elif r.status_code >= 500:
                errors.append(r.status_code)
            n += 1

    threads = [threading.Thread(target=walk, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    p1.proc.send_signal(signal.SIGKILL)
    p1.proc.wait()
    time.sleep(1.5)
    stop.set()
    for t in threads:
        t.join()
    p2.stop()
    assert not errors
    # every token a client holds works on the surviving process
    for rt in held:
        r = requests.post(gh.issuer + "/token", data={
            "grant_type": "refresh_token", "refresh_token": rt, "client_id": "spa"})
        assert r.status_code == 200, r.text
