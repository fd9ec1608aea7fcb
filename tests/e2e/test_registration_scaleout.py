"""Dynamic registration and resource indicators on three `serve`
processes sharing one PostgreSQL database (SPEC section 11): a client
registered on one is usable on another and deleted on a third, and all
three agree. Skipped on SQLite."""
import os

import pytest
import requests

from conftest import BACKEND_SECRET, eventually
from dcr_helpers import (authorize, code_of, exchange, manage, native, refresh, register,
                         sign_in)
from test_scaleout import Peer

pytestmark = pytest.mark.skipif(os.environ.get("GH_TEST_DB", "sqlite") != "postgres",
                                reason="scale-out needs PostgreSQL (GH_TEST_DB=postgres)")

REDIRECT = "http://127.0.0.1:7777/cb"
MCP = "https://mcp.example.com/mcp"


@pytest.fixture
def trio(gh):
    gh.setup()
    gh.cli("resource", "add", "--uri", MCP, "--scope", "openid offline_access")
    args = ("--registration", "open", "--registration-rate", "4")
    gh.start(*args)
    peers = [Peer(gh, 1, *args), Peer(gh, 2, *args)]
    yield gh, peers
    for p in peers:
        p.stop()


def introspect(base, token):
    return requests.post(base + "/introspect", data={"token": token},
                         auth=("backend", BACKEND_SECRET)).json()


def test_register_use_delete_on_three_processes(trio):
    gh, (p1, p2) = trio
    info = register(gh, native()).json()  # registered on process 0
    cid = info["client_id"]
    # used on process 1 (within a second: servers reload on the revision)
    assert eventually(lambda: authorize(gh, cid, REDIRECT, base=p1.url)[1].status_code == 200)
    s, page, verifier = authorize(gh, cid, REDIRECT, scope="openid offline_access",
                                  resources=[MCP], base=p1.url)
    r, consent = sign_in(gh, s, page, base=p1.url)
    assert consent is not None and "registered itself" in consent.text
    t = exchange(gh, cid, REDIRECT, code_of(r), verifier, resources=[MCP], base=p2.url)
    assert t.status_code == 200, t.text
    tok = t.json()
    assert manage("GET", info, base=p2.url).json()["client_id"] == cid
    r = refresh(gh, cid, tok["refresh_token"], resources=[MCP], base=p1.url)
    assert r.status_code == 200, r.text
    rt = r.json()["refresh_token"]
    assert introspect(gh.issuer, r.json()["access_token"])["active"] is True
    # deleted on process 2: every process agrees
    assert manage("DELETE", info, base=p2.url).status_code == 204
    for base in (gh.issuer, p1.url, p2.url):
        assert manage("GET", info, base=base).status_code == 401
        assert introspect(base, r.json()["access_token"]) == {"active": False}
        assert eventually(lambda: refresh(gh, cid, rt, base=base).status_code in (400, 401))
        assert eventually(lambda: authorize(gh, cid, REDIRECT, base=base)[1].status_code == 400)


def test_rate_limit_and_initial_access_tokens_are_shared(trio):
    gh, (p1, p2) = trio
    hits = [register(gh, native(), base=b).status_code for b in (gh.issuer, p1.url, p2.url,
                                                                  gh.issuer, p1.url)]
    assert hits == [201, 201, 201, 201, 429], hits


def test_initial_access_token_uses_count_across_processes(gh):
    gh.setup()
    gh.start("--registration", "token")
    peer = Peer(gh, 1, "--registration", "token")
    try:
        out = gh.cli("registration", "token", "create", "--uses", "2").stdout
        t = out.split()[1]
        assert register(gh, native(), token=t).status_code == 201
        assert register(gh, native(), token=t, base=peer.url).status_code == 201
        assert register(gh, native(), token=t, base=peer.url).status_code == 401
        assert register(gh, native(), token=t).status_code == 401
    finally:
        peer.stop()


def test_registered_client_is_usable_at_once_on_other_processes(trio):
    """A client that registers and sends its user to /authorize at once
    may land on any process behind the load balancer: each knows it
    without waiting for its periodic reload."""
    gh, (p1, p2) = trio
    for base in (p1.url, p2.url):  # both have just checked the revision
        assert requests.get(base + "/.well-known/openid-configuration").status_code == 200
    confidential = native(token_endpoint_auth_method="client_secret_basic")
    pub = register(gh, native()).json()
    conf = register(gh, confidential).json()
    s, page, verifier = authorize(gh, pub["client_id"], REDIRECT, base=p1.url)
    assert page.status_code == 200, page.text
    r, _ = sign_in(gh, s, page, base=p1.url)
    t = exchange(gh, pub["client_id"], REDIRECT, code_of(r), verifier, base=p1.url)
    assert t.status_code == 200, t.text
    # a confidential client's first call at another process: introspection
    auth = (conf["client_id"], conf["client_secret"])
    i = requests.post(p2.url + "/introspect", data={"token": t.json()["access_token"]}, auth=auth)
    assert i.status_code == 200, i.text
