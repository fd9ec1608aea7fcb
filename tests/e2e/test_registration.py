"""Dynamic client registration (RFC 7591) and its management protocol
(RFC 7592), SPEC section 11: the modes, every rejection rule, the
response, initial access tokens, the rate limit, the client configuration
endpoint's lifecycle, consent for self-registered clients, and the CLI."""
import json
import re
import time

import pytest
import requests

from conftest import eventually, query_of
from dcr_helpers import (authorize, code_of, exchange, fields, manage, native, refresh,
                         register, sign_in, tokens_for)

REDIRECT = "http://127.0.0.1:7777/cb"


@pytest.fixture
def reg(gh):
    gh.setup()
    gh.start("--registration", "open")
    return gh


def no_nulls(doc):
    if isinstance(doc, dict):
        return all(v is not None and no_nulls(v) for v in doc.values())
    if isinstance(doc, list):
        return all(v is not None and no_nulls(v) for v in doc)
    return True


# ---- modes and metadata ----

def test_registration_is_off_by_default(server):
    md = requests.get(server.issuer + "/.well-known/oauth-authorization-server").json()
    assert "registration_endpoint" not in md
    r = register(server, native())
    assert r.status_code == 404, r.text


def test_metadata_names_the_registration_endpoint(reg):
    for path in ("oauth-authorization-server", "openid-configuration"):
        md = requests.get(f"{reg.issuer}/.well-known/{path}").json()
        assert md["registration_endpoint"] == reg.issuer + "/register"


def test_bad_registration_mode_is_a_usage_error(gh):
    gh.setup()
    r = gh.cli("serve", "--registration", "anyone", check=False)
    assert r.returncode == 2 and "--registration" in r.stderr, r.stderr


# ---- the response ----

def test_public_client_registers(reg):
    r = register(reg, native(client_uri="https://tool.example.com",
                             contacts=["ops@tool.example.com"]))
    assert r.status_code == 201, r.text
    assert r.headers["Cache-Control"] == "no-store"
    info = r.json()
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", info["client_id"])
    assert isinstance(info["client_id_issued_at"], int)
    assert abs(info["client_id_issued_at"] - time.time()) < 60
    assert "client_secret" not in info and "client_secret_expires_at" not in info
    assert len(info["registration_access_token"]) >= 43
    assert info["registration_client_uri"] == f"{reg.issuer}/register/{info['client_id']}"
    assert info["redirect_uris"] == [REDIRECT]
    assert info["token_endpoint_auth_method"] == "none"
    assert info["grant_types"] == ["authorization_code", "refresh_token"]
    assert info["response_types"] == ["code"]
    assert info["client_name"] == "Test Tool"
    assert info["client_uri"] == "https://tool.example.com"
    assert info["contacts"] == ["ops@tool.example.com"]
    assert info["scope"] == "openid profile email offline_access"
    assert no_nulls(info)


def test_optional_fields_are_omitted_never_null(reg):
    info = register(reg, {"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"})
    info = info.json()
    assert no_nulls(info)
    for absent in ("client_name", "client_uri", "logo_uri", "contacts",
                   "post_logout_redirect_uris", "dpop_bound_access_tokens"):
        assert absent not in info, absent
    assert info["grant_types"] == ["authorization_code"]  # RFC 7591 2 defaults
    assert info["response_types"] == ["code"]


def test_confidential_client_gets_its_secret_once(reg):
    r = register(reg, {"redirect_uris": ["https://app.example.com/cb"],
                       "token_endpoint_auth_method": "client_secret_basic",
                       "grant_types": ["authorization_code", "client_credentials"],
                       "scope": "openid"})
    assert r.status_code == 201, r.text
    info = r.json()
    secret = info["client_secret"]
    assert len(secret) == 43 and info["client_secret_expires_at"] == 0
    t = requests.post(reg.issuer + "/token", data={"grant_type": "client_credentials"},
                      auth=(info["client_id"], secret))
    assert t.status_code == 200, t.text
    bad = requests.post(reg.issuer + "/token", data={"grant_type": "client_credentials"},
                        auth=(info["client_id"], secret[:-1] + "x"))
    assert bad.status_code == 401
    g = manage("GET", info)
    assert g.status_code == 200 and "client_secret" not in g.json()
    # deleted: even its client_credentials token (no refresh family) is inactive
    assert reg.introspect(t.json()["access_token"]).json()["active"] is True
    assert manage("DELETE", info).status_code == 204
    assert reg.introspect(t.json()["access_token"]).json() == {"active": False}
    # the secret is stored only as a hash
    if reg.sqlite_path():
        raw = open(reg.sqlite_path(), "rb").read()
        assert secret.encode() not in raw
        assert info["registration_access_token"].encode() not in raw


