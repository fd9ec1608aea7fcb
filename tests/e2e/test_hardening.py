"""Hardening: scopes are never truncated, an over-long state is an error,
browser sessions end with their user, an unknown user name costs as much as
the most expensive password hash in use, and client secrets are generated
by the server or refused when obviously weak. Each test names the defect it
guards against; all run against the real binary on SQLite and PostgreSQL."""
import base64
import json
import os
import re
import sqlite3
import statistics
import subprocess
import time

import requests
from requests.adapters import HTTPAdapter

from conftest import BACKEND_SECRET, PASSWORD, eventually, form_fields, pkce_pair, query_of


def claims(access_token):
    part = access_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def one_line_error(r, *words):
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, r.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])


def sql(gh, statement):
    """Runs one statement on the test's database, behind gatehouse's back."""
    path = gh.sqlite_path()
    if path is not None:
        db = sqlite3.connect(path)
        try:
            rows = db.execute(statement).fetchall()
            db.commit()
            return rows
        finally:
            db.close()
    r = subprocess.run(["psql", gh.db, "-qAtc", statement], capture_output=True, text=True,
                       check=True)
    return [tuple(line.split("|")) for line in r.stdout.splitlines()]


def exchange(gh, code, verifier, redirect, client="spa"):
    r = gh.token({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect,
                  "client_id": client, "code_verifier": verifier})
    assert r.status_code == 200, r.text
    return r.json()


def flow(gh, client, redirect, scope, session=None):
    """authorize + login (+ consent); returns (session, code, verifier)."""
    verifier, challenge = pkce_pair()
    s, page = gh.authorize(session=session, client=client, redirect=redirect, scope=scope,
                           challenge=challenge)
    assert page.status_code == 200, page.text[:300]
    r = gh.login(s, page)
    assert r.status_code in (302, 303), r.text[:300]
    return s, query_of(r.headers["Location"])["code"], verifier


# ---- scopes: never truncated, never rewritten ----

def test_scope_repeated_past_the_field_is_not_truncated_into_another_scope(gh):
    """"admin.read" 47 times passed the subset check, was cut at 511 bytes
    and ended in "admin": the code, the access token and the family carried
    a scope the client was never registered for, and /api/admin answered."""
    gh.setup()
    redirect = f"{gh.app}/reader"
    gh.cli("client", "add", "--id", "reader", "--public", "--trusted", "--redirect-uri",
           redirect, "--scope", "openid admin.read")
    gh.start()
    scope = " ".join(["admin.read"] * 47)
    assert len(scope) > 511
    _, code, verifier = flow(gh, "reader", redirect, scope)
    t = exchange(gh, code, verifier, redirect, client="reader")
    assert t["scope"] == "admin.read", t["scope"]
    assert claims(t["access_token"])["scope"] == "admin.read"
    r = requests.get(gh.api + "/api/admin",
                     headers={"Authorization": "Bearer " + t["access_token"]})
    assert r.status_code == 403, r.text
    r = gh.refresh(t["refresh_token"], client="reader")
    assert r.status_code == 200, r.text
    assert r.json()["scope"] == "admin.read"
    assert claims(r.json()["access_token"])["scope"] == "admin.read"


def test_duplicate_scopes_are_dropped(server):
    _, code, verifier = flow(server, "spa", f"{server.app}/callback", "api openid api api")
    t = exchange(server, code, verifier, f"{server.app}/callback")
    assert t["scope"] == "api openid"
    assert claims(t["access_token"])["scope"] == "api openid"
    r = server.token({"grant_type": "client_credentials", "scope": "api api admin api"},
                     auth=("backend", BACKEND_SECRET))
    assert r.status_code == 200, r.text
    assert r.json()["scope"] == "api admin"
    assert claims(r.json()["access_token"])["scope"] == "api admin"


def test_client_scope_registered_without_duplicates(gh):
    gh.setup()
    gh.cli("client", "add", "--id", "dup", "--public", "--redirect-uri", f"{gh.app}/d",
           "--scope", "api openid api")
    assert 'scope="api openid"' in gh.cli("client", "show", "--id", "dup").stdout


