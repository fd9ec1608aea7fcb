"""OpenID Connect authorization request parameters (OIDC Core 1.0
3.1.2.1, 3.1.2.6): prompt (none, login, consent, select_account and the
invalid combinations), max_age, login_hint and id_token_hint, each branch
against the running server."""
import html
import json
import re
import time

import pytest
import requests
from jwcrypto import jwk, jws

from conftest import PASSWORD, form_fields, pkce_pair, query_of
from test_oidc import RP_SCOPE, exchange, id_token_claims, setup_oidc, sign_in


@pytest.fixture
def op(gh):
    setup_oidc(gh)
    gh.cli("user", "add", "--username", "bob", "--password-stdin", stdin=PASSWORD)
    gh.start()
    return gh


def authorize(g, session, client="rp", scope="openid", **extra):
    """One GET /authorize in the browser session; the response as is."""
    verifier, challenge = pkce_pair()
    redirect = f"{g.app}/rp-cb" if client == "rp" else f"{g.app}/callback"
    _, r = g.authorize(session=session, client=client, scope=scope, challenge=challenge,
                       redirect=redirect, extra=extra)
    r.verifier = verifier
    return r


def redirect_query(r):
    assert r.status_code in (302, 303), (r.status_code, r.text[:300])
    return query_of(r.headers["Location"])


def assert_error(r, error, g):
    q = redirect_query(r)
    assert q.get("error") == error, q
    assert q["state"] == "st-123" and q["iss"] == g.issuer  # RFC 9207, state echoed
    assert "code" not in q


def username_field(page):
    m = re.search(r'name="username"[^>]*value="([^"]*)"', page.text)
    return html.unescape(m.group(1)) if m else None


def is_login_page(r):
    return r.status_code == 200 and 'action="/login"' in r.text


def is_consent_page(r):
    return r.status_code == 200 and 'action="/consent"' in r.text


def signed_in(g, client="rp", scope=RP_SCOPE, user="alice"):
    """A browser that signed in (and consented when asked); its tokens."""
    s = requests.Session()
    page = authorize(g, s, client=client, scope=scope)
    assert is_login_page(page)
    r = g.login(s, page, username=user)
    q = redirect_query(r)
    redirect = f"{g.app}/rp-cb" if client == "rp" else f"{g.app}/callback"
    return s, exchange(g, q, page.verifier, client=client, redirect=redirect)


# ---- prompt=none ----

def test_prompt_none_without_session_is_login_required(op):
    r = authorize(op, requests.Session(), prompt="none")
    assert_error(r, "login_required", op)


def test_prompt_none_with_session_answers_silently(op):
    s, _ = signed_in(op)
    r = authorize(op, s, prompt="none", nonce="n1")
    q = redirect_query(r)
    assert "code" in q and q["state"] == "st-123"
    body = exchange(op, q, r.verifier)
    assert id_token_claims(op, body["id_token"])[1]["nonce"] == "n1"


def test_prompt_none_without_consent_is_consent_required(op):
    s, _ = signed_in(op)  # signed in through the trusted rp
    r = authorize(op, s, client="spa", scope="openid api", prompt="none")
    assert_error(r, "consent_required", op)


def test_prompt_none_after_session_ends_is_login_required(op):
    s, _ = signed_in(op)
    op.cli("user", "remove", "--username", "alice")
    assert_error(authorize(op, s, prompt="none"), "login_required", op)


# ---- prompt=login, select_account, consent ----

@pytest.mark.parametrize("prompt", ["login", "select_account", "login consent"])
def test_prompt_login_asks_again_with_a_session(op, prompt):
    s, first = signed_in(op)
    t1 = id_token_claims(op, first["id_token"])[1]["auth_time"]
    time.sleep(1.1)
    page = authorize(op, s, prompt=prompt)
    assert is_login_page(page), page.text[:300]
    assert form_fields(page.text).get("prompt") == prompt
    fields = form_fields(page.text)
    fields.update(username="alice", password=PASSWORD)
    r = s.post(op.issuer + "/login", data=fields, allow_redirects=False)
    if "consent" in prompt:  # asked again even for a trusted client
        assert is_consent_page(r)
        fields = form_fields(r.text)
        fields["decision"] = "allow"
        r = s.post(op.issuer + "/consent", data=fields, allow_redirects=False)
    body = exchange(op, redirect_query(r), page.verifier)
    assert id_token_claims(op, body["id_token"])[1]["auth_time"] > t1


def test_prompt_login_wrong_password_gets_no_code(op):
    s, _ = signed_in(op)
    page = authorize(op, s, prompt="login")
    r = op.login(s, page, password="wrong-password")
    assert r.status_code == 401 and "Location" not in r.headers


def test_prompt_consent_shows_consent_page_again(op):
    s, _ = signed_in(op, client="spa", scope="openid api")
    r = authorize(op, s, client="spa", scope="openid api", prompt="consent")
    assert is_consent_page(r)
    fields = form_fields(r.text)
    assert fields["prompt"] == "consent"
    fields["decision"] = "deny"
    r = s.post(op.issuer + "/consent", data=fields, allow_redirects=False)
    assert_error(r, "access_denied", op)


