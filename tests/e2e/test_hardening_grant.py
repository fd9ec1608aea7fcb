"""Hardening of the grants (docs/security.md 4.14, 2.3): a replayed
authorization code revokes only when its own client replays it, and a
granted scope is always a subset of the client's current registration, on
refresh too. Each test failed against the server before its rule; the real
binary, both databases."""
import json

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
