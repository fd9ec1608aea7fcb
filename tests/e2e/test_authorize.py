"""Authorization code + PKCE (RFC 6749 4.1, RFC 7636), login and consent, RFC 9068 access
tokens, client authentication. Every rule is shown to fail closed."""
import base64
import json
import os
import re
import time
import urllib.parse

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from jwcrypto import jwk, jwt

from conftest import BACKEND_SECRET, PASSWORD, form_fields, pkce_pair, query_of

BACKEND = ("backend", BACKEND_SECRET)
FIVE_FIELDS = {"access_token", "token_type", "expires_in", "refresh_token", "scope"}


def assert_no_store(r):
    assert r.headers.get("Cache-Control") == "no-store", r.headers
    assert r.headers.get("Pragma") == "no-cache", r.headers


def assert_oauth_error(r, status, error):
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert body["error"] == error, body
    assert_no_store(r)
    return body


def assert_error_page(r):
    """An HTML error page: 400, never a redirect."""
    assert r.status_code == 400, (r.status_code, r.headers, r.text[:300])
    assert "Location" not in r.headers
    assert r.headers["Content-Type"].startswith("text/html")


def assert_error_redirect(gh, r, error, redirect=None, state="st-123"):
    assert r.status_code in (302, 303), (r.status_code, r.text[:300])
    loc = r.headers["Location"]
    assert loc.startswith((redirect or f"{gh.app}/callback") + "?"), loc
    q = query_of(loc)
    assert q["error"] == error, q
    assert q.get("error_description")
    assert q["state"] == state
    assert q["iss"] == gh.issuer
    assert "code" not in q
    return q


def verify_access_token(gh, token, client="spa", scope="openid api", sub="alice"):
    keys = jwk.JWKSet.from_json(requests.get(gh.issuer + "/jwks").text)
    t = jwt.JWT(jwt=token, key=keys, algs=["ES256"],
                check_claims={"iss": gh.issuer, "aud": gh.issuer + "/api", "exp": None})
    hdr = t.token.jose_header
    assert hdr["typ"] == "at+jwt"
    assert hdr["alg"] == "ES256"
    assert hdr["kid"] in {k.get("kid") for k in keys["keys"]}
    c = json.loads(t.claims)
    assert c["iss"] == gh.issuer
    aud = c["aud"] if isinstance(c["aud"], list) else [c["aud"]]
    assert gh.issuer + "/api" in aud
    now = time.time()
    assert now - 60 <= c["iat"] <= now + 5
    assert c["exp"] > now and c["exp"] - c["iat"] == 300
    assert c["sub"] == sub
    assert c["client_id"] == client
    assert c["scope"] == scope
    assert isinstance(c["jti"], str) and len(c["jti"]) >= 16
    return c


# ---- the whole flow, driven by an independent client library ----

def test_authlib_full_flow(server, monkeypatch):
    gh = server
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # plain http on loopback
    app = OAuth2Session(client_id="spa", redirect_uri=f"{gh.app}/callback",
                        scope="openid api", code_challenge_method="S256",
                        token_endpoint_auth_method="none")
    verifier = base64.urlsafe_b64encode(os.urandom(48)).rstrip(b"=").decode()
    url, state = app.create_authorization_url(gh.issuer + "/authorize", code_verifier=verifier)
    q = query_of(url)
    assert q["code_challenge_method"] == "S256" and q["code_challenge"]

    browser = requests.Session()
    page = browser.get(url, allow_redirects=False)
    assert page.status_code == 200
    assert 'name="username"' in page.text and 'name="password"' in page.text
    fields = form_fields(page.text)
    assert "csrf" in fields
    fields.update(username="alice", password=PASSWORD)
    consent = browser.post(gh.issuer + "/login", data=fields, allow_redirects=False)
    assert consent.status_code == 200
    assert 'action="/consent"' in consent.text
    assert re.search(r'name="decision"[^>]*value="allow"|value="allow"[^>]*name="decision"',
                     consent.text)
    assert re.search(r'name="decision"[^>]*value="deny"|value="deny"[^>]*name="decision"',
                     consent.text)
    fields = form_fields(consent.text)
    fields["decision"] = "allow"
    cb = browser.post(gh.issuer + "/consent", data=fields, allow_redirects=False)
    assert cb.status_code in (302, 303)
    callback = cb.headers["Location"]
    assert callback.startswith(f"{gh.app}/callback?")
    q = query_of(callback)
    assert q["state"] == state
    assert q["iss"] == gh.issuer  # RFC 9207
    assert len(q["code"]) >= 43   # >= 256 bits, base64url

    token = app.fetch_token(gh.issuer + "/token", authorization_response=callback,
                            code_verifier=verifier)
    assert FIVE_FIELDS <= set(token)
    assert token["token_type"] == "Bearer"
    assert token["scope"] == "openid api"
    assert len(token["refresh_token"]) >= 43
    verify_access_token(gh, token["access_token"])

    # the Resource API accepts it
    r = requests.get(gh.api + "/api/me",
                     headers={"Authorization": "Bearer " + token["access_token"]})
    assert r.status_code == 200 and r.json()["sub"] == "alice"


