"""Refresh-token rotation (RFC 6749 6, RFC 9700 4.14), families, reuse detection, expiry,
revocation (RFC 7009), introspection (RFC 7662) and CORS on the token
endpoint, against the real binary and a real database file."""
import json
import math
import time

import pytest
import requests
from jwcrypto import jwt

from conftest import BACKEND_SECRET

BACKEND = ("backend", BACKEND_SECRET)
INACTIVE = {"active": False}


def ok(r):
    assert r.status_code == 200, (r.status_code, r.text)
    body = r.json()
    assert {"access_token", "token_type", "expires_in", "refresh_token", "scope"} <= set(body)
    return body


def invalid_grant(r, *words):
    assert r.status_code == 400, (r.status_code, r.text)
    body = r.json()
    assert body["error"] == "invalid_grant", body
    for w in words:
        assert w in body.get("error_description", ""), body
    return body


def claims(access_token):
    return json.loads(jwt.JWT(jwt=access_token).token.objects["payload"])


def wait_whole_seconds(since, seconds):
    """Sleeps until at least `seconds` whole seconds of server time (which
    counts in whole seconds) have passed since the wall-clock time `since`."""
    until = math.floor(since) + seconds + 1.05
    time.sleep(max(0.0, until - time.time()))


# ---- rotation and reuse ----

def test_rotation_three_times_each_old_token_dies(server):
    t = server.tokens()
    chain = [t["refresh_token"]]
    for _ in range(3):
        n = ok(server.refresh(chain[-1]))
        assert n["refresh_token"] not in chain
        assert n["scope"] == "openid api"
        chain.append(n["refresh_token"])
    # every token except the newest is dead; presenting the newest still works
    assert len(set(chain)) == 4
    for rt in chain[:3]:
        assert server.introspect(rt).json() == INACTIVE
    assert server.introspect(chain[3]).json()["active"] is True
    rt4 = ok(server.refresh(chain[3]))["refresh_token"]
    # presenting any of them again is refused
    invalid_grant(server.refresh(chain[2]), "already used")
    invalid_grant(server.refresh(rt4))


def test_reuse_revokes_the_family(server):
    t = server.tokens()
    rt0 = t["refresh_token"]
    rt1 = ok(server.refresh(rt0))["refresh_token"]
    n2 = ok(server.refresh(rt1))
    rt2, at2 = n2["refresh_token"], n2["access_token"]
    # an attacker (or a buggy client) replays rt0
    invalid_grant(server.refresh(rt0), "already used")
    # the newest token of the family dies too, and so do its access tokens
    invalid_grant(server.refresh(rt2))
    assert server.introspect(rt2).json() == INACTIVE
    assert server.introspect(at2).json() == INACTIVE
    assert server.introspect(t["access_token"]).json() == INACTIVE
    # another grant of the same user is untouched
    other = server.tokens()
    ok(server.refresh(other["refresh_token"]))


def test_grace_window(gh):
    gh.setup()
    gh.start("--refresh-reuse-grace", "5")
    rt0 = gh.tokens()["refresh_token"]
    n1 = ok(gh.refresh(rt0))
    t_rot = time.time()
    rt1 = n1["refresh_token"]
    # Within the window the previous token may be presented again (two tabs
    # refreshing at once, or a response lost on the way). It answers 200 with
    # a NEW access token and the SAME successor refresh token (the family is
    # never forked); that token (rt1) keeps working, nothing is revoked.
    n1b = ok(gh.refresh(rt0))
    assert n1b["refresh_token"] == rt1
    assert n1b["access_token"] != n1["access_token"]
    assert gh.introspect(rt1).json()["active"] is True
    n2 = ok(gh.refresh(rt1))
    rt2 = n2["refresh_token"]
    # outside the window the same replay is theft: the whole family is revoked
    wait_whole_seconds(t_rot, 5)
    invalid_grant(gh.refresh(rt0), "already used")
    invalid_grant(gh.refresh(rt2))
    assert gh.introspect(n2["access_token"]).json() == INACTIVE


def test_grace_window_off_by_default(server):
    rt0 = server.tokens()["refresh_token"]
    rt1 = ok(server.refresh(rt0))["refresh_token"]
    invalid_grant(server.refresh(rt0), "already used")
    invalid_grant(server.refresh(rt1))


# ---- expiry ----

def test_absolute_expiry(gh):
    gh.setup()
    gh.start("--refresh-ttl", "2")
    t0 = time.time()
    t = gh.tokens()
    # rotation does not extend the family's absolute lifetime
    rt = ok(gh.refresh(t["refresh_token"]))["refresh_token"]
    wait_whole_seconds(t0, 2)
    body = invalid_grant(gh.refresh(rt), "expired")
    assert "already used" not in body["error_description"]
    assert gh.introspect(rt).json() == INACTIVE