def test_redirect_uri_that_cannot_be_stored_whole_is_refused(gh):
    """A loopback redirect URI may differ from the registered one in its port
    (RFC 8252 7.3), so it may be longer than the 511 bytes a code holds: it
    was cut, and the code answered to a URI nobody sent."""
    gh.setup()
    registered = "http://127.0.0.1/" + "p" * (511 - len("http://127.0.0.1/"))
    assert len(registered) == 511
    gh.cli("client", "add", "--id", "native", "--public", "--trusted", "--redirect-uri",
           registered, "--scope", "openid api")
    gh.start()
    _, challenge = pkce_pair()
    longer = registered.replace("127.0.0.1/", "127.0.0.1:8765/", 1)
    _, r = gh.authorize(client="native", redirect=longer, challenge=challenge)
    assert r.status_code == 400, (r.status_code, r.text[:300])
    assert "Location" not in r.headers
    # the registered URI itself still works
    _, code, verifier = flow(gh, "native", registered, "openid api")
    exchange(gh, code, verifier, registered, client="native")


def test_too_many_redirect_uris_or_origins_refused(gh):
    gh.setup()
    many = []
    for i in range(9):
        many += ["--redirect-uri", f"https://app{i}.example/cb"]
    r = gh.cli("client", "add", "--id", "many", "--public", *many, check=False)
    assert r.returncode == 2, (r.returncode, r.stderr)
    one_line_error(r, "redirect")
    origins = []
    for i in range(9):
        origins += ["--origin", f"https://app{i}.example"]
    r = gh.cli("client", "add", "--id", "many", "--public", "--redirect-uri",
               "https://app.example/cb", *origins, check=False)
    assert r.returncode == 2, (r.returncode, r.stderr)
    one_line_error(r, "origin")
    assert "many" not in gh.cli("client", "list").stdout


# ---- state ----

def test_state_over_the_limit_is_an_error_not_dropped(server):
    """A state longer than the server accepts was dropped silently: the
    client got a redirect without the state it had sent."""
    _, challenge = pkce_pair()
    _, r = server.authorize(challenge=challenge, state="s" * 2049)
    assert r.status_code == 400, (r.status_code, r.text[:300])
    assert "Location" not in r.headers and "state" in r.text
    # also where the request would otherwise be answered with an error redirect
    _, r = server.authorize(challenge=challenge, state="s" * 2049,
                            extra={"response_type": "token"})
    assert r.status_code == 400 and "Location" not in r.headers
    # 2048 characters are accepted and come back whole
    state = "s" * 2048
    _, r = server.authorize(challenge=challenge, state=state, extra={"response_type": "token"})
    assert r.status_code in (302, 303)
    assert query_of(r.headers["Location"])["state"] == state


# ---- redirects after a form post (docs/security.md 4.12) ----

def test_redirects_after_a_form_post_are_303(server):
    """RFC 9700 4.12: a redirect answering a POST is a 303, so the browser
    does not post the credentials on to the client; one answering a GET is
    a 302."""
    verifier, challenge = pkce_pair()
    s, page = server.authorize(client="trusted-spa", redirect=f"{server.app}/cb",
                               challenge=challenge)
    fields = form_fields(page.text)
    fields.update(username="alice", password=PASSWORD)
    r = s.post(server.issuer + "/login", data=fields, allow_redirects=False)
    assert r.status_code == 303 and "code" in query_of(r.headers["Location"])
    _, r = server.authorize(session=s, client="trusted-spa", redirect=f"{server.app}/cb",
                            challenge=challenge)
    assert r.status_code == 302 and "code" in query_of(r.headers["Location"])
    s, page = server.authorize(challenge=challenge)
    r = server.login(s, page)  # with the consent form
    assert r.status_code == 303 and "code" in query_of(r.headers["Location"])


# ---- browser sessions end with their user ----

def signed_in_browser(gh):
    """A browser signed in as alice to the trusted client: /authorize
    answers it with a code straight away."""
    s, code, verifier = flow(gh, "trusted-spa", f"{gh.app}/cb", "openid api")
    assert authorize_answer(gh, s) == "code"
    return s


def authorize_answer(gh, s):
    _, challenge = pkce_pair()
    _, r = gh.authorize(session=s, client="trusted-spa", redirect=f"{gh.app}/cb",
                        challenge=challenge)
    if r.status_code in (302, 303) and "code" in query_of(r.headers["Location"]):
        return "code"
    if r.status_code == 200 and 'action="/login"' in r.text:
        return "login"
    return (r.status_code, r.text[:200])


