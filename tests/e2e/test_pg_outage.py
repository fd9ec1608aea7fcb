"""A PostgreSQL that is stopped and started under load (issue: hostile
conditions): writes answer 503 temporarily_unavailable, reads served from
the cache keep working, nothing is consumed by the failed requests, and the
server recovers by itself when the database is back. Uses a cluster of its
own (scripts/pg.sh) so the suite's shared cluster is never disturbed."""
import os
import re
import subprocess
import threading
import time

import pytest
import requests

from conftest import ROOT, Gatehouse

pytestmark = pytest.mark.skipif(
    os.environ.get("GH_TEST_DB", "sqlite") != "postgres" or os.geteuid() != 0,
    reason="needs PostgreSQL (GH_TEST_DB=postgres) and root to run its own cluster")


def sh(cmd):
    return subprocess.run(["bash", "-c", cmd], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def pg_ctl(cluster, action):
    data = open(os.path.join(cluster, "datadir")).read().strip() \
        if os.path.exists(os.path.join(cluster, "datadir")) else os.path.join(cluster, "data")
    port = re.search(r":(\d+)/", open(os.path.join(cluster, "url")).read()).group(1)
    opts = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories='' "
            "-c fsync=on -c max_connections=300")
    r = sh(f'source scripts/pg.sh; u=$(gh_pg_user); gh_pg_as "$u" "$(gh_pg_bin)/pg_ctl" '
           f'-D "{data}" -l "{data}/server.log" -w -t 30 -m fast -o "{opts}" {action}')
    assert r.returncode == 0, r.stderr + r.stdout


def test_postgres_outage_then_recovery(tmp_path):
    cluster = str(tmp_path / "pg")
    r = sh(f'source scripts/pg.sh start "{cluster}" && echo "$GH_PG_URL"')
    assert r.returncode == 0, r.stderr
    base = r.stdout.strip().splitlines()[-1]
    try:
        subprocess.run(["psql", base, "-qc", "CREATE DATABASE outage"], check=True,
                       capture_output=True)
        gh = Gatehouse(str(tmp_path))
        gh.db = base.rsplit("/", 1)[0] + "/outage"
        gh.setup()
        gh.start()
        before = gh.tokens()
        spare = gh.tokens()
        stop = threading.Event()
        statuses = []

        def load():  # refreshes keep coming while the database goes away
            rt = spare["refresh_token"]
            while not stop.is_set():
                try:
                    r = gh.refresh(rt)
                except requests.RequestException:
                    statuses.append(-1)
                    continue
                statuses.append(r.status_code)
                if r.status_code == 200:
                    rt = r.json()["refresh_token"]
                time.sleep(0.02)

        t = threading.Thread(target=load)
        t.start()
        time.sleep(0.5)
        pg_ctl(cluster, "stop")
        r = gh.refresh(before["refresh_token"])
        assert r.status_code == 503 and r.json()["error"] == "temporarily_unavailable", r.text
        assert requests.get(gh.issuer + "/.well-known/oauth-authorization-server").status_code == 200
        assert requests.get(gh.issuer + "/jwks").status_code == 200
        me = requests.get(gh.api + "/api/me",
                          headers={"Authorization": "Bearer " + before["access_token"]})
        assert me.status_code == 200
        assert requests.get(gh.issuer + "/readyz").status_code == 503
        time.sleep(1)
        pg_ctl(cluster, "start")
        deadline = time.time() + 20
        while time.time() < deadline:
            r = gh.refresh(before["refresh_token"])
            if r.status_code != 503:
                break
            time.sleep(0.5)
        stop.set()
        t.join()
        # the token presented during the outage was not consumed
        assert r.status_code == 200, r.text
        assert requests.get(gh.issuer + "/readyz").status_code == 200
        assert set(statuses) <= {200, 503}, set(statuses)  # never a 500, never a crash
        assert 503 in statuses and statuses[-1] == 200
        assert gh.proc.poll() is None
    finally:
        if "gh" in locals():
            gh.stop()
        sh(f'bash scripts/pg.sh stop "{cluster}"')