def test_code_exchange_response_fields_and_headers(server):
    gh = server
    code, verifier, redirect = gh.code_flow()
    r = gh.token({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect,
                  "client_id": "spa", "code_verifier": verifier})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    assert_no_store(r)
    body = r.json()
    assert FIVE_FIELDS <= set(body)
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 300
    verify_access_token(gh, body["access_token"])


# ---- /authorize fails closed ----

def test_plain_method_rejected(server):
    _, ch = pkce_pair()
    _, r = server.authorize(challenge=ch, extra={"code_challenge_method": "plain"})
    assert_error_redirect(server, r, "invalid_request")


def test_missing_method_rejected(server):
    _, ch = pkce_pair()
    _, r = server.authorize(challenge=ch, extra={"code_challenge_method": None})
    assert_error_redirect(server, r, "invalid_request")


def test_missing_challenge_rejected(server):
    _, r = server.authorize(challenge=None)
    assert_error_redirect(server, r, "invalid_request")


def test_unknown_client_error_page(server):
    _, ch = pkce_pair()
    _, r = server.authorize(client="nobody", challenge=ch)
    assert_error_page(r)


@pytest.mark.parametrize("uri", [
    "{app}/callback/",                        # trailing slash
    "{app}/callbackx",                        # longer path
    "{app}/Callback",                         # case
    "http://localhost:{app_port}/callback",   # different host name
    "http://127.0.0.2:{app_port}/callback",   # different host
    "https://127.0.0.1:{app_port}/callback",  # different scheme
    "http://127.0.0.1@evil.example/callback",  # userinfo trick
    "http://127.0.0.1:{app_port}@evil.example/callback",
    "http://evil.example/callback?{app}/callback",
    "{app}/callback?next=http://evil.example/",  # extra query
    "{app}/callback#frag",
    "{app}/callback/../callback",
    "{app}/%63allback",
    "",
])
def test_unregistered_redirect_uri_error_page(server, uri):
    _, ch = pkce_pair()
    uri = uri.format(app=server.app, app_port=server.app_port)
    _, r = server.authorize(challenge=ch, redirect=uri or None,
                            extra={"redirect_uri": uri} if not uri else None)
    assert_error_page(r)
    # nor after an otherwise-bad request (error redirects need a good URI first)
    _, r = server.authorize(challenge=None, redirect=uri or None,
                            extra={"response_type": "token", "redirect_uri": uri or None})
    assert_error_page(r)


def test_missing_redirect_uri_error_page(server):
    _, ch = pkce_pair()
    s = requests.Session()
    r = s.get(server.issuer + "/authorize", allow_redirects=False, params={
        "response_type": "code", "client_id": "spa", "code_challenge": ch,
        "code_challenge_method": "S256", "state": "x"})
    assert_error_page(r)


