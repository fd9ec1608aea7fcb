"""One-time codes (RFC 6238): the operator's `user mfa list|reset`.

Enrolment, the code step at sign-in and amr/acr are not built yet; until
then a setup is written straight into the database (both backends)."""
import sqlite3
import subprocess

from conftest import PASSWORD


def raw(gh, sql):
    """Runs sql on the test database behind the server's back."""
    path = gh.sqlite_path()
    if path:
        with sqlite3.connect(path) as db:
            db.executescript(sql)
    else:
        subprocess.run(["psql", gh.db, "-qc", sql], check=True, capture_output=True)


def rows(gh, sql):
    path = gh.sqlite_path()
    if path:
        with sqlite3.connect(path) as db:
            return db.execute(sql).fetchone()[0]
    r = subprocess.run(["psql", gh.db, "-tAc", sql], check=True, capture_output=True, text=True)
    return int(r.stdout.strip())


def one_line_error(r):
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, r.stderr
    assert "AddressSanitizer" not in r.stderr and "runtime error" not in r.stderr


def enrol_raw(gh, user, enabled):
    # a sealed secret the CLI must never print; three recovery code hashes
    raw(gh, f"INSERT INTO user_mfa(sub, secret_sealed, enabled, last_step, updated_at) "
            f"VALUES ('{user}', 'deadbeefcafe0123', {enabled}, 5, 1700000000); "
            + "".join(f"INSERT INTO recovery_code(sub, hash) VALUES ('{user}', "
                      + (f"X'{i:064x}'" if gh.sqlite_path() else f"'\\x{i:064x}'::bytea")
                      + "); " for i in range(1, 4)))


def test_user_mfa_list_shows_state_and_no_secret(gh):
    gh.setup()
    gh.cli("user", "add", "--username", "bob", "--password-stdin", stdin=PASSWORD)
    gh.cli("user", "add", "--username", "carol", "--password-stdin", stdin=PASSWORD)
    r = gh.cli("user", "mfa", "list")
    assert r.stdout.splitlines() == ["alice totp=off", "bob totp=off", "carol totp=off"]
    enrol_raw(gh, "alice", 1)
    enrol_raw(gh, "bob", 0)
    r = gh.cli("user", "mfa", "list")
    assert sorted(r.stdout.splitlines()) == ["alice totp=enabled", "bob totp=pending",
                                             "carol totp=off"]
    assert "deadbeef" not in r.stdout + r.stderr
    assert gh.cli("user", "mfa", "list", "--username", "bob").stdout == "bob totp=pending\n"
    r = gh.cli("user", "mfa", "list", "--username", "nobody", check=False)
    assert r.returncode == 1
    one_line_error(r)


def test_user_mfa_reset_removes_setup_and_recovery_codes(gh):
    gh.setup()
    enrol_raw(gh, "alice", 1)
    assert rows(gh, "SELECT COUNT(*) FROM recovery_code WHERE sub = 'alice'") == 3
    r = gh.cli("user", "mfa", "reset", "--username", "alice")
    assert "removed" in r.stdout and "deadbeef" not in r.stdout
    assert gh.cli("user", "mfa", "list").stdout == "alice totp=off\n"
    assert rows(gh, "SELECT COUNT(*) FROM recovery_code") == 0
    assert rows(gh, "SELECT COUNT(*) FROM user_mfa") == 0
    # again: nothing to do, still success
    r = gh.cli("user", "mfa", "reset", "--username", "alice")
    assert "no one-time codes" in r.stdout
    r = gh.cli("user", "mfa", "reset", "--username", "nobody", check=False)
    assert r.returncode == 1
    one_line_error(r)
    r = gh.cli("user", "mfa", "reset", check=False)
    assert r.returncode == 2
    one_line_error(r)
    r = gh.cli("user", "mfa", "bogus", check=False)
    assert r.returncode == 2


def test_user_remove_drops_the_setup(gh):
    gh.setup()
    enrol_raw(gh, "alice", 1)
    gh.cli("user", "remove", "--username", "alice")
    assert rows(gh, "SELECT COUNT(*) FROM user_mfa") == 0
    assert rows(gh, "SELECT COUNT(*) FROM recovery_code") == 0
