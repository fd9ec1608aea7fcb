"""DPoP at the token endpoint (RFC 9449 4.3, 5, 6, 8, 10) with hand-made
proofs (tests/e2e/dpop_util.py): binding of access tokens (token_type DPoP,
cnf.jkt, introspection), of public clients' refresh tokens and of codes
(dpop_jkt), clients registered with --dpop-bound, server nonces that work
across processes, and one rejection per proof rule."""
import base64
import http.client
import json
import re
import time
import urllib.parse

import pytest
import requests

from conftest import BACKEND_SECRET, pkce_pair
from dpop_util import Key


def claims_of(jwt):
    part = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def token_url(gh):
    return gh.issuer + "/token"


def code_tokens(gh, key, client="spa", extra_authz=None, proof_key=None, auth=None):
    """Code flow; the exchange carries a proof by proof_key (default key;
    None and key None: no proof). Returns the response."""
    verifier, challenge = pkce_pair()
    redirect = {"spa": f"{gh.app}/callback", "backend": f"{gh.app}/backend-cb"}[client]
    s, page = gh.authorize(client=client, challenge=challenge, redirect=redirect,
                           scope="openid api" if client == "spa" else "api",
                           extra=extra_authz)
    assert page.status_code == 200, page.text
    r = gh.login(s, page)
    assert r.status_code in (302, 303), r.text
    code = re.search(r"[?&]code=([^&]+)", r.headers["Location"]).group(1)
    pk = proof_key or key
    headers = {"DPoP": pk.proof("POST", token_url(gh))} if pk else {}
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect,
            "code_verifier": verifier}
    if auth is None:
        data["client_id"] = client
    return gh.token(data, auth=auth, headers=headers)


def refresh(gh, rt, key, client="spa", auth=None):
    headers = {"DPoP": key.proof("POST", token_url(gh))} if key else {}
    data = {"grant_type": "refresh_token", "refresh_token": rt}
    if auth is None:
        data["client_id"] = client
    return gh.token(data, auth=auth, headers=headers)


def test_metadata_lists_dpop_algs(server):
    doc = requests.get(server.issuer + "/.well-known/oauth-authorization-server").json()
    assert {"ES256", "EdDSA"} <= set(doc["dpop_signing_alg_values_supported"])
    assert "none" not in doc["dpop_signing_alg_values_supported"]
    assert not any(a.startswith("HS") for a in doc["dpop_signing_alg_values_supported"])


@pytest.mark.parametrize("alg", ["ES256", "EdDSA", "RS256"])
def test_code_flow_binds_access_token_and_refresh(server, alg):
    key = Key(alg)
    r = code_tokens(server, key)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "DPoP"
    assert claims_of(body["access_token"])["cnf"] == {"jkt": key.jkt}
    info = server.introspect(body["access_token"]).json()
    assert info["active"] and info["cnf"] == {"jkt": key.jkt} and info["token_type"] == "DPoP"
    r2 = refresh(server, body["refresh_token"], key)
    assert r2.status_code == 200, r2.text
    assert r2.json()["token_type"] == "DPoP"
    assert claims_of(r2.json()["access_token"])["cnf"] == {"jkt": key.jkt}


def test_public_refresh_token_bound_to_key_family_untouched(server):
    key, other = Key(), Key("EdDSA")
    body = code_tokens(server, key).json()
    rt = body["refresh_token"]
    for k in (None, other):
        r = refresh(server, rt, k)
        assert r.status_code == 400, r.text
        assert r.json()["error"] == "invalid_grant"
        assert "DPoP" in r.json()["error_description"]
    # the refusals changed nothing: the key's holder still refreshes
    r = refresh(server, rt, key)
    assert r.status_code == 200, r.text
    r = refresh(server, r.json()["refresh_token"], key)
    assert r.status_code == 200, r.text


def test_plain_bearer_flow_unchanged(server):
    body = server.tokens()
    assert body["token_type"] == "Bearer"
    assert "cnf" not in claims_of(body["access_token"])
    # an unbound public family may later be refreshed with a proof: the new
    # access token is bound, the family stays unbound
    key = Key()
    r = refresh(server, body["refresh_token"], key)
    assert r.status_code == 200 and r.json()["token_type"] == "DPoP"
    r = refresh(server, r.json()["refresh_token"], None)
    assert r.status_code == 200 and r.json()["token_type"] == "Bearer"


def test_confidential_refresh_tokens_not_bound(server):
    key = Key()
    auth = ("backend", BACKEND_SECRET)
    r = code_tokens(server, key, client="backend", auth=auth)
    assert r.status_code == 200, r.text
    assert r.json()["token_type"] == "DPoP"
    r = refresh(server, r.json()["refresh_token"], Key(), auth=auth)
    assert r.status_code == 200, r.text
    r = refresh(server, r.json()["refresh_token"], None, auth=auth)
    assert r.status_code == 200 and r.json()["token_type"] == "Bearer", r.text


def test_client_credentials_with_dpop(server):
    key = Key()
    r = server.token({"grant_type": "client_credentials", "scope": "api"},
                     auth=("backend", BACKEND_SECRET),
                     headers={"DPoP": key.proof("POST", token_url(server))})
    assert r.status_code == 200, r.text
    assert r.json()["token_type"] == "DPoP"
    assert claims_of(r.json()["access_token"])["cnf"]["jkt"] == key.jkt


def test_dpop_jkt_binds_the_code(server):
    key, other = Key(), Key()
    # RFC 9449 10: the code of a request with dpop_jkt needs that key
    r = code_tokens(server, key, extra_authz={"dpop_jkt": key.jkt}, proof_key=other)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text
    r = code_tokens(server, None, extra_authz={"dpop_jkt": key.jkt})
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text
    r = code_tokens(server, key, extra_authz={"dpop_jkt": key.jkt})
    assert r.status_code == 200 and r.json()["token_type"] == "DPoP", r.text