def test_duplicated_redirect_uri_or_client_error_page(server):
    _, ch = pkce_pair()
    base = [("response_type", "code"), ("code_challenge", ch),
            ("code_challenge_method", "S256"), ("state", "st-123")]
    good = f"{server.app}/callback"
    for extra in ([("client_id", "spa"), ("redirect_uri", good), ("redirect_uri", good)],
                  [("client_id", "spa"), ("client_id", "spa"), ("redirect_uri", good)],
                  [("client_id", "spa"), ("redirect_uri", good),
                   ("redirect_uri", "http://evil.example/")]):
        r = requests.get(server.issuer + "/authorize?" + urllib.parse.urlencode(base + extra),
                         allow_redirects=False)
        assert_error_page(r)


def test_authorize_by_post_form(server):
    """RFC 6749 3.1: the authorization endpoint accepts POST as well."""
    verifier, ch = pkce_pair()
    s = requests.Session()
    page = s.post(server.issuer + "/authorize", allow_redirects=False, data={
        "response_type": "code", "client_id": "spa", "redirect_uri": f"{server.app}/callback",
        "scope": "openid api", "state": "st-123", "code_challenge": ch,
        "code_challenge_method": "S256"})
    assert page.status_code == 200 and 'action="/login"' in page.text
    r = server.login(s, page)
    q = query_of(r.headers["Location"])
    assert q["state"] == "st-123" and q["iss"] == server.issuer
    r = server.token({"grant_type": "authorization_code", "code": q["code"],
                      "redirect_uri": f"{server.app}/callback", "client_id": "spa",
                      "code_verifier": verifier})
    assert r.status_code == 200


def test_authorize_huge_query_4xx_and_keeps_serving(server):
    _, ch = pkce_pair()
    _, r = server.authorize(challenge=ch, state="s" * 100_000)
    assert 400 <= r.status_code < 500
    assert "Location" not in r.headers
    _, r = server.authorize(challenge=ch)
    assert r.status_code == 200


def test_loopback_port_rule(gh):
    gh.setup()
    reg_port = gh.app_port
    gh.cli("client", "add", "--id", "native", "--public", "--redirect-uri",
           f"http://127.0.0.1:{reg_port}/callback", "--scope", "openid api")
    gh.start()
    other = f"http://127.0.0.1:{reg_port + 1 if reg_port < 65535 else reg_port - 1}/callback"
    verifier, ch = pkce_pair()
    s, page = gh.authorize(client="native", redirect=other, challenge=ch)
    assert page.status_code == 200, page.text
    r = gh.login(s, page)
    loc = r.headers["Location"]
    assert loc.startswith(other + "?")
    code = query_of(loc)["code"]
    # the exchange needs that same redirect_uri (with its port)
    r = gh.token({"grant_type": "authorization_code", "code": code, "redirect_uri": other,
                  "client_id": "native", "code_verifier": verifier})
    assert r.status_code == 200, r.text
    # the port is the only thing that may differ
    for bad in (f"http://127.0.0.1:{reg_port}/callback2", f"http://localhost:{reg_port}/callback",
                f"http://127.0.0.1:{reg_port}/callback?x=1"):
        _, r = gh.authorize(client="native", redirect=bad, challenge=ch)
        assert_error_page(r)


def test_duplicated_parameter_invalid_request(server):
    _, ch = pkce_pair()
    params = [("response_type", "code"), ("client_id", "spa"),
              ("redirect_uri", f"{server.app}/callback"), ("scope", "openid"),
              ("scope", "openid admin"), ("state", "st-123"), ("code_challenge", ch),
              ("code_challenge_method", "S256")]
    r = requests.get(server.issuer + "/authorize?" + urllib.parse.urlencode(params),
                     allow_redirects=False)
    q = assert_error_redirect(server, r, "invalid_request")
    assert "scope" in q["error_description"]


def test_response_type_token_unsupported(server):
    _, ch = pkce_pair()
    _, r = server.authorize(challenge=ch, extra={"response_type": "token"})
    assert_error_redirect(server, r, "unsupported_response_type")


def test_scope_beyond_registration_invalid_scope(server):
    _, ch = pkce_pair()
    _, r = server.authorize(client="trusted-spa", redirect=f"{server.app}/cb", challenge=ch,
                            scope="openid api admin")
    assert_error_redirect(server, r, "invalid_scope", redirect=f"{server.app}/cb")