def test_prompt_consent_is_covered_by_the_form_mac(op):
    s, _ = signed_in(op, client="spa", scope="openid api")
    r = authorize(op, s, client="spa", scope="openid api", prompt="consent")
    fields = form_fields(r.text)
    fields.update(decision="allow", prompt="login")
    r = s.post(op.issuer + "/consent", data=fields, allow_redirects=False)
    assert r.status_code == 403


@pytest.mark.parametrize("prompt", ["bogus", "none login", "consent none", "login  consent",
                                    "NONE", "login "])
def test_invalid_prompt_is_invalid_request(op, prompt):
    s, _ = signed_in(op)
    assert_error(authorize(op, s, prompt=prompt), "invalid_request", op)


def test_repeated_prompt_is_invalid_request(op):
    s = requests.Session()
    _, challenge = pkce_pair()
    r = s.get(op.issuer + "/authorize", allow_redirects=False, params=[
        ("response_type", "code"), ("client_id", "rp"), ("redirect_uri", f"{op.app}/rp-cb"),
        ("state", "st-123"), ("code_challenge", challenge), ("code_challenge_method", "S256"),
        ("prompt", "none"), ("prompt", "login")])
    assert_error(r, "invalid_request", op)


# ---- max_age ----

def test_max_age_older_session_signs_in_again(op):
    s, first = signed_in(op)
    t1 = id_token_claims(op, first["id_token"])[1]["auth_time"]
    r = authorize(op, s, max_age="3600")  # recent enough: no page
    assert "code" in redirect_query(r)
    time.sleep(2.1)
    page = authorize(op, s, max_age="1")
    assert is_login_page(page)
    assert_error(authorize(op, s, max_age="1", prompt="none"), "login_required", op)
    body = exchange(op, redirect_query(op.login(s, page)), page.verifier)
    t2 = id_token_claims(op, body["id_token"])[1]["auth_time"]
    assert t2 >= t1 + 2 and abs(t2 - time.time()) < 5


def test_max_age_zero_is_prompt_login(op):
    s, _ = signed_in(op)
    assert is_login_page(authorize(op, s, max_age="0"))
    # RFC 6749 3.1: a parameter without a value is omitted
    assert "code" in redirect_query(authorize(op, s, max_age="", prompt=""))


@pytest.mark.parametrize("max_age", ["-1", "abc", "1.5", "99999999999"])
def test_bad_max_age_is_invalid_request(op, max_age):
    assert_error(authorize(op, requests.Session(), max_age=max_age), "invalid_request", op)


# ---- login_hint ----

def test_login_hint_prefills_user_name(op):
    page = authorize(op, requests.Session(), login_hint="bob")
    assert is_login_page(page) and username_field(page) == "bob"


def test_login_hint_is_escaped(op):
    hint = '"><script>alert(1)</script>'
    page = authorize(op, requests.Session(), login_hint=hint)
    assert is_login_page(page)
    assert "<script>" not in page.text
    assert username_field(page) == hint


# ---- id_token_hint ----

def test_id_token_hint_same_user_answers_silently(op):
    s, body = signed_in(op)
    r = authorize(op, s, prompt="none", id_token_hint=body["id_token"])
    assert "code" in redirect_query(r)


def test_id_token_hint_other_user_is_login_required(op):
    _, bobs = signed_in(op, user="bob")
    s, _ = signed_in(op)  # alice's browser
    r = authorize(op, s, prompt="none", id_token_hint=bobs["id_token"])
    assert_error(r, "login_required", op)
    # without prompt=none: the sign-in page, pre-filled with the hint's user
    page = authorize(op, s, id_token_hint=bobs["id_token"])
    assert is_login_page(page) and username_field(page) == "bob"


def test_expired_id_token_hint_is_accepted(gh):
    setup_oidc(gh)
    gh.start("--access-ttl", "1")  # the id_token lives as long as the access token
    s, body = signed_in(gh)
    time.sleep(2.2)
    r = authorize(gh, s, prompt="none", id_token_hint=body["id_token"])
    assert "code" in redirect_query(r)


def forged(claims, typ="JWT"):
    key = jwk.JWK.generate(kty="EC", crv="P-256", kid="forged")
    t = jws.JWS(json.dumps(claims).encode())
    t.add_signature(key, alg="ES256", protected={"alg": "ES256", "typ": typ, "kid": "forged"})
    return t.serialize(compact=True)


def test_id_token_hint_not_ours_is_invalid_request(op):
    s, body = signed_in(op)
    claims = id_token_claims(op, body["id_token"])[1]
    head, payload, sig = body["id_token"].split(".")
    tampered = ".".join([head, payload, sig[:-4] + ("AAAA" if sig[-4:] != "AAAA" else "BBBB")])
    for hint in [forged(claims), tampered, "not-a-jwt", body["access_token"]]:
        r = authorize(op, s, prompt="none", id_token_hint=hint)
        assert_error(r, "invalid_request", op)