def test_scope_is_narrowed_to_the_registration_scope(reg):
    info = register(reg, native(scope="openid api admin email")).json()
    assert info["scope"] == "openid email"
    info = register(reg, native(scope="admin")).json()
    assert "scope" not in info  # nothing left: omitted, never null


def test_registration_scope_setting(gh):
    gh.setup()
    gh.start("--registration", "open", "--registration-scope", "openid mcp:tools")
    info = register(gh, native()).json()
    assert info["scope"] == "openid mcp:tools"


@pytest.mark.parametrize("redirect", [
    "http://127.0.0.1:7777/cb", "http://127.0.0.1/cb", "http://[::1]:9/cb",
    "http://localhost:33418/callback", "https://app.example.com/cb?x=1",
    "com.example.app:/oauth2redirect", "com.example.app:/cb",
])
def test_accepted_redirect_uris(reg, redirect):
    r = register(reg, native(redirect))
    assert r.status_code == 201, r.text
    assert r.json()["redirect_uris"] == [redirect]


def test_unknown_fields_are_ignored(reg):
    r = register(reg, native(software_id="x", tos_uri="https://t.example", jwks={"keys": []},
                             frobnicate={"deep": [1, 2]}, **{"client_name#fr": "Outil"}))
    assert r.status_code == 201, r.text
    assert "frobnicate" not in r.json() and "software_id" not in r.json()


# ---- every rejection rule ----

RDR = "invalid_redirect_uri"
MD = "invalid_client_metadata"
REJECTED = [
    ("plain http elsewhere", native("http://app.example.com/cb"), RDR),
    ("http to a name starting with localhost", native("http://localhost.evil.com/cb"), RDR),
    ("fragment", native("https://app.example.com/cb#frag"), RDR),
    ("wildcard", native("https://*.example.com/cb"), RDR),
    ("wildcard path", native("https://app.example.com/*"), RDR),
    ("relative", native("/cb"), RDR),
    ("scheme without a dot", native("myapp:/cb"), RDR),
    ("javascript", native("javascript:alert(1)"), RDR),
    ("userinfo", native("https://user@app.example.com/cb"), RDR),
    ("control character", native("https://app.example.com/c\nb"), RDR),
    ("empty", native(""), RDR),
    ("too long", native("https://app.example.com/" + "a" * 600), RDR),
    ("missing for the code grant", {"token_endpoint_auth_method": "none"}, RDR),
    ("empty list", {"redirect_uris": [], "token_endpoint_auth_method": "none"}, RDR),
    ("not a list", {"redirect_uris": "https://app.example.com/cb"}, RDR),
    ("not strings", {"redirect_uris": [42]}, RDR),
    ("too many", {"redirect_uris": [f"https://a.example/{i}" for i in range(9)]}, RDR),
    ("auth method", native(token_endpoint_auth_method="private_key_jwt"), MD),
    ("auth method type", native(token_endpoint_auth_method=["none"]), MD),
    ("grant password", native(grant_types=["authorization_code", "password"]), MD),
    ("grant implicit", native(grant_types=["implicit"]), MD),
    ("grant types empty", native(grant_types=[]), MD),
    ("grant types not a list", native(grant_types="authorization_code"), MD),
    ("response token", native(response_types=["token"]), MD),
    ("response id_token", native(response_types=["code", "id_token"]), MD),
    ("code without its grant", native(grant_types=["refresh_token"]), MD),
    ("code grant without code", native(response_types=[]), MD),
    ("client_credentials for a public client",
     native(grant_types=["client_credentials"], response_types=[]), MD),
    ("client_name null", native(client_name=None), MD),
    ("client_name number", native(client_name=7), MD),
    ("client_name control", native(client_name="a\u0007b"), MD),
    ("client_name too long", native(client_name="n" * 300), MD),
    ("client_uri javascript", native(client_uri="javascript:alert(1)"), MD),
    ("logo_uri ftp", native(logo_uri="ftp://x.example/logo.png"), MD),
    ("contacts not a list", native(contacts="a@example.com"), MD),
    ("contacts not strings", native(contacts=[1]), MD),
    ("scope number", native(scope=1), MD),
    ("scope bad character", native(scope='openid "x"'), MD),
    ("dpop flag type", native(dpop_bound_access_tokens="yes"), MD),
    ("post-logout URI", native(post_logout_redirect_uris=["http://evil.example/"]), MD),
]


