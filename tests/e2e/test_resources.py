"""Resource indicators (RFC 8707) and protected-resource metadata (RFC
9728), SPEC section 11: the resource CLI, `resource` at /authorize and
/token, invalid_target, aud and scope of tokens for a resource, refresh
for any granted resource, the Resource API's metadata document, its
challenges, and the audiences it accepts."""
import base64
import json

import pytest
import requests

from conftest import query_of
from dcr_helpers import authorize, code_of, exchange, refresh, sign_in, tokens_for

MCP = "https://mcp.example.com/mcp"
OTHER = "urn:example:reports"


def claims(jwt):
    p = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))


@pytest.fixture
def res(gh):
    gh.setup()
    gh.cli("resource", "add", "--uri", MCP, "--scope", "api", "--name", "MCP tools")
    gh.cli("resource", "add", "--uri", OTHER)
    gh.start()
    return gh


def redirect(gh):
    return f"{gh.app}/callback"


# ---- the CLI ----

def test_resource_cli(gh):
    gh.setup()
    gh.cli("resource", "add", "--uri", MCP, "--scope", "api admin", "--name", "MCP")
    out = gh.cli("resource", "list").stdout
    assert MCP in out and 'scope="api admin"' in out and 'name="MCP"' in out
    r = gh.cli("resource", "add", "--uri", MCP, check=False)
    assert r.returncode == 1 and "exists" in r.stderr
    for bad in ("relative/path", "https://x.example/#frag", "", "no-scheme.example"):
        r = gh.cli("resource", "add", "--uri", bad, check=False)
        assert r.returncode == 2, (bad, r.stderr)
    assert gh.cli("resource", "add", "--uri", "urn:x", "--scope", 'a "b', check=False
                  ).returncode == 2
    assert gh.cli("resource", "add", check=False).returncode == 2
    gh.cli("resource", "remove", "--uri", MCP)
    assert MCP not in gh.cli("resource", "list").stdout
    r = gh.cli("resource", "remove", "--uri", MCP, check=False)
    assert r.returncode == 1 and "no resource" in r.stderr


# ---- /authorize ----

def test_unknown_resource_at_authorize_is_invalid_target(res):
    for bad in (["https://unknown.example/"], [MCP, "https://unknown.example/"],
                ["not a uri"], ["https://mcp.example.com/mcp#x"]):
        _, page, _ = authorize(res, "spa", redirect(res), resources=bad)
        assert page.status_code == 302, page.text
        q = query_of(page.headers["Location"])
        assert q["error"] == "invalid_target", (bad, q)
        assert q["error_description"] and q["state"] == "s1"


def test_too_many_resources_refused(res):
    _, page, _ = authorize(res, "spa", redirect(res), resources=[MCP] * 9)
    assert query_of(page.headers["Location"])["error"] == "invalid_target"


# ---- /token ----

def test_aud_is_the_resource_asked_for(res):
    t = tokens_for(res, "spa", redirect(res), scope="openid api", resources=[MCP, OTHER],
                   token_resources=[MCP])
    c = claims(t["access_token"])
    assert c["aud"] == MCP
    assert c["scope"] == "api" and t["scope"] == "api"  # narrowed to the resource's scopes
    assert "id_token" in t  # the client's own id_token is unaffected
    # and without resource at /token: the default audience and the whole scope
    t = tokens_for(res, "spa", redirect(res), scope="openid api", resources=[MCP],
                   token_resources=[])
    assert claims(t["access_token"])["aud"] == res.issuer + "/api"
    assert t["scope"] == "openid api"


def test_resource_without_scope_list_keeps_the_scope(res):
    t = tokens_for(res, "spa", redirect(res), scope="openid api", resources=[OTHER])
    c = claims(t["access_token"])
    assert c["aud"] == OTHER and c["scope"] == "openid api"


def test_token_resource_must_have_been_granted(res):
    s, page, verifier = authorize(res, "spa", redirect(res), scope="openid api",
                                  resources=[MCP])
    r, _ = sign_in(res, s, page)
    code = code_of(r)
    bad = exchange(res, "spa", redirect(res), code, verifier, resources=[OTHER])
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_target", bad.text
    # refused before the code was spent
    ok = exchange(res, "spa", redirect(res), code, verifier, resources=[MCP])
    assert ok.status_code == 200, ok.text


def test_one_resource_per_access_token(res):
    s, page, verifier = authorize(res, "spa", redirect(res), scope="openid api",
                                  resources=[MCP, OTHER])
    r, _ = sign_in(res, s, page)
    t = exchange(res, "spa", redirect(res), code_of(r), verifier, resources=[MCP, OTHER])
    assert t.status_code == 400 and t.json()["error"] == "invalid_target"


def test_no_resource_granted_means_none_at_token(res):
    s, page, verifier = authorize(res, "spa", redirect(res), scope="openid api")
    r, _ = sign_in(res, s, page)
    t = exchange(res, "spa", redirect(res), code_of(r), verifier, resources=[MCP])
    assert t.status_code == 400 and t.json()["error"] == "invalid_target"