def test_idle_expiry(gh):
    gh.setup()
    gh.start("--refresh-idle-ttl", "2")
    rt = gh.tokens()["refresh_token"]
    # used every second, the family outlives the idle limit ...
    t_end = time.time() + 2.5
    while time.time() < t_end:
        time.sleep(0.8)
        rt = ok(gh.refresh(rt))["refresh_token"]
        t_last = time.time()
    # ... and left unused, it expires
    wait_whole_seconds(t_last, 2)
    body = invalid_grant(gh.refresh(rt), "expired")
    assert "already used" not in body["error_description"]


# ---- scope and client binding ----

def test_scope_narrowing(server):
    t = server.tokens(scope="openid api")
    n = ok(server.refresh(t["refresh_token"], scope="api"))
    assert n["scope"] == "api"
    assert claims(n["access_token"])["scope"] == "api"
    # omitted scope = the originally granted scope (RFC 6749 6)
    n2 = ok(server.refresh(n["refresh_token"]))
    assert set(n2["scope"].split()) <= {"openid", "api"}


def test_scope_widening_invalid_scope(server):
    t = server.tokens(scope="openid api")
    rt = t["refresh_token"]
    # admin is registered for spa but was not granted
    r = server.refresh(rt, scope="openid api admin")
    assert r.status_code == 400 and r.json()["error"] == "invalid_scope"
    r = server.refresh(rt, scope="profile")
    assert r.status_code == 400 and r.json()["error"] == "invalid_scope"
    # a rejected request does not consume the token
    ok(server.refresh(rt))


def test_refresh_with_wrong_client(server):
    t = server.tokens()
    invalid_grant(server.refresh(t["refresh_token"], client="trusted-spa"))
    r = server.token({"grant_type": "refresh_token", "refresh_token": t["refresh_token"]},
                     auth=BACKEND)
    invalid_grant(r)
    # a public client cannot pass itself off as the confidential one
    r = server.token({"grant_type": "refresh_token", "refresh_token": t["refresh_token"],
                      "client_id": "backend"})
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"