@pytest.mark.parametrize("name,body,error", REJECTED, ids=[x[0] for x in REJECTED])
def test_rejected_metadata(reg, name, body, error):
    r = register(reg, body)
    assert r.status_code == 400, (name, r.status_code, r.text)
    doc = r.json()
    assert doc["error"] == error, (name, doc)
    assert doc["error_description"], name


@pytest.mark.parametrize("raw,ctype", [
    ("not json", "application/json"), ("[1, 2]", "application/json"), ("", "application/json"),
    ('{"redirect_uris": ["https://a.example/cb"], "redirect_uris": ["https://b.example/cb"]}',
     "application/json"),
    (json.dumps(native()), "application/x-www-form-urlencoded"),
    (json.dumps(native()), "text/plain"),
])
def test_rejected_bodies(reg, raw, ctype):
    r = register(reg, None, raw=raw, headers={"Content-Type": ctype})
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "invalid_client_metadata" and r.json()["error_description"]


def test_deeply_nested_body_is_refused_cleanly(reg):
    raw = '{"x":' + "[" * 5000 + "]" * 5000 + ', "redirect_uris": ["https://a.example/cb"]}'
    r = register(reg, None, raw=raw)
    assert r.status_code in (201, 400), r.text
    assert requests.get(reg.issuer + "/healthz").status_code == 200


# ---- RFC 7592: read, update, delete ----

def test_read_with_the_registration_access_token(reg):
    info = register(reg, native()).json()
    g = manage("GET", info)
    assert g.status_code == 200, g.text
    assert g.headers["Cache-Control"] == "no-store"
    doc = g.json()
    for k in ("client_id", "redirect_uris", "client_name", "scope", "grant_types",
              "registration_client_uri", "registration_access_token"):
        assert doc[k] == info[k], k
    rat = info["registration_access_token"]
    other = rat[:-1] + ("B" if rat[-1] == "A" else "A")  # one character off
    for bad in ("", "x" * 43, other):
        r = manage("GET", info, token=bad)
        assert r.status_code == 401, r.text
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
    r = requests.get(info["registration_client_uri"])
    assert r.status_code == 401 and "Bearer" in r.headers["WWW-Authenticate"]


def test_another_clients_token_reads_nothing(reg):
    a = register(reg, native()).json()
    b = register(reg, native()).json()
    r = manage("GET", a, token=b["registration_access_token"])
    assert r.status_code == 401
    gone = dict(a, registration_client_uri=reg.issuer + "/register/nope")
    assert manage("GET", gone).status_code == 401


def test_update_replaces_the_metadata(reg):
    info = register(reg, native(client_name="Old")).json()
    new = "http://127.0.0.1:8888/new"
    r = manage("PUT", info, json={"client_id": info["client_id"], "redirect_uris": [new],
                                  "token_endpoint_auth_method": "none",
                                  "grant_types": ["authorization_code", "refresh_token"],
                                  "client_name": "New"})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["client_name"] == "New" and doc["redirect_uris"] == [new]
    assert doc["client_id"] == info["client_id"]
    assert doc["client_id_issued_at"] == info["client_id_issued_at"]
    assert manage("GET", info).json()["client_name"] == "New"
    # the old redirect URI is no longer registered; the new one is
    _, page, _ = authorize(reg, info["client_id"], REDIRECT)
    assert page.status_code == 400
    _, page, _ = authorize(reg, info["client_id"], new)
    assert page.status_code == 200, page.text
    # a different client_id, or bad metadata, is refused and changes nothing
    r = manage("PUT", info, json={"client_id": "other", "redirect_uris": [new]})
    assert r.status_code == 400 and r.json()["error"] == "invalid_client_metadata"
    r = manage("PUT", info, json={"redirect_uris": ["http://evil.example/cb"]})
    assert r.status_code == 400 and r.json()["error"] == "invalid_redirect_uri"
    assert manage("GET", info).json()["client_name"] == "New"


def test_turning_confidential_issues_a_secret(reg):
    info = register(reg, native()).json()
    r = manage("PUT", info, json={"redirect_uris": [REDIRECT],
                                  "token_endpoint_auth_method": "client_secret_post",
                                  "grant_types": ["authorization_code", "client_credentials"]})
    assert r.status_code == 200, r.text
    secret = r.json()["client_secret"]
    t = requests.post(reg.issuer + "/token", data={
        "grant_type": "client_credentials", "client_id": info["client_id"],
        "client_secret": secret})
    assert t.status_code == 200, t.text


