"""The flow recorder (serve --trace) under hostile or heavy use: at most
--trace-keep flows are kept however many authorization requests arrive; a
flow id is believed only under the sign-in and consent forms' CSRF MAC; and
a failed flow is continued only by its own user's next sign-in, never by
the next user of the same client."""
import re
import sqlite3
import subprocess

import requests

from conftest import PASSWORD, eventually, form_fields, pkce_pair, query_of


def flows(gh):
    """`trace list` as [{id, client, user, steps, outcome}], oldest first."""
    out = gh.cli("trace", "list").stdout
    return [dict(id=m[0], client=m[1], user=m[2], steps=int(m[3]), outcome=m[4])
            for m in re.findall(r"^(\S+)\s+\S+\s+client=(\S+)\s+user=(\S+)\s+steps=(\d+)\s+"
                                r"outcome=(.*)$", out, re.M)]


def sql(gh, query):
    """Rows of a query on the server's database, either backend."""
    path = gh.sqlite_path()
    if path is not None:
        with sqlite3.connect(path) as con:
            return con.execute(query).fetchall()
    out = subprocess.run(["psql", gh.db, "-Atc", query], capture_output=True, text=True,
                         check=True).stdout
    return [tuple(line.split("|")) for line in out.splitlines()]


def export(gh, flow):
    return gh.cli("trace", "export", "--format", "mermaid", "--no-timings", "--flow",
                  flow).stdout


def add_bob(gh):
    gh.cli("user", "add", "--username", "bob", "--password-stdin", stdin=PASSWORD)


def sign_in(gh, browser, username="alice"):
    """Authorization request, sign-in (unless the browser still has a
    session), consent and code exchange; the token response."""
    verifier, challenge = pkce_pair()
    _, page = gh.authorize(session=browser, challenge=challenge)
    if page.status_code in (302, 303):  # signed in, consent remembered
        r = page
    elif 'action="/login"' in page.text:
        r = gh.login(browser, page, username=username)
    else:
        r = browser.post(gh.issuer + "/consent", data=dict(form_fields(page.text),
                                                           decision="allow"),
                         allow_redirects=False)
    assert r.status_code in (302, 303), r.text
    code = query_of(r.headers["Location"])["code"]
    t = gh.token({"grant_type": "authorization_code", "code": code, "client_id": "spa",
                  "redirect_uri": f"{gh.app}/callback", "code_verifier": verifier})
    assert t.status_code == 200, t.text
    return t.json()


# ---- --trace-keep ----

def test_trace_keeps_at_most_trace_keep_flows(gh):
    gh.setup()
    gh.start("--trace", "--trace-keep", "5")
    for _ in range(2):
        for _ in range(30):  # anonymous authorization requests, a flow each
            assert gh.authorize(challenge=pkce_pair()[1])[1].status_code == 200
        assert eventually(lambda: len(flows(gh)) == 5), len(flows(gh))
    # a signed-in flow, the newest, is among them
    sign_in(gh, requests.Session())
    assert eventually(lambda: [f for f in flows(gh) if f["user"] == "alice"])
    assert len(flows(gh)) == 5
    # no steps of dropped flows stay behind
    kept = {f["id"] for f in flows(gh)}
    assert {r[0] for r in sql(gh, "SELECT DISTINCT flow_id FROM trace_step")} <= kept
    gh.stop()
    assert len(flows(gh)) == 5


def test_trace_keep_defaults_to_200_while_serving(gh):
    gh.setup()
    gh.start("--trace")
    s = requests.Session()
    for _ in range(210):
        assert gh.authorize(session=s, challenge=pkce_pair()[1])[1].status_code == 200
    assert eventually(lambda: len(flows(gh)) == 200), len(flows(gh))


def test_trace_keep_is_a_bounded_setting(gh):
    gh.setup()
    for bad in ("0", "-1", "many"):
        r = gh.cli("serve", "--trace", "--trace-keep", bad, check=False)
        assert r.returncode == 2 and "trace-keep" in r.stderr, r.stderr


# ---- flow ids under the forms' MAC ----