def test_sessions_revoke_ends_browser_sessions(server):
    s1, s2 = signed_in_browser(server), signed_in_browser(server)
    server.cli("user", "add", "--username", "bob", "--password-stdin", stdin="bob password 123")
    r = server.cli("sessions", "revoke", "--user", "alice")
    assert "2 browser sessions" in r.stdout, r.stdout
    assert authorize_answer(server, s1) == "login"
    assert authorize_answer(server, s2) == "login"


def test_user_passwd_ends_browser_sessions(server):
    s = signed_in_browser(server)
    server.cli("user", "passwd", "--username", "alice", "--password-stdin",
               stdin="an entirely new password")
    assert authorize_answer(server, s) == "login"


def test_user_remove_ends_browser_sessions_and_a_new_user_inherits_nothing(server):
    s = signed_in_browser(server)
    server.cli("user", "remove", "--username", "alice")
    assert authorize_answer(server, s) == "login"
    server.cli("user", "add", "--username", "alice", "--password-stdin", stdin=PASSWORD)
    assert authorize_answer(server, s) == "login"


def test_surviving_session_row_is_not_inherited(server):
    """Even if a session row outlives its user (removed behind the CLI's
    back), a user created later under the same name does not get it."""
    s = signed_in_browser(server)
    sql(server, "DELETE FROM \"user\" WHERE username = 'alice'")
    assert len(sql(server, "SELECT sub FROM browser_session")) == 1
    assert authorize_answer(server, s) == "login"
    server.cli("user", "add", "--username", "alice", "--password-stdin", stdin=PASSWORD)
    assert authorize_answer(server, s) == "login"
    # and signing in again works as always
    signed_in_browser(server)


def test_other_users_sessions_survive(server):
    server.cli("user", "add", "--username", "bob", "--password-stdin", stdin="bob password 123")
    alice = signed_in_browser(server)
    verifier, challenge = pkce_pair()
    bob, page = server.authorize(client="trusted-spa", redirect=f"{server.app}/cb",
                                 challenge=challenge)
    r = server.login(bob, page, username="bob", password="bob password 123")
    assert r.status_code in (302, 303)
    server.cli("sessions", "revoke", "--user", "alice")
    assert authorize_answer(server, alice) == "login"
    assert authorize_answer(server, bob) == "code"


# ---- an unknown user costs as much as the most expensive hash ----

class FromAddress(HTTPAdapter):
    """Connects from a given local address (any of 127.0.0.0/8), so that the
    per-address sign-in throttle never answers instead of the password check."""

    def __init__(self, addr):
        self.addr = addr
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.addr, 0)
        super().init_poolmanager(*args, **kwargs)


ADDRS = (f"127.1.{i // 250}.{i % 250 + 2}" for i in range(10000))


def login_seconds(gh, username, password="wrong password"):
    """One failed sign-in from a fresh address; the seconds the POST took."""
    s = requests.Session()
    s.mount("http://", FromAddress(next(ADDRS)))
    _, page = gh.authorize(session=s, challenge=pkce_pair()[1])
    assert page.status_code == 200, page.text[:300]
    fields = form_fields(page.text)
    fields.update(username=username, password=password)
    t = time.perf_counter()
    r = s.post(gh.issuer + "/login", data=fields, allow_redirects=False, timeout=60)
    took = time.perf_counter() - t
    s.close()
    assert r.status_code == 401, (r.status_code, r.text[:300])
    return took


def add_heavy(gh, name):
    gh.cli("user", "add", "--username", name, "--password-stdin", "--argon2-t", "3",
           "--argon2-m", "131072", stdin=PASSWORD)


def median_ms(xs):
    return statistics.median(xs) * 1000


def paired_ratio(gh, unknown_names, user_names):
    """Median over back-to-back pairs of (unknown user) / (wrong password of
    a user): each pair shares the machine's load of the moment."""
    ratios = []
    for unknown, user in zip(unknown_names, user_names):
        u = login_seconds(gh, unknown)
        ratios.append(u / login_seconds(gh, user))
    return statistics.median(ratios)