def test_delete_ends_the_client_and_its_tokens(reg):
    info = register(reg, native()).json()
    cid = info["client_id"]
    tok = tokens_for(reg, cid, REDIRECT, scope="openid offline_access")
    assert reg.introspect(tok["access_token"]).json()["active"] is True
    assert cid in reg.cli("client", "list").stdout
    d = manage("DELETE", info)
    assert d.status_code == 204, d.text
    assert manage("GET", info).status_code == 401
    assert manage("DELETE", info).status_code == 401
    r = refresh(reg, cid, tok["refresh_token"])
    assert r.status_code in (400, 401), r.text
    assert r.json()["error"] in ("invalid_grant", "invalid_client")
    assert reg.introspect(tok["access_token"]).json() == {"active": False}
    assert reg.introspect(tok["refresh_token"]).json() == {"active": False}
    assert cid not in reg.cli("client", "list").stdout
    _, page, _ = authorize(reg, cid, REDIRECT)
    assert page.status_code == 400


def test_management_is_off_with_registration(server):
    r = requests.get(server.issuer + "/register/spa", headers={"Authorization": "Bearer x"})
    assert r.status_code == 404


# ---- consent: registered clients are never trusted ----

def test_first_authorization_shows_consent_with_the_escaped_name(reg):
    name = '<script>alert("x")</script> Tool'
    info = register(reg, native(client_name=name, client_uri="https://tool.example/")).json()
    cid = info["client_id"]
    s, page, verifier = authorize(reg, cid, REDIRECT, scope="openid profile")
    assert page.status_code == 200
    r, consent = sign_in(reg, s, page)
    assert consent is not None, "a self-registered client must get the consent page"
    assert "<script>alert" not in consent.text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Tool" in consent.text
    assert "registered itself" in consent.text
    assert exchange(reg, cid, REDIRECT, code_of(r), verifier).status_code == 200
    # remembered consent applies afterwards: the signed-in browser gets a code
    _, again, _ = authorize(reg, cid, REDIRECT, scope="openid profile", session=s)
    assert again.status_code in (302, 303) and "code" in query_of(again.headers["Location"])


def test_prompt_none_first_time_needs_consent(reg):
    info = register(reg, native()).json()
    s, page, _ = authorize(reg, info["client_id"], REDIRECT)
    r, _ = sign_in(reg, s, page, decision="deny")
    _, silent, _ = authorize(reg, info["client_id"], REDIRECT, scope="openid profile",
                             session=s, extra={"prompt": "none"})
    assert query_of(silent.headers["Location"])["error"] == "consent_required"