def test_state_returned_verbatim(server):
    _, ch = pkce_pair()
    weird = "a b&c=d/é?#%"
    _, r = server.authorize(challenge=ch, state=weird, extra={"response_type": "token"})
    assert_error_redirect(server, r, "unsupported_response_type", state=weird)


def test_consent_deny_access_denied(server):
    _, ch = pkce_pair()
    s, page = server.authorize(challenge=ch)
    r = server.login(s, page, decision="deny")
    assert_error_redirect(server, r, "access_denied")


def test_consent_page_lists_scopes(server):
    _, ch = pkce_pair()
    s, page = server.authorize(challenge=ch, scope="openid api admin")
    fields = form_fields(page.text)
    fields.update(username="alice", password=PASSWORD)
    r = s.post(server.issuer + "/login", data=fields, allow_redirects=False)
    assert r.status_code == 200 and 'action="/consent"' in r.text
    for sc in ("openid", "api", "admin"):
        assert sc in r.text


# ---- login ----

def alert(text):
    m = re.search(r'role="alert"[^>]*>([^<]*)<', text)
    return m.group(1) if m else None


def test_wrong_password_and_unknown_user_same_answer(server):
    _, ch = pkce_pair()
    s, page = server.authorize(challenge=ch)
    r1 = server.login(s, page, password="not the password")
    s, page = server.authorize(challenge=ch)
    r2 = server.login(s, page, username="mallory", password="not the password")
    for r in (r1, r2):
        assert r.status_code == 401
        assert "Location" not in r.headers
        assert 'action="/login"' in r.text  # the form again
    assert alert(r1.text) and alert(r1.text) == alert(r2.text)
    # the password is never echoed back
    assert "not the password" not in r1.text


def test_login_rate_limited(server):
    _, ch = pkce_pair()
    s, page = server.authorize(challenge=ch)
    statuses = []
    last = None
    # waits are whole seconds: go on failing until one leaves at least a
    # second for the attempt with the right password below
    for _ in range(16):
        last = server.login(s, page, password="wrong-password")
        statuses.append(last.status_code)
        if last.status_code == 429:
            wait = int(last.headers["Retry-After"])
            assert wait >= 1
            if wait >= 2:
                break
            time.sleep(wait)
    assert statuses[0] == 401
    assert statuses[:3] == [401] * 3, statuses  # the free failures
    assert last.status_code == 429, statuses
    assert re.search(r"[Ww]ait", last.text) and str(wait) in last.text
    assert "Location" not in last.headers
    # while throttled even the right password does not get in
    r = server.login(s, page)
    assert r.status_code == 429
    assert "code=" not in r.headers.get("Location", "")


def test_login_without_csrf_cookie_403(server):
    _, ch = pkce_pair()
    s, page = server.authorize(challenge=ch)
    fields = form_fields(page.text)
    fields.update(username="alice", password=PASSWORD)
    r = requests.post(server.issuer + "/login", data=fields, allow_redirects=False)
    assert r.status_code == 403
    assert "code=" not in r.headers.get("Location", "")
    assert 'action="/consent"' not in r.text


def test_login_with_tampered_csrf_403(server):
    _, ch = pkce_pair()
    s, page = server.authorize(challenge=ch)
    fields = form_fields(page.text)
    fields.update(username="alice", password=PASSWORD)
    good = fields["csrf"]
    for bad in (good[:-1] + ("A" if good[-1] != "A" else "B"), "", "x" * len(good)):
        fields["csrf"] = bad
        r = s.post(server.issuer + "/login", data=fields, allow_redirects=False)
        assert r.status_code == 403, bad
        assert "code=" not in r.headers.get("Location", "")
        assert 'action="/consent"' not in r.text
    # a csrf bound to another request (other challenge) does not fit this one
    fields["csrf"] = good
    fields["code_challenge"] = pkce_pair()[1]
    r = s.post(server.issuer + "/login", data=fields, allow_redirects=False)
    assert r.status_code == 403


