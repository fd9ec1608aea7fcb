"""Hardening of the grants (docs/security.md 4.14): a replayed
authorization code revokes only when its own client replays it. Each test
failed against the server before its rule; the real binary, both
databases."""
from conftest import BACKEND_SECRET, pkce_pair

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


def exchange(gh, code, verifier, client="spa", auth=None, redirect=None):
    data = {"grant_type": "authorization_code", "code": code, "code_verifier": verifier,
            "redirect_uri": redirect or f"{gh.app}/callback"}
    if auth is None:
        data["client_id"] = client
    return gh.token(data, auth=auth)


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
