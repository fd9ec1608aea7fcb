"""OpenID Connect provider (OIDC Core 1.0, Discovery 1.0): users' profile
claims on the command line, the id_token of the code and refresh grants
(signature against the JWKS, every claim, nonce echo, at_hash, auth_time,
sid), /userinfo (scopes, RFC 6750 errors, revocation, CORS), the OpenID
Provider metadata and cross-origin reads of the public documents."""
import base64
import hashlib
import json
import re
import time

import pytest
import requests
from jwcrypto import jwk, jwt

from conftest import BACKEND_SECRET, PASSWORD, form_fields, gatehouse, pkce_pair, query_of

RP_SCOPE = "openid profile email offline_access api"
ALICE = ["--email", "alice@example.com", "--email-verified", "--name", "Alice Liddell",
         "--given-name", "Alice", "--family-name", "Liddell"]


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def at_hash(token, alg):
    """OIDC Core 3.1.3.6: left half of the hash of alg (SHA-512 for Ed25519)."""
    d = (hashlib.sha512 if alg == "EdDSA" else hashlib.sha256)(token.encode()).digest()
    return b64u(d[:len(d) // 2])


def setup_oidc(g, alg="ES256"):
    g.setup(alg=alg)
    g.cli("user", "update", "--username", "alice", *ALICE)
    # a trusted public client (no consent page) that may ask for every OIDC scope
    g.cli("client", "add", "--id", "rp", "--public", "--trusted", "--redirect-uri",
          f"{g.app}/rp-cb", "--scope", RP_SCOPE)
    return g


@pytest.fixture
def op(gh):
    setup_oidc(gh)
    gh.start()
    return gh


def sign_in(g, scope=RP_SCOPE, nonce=None, session=None, client="rp", redirect=None,
            extra=None):
    """authorize (+ login when the browser has no session); returns the
    browser session, the redirect's query and the PKCE verifier."""
    verifier, challenge = pkce_pair()
    params = dict(extra or {})
    if nonce is not None:
        params["nonce"] = nonce
    s, page = g.authorize(session=session, client=client, scope=scope, challenge=challenge,
                          redirect=redirect or f"{g.app}/rp-cb", extra=params)
    r = page
    if page.status_code == 200:
        r = g.login(s, page)
    assert r.status_code in (302, 303), (r.status_code, r.text[:300])
    return s, query_of(r.headers["Location"]), verifier


def exchange(g, q, verifier, client="rp", redirect=None):
    r = g.token({"grant_type": "authorization_code", "code": q["code"],
                 "redirect_uri": redirect or f"{g.app}/rp-cb", "client_id": client,
                 "code_verifier": verifier})
    assert r.status_code == 200, r.text
    return r.json()


def id_token_claims(g, token, client="rp", alg="ES256"):
    """Verifies an id_token against the JWKS like a relying party (OIDC Core
    3.1.3.7) and returns its header and claims."""
    keys = jwk.JWKSet.from_json(requests.get(g.issuer + "/jwks").text)
    t = jwt.JWT(jwt=token, key=keys, algs=[alg],
                check_claims={"iss": g.issuer, "aud": client, "exp": None})
    return t.token.jose_header, json.loads(t.claims)


def tokens_with_nonce(g, nonce="n-0S6_WzA2Mj", scope=RP_SCOPE):
    s, q, verifier = sign_in(g, scope=scope, nonce=nonce)
    return s, exchange(g, q, verifier)


# ---- users' claims on the command line ----

def test_user_claims_cli(gh):
    gh.cli("init", "--issuer", gh.issuer)
    gh.cli("user", "add", "--username", "alice", "--password-stdin", *ALICE, stdin=PASSWORD)
    out = gh.cli("user", "show", "--username", "alice").stdout
    lines = dict(line.split(" ", 1) for line in out.strip().splitlines())
    assert lines["username"] == "alice" and lines["sub"] == "alice"
    assert lines["email"] == "alice@example.com" and lines["email_verified"] == "true"
    assert lines["name"] == "Alice Liddell"
    assert lines["given_name"] == "Alice" and lines["family_name"] == "Liddell"
    assert "argon2" not in out and "$" not in out  # never the password hash
    # a new address is not verified unless said so
    gh.cli("user", "update", "--username", "alice", "--email", "a@example.org")
    out = gh.cli("user", "show", "--username", "alice").stdout
    assert "email a@example.org\n" in out and "email_verified false\n" in out
    assert "name Alice Liddell\n" in out  # untouched
    gh.cli("user", "update", "--username", "alice", "--email-verified", "--name", "Ålice Ünicode")
    out = gh.cli("user", "show", "--username", "alice").stdout
    assert "email_verified true\n" in out and "name Ålice Ünicode\n" in out
    # an empty value clears a claim
    gh.cli("user", "update", "--username", "alice", "--given-name", "")
    assert "given_name" not in gh.cli("user", "show", "--username", "alice").stdout
    # a user added without claims shows none
    gh.cli("user", "add", "--username", "bob", "--password-stdin", stdin=PASSWORD)
    out = gh.cli("user", "show", "--username", "bob").stdout
    assert "email" not in out and "name" not in out.replace("username", "")


@pytest.mark.parametrize("args,code,msg", [
    (["update", "--username", "nobody", "--name", "X"], 1, "no user 'nobody'"),
    (["show", "--username", "nobody"], 1, "no user 'nobody'"),
    (["update", "--username", "alice"], 2, "needs a claim"),
    (["update", "--username", "alice", "--name", "bad\x01name"], 2, "--name"),
    (["update", "--username", "alice", "--family-name", "x" * 256], 2, "at most 255"),
    (["update", "--username", "alice", "--email", "no-at-sign"], 2, "bad email"),
    (["update", "--username", "alice", "--email", "a@b@c"], 2, "bad email"),
    (["update", "--username", "alice", "--email-verified", "--email-unverified"], 2, "exclude"),
    (["update", "--username", "alice", "--name", b"bad \xff name"], 2, "--name"),  # not UTF-8
    (["remove", "--username", "alice", "--name", "X"], 2, "user add or user update"),
])
def test_user_claims_cli_refusals(gh, args, code, msg):
    gh.cli("init", "--issuer", gh.issuer)
    gh.cli("user", "add", "--username", "alice", "--password-stdin", stdin=PASSWORD)
    r = gh.cli("user", *args, check=False)
    assert r.returncode == code, (r.returncode, r.stderr)
    assert msg in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert gh.cli("user", "show", "--username", "alice").stdout.count("\n") == 3  # unchanged


def test_user_add_email_verified_needs_email(gh):
    gh.cli("init", "--issuer", gh.issuer)
    r = gh.cli("user", "add", "--username", "carol", "--password-stdin", "--email-verified",
               stdin=PASSWORD, check=False)
    assert r.returncode == 2 and "needs an email" in r.stderr
    assert gh.cli("user", "show", "--username", "carol", check=False).returncode == 1


# ---- the id_token ----

@pytest.mark.parametrize("alg", ["ES256", "EdDSA", "RS256"])
def test_id_token_from_code(alg):
    with gatehouse() as g:
        setup_oidc(g, alg=alg)
        g.start()
        t0 = int(time.time())
        s, body = tokens_with_nonce(g)
        assert set(body) >= {"access_token", "id_token", "refresh_token", "scope"}
        hdr, c = id_token_claims(g, body["id_token"], alg=alg)
        assert hdr["typ"] == "JWT" and hdr["alg"] == alg
        assert hdr["kid"] in {k["kid"] for k in requests.get(g.issuer + "/jwks").json()["keys"]}
        assert c["iss"] == g.issuer and c["sub"] == "alice"
        assert c["aud"] == "rp" and c["azp"] == "rp"
        now = time.time()
        assert now - 30 <= c["iat"] <= now + 2 and c["exp"] - c["iat"] == 300
        assert t0 - 2 <= c["auth_time"] <= c["iat"]
        assert c["nonce"] == "n-0S6_WzA2Mj"
        assert c["at_hash"] == at_hash(body["access_token"], alg)
        assert len(c["at_hash"]) == (43 if alg == "EdDSA" else 22)
        assert isinstance(c["sid"], str) and len(c["sid"]) >= 16
        # profile and email claims come from /userinfo, not the id_token
        assert not {"name", "email", "given_name", "preferred_username"} & set(c)


@pytest.mark.parametrize("nonce", ["a", "with space & = ? # / +", 'quote " and \\ back',
                                   "ünïcødé ✓ 🎉", "n" * 255])
def test_nonce_echoed_exactly(op, nonce):
    _, body = tokens_with_nonce(op, nonce=nonce)
    _, c = id_token_claims(op, body["id_token"])
    assert c["nonce"] == nonce


def test_nonce_absent_when_not_sent(op):
    s, q, v = sign_in(op)
    _, c = id_token_claims(op, exchange(op, q, v)["id_token"])
    assert "nonce" not in c


@pytest.mark.parametrize("nonce", ["n" * 256, "x" * 300 + "tail", "line\nbreak", "tab\there"])
def test_nonce_that_does_not_fit_is_refused(op, nonce):
    """Echoed whole or refused: never cut short (OIDC Core 3.1.2.1)."""
    verifier, challenge = pkce_pair()
    _, r = op.authorize(client="rp", scope=RP_SCOPE, challenge=challenge,
                        redirect=f"{op.app}/rp-cb", extra={"nonce": nonce})
    assert r.status_code in (302, 303), r.text[:200]
    q = query_of(r.headers["Location"])
    assert q["error"] == "invalid_request" and "nonce" in q["error_description"]
    assert "code" not in q and q["state"] == "st-123" and q["iss"] == op.issuer


def test_nonce_survives_login_and_consent_forms(op):
    """An untrusted client: the nonce rides the sign-in and consent forms,
    and the CSRF token binds it (a changed nonce is refused)."""
    verifier, challenge = pkce_pair()
    s, page = op.authorize(client="spa", scope="openid profile", challenge=challenge,
                           extra={"nonce": "form-nonce"})
    fields = form_fields(page.text)
    assert fields["nonce"] == "form-nonce"
    fields.update(username="alice", password=PASSWORD)
    r = s.post(op.issuer + "/login", data=fields, allow_redirects=False)
    consent = form_fields(r.text)
    assert consent["nonce"] == "form-nonce"
    forged = dict(consent, decision="allow", nonce="attacker-nonce")
    r = s.post(op.issuer + "/consent", data=forged, allow_redirects=False)
    assert r.status_code == 403
    r = s.post(op.issuer + "/consent", data=dict(consent, decision="allow"),
               allow_redirects=False)
    q = query_of(r.headers["Location"])
    body = exchange(op, q, verifier, client="spa", redirect=f"{op.app}/callback")
    _, c = id_token_claims(op, body["id_token"], client="spa")
    assert c["nonce"] == "form-nonce"


def test_no_openid_no_id_token(op):
    s, q, v = sign_in(op, scope="api offline_access")
    body = exchange(op, q, v)
    assert "id_token" not in body
    r = op.refresh(body["refresh_token"], client="rp")
    assert r.status_code == 200 and "id_token" not in r.json()


def test_refresh_id_token_same_sub_auth_time_sid(op):
    _, body = tokens_with_nonce(op)
    _, first = id_token_claims(op, body["id_token"])
    time.sleep(1.1)
    r = op.refresh(body["refresh_token"], client="rp")
    assert r.status_code == 200, r.text
    new = r.json()
    _, c = id_token_claims(op, new["id_token"])
    # OIDC Core 12.2
    assert c["sub"] == first["sub"] and c["auth_time"] == first["auth_time"]
    assert c["sid"] == first["sid"] and c["aud"] == "rp" and c["azp"] == "rp"
    assert c["iat"] > first["iat"]
    assert "nonce" not in c
    assert c["at_hash"] == at_hash(new["access_token"], "ES256")
    # a refresh narrowed to scopes without openid gets no id_token
    r = op.refresh(new["refresh_token"], client="rp", scope="api")
    assert r.status_code == 200 and "id_token" not in r.json()


def test_auth_time_is_the_sign_in_and_sid_the_session(op):
    """A second authorization in the same browser (single sign-on) says when
    the user signed in, not when the code was issued; sid names the browser
    session and is not its cookie."""
    s, q, v = sign_in(op)
    _, first = id_token_claims(op, exchange(op, q, v)["id_token"])
    time.sleep(2.1)
    s, q, v = sign_in(op, session=s)  # no login page this time
    _, again = id_token_claims(op, exchange(op, q, v)["id_token"])
    assert again["auth_time"] == first["auth_time"] and again["iat"] >= first["iat"] + 2
    assert again["sid"] == first["sid"]
    cookie = s.cookies.get("gh_session")
    assert cookie and first["sid"] != cookie
    assert first["sid"] not in (hashlib.sha256(cookie.encode()).hexdigest(),
                                b64u(hashlib.sha256(cookie.encode()).digest()))
    # another browser, another session, another sid
    _, q2, v2 = sign_in(op)
    _, other = id_token_claims(op, exchange(op, q2, v2)["id_token"])
    assert other["sid"] != first["sid"]


def test_sub_is_the_same_everywhere(op):
    _, body = tokens_with_nonce(op)
    _, idt = id_token_claims(op, body["id_token"])
    at = json.loads(base64.urlsafe_b64decode(body["access_token"].split(".")[1] + "=="))
    ui = requests.get(op.issuer + "/userinfo",
                      headers={"Authorization": "Bearer " + body["access_token"]}).json()
    intro = op.introspect(body["access_token"]).json()
    assert idt["sub"] == at["sub"] == ui["sub"] == intro["sub"] == "alice"


@pytest.mark.parametrize("rt", ["token", "id_token", "code id_token", "code token", "none"])
def test_response_type_other_than_code(op, rt):
    verifier, challenge = pkce_pair()
    s = requests.Session()
    r = s.get(op.issuer + "/authorize", allow_redirects=False, params={
        "response_type": rt, "client_id": "rp", "redirect_uri": f"{op.app}/rp-cb",
        "scope": "openid", "state": "st-123", "nonce": "n", "code_challenge": challenge,
        "code_challenge_method": "S256"})
    assert r.status_code in (302, 303), r.text[:200]
    q = query_of(r.headers["Location"])
    assert q["error"] == "unsupported_response_type" and "code" not in q


# ---- /userinfo ----

def userinfo(g, token=None, method="GET", data=None, headers=None):
    h = dict(headers or {})
    if token is not None:
        h["Authorization"] = "Bearer " + token
    return requests.request(method, g.issuer + "/userinfo", headers=h, data=data)


@pytest.mark.parametrize("scope,want", [
    ("openid", {"sub": "alice"}),
    ("openid profile", {"sub": "alice", "name": "Alice Liddell", "given_name": "Alice",
                        "family_name": "Liddell", "preferred_username": "alice"}),
    ("openid email", {"sub": "alice", "email": "alice@example.com", "email_verified": True}),
    ("openid profile email", {"sub": "alice", "name": "Alice Liddell", "given_name": "Alice",
                              "family_name": "Liddell", "preferred_username": "alice",
                              "email": "alice@example.com", "email_verified": True}),
])
def test_userinfo_claims_follow_scopes(op, scope, want):
    _, body = tokens_with_nonce(op, scope=scope)
    for r in (userinfo(op, body["access_token"]),
              userinfo(op, body["access_token"], method="POST"),
              userinfo(op, method="POST", data={"access_token": body["access_token"]})):
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"].startswith("application/json")
        assert r.headers.get("Cache-Control") == "no-store"
        assert r.json() == want


def test_userinfo_omits_claims_without_value(op):
    op.cli("user", "add", "--username", "bob", "--password-stdin", stdin=PASSWORD)
    verifier, challenge = pkce_pair()
    s, page = op.authorize(client="rp", scope="openid profile email", challenge=challenge,
                           redirect=f"{op.app}/rp-cb")
    r = op.login(s, page, username="bob")
    body = exchange(op, query_of(r.headers["Location"]), verifier)
    assert userinfo(op, body["access_token"]).json() == {"sub": "bob",
                                                         "preferred_username": "bob"}


def test_user_update_reaches_running_server(op):
    _, body = tokens_with_nonce(op)
    assert userinfo(op, body["access_token"]).json()["name"] == "Alice Liddell"
    op.cli("user", "update", "--username", "alice", "--name", "Alice Pleasance Liddell",
           "--email", "alice@wonderland.example")
    ui = userinfo(op, body["access_token"]).json()
    assert ui["name"] == "Alice Pleasance Liddell"
    assert ui["email"] == "alice@wonderland.example" and ui["email_verified"] is False


def assert_challenge(r, status, error=None):
    assert r.status_code == status, (r.status_code, r.text)
    www = r.headers.get("WWW-Authenticate", "")
    assert www.startswith("Bearer"), r.headers
    if error is None:
        assert "error=" not in www  # RFC 6750 3.1: no token, no error code
    else:
        assert f'error="{error}"' in www and r.json()["error"] == error
    return www


def test_userinfo_errors(op):
    _, body = tokens_with_nonce(op)
    at = body["access_token"]
    assert_challenge(userinfo(op), 401)
    assert_challenge(userinfo(op, method="POST"), 401)
    assert_challenge(userinfo(op, "not.a.token"), 401, "invalid_token")
    assert_challenge(userinfo(op, at[:-4] + "AAAA"), 401, "invalid_token")  # signature
    # an id_token is no access token (typ JWT, not at+jwt)
    assert_challenge(userinfo(op, body["id_token"]), 401, "invalid_token")
    r = userinfo(op, headers={"Authorization": "Basic " + b64u(b"alice:pw")})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    # one method only (RFC 6750 2), never the query string (2.3 refused)
    r = userinfo(op, at, method="POST", data={"access_token": at})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    r = requests.get(op.issuer + "/userinfo", params={"access_token": at})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    # a token without openid: 403 insufficient_scope
    s, q, v = sign_in(op, scope="api")
    www = assert_challenge(userinfo(op, exchange(op, q, v)["access_token"]), 403,
                           "insufficient_scope")
    assert 'scope="openid"' in www
    # a client's own token (client_credentials) names no user
    cc = op.token({"grant_type": "client_credentials"}, auth=("backend", BACKEND_SECRET))
    assert_challenge(userinfo(op, cc.json()["access_token"]), 401, "invalid_token")


def test_userinfo_refuses_expired_token(gh):
    setup_oidc(gh)
    gh.start("--access-ttl", "1")
    _, body = tokens_with_nonce(gh)
    assert userinfo(gh, body["access_token"]).status_code == 200
    time.sleep(2.2)
    assert_challenge(userinfo(gh, body["access_token"]), 401, "invalid_token")


def test_userinfo_refuses_revoked_tokens(op):
    _, body = tokens_with_nonce(op)
    assert userinfo(op, body["access_token"]).status_code == 200
    # revoking the refresh token revokes its family, and so its access tokens
    assert op.revoke(body["refresh_token"], client="rp").status_code == 200
    assert_challenge(userinfo(op, body["access_token"]), 401, "invalid_token")
    # an access token revoked by itself
    _, body = tokens_with_nonce(op)
    assert op.revoke(body["access_token"], client="rp",
                     token_type_hint="access_token").status_code == 200
    assert_challenge(userinfo(op, body["access_token"]), 401, "invalid_token")


def test_userinfo_refuses_token_of_removed_user(op):
    _, body = tokens_with_nonce(op)
    op.cli("user", "remove", "--username", "alice")
    r = userinfo(op, body["access_token"])
    assert r.status_code == 401 and r.json()["error"] == "invalid_token"


def test_userinfo_cors(op):
    """Like /token: the registered origins of public clients, and a
    preflight that allows GET and POST with Authorization."""
    _, body = tokens_with_nonce(op)
    origin = op.app  # the rp client's redirect URI origin
    r = userinfo(op, body["access_token"], headers={"Origin": origin})
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == origin
    assert "Access-Control-Allow-Credentials" not in r.headers
    r = userinfo(op, headers={"Origin": origin})
    assert r.status_code == 401 and r.headers["Access-Control-Allow-Origin"] == origin
    assert "WWW-Authenticate" in r.headers["Access-Control-Expose-Headers"]
    r = userinfo(op, body["access_token"], headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in r.headers
    pre = requests.options(op.issuer + "/userinfo", headers={
        "Origin": origin, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    assert pre.status_code == 204
    assert pre.headers["Access-Control-Allow-Origin"] == origin
    assert "GET" in pre.headers["Access-Control-Allow-Methods"]
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    assert "authorization" in pre.headers["Access-Control-Allow-Headers"].lower()
    pre = requests.options(op.issuer + "/userinfo", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    assert pre.status_code == 403 and "Access-Control-Allow-Origin" not in pre.headers


# ---- OpenID Provider metadata ----

def test_openid_configuration(op):
    d = requests.get(op.issuer + "/.well-known/openid-configuration").json()
    i = op.issuer
    assert d["issuer"] == i
    assert d["authorization_endpoint"] == i + "/authorize"
    assert d["token_endpoint"] == i + "/token"
    assert d["userinfo_endpoint"] == i + "/userinfo"
    assert d["jwks_uri"] == i + "/jwks"
    assert {"openid", "profile", "email"} <= set(d["scopes_supported"])
    assert len(d["scopes_supported"]) == len(set(d["scopes_supported"]))
    assert d["response_types_supported"] == ["code"]
    assert d["response_modes_supported"] == ["query"]
    assert {"authorization_code", "refresh_token"} <= set(d["grant_types_supported"])
    assert d["subject_types_supported"] == ["public"]
    assert "ES256" in d["id_token_signing_alg_values_supported"]
    assert "none" not in d["id_token_signing_alg_values_supported"]
    assert {"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "sid", "name",
            "given_name", "family_name", "preferred_username", "email",
            "email_verified"} <= set(d["claims_supported"])
    assert d["code_challenge_methods_supported"] == ["S256"]
    assert {"client_secret_basic", "client_secret_post", "none"} <= set(
        d["token_endpoint_auth_methods_supported"])
    assert d["authorization_response_iss_parameter_supported"] is True
    assert d["request_uri_parameter_supported"] is False
    # RFC 8414 3 and OpenID Connect Discovery 4: the same document at both paths
    assert requests.get(i + "/.well-known/oauth-authorization-server").json() == d


@pytest.mark.parametrize("path", ["/.well-known/openid-configuration",
                                  "/.well-known/oauth-authorization-server", "/jwks"])
def test_public_documents_cross_origin(op, path):
    r = requests.get(op.issuer + path, headers={"Origin": "https://any-rp.example"})
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in r.headers
    pre = requests.options(op.issuer + path, headers={
        "Origin": "https://any-rp.example", "Access-Control-Request-Method": "GET"})
    assert pre.status_code == 204 and pre.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in pre.headers


def test_id_token_after_key_rotation_verifies_with_new_kid(op):
    _, body = tokens_with_nonce(op)
    old_kid = id_token_claims(op, body["id_token"])[0]["kid"]
    op.cli("keys", "rotate")
    op.stop()
    op.start()
    _, body = tokens_with_nonce(op)
    hdr, c = id_token_claims(op, body["id_token"])
    assert hdr["kid"] != old_kid and c["sub"] == "alice"