def test_forged_flow_id_in_the_forms_is_refused(gh):
    gh.setup()
    add_bob(gh)
    gh.start("--trace")
    sign_in(gh, requests.Session(), "alice")
    victim = eventually(lambda: [f for f in flows(gh) if f["user"] == "alice"])[0]
    gh.stop()  # every step written
    before = next(f for f in flows(gh) if f["id"] == victim["id"])
    gh.start("--trace")
    # bob's own authorization request, its sign-in form posted with alice's flow id
    bob = requests.Session()
    _, page = gh.authorize(session=bob, challenge=pkce_pair()[1])
    fields = form_fields(page.text)
    own = fields["flow"]
    assert own and own != victim["id"]
    r = bob.post(gh.issuer + "/login",
                 data=dict(fields, flow=victim["id"], username="bob", password=PASSWORD),
                 allow_redirects=False)
    assert r.status_code == 403 and "code=" not in r.headers.get("Location", "")
    assert victim["id"] not in r.text
    # the same form with its own flow id signs in; the consent form is bound too
    r = bob.post(gh.issuer + "/login",
                 data=dict(fields, username="bob", password=PASSWORD), allow_redirects=False)
    assert r.status_code == 200 and 'action="/consent"' in r.text, r.text
    consent = form_fields(r.text)
    assert consent["flow"] == own
    r = bob.post(gh.issuer + "/consent", data=dict(consent, flow=victim["id"], decision="allow"),
                 allow_redirects=False)
    assert r.status_code == 403 and "code=" not in r.headers.get("Location", "")
    r = bob.post(gh.issuer + "/consent", data=dict(consent, decision="allow"),
                 allow_redirects=False)
    assert r.status_code in (302, 303) and "code=" in r.headers["Location"]
    gh.stop()
    after = {f["id"]: f for f in flows(gh)}
    assert after[victim["id"]] == before  # nothing of bob's in alice's flow
    assert after[own]["steps"] > 0


def test_flow_id_in_the_authorization_request_is_ignored(gh):
    gh.setup()
    gh.start()  # not tracing: still no flow id is taken from the request
    verifier, challenge = pkce_pair()
    s, page = gh.authorize(challenge=challenge, extra={"flow": "attacker-chosen-flow-id"})
    assert "attacker-chosen" not in page.text
    r = gh.login(s, page)
    code = query_of(r.headers["Location"])["code"]
    t = gh.token({"grant_type": "authorization_code", "code": code, "client_id": "spa",
                  "redirect_uri": f"{gh.app}/callback", "code_verifier": verifier})
    assert t.status_code == 200, t.text
    assert sql(gh, "SELECT flow_id FROM family") == [("",)] or \
        sql(gh, "SELECT flow_id FROM family") == [(None,)]


# ---- a failed flow belongs to its user ----

def test_failed_flow_is_not_carried_into_the_next_users_flow(gh):
    gh.setup()
    add_bob(gh)
    gh.start("--trace")
    alice = requests.Session()
    rt = sign_in(gh, alice, "alice")["refresh_token"]
    assert gh.refresh(rt).status_code == 200
    assert gh.refresh(rt).status_code == 400  # reuse: alice's flow fails
    assert eventually(lambda: [f for f in flows(gh) if f["outcome"] == "refresh token reused"])
    # bob, in another browser, signs in to the same client: a flow of his own
    sign_in(gh, requests.Session(), "bob")
    got = eventually(lambda: len(flows(gh)) == 2 and flows(gh))
    assert got, flows(gh)
    users = {f["user"]: f for f in got}
    assert set(users) == {"alice", "bob"}, got
    bob_flow = export(gh, users["bob"]["id"])
    assert "reused" not in bob_flow and "alt" not in bob_flow
    # alice, signing in again from her browser, continues her failed flow
    sign_in(gh, alice, "alice")
    gh.stop()
    got = flows(gh)
    assert len(got) == 2, got
    alice_flow = export(gh, users["alice"]["id"])
    assert "refresh token reused" in alice_flow
    assert alice_flow.count("GET /authorize") == 2
    assert export(gh, users["bob"]["id"]).count("GET /authorize") == 1
