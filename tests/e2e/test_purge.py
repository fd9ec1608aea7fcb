"""The background purge keeps up: one pass deletes every expired row,
however many there are, in short batches (docs/internals/store.md). A pass
that stopped after a fixed number of batches fell behind a server spending
refresh tokens faster than that number per interval, and the database grew
for ever (bench/purge.sh)."""
import json
import os
import sqlite3
import subprocess
import time

from conftest import eventually

SPENT = 150_000  # more than the 100 batches of 1,000 the old pass stopped at


def fill_spent_tokens(gh, n):
    """One live family and n spent (rotated) tokens of it, idle-expired an
    hour ago: rows the purge must delete, written by plain SQL."""
    now = int(time.time())
    family = (f"INSERT INTO family(id, client_id, sub, scope, flow_id, code_hash, created_at, "
              f"abs_expires_at, last_used_at, auth_time, sid, amr) VALUES ('fam-purge', 'spa', "
              f"'alice', 'api', '', {{blob}}, {now}, {now + 86400}, {now}, {now}, 'sid-purge', 1)")
    path = gh.sqlite_path()
    if path:
        db = sqlite3.connect(path)
        db.execute(family.format(blob="randomblob(32)"))
        db.execute(f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) "
                   f"INSERT INTO refresh_token(hash, family_id, state, created_at, idle_expires_at, "
                   f"rotated_at) SELECT randomblob(32), 'fam-purge', 1, {now - 7200}, {now - 3600}, "
                   f"{now - 7000} FROM s")
        db.commit()
        db.close()
        return
    rnd = "uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())"
    sql = (family.format(blob=rnd) + "; INSERT INTO refresh_token(hash, family_id, state, "
           f"created_at, idle_expires_at, rotated_at) SELECT {rnd}, 'fam-purge', 1, {now - 7200}, "
           f"{now - 3600}, {now - 7000} FROM generate_series(1, {n})")
    subprocess.run(["psql", gh.db, "-qc", sql], check=True, capture_output=True)


def spent_left(gh):
    sql = "SELECT count(*) FROM refresh_token WHERE family_id = 'fam-purge'"
    path = gh.sqlite_path()
    if path:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return db.execute(sql).fetchone()[0]
        finally:
            db.close()
    return int(subprocess.run(["psql", gh.db, "-Atc", sql], check=True, capture_output=True,
                              text=True).stdout)


def purge_lines(gh):
    out = []
    for line in gh.logtext().splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if rec.get("msg") == "purged expired rows":
            out.append(rec)
    return out


def test_one_purge_pass_deletes_every_expired_row(gh):
    gh.setup()
    fill_spent_tokens(gh, SPENT)
    assert spent_left(gh) == SPENT
    gh.start("--purge-interval", "1", "--log-level", "info", "--log-format", "json")
    assert eventually(lambda: purge_lines(gh), timeout=60, step=0.2), gh.logtext()[-2000:]
    first = purge_lines(gh)[0]
    assert int(first["rows"]) >= SPENT, first
    assert int(first["ms"]) >= 0
    # a pass that outlived three intervals (1 s here) doubled its batch
    # from SQLite's trickle of 10, so a backlog does not take for ever
    assert int(first["batch"]) > 10, first
    assert spent_left(gh) == 0
    # the server went on answering meanwhile
    assert gh.tokens()["refresh_token"]
