"""DPoP at the Resource API (RFC 9449 7, 8): Authorization: DPoP with a
proof for this very request and the token's key; bound tokens refused as
Bearer; plain Bearer tokens unchanged; server nonces; and a proof replayed
to three processes on one PostgreSQL database accepted once."""
import concurrent.futures
import os
import time

import pytest
import requests

from conftest import BACKEND_SECRET
from dpop_util import Key
from test_dpop import code_tokens


def bound_token(gh, key):
    r = code_tokens(gh, key)
    assert r.status_code == 200 and r.json()["token_type"] == "DPoP", r.text
    return r.json()["access_token"]


def me(gh, token, proof=None, scheme="DPoP", path="/api/me"):
    headers = {"Authorization": f"{scheme} {token}"}
    if proof is not None:
        headers["DPoP"] = proof
    return requests.get(gh.api + path, headers=headers)


def challenge(r):
    return r.headers.get("WWW-Authenticate", "")


def test_dpop_token_with_proof(server):
    key = Key()
    at = bound_token(server, key)
    url = server.api + "/api/me"
    r = me(server, at, key.proof("GET", url, token=at))
    assert r.status_code == 200, (r.text, challenge(r))
    assert r.json()["sub"] == "alice"
    # every request its own proof; each works once
    p = key.proof("GET", url, token=at)
    assert me(server, at, p).status_code == 200
    r = me(server, at, p)
    assert r.status_code == 401 and "replay" in challenge(r), challenge(r)


def test_bound_token_refused_as_bearer(server):
    key = Key()
    at = bound_token(server, key)
    r = me(server, at, scheme="Bearer")
    assert r.status_code == 401
    c = challenge(r)
    assert c.startswith("DPoP ") and 'error="invalid_token"' in c and "algs=" in c, c
    assert "ES256" in c
    # with a proof beside it, still not as Bearer
    r = me(server, at, key.proof("GET", server.api + "/api/me", token=at), scheme="Bearer")
    assert r.status_code == 401 and challenge(r).startswith("DPoP ")


def _bad_proofs(gh, key, at):
    url = gh.api + "/api/me"
    now = int(time.time())
    return {
        "no proof": None,
        "no ath": key.proof("GET", url),
        "ath of another token": key.proof("GET", url, token=at + "x"),
        "htm POST": key.proof("POST", url, token=at),
        "htu of another path": key.proof("GET", gh.api + "/api/admin", token=at),
        "htu of the AS": key.proof("GET", gh.issuer + "/api/me", token=at),
        "another key": Key().proof("GET", url, token=at),
        "iat too old": key.proof("GET", url, token=at, iat=now - 400),
        "typ JWT": key.proof("GET", url, token=at, header={"typ": "JWT"}),
        "private jwk": key.proof("GET", url, token=at, header={"jwk": key.private_jwk()}),
        "bad signature": key.proof("GET", url, token=at, signer=Key()),
    }


BAD = ["no proof", "no ath", "ath of another token", "htm POST", "htu of another path",
       "htu of the AS", "another key", "iat too old", "typ JWT", "private jwk",
       "bad signature"]


def test_api_refuses_each_bad_proof(server):
    key = Key()
    at = bound_token(server, key)
    proofs = _bad_proofs(server, key, at)
    assert sorted(proofs) == sorted(BAD)
    for name in BAD:
        r = me(server, at, proofs[name])
        c = challenge(r)
        assert r.status_code == 401, (name, r.status_code, r.text)
        assert c.startswith("DPoP ") and 'error="invalid_token"' in c, (name, c)
    # and after all of them the right proof still works
    r = me(server, at, key.proof("GET", server.api + "/api/me", token=at))
    assert r.status_code == 200


def test_unbound_token_with_dpop_scheme_refused_bearer_unchanged(server):
    at = server.tokens()["access_token"]
    key = Key()
    r = me(server, at, key.proof("GET", server.api + "/api/me", token=at))
    assert r.status_code == 401 and "not DPoP-bound" in challenge(r), challenge(r)
    r = me(server, at, scheme="Bearer")
    assert r.status_code == 200
    r = requests.get(server.api + "/api/me")
    assert r.status_code == 401 and challenge(r).startswith("Bearer")


def test_admin_scope_still_checked(server):
    key = Key()
    at = bound_token(server, key)
    r = me(server, at, key.proof("GET", server.api + "/api/admin", token=at), path="/api/admin")
    assert r.status_code == 403 and "insufficient_scope" in challenge(r)


def test_api_nonce(gh):
    gh.setup()
    gh.start("--dpop-nonce")
    key = Key()
    # the AS wants a nonce first
    r = code_tokens(gh, key)
    assert r.status_code == 400 and r.json()["error"] == "use_dpop_nonce"
    tok = requests.post(gh.issuer + "/token", data={
        "grant_type": "client_credentials", "scope": "api"}, auth=("backend", BACKEND_SECRET),
        headers={"DPoP": key.proof("POST", gh.issuer + "/token", nonce=r.headers["DPoP-Nonce"])})
    assert tok.status_code == 200, tok.text
    at = tok.json()["access_token"]
    url = gh.api + "/api/me"
    r = me(gh, at, key.proof("GET", url, token=at))
    assert r.status_code == 401 and 'error="use_dpop_nonce"' in challenge(r), challenge(r)
    nonce = r.headers["DPoP-Nonce"]
    r = me(gh, at, key.proof("GET", url, token=at, nonce=nonce))
    assert r.status_code == 200, challenge(r)


@pytest.mark.skipif(os.environ.get("GH_TEST_DB", "sqlite") != "postgres",
                    reason="processes share a replay table on PostgreSQL")
def test_replay_across_three_processes(gh):
    from test_scaleout import Peer
    gh.setup()
    gh.start()
    peers = [Peer(gh, 1), Peer(gh, 2)]
    try:
        urls = [gh.issuer, peers[0].url, peers[1].url]
        key = Key()
        for _ in range(5):
            proof = key.proof("POST", gh.issuer + "/token")

            def post(base):
                return requests.post(base + "/token", data={
                    "grant_type": "client_credentials", "scope": "api"},
                    auth=("backend", BACKEND_SECRET), headers={"DPoP": proof})
            with concurrent.futures.ThreadPoolExecutor(3) as ex:
                rs = list(ex.map(post, urls))
            codes = sorted(r.status_code for r in rs)
            assert codes == [200, 400, 400], [r.text for r in rs]
            assert all(r.json()["error"] == "invalid_dpop_proof" for r in rs
                       if r.status_code == 400)
    finally:
        for p in peers:
            p.stop()


def test_userinfo_wants_the_proof_of_a_bound_token(server):
    key = Key()
    r = code_tokens(server, key)
    at = r.json()["access_token"]
    url = server.issuer + "/userinfo"
    r = requests.get(url, headers={"Authorization": f"Bearer {at}"})
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("DPoP"), r.text
    r = requests.get(url, headers={"Authorization": f"DPoP {at}",
                                   "DPoP": Key().proof("GET", url, token=at)})
    assert r.status_code == 401, r.text
    proof = key.proof("GET", url, token=at)
    r = requests.get(url, headers={"Authorization": f"DPoP {at}", "DPoP": proof})
    assert r.status_code == 200 and r.json()["sub"] == "alice", r.text
    r = requests.get(url, headers={"Authorization": f"DPoP {at}", "DPoP": proof})
    assert r.status_code == 401 and "replay" in r.headers["WWW-Authenticate"]
