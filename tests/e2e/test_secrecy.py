"""Secrecy (docs/security.md): every flow runs with the most verbose log level and
tracing on; then every secret the test saw (passwords, codes, PKCE
verifiers, access and refresh tokens, the client secret, the session and
CSRF cookies and CSRF form tokens) is searched for in the server's whole
log, in every trace record in the database, in `trace export` in all four
formats, and in a dump of every table of the database. None may appear in
full, nor any 12-character piece of it (the recorder may show the first 4
characters of a token, the way the spec allows).
"""
import sqlite3
import subprocess
import urllib.parse

import pytest
import requests

from conftest import BACKEND_SECRET, PASSWORD, form_fields, pkce_pair, query_of, refresh_key

WINDOW = 12
WRONG_PASSWORD = "Tr0ub4dor&3-wrong-guess"


class Secrets:
    def __init__(self):
        self.items = {}  # value -> what it is

    def add(self, what, value):
        if value:
            self.items[value] = what

    def cookies(self, session):
        for c in session.cookies:
            if c.name in ("gh_session", "gh_csrf"):
                self.add(f"cookie {c.name}", c.value)


def pieces(secret):
    """What must not appear: the secret and every WINDOW-character piece of
    it, as sent and as URL-encoded (forms and query strings). For a JWT the
    header segment is left out: it is the same public {"alg","kid","typ"}
    for every token of a key, nothing secret."""
    if secret.count(".") == 2 and secret.startswith("eyJ"):
        secret = secret.split(".", 1)[1]
    out = set()
    for form in {secret, urllib.parse.quote_plus(secret), urllib.parse.quote(secret, safe="")}:
        if len(form) <= WINDOW:
            out.add(form)
        else:
            out.update(form[i:i + WINDOW] for i in range(len(form) - WINDOW + 1))
    return out


def leaks(secrets, where, text):
    found = []
    for value, what in secrets.items.items():
        for piece in pieces(value):
            if piece in text:
                i = text.index(piece)
                around = text[max(0, i - 60):i + 60]
                found.append(f"{what} ({piece!r}) in {where}: ...{around!r}...")
                break
    return found


def browser_flow(gh, sec, client="spa", scope="openid api", redirect=None, wrong_first=False):
    """authorize -> login (-> consent) -> code; records every secret."""
    verifier, challenge = pkce_pair()
    sec.add("PKCE code_verifier", verifier)
    redirect = redirect or f"{gh.app}/callback"
    s, page = gh.authorize(client=client, scope=scope, challenge=challenge, redirect=redirect)
    assert page.status_code == 200, page.text
    sec.cookies(s)
    sec.add("CSRF form token", form_fields(page.text).get("csrf"))
    if wrong_first:  # once only: the third failure from an address waits
        page = gh.login(s, page, password=WRONG_PASSWORD)
        assert page.status_code == 401, page.text
        sec.add("CSRF form token", form_fields(page.text).get("csrf"))
    fields = form_fields(page.text)
    fields.update(username="alice", password=PASSWORD)
    r = s.post(gh.issuer + "/login", data=fields, allow_redirects=False)
    sec.cookies(s)
    if r.status_code == 200 and 'action="/consent"' in r.text:
        sec.add("CSRF form token", form_fields(r.text).get("csrf"))
        fields = form_fields(r.text)
        fields["decision"] = "allow"
        r = s.post(gh.issuer + "/consent", data=fields, allow_redirects=False)
    assert r.status_code in (302, 303), r.text
    code = query_of(r.headers["Location"])["code"]
    sec.add("authorization code", code)
    sec.cookies(s)
    return s, code, verifier, redirect


def exchange(gh, sec, code, verifier, redirect, client="spa"):
    r = gh.token({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect,
                  "client_id": client, "code_verifier": verifier})
    assert r.status_code == 200, r.text
    tok = r.json()
    sec.add("access token", tok["access_token"])
    sec.add("refresh token", tok["refresh_token"])
    return tok


