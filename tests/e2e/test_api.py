"""Resource API (RFC 6750, RFC 9068): bearer-token validation done the
way an independent resource server does it, RFC 6750 errors, CORS.

Forged tokens are built by hand here. Where a test needs a token that is
validly signed by the issuer but wrong in one respect (typ, iss, aud, exp,
nbf), it signs with the issuer's own private key, read from the test's
database: that way the only thing wrong with the token is the thing under
test, and a positive control (test_self_signed_control_is_accepted) proves
the forging helper itself makes tokens the API accepts.
"""
import base64
import concurrent.futures
import hashlib
import hmac
import json
import re
import sqlite3
import subprocess
import time
import uuid

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from jwcrypto import jwk, jws

from conftest import BACKEND_SECRET, gatehouse

# ---------------------------------------------------------------- helpers


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_json(obj):
    return b64u(json.dumps(obj, separators=(",", ":")).encode())


def unb64u(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def split(token):
    h, p, s = token.split(".")
    return json.loads(unb64u(h)), json.loads(unb64u(p)), s


def signing_key(g):
    """(kid, alg, private JWK) of the issuer's active signing key."""
    if g.db.startswith("sqlite:"):
        con = sqlite3.connect(g.db[len("sqlite:"):])
        try:
            row = con.execute("SELECT kid, alg, pem FROM signing_key WHERE active = 1 "
                              "ORDER BY created_at DESC LIMIT 1").fetchone()
        finally:
            con.close()
    else:
        out = subprocess.run(["psql", g.db, "-AtF", "\t", "-c",
                              "SELECT kid, alg, pem FROM signing_key WHERE active <> 0 "
                              "ORDER BY created_at DESC LIMIT 1"],
                             check=True, capture_output=True, text=True).stdout
        kid, alg, pem = out.split("\t", 2)
        row = (kid, alg, pem.rstrip("\n") + "\n")
    assert row, "no active signing key in the database"
    kid, alg, pem = row
    return kid, alg, jwk.JWK.from_pem(pem.encode() if isinstance(pem, str) else pem)


def sign(key, header, claims):
    """A compact JWS of claims with an exact protected header (must hold alg)."""
    s = jws.JWS(json.dumps(claims, separators=(",", ":")).encode())
    s.add_signature(key, alg=None, protected=json.dumps(header))
    return s.serialize(compact=True)


def hs256(secret, header, claims):
    signing_input = f"{b64u_json(header)}.{b64u_json(claims)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64u(mac)}"


def claims_for(g, **over):
    now = int(time.time())
    c = {"iss": g.issuer, "sub": "alice", "aud": g.issuer + "/api", "exp": now + 300,
         "iat": now, "jti": uuid.uuid4().hex, "client_id": "spa", "scope": "openid api"}
    c.update(over)
    return {k: v for k, v in c.items() if v is not None}


def forge(g, header_over=None, **claims):
    """A token signed with the issuer's real key; header and claims adjustable."""
    kid, alg, key = signing_key(g)
    header = {"alg": alg, "typ": "at+jwt", "kid": kid}
    header.update(header_over or {})
    header = {k: v for k, v in header.items() if v is not None}
    return sign(key, header, claims_for(g, **claims))


def call(g, token=None, path="/api/me", headers=None, params=None, method="GET"):
    h = dict(headers or {})
    if token is not None:
        h["Authorization"] = f"Bearer {token}"
    return requests.request(method, g.api + path, headers=h, params=params, timeout=10)


def challenge_params(r):
    """The auth-params of a Bearer WWW-Authenticate header, as a dict."""
    h = r.headers.get("WWW-Authenticate", "")
    assert h.startswith("Bearer"), f"no Bearer challenge: {h!r}"
    return dict(re.findall(r'([A-Za-z_]+)="([^"]*)"', h))


def assert_invalid_token(r, why=None):
    assert r.status_code == 401, (r.status_code, r.text)
    p = challenge_params(r)
    assert p.get("error") == "invalid_token", r.headers.get("WWW-Authenticate")
    assert p.get("error_description"), "an invalid_token challenge names the problem"
    assert r.json().get("error") == "invalid_token"
    assert "sub" not in r.json()
    if why:
        assert re.search(why, p["error_description"], re.I), p["error_description"]


def assert_invalid_request(r):
    assert r.status_code == 400, (r.status_code, r.text)
    assert r.json().get("error") == "invalid_request"
    assert "sub" not in r.json()
    h = r.headers.get("WWW-Authenticate")
    if h is not None:
        assert challenge_params(r).get("error") == "invalid_request", h


def jwks_fetches(g):
    """How often the Authorization Server served /jwks (needs --log-level debug)."""
    return len(re.findall(r"path=/jwks\b", g.logtext()))


def wait_for(cond, timeout=5.0, step=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(step)
    return cond()


def public_jwks(g):
    return requests.get(g.issuer + "/jwks", timeout=5).json()["keys"]


@pytest.fixture
def other(request):
    """A second, independent gatehouse (own database, own issuer, own keys)."""
    with gatehouse("gh-e2e-other-") as g:
        g.setup()
        g.start()
        yield g


@pytest.fixture
def app_server(gh):
    """AS + API + the Frontend App (whose public client registers its origin)."""
    gh.setup()
    gh.start(app=True)
    return gh


# ---------------------------------------------------------------- happy path


def test_me_answers_sub_client_id_and_scope(server):
    t = server.tokens(scope="openid api")
    r = call(server, t["access_token"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["sub"] == "alice"
    assert body["client_id"] == "spa"
    assert set(body["scope"].split()) == set(t["scope"].split())
    assert "api" in body["scope"].split()
    assert r.headers["Content-Type"].startswith("application/json")


def test_bearer_scheme_is_case_insensitive(server):
    t = server.tokens()["access_token"]
    r = requests.get(server.api + "/api/me", headers={"Authorization": "bearer " + t}, timeout=10)
    assert r.status_code == 200, r.text


def test_admin_without_admin_scope_is_403_insufficient_scope(server):
    t = server.tokens(scope="openid api")["access_token"]
    r = call(server, t, "/api/admin")
    assert r.status_code == 403, r.text
    p = challenge_params(r)
    assert p.get("error") == "insufficient_scope"
    assert p.get("scope") == "admin"
    assert r.json()["error"] == "insufficient_scope"


def test_admin_with_admin_scope_from_user_flow(server):
    t = server.tokens(scope="openid api admin")
    assert "admin" in t["scope"].split()
    r = call(server, t["access_token"], "/api/admin")
    assert r.status_code == 200, r.text
    assert r.json()["sub"] == "alice"


def test_admin_with_client_credentials(server):
    r = server.token({"grant_type": "client_credentials", "scope": "admin"},
                     auth=("backend", BACKEND_SECRET))
    assert r.status_code == 200, r.text
    at = r.json()["access_token"]
    r = call(server, at, "/api/admin")
    assert r.status_code == 200, r.text
    assert r.json()["client_id"] == "backend"
    assert "admin" in r.json()["scope"].split()


def test_self_signed_control_is_accepted(server):
    """The forging helper makes tokens the API accepts: the rejections below
    are then down to the one thing each test changes."""
    r = call(server, forge(server))
    assert r.status_code == 200, r.text
    assert r.json()["sub"] == "alice"
    # aud may be an array that contains the API's identifier (RFC 7519 4.1.3)
    r = call(server, forge(server, aud=["https://elsewhere.example", server.issuer + "/api"]))
    assert r.status_code == 200, r.text


# ---------------------------------------------------------------- RFC 6750 errors


def test_no_token_is_401_with_bare_challenge(server):
    r = call(server)
    assert r.status_code == 401
    h = r.headers["WWW-Authenticate"]
    # no error code (RFC 6750 3.1); the metadata's URL (RFC 9728 5.1)
    assert re.fullmatch(r'Bearer realm="[^"]+", resource_metadata="[^"]+"', h), h
    assert "error" not in h
    r = call(server, path="/api/admin")
    assert r.status_code == 401
    assert "error" not in r.headers["WWW-Authenticate"]


@pytest.mark.parametrize("header", ["Basic x", "Basic YWxpY2U6c2VjcmV0", "Bearer", "Bearer ",
                                    "Bearer a b", "Bearer a,b", "Token abc", "Bearerabc"])
def test_malformed_authorization_header_is_400(server, header):
    r = requests.get(server.api + "/api/me", headers={"Authorization": header}, timeout=10)
    assert_invalid_request(r)


def test_token_in_query_string_is_refused(server):
    t = server.tokens()["access_token"]
    r = requests.get(server.api + "/api/me", params={"access_token": t}, timeout=10)
    assert_invalid_request(r)
    # not even as a second source next to a valid header
    r = call(server, t, params={"access_token": t})
    assert r.status_code == 400, r.text
    assert "sub" not in r.json()


# ---------------------------------------------------------------- tampered tokens


def test_flipped_signature_byte(server):
    t = server.tokens()["access_token"]
    h, p, s = t.split(".")
    sig = bytearray(unb64u(s))
    for i in (0, len(sig) // 2, len(sig) - 1):
        bad = bytearray(sig)
        bad[i] ^= 0x01
        assert_invalid_token(call(server, f"{h}.{p}.{b64u(bytes(bad))}"), "signature")
    assert call(server, t).status_code == 200


def test_edited_claims_keep_signature(server):
    t = server.tokens(scope="openid api")["access_token"]
    h, p, s = t.split(".")
    claims = json.loads(unb64u(p))
    for change in ({"sub": "mallory"}, {"scope": "openid api admin"},
                   {"exp": claims["exp"] + 3600}, {"client_id": "backend"}):
        edited = dict(claims, **change)
        assert_invalid_token(call(server, f"{h}.{b64u_json(edited)}.{s}"), "signature")
    # the admin scope smuggled in does not open /api/admin either
    edited = dict(claims, scope="openid api admin")
    assert call(server, f"{h}.{b64u_json(edited)}.{s}", "/api/admin").status_code == 401


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_alg_none(server, alg):
    kid = signing_key(server)[0]
    claims = claims_for(server)
    for header in ({"alg": alg}, {"alg": alg, "typ": "at+jwt", "kid": kid}):
        token = f"{b64u_json(header)}.{b64u_json(claims)}."
        assert_invalid_token(call(server, token))
    # with the real signature of a real token left on: still not accepted
    real = server.tokens()["access_token"]
    h, p, s = real.split(".")
    header = dict(split(real)[0], alg=alg)
    assert_invalid_token(call(server, f"{b64u_json(header)}.{p}.{s}"))


def _public_key_forms(g):
    """The issuer's public key in the forms a confused verifier would use as an
    HMAC secret: PEM, DER (SubjectPublicKeyInfo) and JWK JSON."""
    kid, _, key = signing_key(g)
    pub = key.get_op_key("verify")
    pem = pub.public_bytes(serialization.Encoding.PEM,
                           serialization.PublicFormat.SubjectPublicKeyInfo)
    der = pub.public_bytes(serialization.Encoding.DER,
                           serialization.PublicFormat.SubjectPublicKeyInfo)
    published = next(k for k in public_jwks(g) if k["kid"] == kid)
    forms = {
        "pem": pem,
        "pem-no-newline": pem.rstrip(b"\n"),
        "der": der,
        "jwk-json": json.dumps(published).encode(),
        "jwk-json-compact": json.dumps(published, separators=(",", ":")).encode(),
        "jwk-jwcrypto": key.export_public().encode(),
    }
    return kid, forms


@pytest.mark.parametrize("alg", ["ES256", "RS256", "EdDSA"])
def test_hs256_with_public_key_as_secret(gh, alg):
    gh.setup(alg=alg)
    gh.start()
    assert call(gh, gh.tokens()["access_token"]).status_code == 200
    kid, forms = _public_key_forms(gh)
    claims = claims_for(gh)
    for name, secret in forms.items():
        for hs in ("HS256", "HS384", "HS512"):
            header = {"alg": hs, "typ": "at+jwt", "kid": kid}
            digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384,
                      "HS512": hashlib.sha512}[hs]
            signing_input = f"{b64u_json(header)}.{b64u_json(claims)}"
            mac = hmac.new(secret, signing_input.encode(), digest).digest()
            r = call(gh, f"{signing_input}.{b64u(mac)}")
            assert r.status_code == 401, f"{hs} with the {name} public key: {r.status_code} {r.text}"
            assert_invalid_token(r)
        # and without a kid, for a verifier that would try every key
        r = call(gh, hs256(secret, {"alg": "HS256", "typ": "at+jwt"}, claims))
        assert_invalid_token(r)


@pytest.mark.parametrize("typ", ["JWT", "jwt", "JOSE", "id_token+jwt", None])
def test_wrong_typ(server, typ):
    assert_invalid_token(call(server, forge(server, {"typ": typ})), "typ")


def test_typ_application_at_jwt_is_accepted(server):
    """RFC 9068 2.1 allows the media type with its application/ prefix."""
    assert call(server, forge(server, {"typ": "application/at+jwt"})).status_code == 200


def test_claim_checks(server):
    now = int(time.time())
    cases = {
        "wrong iss": dict(iss="http://127.0.0.1:1"),
        "iss with trailing slash": dict(iss=server.issuer + "/"),
        "no iss": dict(iss=None),
        "wrong aud": dict(aud="http://127.0.0.1:1/api"),
        "aud is the issuer": dict(aud=server.issuer),
        "aud list without the API": dict(aud=["a", "b"]),
        "no aud": dict(aud=None),
        "no exp": dict(exp=None),
        "exp as a string": dict(exp=str(now + 300)),
        "long expired": dict(exp=now - 3600, iat=now - 7200),
        "nbf far ahead": dict(nbf=now + 3600),
        "no sub": dict(sub=None),
    }
    for name, over in cases.items():
        r = call(server, forge(server, **over))
        assert r.status_code == 401, f"{name}: {r.status_code} {r.text}"
        assert_invalid_token(r)


def test_leeway_is_small_and_applied(server):
    now = int(time.time())
    # default --api-leeway 30: a few seconds of clock skew pass
    assert call(server, forge(server, exp=now - 5, iat=now - 300)).status_code == 200
    assert call(server, forge(server, nbf=now + 5)).status_code == 200
    # far beyond the leeway they do not
    assert_invalid_token(call(server, forge(server, exp=now - 120, iat=now - 400)), "expired")
    assert_invalid_token(call(server, forge(server, nbf=now + 120)), "not yet valid")


def test_token_from_another_issuer(server, other):
    theirs = other.tokens()["access_token"]
    assert call(other, theirs).status_code == 200  # valid where it came from
    assert_invalid_token(call(server, theirs))
    # a key the issuer never published, carrying the kid of the issuer's real key
    real_kid = signing_key(server)[0]
    other_kid, alg, other_key = signing_key(other)
    token = sign(other_key, {"alg": alg, "typ": "at+jwt", "kid": real_kid}, claims_for(server))
    assert_invalid_token(call(server, token), "signature")
    # the same with the other issuer's own kid: an unknown key
    token = sign(other_key, {"alg": alg, "typ": "at+jwt", "kid": other_kid}, claims_for(server))
    assert_invalid_token(call(server, token))


def test_key_embedded_in_the_header_is_ignored(server):
    attacker = jwk.JWK.generate(kty="EC", crv="P-256", kid="attacker")
    real_kid = signing_key(server)[0]
    pub = json.loads(attacker.export_public())
    for kid in (real_kid, "attacker"):
        header = {"alg": "ES256", "typ": "at+jwt", "kid": kid, "jwk": pub}
        assert_invalid_token(call(server, sign(attacker, header, claims_for(server))))
        header = {"alg": "ES256", "typ": "at+jwt", "kid": kid,
                  "jku": "http://127.0.0.1:1/jwks"}
        assert_invalid_token(call(server, sign(attacker, header, claims_for(server))))


def test_algorithm_must_fit_the_key(server):
    """The kid of the issuer's EC key with an RSA signature, and vice versa."""
    kid = signing_key(server)[0]
    rsa = jwk.JWK.generate(kty="RSA", size=2048)
    assert_invalid_token(call(server, sign(rsa, {"alg": "RS256", "typ": "at+jwt", "kid": kid},
                                           claims_for(server))))
    ec384 = jwk.JWK.generate(kty="EC", crv="P-384")
    assert_invalid_token(call(server, sign(ec384, {"alg": "ES384", "typ": "at+jwt", "kid": kid},
                                           claims_for(server))))


def test_expired_token(gh):
    gh.setup()
    gh.start("--access-ttl", "1", "--api-leeway", "0")
    t = gh.tokens()["access_token"]
    exp = split(t)[1]["exp"]
    r = call(gh, t)
    if time.time() < exp:  # usable while it lives (and now cached as verified)
        assert r.status_code == 200, r.text
    while time.time() < exp + 1.2:
        time.sleep(0.1)
    assert_invalid_token(call(gh, t), "expired")


def test_refresh_token_is_not_an_access_token(server):
    t = server.tokens(scope="openid api")
    assert t.get("refresh_token"), t
    assert_invalid_token(call(server, t["refresh_token"]))
    r = server.refresh(t["refresh_token"])
    assert r.status_code == 200, r.text
    assert_invalid_token(call(server, r.json()["refresh_token"]))


@pytest.mark.parametrize("token", ["a", "a.b", "a.b.c", "a.b.c.d.e", "....",
                                   "eyJhbGciOiJFUzI1NiJ9.e30.", "x" * 9000])
def test_garbage_tokens(server, token):
    r = call(server, token)
    assert r.status_code in (400, 401), r.text
    assert "sub" not in r.json()
    if r.status_code == 401:
        assert challenge_params(r).get("error") == "invalid_token"


# ---------------------------------------------------------------- JWKS client


def _bogus_kid_tokens(g, n):
    attacker = jwk.JWK.generate(kty="EC", crv="P-256")
    return [sign(attacker, {"alg": "ES256", "typ": "at+jwt", "kid": f"bogus-{i}-{uuid.uuid4().hex}"},
                 claims_for(g)) for i in range(n)]


def test_unknown_kid_refetches_once_then_401(gh):
    gh.setup()
    gh.start("--log-level", "debug", "--jwks-refetch-interval", "3")
    good = gh.tokens()["access_token"]
    assert call(gh, good).status_code == 200  # the API learns the keys
    assert wait_for(lambda: jwks_fetches(gh) >= 1)
    # learned the way an independent resource server does: discovery, then jwks_uri
    assert "path=/.well-known/oauth-authorization-server" in gh.logtext()
    base = jwks_fetches(gh)
    time.sleep(4.2)  # the refetch interval has passed: an unknown kid may refetch
    bogus = _bogus_kid_tokens(gh, 20)
    for t in bogus:
        assert_invalid_token(call(gh, t))
    time.sleep(0.3)
    assert jwks_fetches(gh) - base == 1, gh.logtext()[-3000:]
    # all at once: still rate-limited, no stampede on the issuer
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        codes = list(pool.map(lambda t: call(gh, t).status_code, _bogus_kid_tokens(gh, 20)))
    assert codes == [401] * 20
    time.sleep(0.3)
    assert jwks_fetches(gh) - base == 1
    assert call(gh, good).status_code == 200


def test_bogus_kids_cannot_make_the_api_hammer_the_issuer(gh):
    gh.setup()
    gh.start("--log-level", "debug", "--jwks-refetch-interval", "60")
    assert call(gh, gh.tokens()["access_token"]).status_code == 200
    assert wait_for(lambda: jwks_fetches(gh) >= 1)
    base = jwks_fetches(gh)
    for t in _bogus_kid_tokens(gh, 20):
        assert_invalid_token(call(gh, t))
    time.sleep(0.3)
    assert jwks_fetches(gh) - base <= 1
    assert jwks_fetches(gh) <= 2


def test_key_rotation_is_picked_up(gh):
    gh.setup()
    gh.start("--log-level", "debug", "--jwks-refetch-interval", "1")
    old = gh.tokens()["access_token"]
    old_kid = split(old)[0]["kid"]
    assert call(gh, old).status_code == 200
    t_fetch = time.time()
    gh.cli("keys", "rotate")
    assert wait_for(lambda: len(public_jwks(gh)) == 2, timeout=10), public_jwks(gh)

    def new_token():
        t = gh.tokens()["access_token"]
        return t if split(t)[0]["kid"] != old_kid else None

    new = wait_for(new_token, timeout=10, step=0.3)
    assert new, "the Authorization Server still signs with the old key"
    assert {k["kid"] for k in public_jwks(gh)} == {old_kid, split(new)[0]["kid"]}
    while time.time() < t_fetch + 2.2:  # beyond the 1 s refetch interval
        time.sleep(0.1)
    before = jwks_fetches(gh)
    r = call(gh, new)
    assert r.status_code == 200, r.text
    time.sleep(0.2)
    assert jwks_fetches(gh) - before == 1  # learned through one refetch
    # the old key stays published, so tokens it signed still work
    assert call(gh, old).status_code == 200
    assert call(gh, new).status_code == 200
    assert jwks_fetches(gh) - before == 1


# ---------------------------------------------------------------- CORS


def test_cors_preflight_from_the_app_origin(app_server):
    g = app_server
    r = requests.options(g.api + "/api/me", headers={
        "Origin": g.app, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"}, timeout=10)
    assert r.status_code == 204, r.text
    assert r.headers.get("Access-Control-Allow-Origin") == g.app
    allow = [h.strip().lower() for h in r.headers.get("Access-Control-Allow-Headers", "").split(",")]
    assert "authorization" in allow
    assert "GET" in r.headers.get("Access-Control-Allow-Methods", "")
    assert "Origin" in r.headers.get("Vary", "")
    assert r.headers.get("Access-Control-Allow-Origin") != "*"


def test_cors_on_answers_to_the_app_origin(app_server):
    g = app_server
    for token in (None, "not-a-token.x.y"):
        r = call(g, token, headers={"Origin": g.app})
        assert r.status_code == 401
        assert r.headers.get("Access-Control-Allow-Origin") == g.app
        expose = r.headers.get("Access-Control-Expose-Headers", "").lower()
        assert "www-authenticate" in expose
    t = g.tokens()["access_token"]
    r = call(g, t, headers={"Origin": g.app})
    assert r.status_code == 200
    assert r.headers.get("Access-Control-Allow-Origin") == g.app
    r = call(g, t, "/api/admin", headers={"Origin": g.app})
    assert r.status_code == 403
    assert r.headers.get("Access-Control-Allow-Origin") == g.app
    # the app's own client (registered by serve --app-listen) works too
    cfg = requests.get(g.app + "/config.json", timeout=10).json()
    assert cfg["api_base"].rstrip("/") == g.api


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1:1"])
def test_cors_unregistered_origin_gets_nothing(app_server, origin):
    g = app_server
    r = requests.options(g.api + "/api/me", headers={
        "Origin": origin, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"}, timeout=10)
    assert "Access-Control-Allow-Origin" not in r.headers
    assert r.status_code != 204 or "Access-Control-Allow-Headers" not in r.headers
    r = call(g, g.tokens()["access_token"], headers={"Origin": origin})
    assert "Access-Control-Allow-Origin" not in r.headers
    assert "Access-Control-Expose-Headers" not in r.headers
    r = call(g, headers={"Origin": origin})
    assert "Access-Control-Allow-Origin" not in r.headers


def test_issuer_unreachable_is_503_not_accepted(gh):
    """The API has never been able to load the issuer's keys: it says so (503),
    it does not accept the token, and it does not call the token bad."""
    gh.setup()
    gh.start("--issuer", "http://127.0.0.1:1")
    token = forge(gh, iss="http://127.0.0.1:1", aud="http://127.0.0.1:1/api")
    for _ in range(3):
        r = call(gh, token)
        assert r.status_code == 503, r.text
        assert "sub" not in r.json()