def test_unknown_user_costs_as_much_as_the_costliest_user(gh):
    """The dummy hash for unknown user names used the default argon2id
    parameters, so users with costlier parameters were told apart by
    timing (0.03 s against 0.5 s)."""
    gh.setup()
    for i in range(5):
        add_heavy(gh, f"heavy{i}")
    gh.start("--login-max-failures", "1000", api=False)
    login_seconds(gh, "nobody-warmup")  # warm-up, not measured
    default = median_ms([login_seconds(gh, "alice") for _ in range(3)])
    heavy = median_ms([login_seconds(gh, f"heavy{i}") for i in range(2)])
    ratio = paired_ratio(gh, [f"nobody-{i}" for i in range(3)], [f"heavy{i}" for i in range(2, 5)])
    print(f"\n[timing] default user {default:.0f} ms, heavy user {heavy:.0f} ms, "
          f"unknown/heavy {ratio:.2f}")
    assert heavy > 2 * default, "the heavy parameters should cost visibly more"
    # before: about 0.1 (the default parameters)
    assert 0.5 < ratio < 2, ratio


def test_dummy_cost_follows_the_users_of_a_running_server(gh):
    gh.setup()
    for i in range(5):
        gh.cli("user", "add", "--username", f"plain{i}", "--password-stdin", stdin=PASSWORD)
    gh.start("--login-max-failures", "1000", api=False)
    login_seconds(gh, "nobody-warmup")
    before = paired_ratio(gh, [f"nobody-a{i}" for i in range(3)], ["alice", "plain0", "plain1"])
    for i in range(3):
        add_heavy(gh, f"heavy{i}")
    time.sleep(1.2)  # servers look at the store's revision at most once a second
    login_seconds(gh, "nobody-b")
    after = paired_ratio(gh, [f"nobody-c{i}" for i in range(3)], [f"heavy{i}" for i in range(3)])
    # and cheap again once the costly users are gone
    for i in range(3):
        gh.cli("user", "remove", "--username", f"heavy{i}")
    time.sleep(1.2)
    login_seconds(gh, "nobody-d")
    again = paired_ratio(gh, [f"nobody-e{i}" for i in range(3)], ["plain2", "plain3", "plain4"])
    print(f"\n[timing] unknown/costliest user: before {before:.2f}, with heavy users "
          f"{after:.2f}, after their removal {again:.2f}")
    assert 0.5 < before < 2 and 0.5 < after < 2 and 0.5 < again < 2, (before, after, again)


def test_schema_3_database_is_migrated(gh):
    """A database of schema 3 (before sessions were bound to their users)
    gets the user's argon2id parameters read from the hashes and sessions
    bound to users by `init`."""
    gh.setup()
    add_heavy(gh, "heavy")
    drop = ["DROP INDEX user_cost", "DROP INDEX browser_session_sub",
            "ALTER TABLE browser_session DROP COLUMN user_stamp"]
    drop += [f'ALTER TABLE "user" DROP COLUMN argon2_{c}' for c in "tmp"]
    # and what later versions added (5: trace step facts, 6: remembered consent,
    # 7: clients' grant types, 8: logout URIs and the back-channel logout queue, 9: DPoP,
    # 10: registration and resources, 11: one-time codes, 12: sign-in methods, 13: passkeys,
    # 14: the purge's indexes)
    drop += ["ALTER TABLE trace_step DROP COLUMN attrs", "DROP TABLE consent",
             "ALTER TABLE client DROP COLUMN grant_types"]
    drop += ["ALTER TABLE client DROP COLUMN post_logout_uris",
             "ALTER TABLE client DROP COLUMN backchannel_logout_uri", "DROP TABLE bcl_queue",
             "DROP INDEX browser_session_sid"]
    drop += ["DROP TABLE dpop_jti", "ALTER TABLE auth_code DROP COLUMN dpop_jkt",
             "ALTER TABLE family DROP COLUMN dpop_jkt", "ALTER TABLE client DROP COLUMN dpop_bound"]
    drop += [f"DROP TABLE {t}" for t in ("client_reg", "initial_access_token", "resource",
                                         "grant_resource")]
    drop += ["DROP TABLE user_mfa", "DROP TABLE recovery_code"]
    drop += [f"ALTER TABLE {t} DROP COLUMN amr" for t in ("browser_session", "auth_code", "family")]
    drop += ["ALTER TABLE client DROP COLUMN require_mfa"]
    drop += ["DROP TABLE webauthn_credential", "DROP TABLE webauthn_challenge"]
    drop += ["DROP INDEX refresh_token_spent", "DROP INDEX family_revoked",
             "DROP INDEX login_failure_last"]
    if gh.sqlite_path():
        drop += ["DROP INDEX browser_session_expires", "DROP INDEX revoked_jti_expires"]
    drop += ["PRAGMA user_version = 3" if gh.sqlite_path() else
             "UPDATE gh_schema SET version = 3"]
    for statement in drop:
        sql(gh, statement)
    r = gh.cli("client", "list", check=False)
    assert r.returncode == 1 and "init" in r.stderr, (r.returncode, r.stderr)
    gh.cli("init", "--issuer", gh.issuer)
    rows = sql(gh, 'SELECT username, argon2_t, argon2_m, argon2_p FROM "user" ORDER BY username')
    assert [tuple(str(v) for v in row) for row in rows] == [
        ("alice", "2", "19456", "1"), ("heavy", "3", "131072", "1")], rows
    gh.start(api=False)
    signed_in_browser(gh)


