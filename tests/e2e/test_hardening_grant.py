"""Hardening of the grants (docs/security.md 4.14, 2.3): the reuse grace
window never forks a refresh-token family, a replayed authorization code
revokes only when its own client replays it, and a granted scope is always
a subset of the client's current registration, on refresh too. Each test
failed against the server before its rule; the real binary, both
databases."""
import json
import threading
import time

import requests
from jwcrypto import jwt

from conftest import BACKEND_SECRET, eventually, pkce_pair

BACKEND = ("backend", BACKEND_SECRET)
INACTIVE = {"active": False}


def ok(r):
    assert r.status_code == 200, (r.status_code, r.text)
    return r.json()


def error(r, code, *words):
    assert r.status_code in (400, 401), (r.status_code, r.text)
    body = r.json()
    assert body["error"] == code, body
    for w in words:
        assert w in body.get("error_description", ""), body
    return body


def scope_claim(access_token):
    return json.loads(jwt.JWT(jwt=access_token).token.objects["payload"])["scope"]


def exchange(gh, code, verifier, client="spa", auth=None, redirect=None):
    data = {"grant_type": "authorization_code", "code": code, "code_verifier": verifier,
            "redirect_uri": redirect or f"{gh.app}/callback"}
    if auth is None:
        data["client_id"] = client
    return gh.token(data, auth=auth)


def grace_server(gh, seconds):
    gh.setup()
    gh.start("--refresh-reuse-grace", str(seconds))
    return gh


# ---- the reuse grace window never forks a family ----

def test_grace_replays_return_the_same_successor(gh):
    grace_server(gh, 30)
    t = gh.tokens()
    rt0 = t["refresh_token"]
    first = ok(gh.refresh(rt0))
    rt1 = first["refresh_token"]
    seen_at = {t["access_token"], first["access_token"]}
    # five presentations of the previous token inside the window: each one
    # answers with the SAME successor and a fresh access token
    for i in range(5):
        again = ok(gh.refresh(rt0))
        assert again["refresh_token"] == rt1, f"replay {i} forked the family"
        assert again["access_token"] not in seen_at
        seen_at.add(again["access_token"])
        assert gh.introspect(again["access_token"]).json()["active"] is True
    # one chain: the successor still works, exactly once
    second = ok(gh.refresh(rt1))
    rt2 = second["refresh_token"]
    assert rt2 != rt1
    # ... and its own previous token (rt1) now answers with rt2, not a sibling
    assert ok(gh.refresh(rt1))["refresh_token"] == rt2
    ok(gh.refresh(rt2))


def test_old_token_after_the_successor_moved_on_is_reuse(gh):
    grace_server(gh, 30)
    t = gh.tokens()
    rt0 = t["refresh_token"]
    rt1 = ok(gh.refresh(rt0))["refresh_token"]
    n2 = ok(gh.refresh(rt1))
    rt2 = n2["refresh_token"]
    # inside the window, but the family moved on past rt1: presenting rt0
    # again could only start a second branch, so it is reuse
    error(gh.refresh(rt0), "invalid_grant", "already used")
    error(gh.refresh(rt2), "invalid_grant")
    assert gh.introspect(n2["access_token"]).json() == INACTIVE
    assert gh.introspect(t["access_token"]).json() == INACTIVE


def test_old_token_after_the_window_is_reuse(gh):
    grace_server(gh, 1)
    rt0 = gh.tokens()["refresh_token"]
    rt1 = ok(gh.refresh(rt0))["refresh_token"]
    assert ok(gh.refresh(rt0))["refresh_token"] == rt1
    time.sleep(2.2)  # the server counts whole seconds
    error(gh.refresh(rt0), "invalid_grant", "already used")
    error(gh.refresh(rt1), "invalid_grant")
    assert gh.introspect(rt1).json() == INACTIVE