def test_consent_with_tampered_csrf_403(server):
    _, ch = pkce_pair()
    s, page = server.authorize(challenge=ch)
    fields = form_fields(page.text)
    fields.update(username="alice", password=PASSWORD)
    r = s.post(server.issuer + "/login", data=fields, allow_redirects=False)
    fields = form_fields(r.text)
    fields["decision"] = "allow"
    fields["csrf"] = "A" * 43
    r = s.post(server.issuer + "/consent", data=fields, allow_redirects=False)
    assert r.status_code == 403
    assert "code=" not in r.headers.get("Location", "")
    # and without the browser's cookies at all
    fields = form_fields(r.text) or fields
    r = requests.post(server.issuer + "/consent", data=dict(fields, decision="allow"),
                      allow_redirects=False)
    assert r.status_code == 403
    assert "code=" not in r.headers.get("Location", "")


def test_trusted_client_skips_consent(server):
    _, ch = pkce_pair()
    s, page = server.authorize(client="trusted-spa", redirect=f"{server.app}/cb", challenge=ch)
    fields = form_fields(page.text)
    fields.update(username="alice", password=PASSWORD)
    r = s.post(server.issuer + "/login", data=fields, allow_redirects=False)
    assert r.status_code in (302, 303)
    q = query_of(r.headers["Location"])
    assert q["code"] and q["state"] == "st-123" and q["iss"] == server.issuer


def test_page_security_headers_and_session_cookie(server):
    _, ch = pkce_pair()
    s, page = server.authorize(challenge=ch)
    fields = form_fields(page.text)
    fields.update(username="alice", password=PASSWORD)
    consent = s.post(server.issuer + "/login", data=fields, allow_redirects=False)
    _, err = server.authorize(client="nobody", challenge=ch)
    for r in (page, consent, err):
        csp = r.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src" not in csp or "'unsafe-inline'" not in csp
        assert "unsafe-inline" not in csp.split("style-src")[0]
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["Referrer-Policy"] == "no-referrer"
        assert "no-store" in r.headers["Cache-Control"]
    cookie = consent.headers["Set-Cookie"]
    m = re.search(r"gh_session=[^;]+;[^,]*", cookie)
    assert m, cookie
    attrs = [a.strip().lower() for a in m.group(0).split(";")]
    assert "httponly" in attrs
    assert "samesite=lax" in attrs
    assert "secure" not in attrs  # http issuer
    # the pages carry no inline script
    for r in (page, consent):
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", r.text)


def test_signed_in_session_goes_straight_to_consent(server):
    _, ch = pkce_pair()
    s, page = server.authorize(challenge=ch)
    r = server.login(s, page)
    assert r.status_code in (302, 303)
    # consent is remembered for this scope set (test_oidc_consent.py); a
    # scope not granted yet goes straight to the consent page, no sign-in
    _, r = server.authorize(session=s, challenge=pkce_pair()[1])
    assert r.status_code in (302, 303) and "code=" in r.headers["Location"]
    _, r = server.authorize(session=s, challenge=pkce_pair()[1], scope="openid api profile")
    assert r.status_code == 200 and 'action="/consent"' in r.text


# ---- /token: authorization_code fails closed ----

def exchange(gh, code, verifier, redirect=None, client="spa", auth=None, **extra):
    data = {"grant_type": "authorization_code", "code": code,
            "redirect_uri": redirect or f"{gh.app}/callback", "code_verifier": verifier}
    if auth is None:
        data["client_id"] = client
    data.update(extra)
    data = {k: v for k, v in data.items() if v is not None}
    return gh.token(data, auth=auth)


@pytest.mark.parametrize("verifier", ["short", "a" * 42, "a" * 129, "a" * 42 + "!",
                                      "a" * 42 + " ", "é" * 43])
def test_verifier_syntax_invalid_request(server, verifier):
    code, _, _ = server.code_flow()
    assert_oauth_error(exchange(server, code, verifier), 400, "invalid_request")


def test_verifier_missing_invalid_request(server):
    code, _, _ = server.code_flow()
    assert_oauth_error(exchange(server, code, None), 400, "invalid_request")