def test_cli_clients_consent_page_has_no_registration_note(server):
    s, page = server.authorize(challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    r = server.session = s
    f = fields(page.text) + [("username", "alice"), ("password", "correct horse battery staple")]
    r = s.post(server.issuer + "/login", data=f, allow_redirects=False)
    assert 'action="/consent"' in r.text and "registered itself" not in r.text


# ---- initial access tokens ----

def iat(gh, *args):
    out = gh.cli("registration", "token", "create", *args).stdout
    m = re.search(r"^initial_access_token ([A-Za-z0-9_-]+)$", out, re.M)
    assert m, out
    return m.group(1)


def test_token_mode_needs_an_initial_access_token(gh):
    gh.setup()
    gh.start("--registration", "token")
    r = register(gh, native())
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    r = register(gh, native(), token="not-a-token")
    assert r.status_code == 401 and r.json()["error"] == "invalid_token"
    t = iat(gh, "--uses", "2")
    assert register(gh, native(), token=t).status_code == 201
    # bad metadata with a good token spends nothing
    assert register(gh, native("http://evil.example/"), token=t).status_code == 400
    assert register(gh, native(), token=t).status_code == 201
    r = register(gh, native(), token=t)
    assert r.status_code == 401, "used up"
    if gh.sqlite_path():
        assert t.encode() not in open(gh.sqlite_path(), "rb").read()


def test_initial_access_token_expires(gh):
    gh.setup()
    gh.start("--registration", "token")
    t = iat(gh, "--ttl", "1", "--uses", "5")
    time.sleep(2.1)
    assert register(gh, native(), token=t).status_code == 401


def test_initial_access_tokens_are_useless_in_open_mode_and_cli_checks(gh):
    gh.setup()
    assert gh.cli("registration", "token", "create", "--ttl", "0", check=False).returncode == 2
    assert gh.cli("registration", "token", "create", "--uses", "x", check=False).returncode == 2
    assert gh.cli("registration", "frobnicate", check=False).returncode == 2
    a, b = iat(gh), iat(gh)
    assert a != b


# ---- rate limit per address ----

def test_registration_is_rate_limited_per_address(gh):
    gh.setup()
    gh.start("--registration", "open", "--registration-rate", "3",
             "--trusted-proxies", "127.0.0.1")
    one = {"X-Forwarded-For": "203.0.113.7"}
    for _ in range(3):
        assert register(gh, native(), headers=one).status_code == 201
    r = register(gh, native(), headers=one)
    assert r.status_code == 429, r.text
    assert int(r.headers["Retry-After"]) > 0
    # failed attempts count too, and another address is not held back
    other = {"X-Forwarded-For": "203.0.113.8"}
    assert register(gh, native(), headers=other).status_code == 201
    six = {"X-Forwarded-For": "2001:db8:1:2::1"}
    for _ in range(3):
        register(gh, native("http://evil.example/"), headers=six)
    same64 = {"X-Forwarded-For": "2001:db8:1:2::ffff"}
    assert register(gh, native(), headers=same64).status_code == 429


# ---- the CLI ----

def test_client_list_shows_how_clients_came_and_remove_works(reg):
    info = register(reg, native()).json()
    cid = info["client_id"]
    lines = reg.cli("client", "list").stdout.splitlines()
    mine = [l for l in lines if l.startswith(cid)]
    assert mine and "via=registration" in mine[0], lines
    assert any(l.startswith("spa ") and "via=cli" in l for l in lines), lines
    assert "via=registration" in reg.cli("client", "show", "--id", cid).stdout
    reg.cli("client", "remove", "--id", cid)
    assert manage("GET", info).status_code == 401
    # running servers learn of CLI changes within a second
    assert eventually(lambda: authorize(reg, cid, REDIRECT)[1].status_code == 400)


# ---- what a client registers is enforced like what `client add` sets ----

def test_registered_metadata_is_enforced(reg):
    """grant_types, dpop_bound_access_tokens and post_logout_redirect_uris
    of a registration rule the client's requests as the same options of
    `client add` do (RFC 7591 2, RFC 9449 5.2, RP-Initiated Logout 3.1)."""
    from dpop_util import Key

    # a confidential client registered for client_credentials only: no code
    r = register(reg, {"token_endpoint_auth_method": "client_secret_basic",
                       "grant_types": ["client_credentials"], "scope": "openid"})
    assert r.status_code == 201, r.text
    svc = r.json()
    _, page, _ = authorize(reg, svc["client_id"], REDIRECT)
    assert page.status_code == 400, page.text  # no registered redirect URI: an error page
    # a code-only public client: its code is redeemed, no refresh token, refresh refused
    r = register(reg, native(grant_types=["authorization_code"]))
    assert r.status_code == 201, r.text
    code_only = r.json()["client_id"]
    t = tokens_for(reg, code_only, REDIRECT)
    assert "refresh_token" not in t, t
    rr = refresh(reg, code_only, "x" * 54)
    assert rr.status_code == 400 and rr.json()["error"] == "unauthorized_client", rr.text
    assert "client_credentials" in reg.cli("client", "show", "--id", svc["client_id"]).stdout
    # dpop_bound_access_tokens: a token request without a proof is refused
    r = register(reg, native(dpop_bound_access_tokens=True,
                             post_logout_redirect_uris=["http://127.0.0.1:7777/bye"]))
    assert r.status_code == 201, r.text
    bound = r.json()["client_id"]
    assert "dpop-bound" in reg.cli("client", "show", "--id", bound).stdout
    s, page, verifier = authorize(reg, bound, REDIRECT)
    code = code_of(sign_in(reg, s, page)[0])
    t = exchange(reg, bound, REDIRECT, code, verifier)
    assert t.status_code == 400 and t.json()["error"] == "invalid_dpop_proof", t.text
    s, page, verifier = authorize(reg, bound, REDIRECT, session=s)
    code = code_of(sign_in(reg, s, page)[0] if page.status_code == 200 else page)
    key = Key()
    t = requests.post(reg.issuer + "/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
        "code_verifier": verifier, "client_id": bound},
        headers={"DPoP": key.proof("POST", reg.issuer + "/token")})
    assert t.status_code == 200 and t.json()["token_type"] == "DPoP", t.text
    # its post_logout_redirect_uri is where /logout sends the browser back
    r = s.get(reg.issuer + "/logout", params={
        "id_token_hint": t.json()["id_token"], "post_logout_redirect_uri":
        "http://127.0.0.1:7777/bye", "state": "z"}, allow_redirects=False)
    assert r.status_code in (302, 303), r.text
    assert r.headers["Location"] == "http://127.0.0.1:7777/bye?state=z"