def test_refresh_may_ask_for_any_granted_resource(res):
    t = tokens_for(res, "spa", redirect(res), scope="openid api", resources=[MCP, OTHER],
                   token_resources=[MCP])
    r = refresh(res, "spa", t["refresh_token"], resources=[OTHER])
    assert r.status_code == 200, r.text
    assert claims(r.json()["access_token"])["aud"] == OTHER
    r2 = refresh(res, "spa", r.json()["refresh_token"], resources=[MCP])
    assert claims(r2.json()["access_token"])["aud"] == MCP
    bad = refresh(res, "spa", r2.json()["refresh_token"], resources=["https://unknown.example/"])
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_target"
    # the refused refresh rotated nothing: the token still works, default aud
    r3 = refresh(res, "spa", r2.json()["refresh_token"])
    assert r3.status_code == 200, r3.text
    assert claims(r3.json()["access_token"])["aud"] == res.issuer + "/api"


def test_a_removed_resource_is_no_longer_issued(res):
    t = tokens_for(res, "spa", redirect(res), scope="openid api", resources=[MCP, OTHER],
                   token_resources=[MCP])
    res.cli("resource", "remove", "--uri", OTHER)
    r = refresh(res, "spa", t["refresh_token"], resources=[OTHER])
    assert r.status_code == 400 and r.json()["error"] == "invalid_target"


# ---- the Resource API: RFC 9728 ----

def test_protected_resource_metadata(res):
    r = requests.get(res.api + "/.well-known/oauth-protected-resource")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    doc = r.json()
    assert doc["resource"] == res.api
    assert doc["authorization_servers"] == [res.issuer]
    assert doc["bearer_methods_supported"] == ["header"]
    assert doc["dpop_signing_alg_values_supported"] == ["ES256", "EdDSA"]
    assert set(doc["scopes_supported"]) == {"api", "admin"}


def test_challenges_carry_resource_metadata_bearer_first(res):
    url = res.api + "/.well-known/oauth-protected-resource"
    for headers in ({}, {"Authorization": "Bearer not.a.jwt"}):
        r = requests.get(res.api + "/api/me", headers=headers)
        assert r.status_code == 401
        www = r.headers["WWW-Authenticate"]
        assert www.startswith("Bearer ") and f'resource_metadata="{url}"' in www, www


def test_api_url_with_a_path(gh):
    gh.setup()
    api_url = gh.api + "/v1/"
    gh.cli("resource", "add", "--uri", api_url, "--scope", "api")
    gh.start("--api-url", api_url)
    doc = requests.get(gh.api + "/.well-known/oauth-protected-resource/v1").json()
    assert doc["resource"] == api_url and doc["scopes_supported"] == ["api"]
    assert requests.get(gh.api + "/.well-known/oauth-protected-resource").status_code == 200
    assert requests.get(gh.api + "/.well-known/oauth-protected-resource/v2").status_code == 404
    www = requests.get(gh.api + "/api/me").headers["WWW-Authenticate"]
    assert f'resource_metadata="{gh.api}/.well-known/oauth-protected-resource/v1"' in www
    # tokens for the API's own URL, and for the default audience, are accepted
    t = tokens_for(gh, "spa", f"{gh.app}/callback", scope="openid api", resources=[api_url])
    assert claims(t["access_token"])["aud"] == api_url
    me = requests.get(gh.api + "/api/me", headers={"Authorization": "Bearer " + t["access_token"]})
    assert me.status_code == 200, me.text
    plain = tokens_for(gh, "spa", f"{gh.app}/callback", scope="openid api")
    me = requests.get(gh.api + "/api/me",
                      headers={"Authorization": "Bearer " + plain["access_token"]})
    assert me.status_code == 200, me.text


def test_api_refuses_tokens_for_another_resource(res):
    t = tokens_for(res, "spa", redirect(res), scope="openid api", resources=[MCP])
    me = requests.get(res.api + "/api/me", headers={"Authorization": "Bearer " + t["access_token"]})
    assert me.status_code == 401 and "audience" in me.headers["WWW-Authenticate"]


def test_bad_api_url_stops_the_server(gh):
    gh.setup()
    r = gh.cli("serve", "--api-listen", f"127.0.0.1:{gh.api_port}", "--listen",
               f"127.0.0.1:{gh.port}", "--api-url", "ftp://x.example/", check=False)
    assert r.returncode != 0


def test_client_credentials_with_a_resource(res):
    from conftest import BACKEND_SECRET
    auth = ("backend", BACKEND_SECRET)
    t = requests.post(res.issuer + "/token", data=[("grant_type", "client_credentials"),
                                                   ("scope", "api admin"), ("resource", MCP)],
                      auth=auth)
    assert t.status_code == 200, t.text
    c = claims(t.json()["access_token"])
    assert c["aud"] == MCP and c["scope"] == "api"
    for bad in (["https://unknown.example/"], [MCP, OTHER]):
        r = requests.post(res.issuer + "/token", data=[("grant_type", "client_credentials")] +
                          [("resource", b) for b in bad], auth=auth)
        assert r.status_code == 400 and r.json()["error"] == "invalid_target", r.text