def test_dpop_jkt_malformed_is_refused(server):
    _, challenge = pkce_pair()
    s, r = server.authorize(challenge=challenge, extra={"dpop_jkt": "not-a-thumbprint"})
    assert r.status_code in (302, 303)
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(r.headers["Location"]).query))
    assert q["error"] == "invalid_request" and "dpop_jkt" in q["error_description"]


def test_dpop_bound_client_needs_a_proof(server):
    server.cli("client", "update", "--id", "spa", "--dpop-bound")
    listing = server.cli("client", "list").stdout
    assert "dpop-bound" in listing
    server.stop()
    server.start()
    r = code_tokens(server, None)
    assert r.status_code == 400 and r.json()["error"] == "invalid_dpop_proof", r.text
    assert "DPoP" in r.json()["error_description"]
    r = code_tokens(server, Key())
    assert r.status_code == 200 and r.json()["token_type"] == "DPoP", r.text
    # other clients still choose
    r = server.token({"grant_type": "client_credentials", "scope": "api"},
                     auth=("backend", BACKEND_SECRET))
    assert r.status_code == 200 and r.json()["token_type"] == "Bearer"


# ---- one broken rule at a time (RFC 9449 4.3) ----

def _rules(url):
    k = Key()
    now = int(time.time())
    return {
        "typ JWT": k.proof("POST", url, header={"typ": "JWT"}),
        "no typ": k.proof("POST", url, drop=("typ",)),
        "alg none": k.proof("POST", url, header={"alg": "none"}),
        "alg HS256": k.proof("POST", url, header={"alg": "HS256"}),
        "alg of another key type": k.proof("POST", url, header={"alg": "EdDSA"}),
        "private key in jwk": k.proof("POST", url, header={"jwk": k.private_jwk()}),
        "symmetric jwk": k.proof("POST", url, header={"jwk": {"kty": "oct", "k": "AAAA"}}),
        "no jwk": k.proof("POST", url, drop=("jwk",)),
        "signed by another key": k.proof("POST", url, signer=Key()),
        "htm GET": k.proof("GET", url),
        "htu of another endpoint": k.proof("POST", url.replace("/token", "/revoke")),
        "htu of another host": k.proof("POST", url.replace("127.0.0.1", "localhost")),
        "iat too old": k.proof("POST", url, iat=now - 400),
        "iat in the future": k.proof("POST", url, iat=now + 400),
        "iat a string": k.proof("POST", url, claims={"iat": str(now)}),
        "no jti": k.proof("POST", url, drop=("jti",)),
        "no htu": k.proof("POST", url, drop=("htu",)),
        "not a JWT": "abc.def",
    }


RULES = list(_rules("http://x/token"))


@pytest.mark.parametrize("rule", RULES)
def test_bad_proof_is_invalid_dpop_proof(server, rule):
    proof = _rules(token_url(server))[rule]
    r = server.token({"grant_type": "client_credentials", "scope": "api"},
                     auth=("backend", BACKEND_SECRET), headers={"DPoP": proof})
    assert r.status_code == 400, (rule, r.text)
    assert r.json()["error"] == "invalid_dpop_proof", (rule, r.text)


def test_htu_query_is_ignored_and_replay_refused(server):
    key = Key()
    proof = key.proof("POST", token_url(server) + "?x=1")
    data = {"grant_type": "client_credentials", "scope": "api"}
    auth = ("backend", BACKEND_SECRET)
    r = server.token(data, auth=auth, headers={"DPoP": proof})
    assert r.status_code == 200, r.text
    # RFC 9449 11.1: the same proof again
    r = server.token(data, auth=auth, headers={"DPoP": proof})
    assert r.status_code == 400 and r.json()["error"] == "invalid_dpop_proof", r.text
    assert "replay" in r.json()["error_description"]


def test_two_dpop_headers_refused(server):
    key = Key()
    body = "grant_type=client_credentials&scope=api"
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    c.putrequest("POST", "/token")
    c.putheader("Content-Type", "application/x-www-form-urlencoded")
    c.putheader("Authorization", "Basic " + base64.b64encode(
        f"backend:{BACKEND_SECRET}".encode()).decode())
    c.putheader("DPoP", key.proof("POST", token_url(server)))
    c.putheader("DPoP", key.proof("POST", token_url(server)))
    c.putheader("Content-Length", str(len(body)))
    c.endheaders(body.encode())
    r = c.getresponse()
    assert r.status == 400 and json.loads(r.read())["error"] == "invalid_dpop_proof"
    c.close()


def test_nonce_demanded_and_rotating_across_processes(gh):
    gh.setup()
    gh.start("--dpop-nonce")
    key = Key()
    data = {"grant_type": "client_credentials", "scope": "api"}
    auth = ("backend", BACKEND_SECRET)
    r = gh.token(data, auth=auth, headers={"DPoP": key.proof("POST", token_url(gh))})
    assert r.status_code == 400 and r.json()["error"] == "use_dpop_nonce", r.text
    nonce = r.headers["DPoP-Nonce"]
    r = gh.token(data, auth=auth, headers={"DPoP": key.proof("POST", token_url(gh), nonce="x" * 32)})
    assert r.status_code == 400 and r.json()["error"] == "use_dpop_nonce", r.text
    # a second process on the same database takes the first one's nonce
    gh.stop()
    gh.start("--dpop-nonce")
    r = gh.token(data, auth=auth, headers={"DPoP": key.proof("POST", token_url(gh), nonce=nonce)})
    assert r.status_code == 200, r.text
    assert r.json()["token_type"] == "DPoP"
    assert len(r.headers["DPoP-Nonce"]) == 32