def test_wrong_verifier_invalid_grant(server):
    code, verifier, _ = server.code_flow()
    other, _ = pkce_pair()
    assert_oauth_error(exchange(server, code, other), 400, "invalid_grant")
    # the challenge itself is not the verifier either
    assert_oauth_error(exchange(server, code, "B" * 43), 400, "invalid_grant")


def test_code_reuse_invalid_grant_and_revokes_tokens(server):
    code, verifier, _ = server.code_flow()
    first = exchange(server, code, verifier)
    assert first.status_code == 200
    rt = first.json()["refresh_token"]
    body = assert_oauth_error(exchange(server, code, verifier), 400, "invalid_grant")
    assert body.get("error_description")
    assert_oauth_error(server.refresh(rt), 400, "invalid_grant")


def test_wrong_redirect_uri_at_token_invalid_grant(server):
    code, verifier, _ = server.code_flow()
    for bad in (f"{server.app}/callback/", f"{server.app}/cb"):
        assert_oauth_error(exchange(server, code, verifier, redirect=bad), 400, "invalid_grant")


def test_missing_redirect_uri_at_token_rejected(server):
    code, verifier, _ = server.code_flow()
    r = server.token({"grant_type": "authorization_code", "code": code, "client_id": "spa",
                      "code_verifier": verifier})
    assert r.status_code == 400
    assert r.json()["error"] in ("invalid_request", "invalid_grant")


def test_code_used_by_another_client_invalid_grant(server):
    code, verifier, _ = server.code_flow()
    assert_oauth_error(exchange(server, code, verifier, client="trusted-spa"), 400,
                       "invalid_grant")
    code, verifier, _ = server.code_flow()
    assert_oauth_error(exchange(server, code, verifier, auth=BACKEND), 400, "invalid_grant")


def test_unknown_code_invalid_grant(server):
    verifier, _ = pkce_pair()
    assert_oauth_error(exchange(server, "A" * 43, verifier), 400, "invalid_grant")


def test_expired_code_invalid_grant(gh):
    gh.setup()
    gh.start("--code-ttl", "1")
    code, verifier, _ = gh.code_flow()
    time.sleep(2.2)
    body = assert_oauth_error(exchange(gh, code, verifier), 400, "invalid_grant")
    assert "expired" in body["error_description"]


# ---- /token: bad input ----

def test_token_json_body_invalid_request(server):
    r = requests.post(server.issuer + "/token",
                      json={"grant_type": "client_credentials"}, auth=BACKEND)
    assert_oauth_error(r, 400, "invalid_request")


def test_token_missing_content_type_invalid_request(server):
    r = requests.post(server.issuer + "/token", data=b"grant_type=client_credentials",
                      auth=BACKEND)
    assert "Content-Type" not in r.request.headers
    assert_oauth_error(r, 400, "invalid_request")