def race(n, fn):
    """Runs fn(i) on n threads released at once; the results in order."""
    out = [None] * n
    go = threading.Barrier(n)

    def run(i):
        go.wait()
        out[i] = fn(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    return out


def test_racing_presentations_make_one_branch(gh):
    grace_server(gh, 30)
    rt0 = gh.tokens()["refresh_token"]
    # twelve clients (tabs) refresh with the same token at once: one rotation
    # wins, every other one is inside the window and gets the same successor
    rs = race(12, lambda i: requests.post(gh.issuer + "/token", data={
        "grant_type": "refresh_token", "refresh_token": rt0, "client_id": "spa"}))
    assert all(r.status_code == 200 for r in rs), [r.text for r in rs if r.status_code != 200]
    successors = {r.json()["refresh_token"] for r in rs}
    assert len(successors) == 1, f"{len(successors)} branches"
    rt1 = successors.pop()
    # and they race again, the old token and the new one mixed: still one chain
    rs = race(12, lambda i: requests.post(gh.issuer + "/token", data={
        "grant_type": "refresh_token", "refresh_token": rt0 if i % 2 else rt1,
        "client_id": "spa"}))
    good = {r.json()["refresh_token"] for r in rs if r.status_code == 200}
    assert len(good - {rt1}) <= 1, good
    # whatever the interleaving, the family has at most one live token
    live = [rt for rt in good | {rt1} if gh.introspect(rt).json().get("active")]
    assert len(live) <= 1, live


# ---- a replayed code revokes only when its own client replays it ----

def test_code_replay_by_another_client_changes_nothing(server):
    code, verifier, redirect = server.code_flow()
    victim = ok(exchange(server, code, verifier))
    # someone who learnt the used code replays it under another public
    # client, as the confidential client, and as spa without the verifier
    error(exchange(server, code, verifier, client="trusted-spa"), "invalid_grant")
    error(exchange(server, code, verifier, auth=BACKEND), "invalid_grant")
    other_verifier, _ = pkce_pair()
    error(exchange(server, code, other_verifier), "invalid_grant")
    error(exchange(server, code, verifier, redirect=f"{server.app}/cb"), "invalid_grant")
    # the victim's grant is untouched
    assert server.introspect(victim["access_token"]).json()["active"] is True
    rt = ok(server.refresh(victim["refresh_token"]))["refresh_token"]
    # the code's own client replaying it (a stolen code used first): revoked
    error(exchange(server, code, verifier), "invalid_grant", "revoked")
    error(server.refresh(rt), "invalid_grant")
    assert server.introspect(victim["access_token"]).json() == INACTIVE


# ---- a granted scope stays within the client's current registration ----

def update_scope(gh, scope, removed):
    """Changes spa's registered scope and waits until the server serves the
    change: /authorize then refuses the removed scope (it consumes nothing,
    unlike a refresh)."""
    gh.cli("client", "update", "--id", "spa", "--scope", scope)

    def refused():
        _, r = gh.authorize(scope=removed, challenge=pkce_pair()[1])
        return r.status_code in (302, 303) and "error=invalid_scope" in r.headers["Location"]
    assert eventually(refused, timeout=5), "the server did not see the new scope"


def test_refresh_drops_a_scope_removed_from_the_client(server):
    t = server.tokens(scope="openid api")
    update_scope(server, "openid profile", "api")
    # omitted scope = the granted scope (RFC 6749 6), narrowed to what spa
    # may still have; the response says so (RFC 6749 3.3)
    n = ok(server.refresh(t["refresh_token"]))
    assert n["scope"] == "openid", n
    assert scope_claim(n["access_token"]) == "openid"
    # asking for the removed scope by name is refused, never truncated
    error(server.refresh(n["refresh_token"], scope="openid api"), "invalid_scope")
    error(server.refresh(n["refresh_token"], scope="api"), "invalid_scope")
    n2 = ok(server.refresh(n["refresh_token"], scope="openid"))
    assert n2["scope"] == "openid"


def test_refresh_with_nothing_left_is_invalid_scope(server):
    t = server.tokens(scope="api")
    update_scope(server, "openid profile", "api")
    error(server.refresh(t["refresh_token"]), "invalid_scope")
    # refused before anything was written: the token was not consumed
    assert server.introspect(t["refresh_token"]).json()["active"] is True


def test_code_exchange_drops_a_scope_removed_meanwhile(server):
    code, verifier, _ = server.code_flow(scope="openid api")
    update_scope(server, "openid profile", "api")
    body = ok(exchange(server, code, verifier))
    assert body["scope"] == "openid"
    assert scope_claim(body["access_token"]) == "openid"
    n = ok(server.refresh(body["refresh_token"]))
    assert n["scope"] == "openid"