def run_every_flow(gh, sec):
    sec.add("password", PASSWORD)
    sec.add("wrong password", WRONG_PASSWORD)
    sec.add("client secret", BACKEND_SECRET)

    # code flow with consent, API calls, refresh twice, reuse detection
    s, code, verifier, redirect = browser_flow(gh, sec, wrong_first=True)
    tok = exchange(gh, sec, code, verifier, redirect)
    # the code again: replay, which revokes what it issued
    r = gh.token({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect,
                  "client_id": "spa", "code_verifier": verifier})
    assert r.status_code == 400
    s, code, verifier, redirect = browser_flow(gh, sec)
    tok = exchange(gh, sec, code, verifier, redirect)
    bearer = {"Authorization": "Bearer " + tok["access_token"]}
    me = requests.get(gh.api + "/api/me", headers=bearer)
    assert me.status_code == 200, me.text
    adm = requests.get(gh.api + "/api/admin", headers=bearer)
    assert adm.status_code == 403
    bad = requests.get(gh.api + "/api/me",
                       headers={"Authorization": "Bearer " + tok["access_token"][:-4] + "AAAA"})
    assert bad.status_code == 401
    first_rt = tok["refresh_token"]
    rt = first_rt
    for _ in range(2):
        r = gh.refresh(rt)
        assert r.status_code == 200, r.text
        sec.add("access token", r.json()["access_token"])
        sec.add("refresh token", r.json()["refresh_token"])
        rt = r.json()["refresh_token"]
    r = gh.refresh(first_rt)  # reuse: the family is revoked
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    assert gh.refresh(rt).status_code == 400

    # trusted client (no consent), introspection and revocation
    s, code, verifier, redirect = browser_flow(gh, sec, client="trusted-spa",
                                               redirect=f"{gh.app}/cb")
    tok = exchange(gh, sec, code, verifier, redirect, client="trusted-spa")
    r = gh.introspect(tok["refresh_token"])
    assert r.status_code == 200 and r.json()["active"] is True, r.text
    r = gh.introspect(tok["access_token"], auth=None,
                      client_id="backend", client_secret=BACKEND_SECRET)
    assert r.status_code == 200 and r.json()["active"] is True, r.text
    assert gh.introspect(tok["access_token"], auth=("backend", "not-" + BACKEND_SECRET)) \
        .status_code == 401
    assert gh.revoke(tok["refresh_token"], client="trusted-spa").status_code == 200
    assert gh.revoke(tok["access_token"], client="trusted-spa").status_code == 200
    r = gh.introspect(tok["refresh_token"])
    assert r.status_code == 200 and r.json()["active"] is False, r.text

    # client_credentials, basic and post
    r = gh.token({"grant_type": "client_credentials", "scope": "api"},
                 auth=("backend", BACKEND_SECRET))
    assert r.status_code == 200, r.text
    sec.add("access token", r.json()["access_token"])
    r = gh.token({"grant_type": "client_credentials", "client_id": "backend",
                  "client_secret": BACKEND_SECRET})
    assert r.status_code == 200, r.text
    sec.add("access token", r.json()["access_token"])
    r = requests.get(gh.api + "/api/admin",
                     headers={"Authorization": "Bearer " + r.json()["access_token"]})
    assert r.status_code == 200, r.text


def db_dump(gh):
    """Every row of every table, as text (blobs as text and as hex)."""
    path = gh.sqlite_path()
    if path is None:
        r = subprocess.run(["pg_dump", "--data-only", gh.db], capture_output=True, text=True,
                           timeout=60)
        assert r.returncode == 0, r.stderr
        return r.stdout
    out = []
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for t in tables:
            for row in con.execute(f'SELECT * FROM "{t}"'):
                for v in row:
                    if isinstance(v, bytes):
                        out.append(v.decode("latin-1"))
                        out.append(v.hex())
                    else:
                        out.append(str(v))
    finally:
        con.close()
    return "\n".join(out)


def trace_records(gh):
    path = gh.sqlite_path()
    if path is None:
        r = subprocess.run(["psql", gh.db, "-Atc", "SELECT label, note, grp FROM trace_step"],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        return r.stdout
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT label, note, grp FROM trace_step").fetchall()
    finally:
        con.close()
    return "\n".join(" | ".join(str(v) for v in row) for row in rows)


@pytest.mark.parametrize("log_format", ["json", "logfmt"])
def test_no_secret_in_logs_traces_exports_or_database(gh, log_format):
    gh.setup()
    gh.start("--log-level", "debug", "--trace", "--log-format", log_format)
    sec = Secrets()
    run_every_flow(gh, sec)
    gh.stop()

    log = gh.logtext()
    assert log.count("\n") > 20, "the debug log is unexpectedly short:\n" + log
    # one line per request, in the chosen format
    assert ('"path":"/token"' if log_format == "json" else "path=/token") in log, log
    found = leaks(sec, "the server log", log)

    steps = trace_records(gh)
    assert steps.count("\n") > 10, "too few trace records:\n" + steps
    assert "…" in steps  # tokens are shown shortened
    found += leaks(sec, "trace_step records", steps)

    flows = [line.split()[0] for line in gh.cli("trace", "list").stdout.splitlines()
             if line.strip()]
    assert len(flows) >= 3, flows
    for flow in flows:
        for fmt in ("drawio", "svg", "mermaid", "plantuml"):
            out = gh.cli("trace", "export", "--format", fmt, "--flow", flow).stdout
            assert len(out) > 200, (fmt, flow, out)
            found += leaks(sec, f"trace export --format {fmt} --flow {flow}", out)

    dump = db_dump(gh)
    # the dump does reach the token tables: they hold each refresh token's
    # key (issue time + SHA-256 prefix; docs/security.md: stored only as hashes), never
    # the token
    rts = [v for v, what in sec.items.items() if what == "refresh token"]
    assert all(refresh_key(rt).hex() in dump for rt in rts)
    found += leaks(sec, "the database", dump)
    kinds = sorted(set(sec.items.values()))
    print(f"\n[secrecy] {len(sec.items)} secrets ({', '.join(kinds)}) searched in "
          f"{len(log)} bytes of log, {steps.count(chr(10)) + 1} trace records, "
          f"{len(flows)} flows x 4 formats, the database")
    assert not found, "secrets leaked:\n" + "\n".join(found)
    for kind in ("password", "wrong password", "client secret", "authorization code",
                 "PKCE code_verifier", "access token", "refresh token", "cookie gh_session",
                 "cookie gh_csrf", "CSRF form token"):
        assert kind in kinds, f"the test never saw a {kind}"