def test_unknown_refresh_token(server):
    invalid_grant(server.refresh("A" * 43))
    r = server.token({"grant_type": "refresh_token", "client_id": "spa"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"


def test_code_replay_revokes_the_family(server):
    code, verifier, redirect = server.code_flow()
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect,
            "client_id": "spa", "code_verifier": verifier}
    t = ok(server.token(data))
    rt1 = ok(server.refresh(t["refresh_token"]))["refresh_token"]
    invalid_grant(server.token(data))
    invalid_grant(server.refresh(rt1))
    assert server.introspect(t["access_token"]).json() == INACTIVE


# ---- revocation (RFC 7009) ----

def test_revoke_refresh_token_kills_family(server):
    t = server.tokens()
    n = ok(server.refresh(t["refresh_token"]))
    r = server.revoke(n["refresh_token"], token_type_hint="refresh_token")
    assert r.status_code == 200
    invalid_grant(server.refresh(n["refresh_token"]))
    assert server.introspect(n["refresh_token"]).json() == INACTIVE
    assert server.introspect(n["access_token"]).json() == INACTIVE
    # revoking again is fine
    assert server.revoke(n["refresh_token"]).status_code == 200


def test_revoke_without_hint_and_by_confidential_client(server):
    t = server.tokens()
    assert server.revoke(t["refresh_token"]).status_code == 200
    invalid_grant(server.refresh(t["refresh_token"]))
    # the confidential client authenticates to revoke its own tokens
    at = server.token({"grant_type": "client_credentials", "scope": "api"},
                      auth=BACKEND).json()["access_token"]
    assert server.introspect(at).json()["active"] is True
    r = server.revoke(at, auth=BACKEND, token_type_hint="access_token")
    assert r.status_code == 200
    assert server.introspect(at).json() == INACTIVE
    # a wrong secret is refused
    r = server.revoke(at, auth=("backend", "wrong" * 8))
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"


def test_revoke_access_token_introspection_inactive(server):
    t = server.tokens()
    at = t["access_token"]
    assert server.introspect(at).json()["active"] is True
    r = server.revoke(at, token_type_hint="access_token")
    assert r.status_code == 200
    r = server.introspect(at)
    assert r.status_code == 200
    assert r.json() == INACTIVE


def test_revoke_unknown_token_200(server):
    for tok, hint in (("A" * 43, None), ("nonsense", "refresh_token"),
                      ("eyJhbGciOiJub25lIn0.e30.", "access_token")):
        extra = {"token_type_hint": hint} if hint else {}
        r = server.revoke(tok, **extra)
        assert r.status_code == 200, r.text


def test_revoke_another_clients_token_has_no_effect(server):
    t = server.tokens()
    r = server.revoke(t["refresh_token"], auth=BACKEND)
    assert r.status_code in (200, 400)
    r = server.revoke(t["refresh_token"], client="trusted-spa")
    assert r.status_code in (200, 400)
    r = server.revoke(t["access_token"], auth=BACKEND, token_type_hint="access_token")
    assert r.status_code in (200, 400)
    assert server.introspect(t["access_token"]).json()["active"] is True
    ok(server.refresh(t["refresh_token"]))


def test_revoke_needs_a_client(server):
    t = server.tokens()
    r = requests.post(server.issuer + "/revoke", data={"token": t["refresh_token"]})
    assert r.status_code in (400, 401)
    assert r.json()["error"] in ("invalid_client", "invalid_request")
    ok(server.refresh(t["refresh_token"]))


# ---- introspection (RFC 7662) ----

def test_introspect_requires_confidential_client(server):
    t = server.tokens()
    r = server.introspect(t["access_token"], auth=None, client_id="spa")
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    r = server.introspect(t["access_token"], auth=None)
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    r = server.introspect(t["access_token"], auth=("backend", "wrong" * 8))
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    assert "active" not in r.json()


def test_introspect_active_access_token(server):
    t = server.tokens()
    r = server.introspect(t["access_token"])
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    assert "no-store" in r.headers["Cache-Control"]
    d = r.json()
    c = claims(t["access_token"])
    assert d["active"] is True
    assert d["scope"] == "openid api"
    assert d["client_id"] == "spa"
    assert d["sub"] == "alice"
    assert d["exp"] == c["exp"] and d["iat"] == c["iat"]
    assert d["iss"] == server.issuer
    assert d["aud"] == server.issuer + "/api" or server.issuer + "/api" in d["aud"]
    assert d["token_type"] == "Bearer"
    assert d["jti"] == c["jti"]
    # by post authentication too
    r = server.introspect(t["access_token"], auth=None, client_id="backend",
                          client_secret=BACKEND_SECRET)
    assert r.json()["active"] is True


def test_introspect_refresh_token(server):
    t = server.tokens()
    d = server.introspect(t["refresh_token"], token_type_hint="refresh_token").json()
    assert d["active"] is True
    assert d["token_type"] == "refresh_token"
    assert d["client_id"] == "spa" and d["sub"] == "alice" and d["scope"] == "openid api"
    assert d["exp"] > time.time()
    # without the hint as well
    assert server.introspect(t["refresh_token"]).json()["active"] is True
    # introspection does not consume or rotate it
    ok(server.refresh(t["refresh_token"]))


def test_introspect_inactive_is_exactly_active_false(gh):
    gh.setup()
    gh.start("--access-ttl", "1")
    t = gh.tokens()
    at, rt0 = t["access_token"], t["refresh_token"]
    ok(gh.refresh(rt0))
    forged = at[:-4] + ("AAAA" if not at.endswith("AAAA") else "BBBB")
    for tok, hint in (("garbage", None), ("A" * 43, "refresh_token"), (rt0, None),
                      (forged, "access_token")):
        extra = {"token_type_hint": hint} if hint else {}
        r = gh.introspect(tok, **extra)
        assert r.status_code == 200, (tok, r.text)
        assert r.json() == INACTIVE, (tok, r.text)
    # a request without a token is malformed, not "inactive"
    r = gh.introspect("")
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    # an expired access token
    wait_whole_seconds(claims(at)["exp"] - 1, 1)
    assert gh.introspect(at).json() == INACTIVE


# ---- CORS on /token and /revoke ----

def test_cors_preflight_registered_origin(server):
    for path in ("/token", "/revoke"):
        r = requests.options(server.issuer + path, headers={
            "Origin": server.app, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"})
        assert r.status_code == 204, (path, r.status_code)
        assert r.headers["Access-Control-Allow-Origin"] == server.app
        assert "POST" in r.headers["Access-Control-Allow-Methods"]
        assert "content-type" in r.headers["Access-Control-Allow-Headers"].lower()
        assert "Origin" in r.headers.get("Vary", "")


@pytest.mark.parametrize("origin", ["http://evil.example", "null",
                                    "http://127.0.0.1:1", "{app}.evil.example",
                                    "https://127.0.0.1:{app_port}", "{app}/"])
def test_cors_unregistered_origin_no_acao(server, origin):
    origin = origin.format(app=server.app, app_port=server.app_port)
    r = requests.options(server.issuer + "/token", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in r.headers
    r = server.token({"grant_type": "refresh_token", "refresh_token": "x", "client_id": "spa"},
                     headers={"Origin": origin})
    assert "Access-Control-Allow-Origin" not in r.headers


def test_cors_headers_on_success_and_on_400(server):
    t = server.tokens()
    h = {"Origin": server.app}
    r = server.token({"grant_type": "refresh_token", "refresh_token": t["refresh_token"],
                      "client_id": "spa"}, headers=h)
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == server.app
    # the SPA must be able to read invalid_grant to send the user to sign in
    r = server.token({"grant_type": "refresh_token", "refresh_token": t["refresh_token"],
                      "client_id": "spa"}, headers=h)
    invalid_grant(r)
    assert r.headers["Access-Control-Allow-Origin"] == server.app
    r = requests.post(server.issuer + "/revoke", data={"token": "x", "client_id": "spa"},
                      headers=h)
    assert r.headers["Access-Control-Allow-Origin"] == server.app
    # never a wildcard on the token endpoint, whatever the request
    for resp in (r, server.token({"grant_type": "nope"}, headers=h)):
        assert resp.headers.get("Access-Control-Allow-Origin") != "*"