# ---- client secrets ----

def test_generate_secret_prints_a_256_bit_secret_once(gh):
    gh.setup()
    r = gh.cli("client", "add", "--id", "svc", "--generate-secret", "--scope", "api")
    m = re.search(r"^client_secret ([A-Za-z0-9_-]+)$", r.stdout, re.M)
    assert m, r.stdout
    secret = m.group(1)
    assert len(secret) == 43 and len(base64.urlsafe_b64decode(secret + "=")) == 32
    assert secret not in gh.cli("client", "show", "--id", "svc").stdout
    gh.start(api=False)
    r = gh.token({"grant_type": "client_credentials", "scope": "api"}, auth=("svc", secret))
    assert r.status_code == 200, r.text
    # a new one on update; the old one stops working
    out = gh.cli("client", "update", "--id", "svc", "--generate-secret").stdout
    new = re.search(r"^client_secret ([A-Za-z0-9_-]+)$", out, re.M).group(1)
    assert new != secret
    assert eventually(lambda: gh.token({"grant_type": "client_credentials"},
                                       auth=("svc", secret)).status_code == 401)
    assert gh.token({"grant_type": "client_credentials"}, auth=("svc", new)).status_code == 200


def test_generate_secret_usage(gh):
    gh.setup()
    for extra in (["--public"], ["--secret-stdin"]):
        r = gh.cli("client", "add", "--id", "x", "--generate-secret", "--redirect-uri",
                   f"{gh.app}/x", *extra, stdin="a" * 40, check=False)
        assert r.returncode == 2, (extra, r.returncode, r.stderr)
        one_line_error(r)
    r = gh.cli("client", "update", "--id", "spa", "--generate-secret", check=False)
    assert r.returncode == 2 and "public" in r.stderr, r.stderr


def test_low_entropy_secrets_refused(gh):
    gh.setup()
    weak = ["x" * 40, "ab" * 20, "secret12" * 5, "abcdefghijklmnopqrstuvwxyz0123456789",
            "passwordpasswordpasswordpassword1"]
    for i, secret in enumerate(weak):
        r = gh.cli("client", "add", "--id", f"weak{i}", "--secret-stdin", stdin=secret,
                   check=False)
        assert r.returncode == 1, (secret, r.returncode, r.stderr)
        one_line_error(r, "secret")
        assert "--generate-secret" in r.stderr
    listed = gh.cli("client", "list").stdout
    assert "weak" not in listed
    r = gh.cli("client", "update", "--id", "backend", "--secret-stdin", stdin="z" * 64,
               check=False)
    assert r.returncode == 1
    # random secrets of the usual shapes pass: hex, base64url, decimal digits
    good = [os.urandom(32).hex(), base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("="),
            "".join(str(b % 10) for b in os.urandom(40)), BACKEND_SECRET]
    for i, secret in enumerate(good):
        gh.cli("client", "add", "--id", f"good{i}", "--secret-stdin", stdin=secret)