def test_token_duplicate_params_invalid_request(server):
    body = "grant_type=client_credentials&grant_type=client_credentials&scope=api"
    r = requests.post(server.issuer + "/token", data=body, auth=BACKEND,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_oauth_error(r, 400, "invalid_request")
    code, verifier, redirect = server.code_flow()
    body = urllib.parse.urlencode([
        ("grant_type", "authorization_code"), ("code", code), ("code", code),
        ("redirect_uri", redirect), ("client_id", "spa"), ("code_verifier", verifier)])
    r = requests.post(server.issuer + "/token", data=body,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_oauth_error(r, 400, "invalid_request")


def test_token_100kb_parameter_4xx_and_keeps_serving(server):
    r = server.token({"grant_type": "client_credentials", "scope": "a" * 100_000},
                     auth=BACKEND)
    assert 400 <= r.status_code < 500
    r = server.token({"grant_type": "client_credentials", "scope": "api"}, auth=BACKEND)
    assert r.status_code == 200
    # just under the body limit, still a clean 4xx
    r = server.token({"grant_type": "client_credentials", "scope": "a" * 60_000},
                     auth=BACKEND)
    assert 400 <= r.status_code < 500
    assert server.token({"grant_type": "client_credentials"}, auth=BACKEND).status_code == 200


def raw_token(gh, body, auth=BACKEND):
    return requests.post(gh.issuer + "/token", data=body, auth=auth,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})


def test_token_nul_byte_400(server):
    for body in ("grant_type=client_credentials%00&scope=api",
                 "grant_type=client_credentials&scope=api%00admin",
                 "grant_type=client_credentials&scope=api&x%00=1"):
        r = raw_token(server, body)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["error"] == "invalid_request"
    # and a NUL inside the client secret does not authenticate a prefix
    r = raw_token(server, "grant_type=client_credentials&client_id=backend&client_secret="
                  + urllib.parse.quote(BACKEND_SECRET) + "%00junk", auth=None)
    assert r.status_code in (400, 401)
    assert raw_token(server, "grant_type=client_credentials").status_code == 200


def test_token_invalid_utf8_4xx(server):
    for body in (b"grant_type=client_credentials&scope=%FF%FE",
                 b"grant_type=client_credentials&scope=\xff\xfe",
                 b"grant_type=client_credentials&scope=%C0%AF",
                 b"grant_type=%E2%82&scope=api"):
        r = raw_token(server, body)
        assert 400 <= r.status_code < 500, (body, r.status_code)
        assert "error" in r.json()
    assert raw_token(server, "grant_type=client_credentials").status_code == 200


# ---- client authentication and client_credentials ----

def test_client_secret_basic_and_post(server):
    r1 = server.token({"grant_type": "client_credentials", "scope": "api"}, auth=BACKEND)
    r2 = server.token({"grant_type": "client_credentials", "scope": "api",
                       "client_id": "backend", "client_secret": BACKEND_SECRET})
    for r in (r1, r2):
        assert r.status_code == 200, r.text
        assert_no_store(r)
        body = r.json()
        assert body["token_type"] == "Bearer" and body["expires_in"] == 300
        assert body["scope"] == "api"
        assert "refresh_token" not in body
        c = verify_access_token(server, body["access_token"], client="backend", scope="api",
                                sub="backend")
        assert c["client_id"] == "backend"
    # both at once is not allowed (RFC 6749 2.3: one method per request)
    r = server.token({"grant_type": "client_credentials", "client_id": "backend",
                      "client_secret": BACKEND_SECRET}, auth=BACKEND)
    assert r.status_code in (400, 401)


def test_wrong_secret_invalid_client(server):
    r = server.token({"grant_type": "client_credentials"}, auth=("backend", "wrong" * 8))
    body = assert_oauth_error(r, 401, "invalid_client")
    assert r.headers["WWW-Authenticate"].startswith("Basic")
    r = server.token({"grant_type": "client_credentials", "client_id": "backend",
                      "client_secret": "wrong" * 8})
    assert_oauth_error(r, 401, "invalid_client")
    r = server.token({"grant_type": "client_credentials"}, auth=("nobody", BACKEND_SECRET))
    assert_oauth_error(r, 401, "invalid_client")
    # a confidential client cannot skip authentication
    r = server.token({"grant_type": "client_credentials", "client_id": "backend"})
    assert_oauth_error(r, 401, "invalid_client")
    assert BACKEND_SECRET not in body.get("error_description", "")


def test_public_client_credentials_unauthorized_client(server):
    r = server.token({"grant_type": "client_credentials", "client_id": "spa"})
    assert_oauth_error(r, 400, "unauthorized_client")


def test_unknown_grant_type(server):
    r = server.token({"grant_type": "password", "username": "alice", "password": PASSWORD,
                      "client_id": "spa"})
    assert_oauth_error(r, 400, "unsupported_grant_type")
    r = server.token({"grant_type": "urn:x:frobnicate"}, auth=BACKEND)
    assert_oauth_error(r, 400, "unsupported_grant_type")


def test_client_credentials_scope_beyond_registration(server):
    r = server.token({"grant_type": "client_credentials", "scope": "api openid"}, auth=BACKEND)
    assert_oauth_error(r, 400, "invalid_scope")
