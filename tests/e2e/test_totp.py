"""One-time codes (RFC 6238) and passkeys (WebAuthn): the operator's
`user mfa list|reset`.

Enrolment, the code step at sign-in, passkey registration and amr/acr are
not built yet; until then a setup and passkeys are written straight into
the database (both backends)."""
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
    assert r.stdout.splitlines() == ["alice totp=off passkeys=0", "bob totp=off passkeys=0",
                                     "carol totp=off passkeys=0"]
    enrol_raw(gh, "alice", 1)
    enrol_raw(gh, "bob", 0)
    r = gh.cli("user", "mfa", "list")
    assert sorted(r.stdout.splitlines()) == ["alice totp=enabled passkeys=0",
                                             "bob totp=pending passkeys=0",
                                             "carol totp=off passkeys=0"]
    assert "deadbeef" not in r.stdout + r.stderr
    assert gh.cli("user", "mfa", "list", "--username", "bob").stdout == \
        "bob totp=pending passkeys=0\n"
    r = gh.cli("user", "mfa", "list", "--username", "nobody", check=False)
    assert r.returncode == 1
    one_line_error(r)


def test_user_mfa_reset_removes_setup_and_recovery_codes(gh):
    gh.setup()
    enrol_raw(gh, "alice", 1)
    assert rows(gh, "SELECT COUNT(*) FROM recovery_code WHERE sub = 'alice'") == 3
    r = gh.cli("user", "mfa", "reset", "--username", "alice")
    assert "removed" in r.stdout and "deadbeef" not in r.stdout
    assert gh.cli("user", "mfa", "list").stdout == "alice totp=off passkeys=0\n"
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


# ---- passkeys ----

# A COSE key (WebAuthn 6.5.1.1) as stored: public, but never printed; its
# bytes carry a marker to look for in the output.
KEY_HEX = "a5010203262001215820" + "c0ffee" * 10 + "c0" + "225820" + "ab" * 32


def blob(gh, hexstr):
    return f"X'{hexstr}'" if gh.sqlite_path() else f"'\\x{hexstr}'::bytea"


def passkey_raw(gh, user, id_hex, name, created, used, synced=0):
    raw(gh, "INSERT INTO webauthn_credential(cred_id, sub, name, cose_key, alg, sign_count, "
            "backup_eligible, backup_state, created_at, last_used_at) VALUES ("
            f"{blob(gh, id_hex)}, '{user}', '{name}', {blob(gh, KEY_HEX)}, -7, 3, {synced}, "
            f"{synced}, {created}, {used})")


def test_user_mfa_list_shows_passkeys_and_never_a_key(gh):
    gh.setup()
    gh.cli("user", "add", "--username", "bob", "--password-stdin", stdin=PASSWORD)
    passkey_raw(gh, "alice", "0102", "Phone", 1700000000, 0, synced=1)
    passkey_raw(gh, "alice", "0103", "Yubi''Key" + "\x1b[31m", 1700000100, 1700000200)
    enrol_raw(gh, "bob", 1)
    r = gh.cli("user", "mfa", "list")
    assert r.stdout.splitlines() == [
        "alice totp=off passkeys=2",
        "  passkey 'Phone' created=2023-11-14T22:13:20Z last_used=never synced",
        "  passkey 'Yubi?Key?[31m' created=2023-11-14T22:15:00Z "
        "last_used=2023-11-14T22:16:40Z",
        "bob totp=enabled passkeys=0"], r.stdout
    out = r.stdout + r.stderr
    assert "c0ffee" not in out.lower() and "wP_u" not in out and "\x1b" not in out
    r = gh.cli("user", "mfa", "list", "--username", "alice")
    assert r.stdout.startswith("alice totp=off passkeys=2\n")


def test_user_mfa_reset_removes_passkeys(gh):
    gh.setup()
    gh.cli("user", "add", "--username", "bob", "--password-stdin", stdin=PASSWORD)
    passkey_raw(gh, "alice", "0a01", "Phone", 1700000000, 0)
    passkey_raw(gh, "alice", "0a02", "Key", 1700000000, 0)
    passkey_raw(gh, "bob", "0b01", "Bobs", 1700000000, 0)
    enrol_raw(gh, "alice", 1)
    r = gh.cli("user", "mfa", "reset", "--username", "alice")
    assert r.stdout.splitlines() == [
        "one-time codes and recovery codes of user alice removed",
        "2 passkeys of user alice removed"], r.stdout
    assert rows(gh, "SELECT COUNT(*) FROM webauthn_credential WHERE sub = 'alice'") == 0
    assert rows(gh, "SELECT COUNT(*) FROM webauthn_credential WHERE sub = 'bob'") == 1
    # passkeys alone
    passkey_raw(gh, "alice", "0a03", "Phone", 1700000000, 0)
    r = gh.cli("user", "mfa", "reset", "--username", "alice")
    assert r.stdout == "1 passkey of user alice removed\n"
    r = gh.cli("user", "mfa", "reset", "--username", "alice")
    assert "no one-time codes and no passkeys" in r.stdout


def test_user_remove_drops_the_passkeys(gh):
    gh.setup()
    passkey_raw(gh, "alice", "0c01", "Phone", 1700000000, 0)
    raw(gh, "INSERT INTO webauthn_challenge(hash, purpose, sub, expires_at) VALUES ("
            f"{blob(gh, '11' * 32)}, 'create', 'alice', 1700000300)")
    gh.cli("user", "remove", "--username", "alice")
    assert rows(gh, "SELECT COUNT(*) FROM webauthn_credential") == 0
    assert rows(gh, "SELECT COUNT(*) FROM webauthn_challenge") == 0
