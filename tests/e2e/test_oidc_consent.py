"""Remembered consent (OIDC Core 1.0 3.1.2.4): per user, client and scope
set, in the store (schema 6), shared by every process of a deployment; a
wider scope set or prompt=consent asks again; `user remove` forgets it."""
import os
import time

import pytest
import requests

from conftest import PASSWORD, form_fields, pkce_pair, query_of
from test_oidc_prompt import authorize, is_consent_page, is_login_page, redirect_query


@pytest.fixture
def op(gh):
    gh.setup()
    gh.start()
    return gh


def post_login(g, s, page, base=None):
    fields = form_fields(page.text)
    fields.update(username="alice", password=PASSWORD)
    return s.post((base or g.issuer) + "/login", data=fields, allow_redirects=False)


def consent(g, s, page, decision="allow", base=None):
    fields = form_fields(page.text)
    fields["decision"] = decision
    return s.post((base or g.issuer) + "/consent", data=fields, allow_redirects=False)


def fresh_sign_in(g, scope="openid api", base=None, **extra):
    """A new browser signs in to spa; the answer after the password."""
    s = requests.Session()
    _, challenge = pkce_pair()
    params = {"response_type": "code", "client_id": "spa",
              "redirect_uri": f"{g.app}/callback", "scope": scope, "state": "st-123",
              "code_challenge": challenge, "code_challenge_method": "S256", **extra}
    page = s.get((base or g.issuer) + "/authorize", params=params, allow_redirects=False)
    assert is_login_page(page), page.text[:200]
    return s, post_login(g, s, page, base)


def test_second_sign_in_same_scopes_asks_no_consent(op):
    s, r = fresh_sign_in(op)
    assert is_consent_page(r)
    assert "code" in redirect_query(consent(op, s, r))
    # another browser, another sign-in: no consent page
    _, r = fresh_sign_in(op)
    assert "code" in redirect_query(r)
    # a narrower set asks nothing either; with the session, prompt=none works
    _, r = fresh_sign_in(op, scope="api")
    assert "code" in redirect_query(r)
    assert "code" in redirect_query(authorize(op, s, client="spa", scope="openid api",
                                              prompt="none"))


def test_wider_scope_asks_again_then_remembers_both(op):
    s, r = fresh_sign_in(op, scope="openid")
    consent(op, s, r)
    r = authorize(op, s, client="spa", scope="openid api")
    assert is_consent_page(r) and "<code>api</code>" in r.text
    r2 = authorize(op, s, client="spa", scope="openid api", prompt="none")
    assert query_of(r2.headers["Location"])["error"] == "consent_required"
    consent(op, s, r)
    assert "code" in redirect_query(authorize(op, s, client="spa", scope="api"))
    assert "code" in redirect_query(authorize(op, s, client="spa", scope="openid"))


def test_prompt_consent_asks_again(op):
    s, r = fresh_sign_in(op)
    consent(op, s, r)
    assert is_consent_page(authorize(op, s, client="spa", scope="openid api", prompt="consent"))
    _, r = fresh_sign_in(op, prompt="consent")
    assert is_consent_page(r)


def test_denied_consent_is_not_remembered(op):
    s, r = fresh_sign_in(op)
    assert query_of(consent(op, s, r, "deny").headers["Location"])["error"] == "access_denied"
    _, r = fresh_sign_in(op)
    assert is_consent_page(r)


def test_consent_is_per_user_and_per_client(op):
    op.cli("client", "add", "--id", "spa2", "--public", "--redirect-uri",
           f"{op.app}/callback", "--scope", "openid api")
    time.sleep(1.2)  # servers see client changes within a second
    s, r = fresh_sign_in(op)
    consent(op, s, r)
    assert is_consent_page(authorize(op, s, client="spa2", scope="openid api"))
    op.cli("user", "add", "--username", "bob", "--password-stdin", stdin=PASSWORD)
    s2 = requests.Session()
    page = authorize(op, s2, client="spa", scope="openid api")
    fields = form_fields(page.text)
    fields.update(username="bob", password=PASSWORD)
    r = s2.post(op.issuer + "/login", data=fields, allow_redirects=False)
    assert is_consent_page(r)


def test_user_remove_forgets_consent(op):
    s, r = fresh_sign_in(op)
    consent(op, s, r)
    op.cli("user", "remove", "--username", "alice")
    op.cli("user", "add", "--username", "alice", "--password-stdin", stdin=PASSWORD)
    _, r = fresh_sign_in(op)
    assert is_consent_page(r)


def test_consent_survives_restart(op):
    s, r = fresh_sign_in(op)
    consent(op, s, r)
    op.stop()
    op.start()
    _, r = fresh_sign_in(op)
    assert "code" in redirect_query(r)


@pytest.mark.skipif(os.environ.get("GH_TEST_DB", "sqlite") != "postgres",
                    reason="scale-out needs PostgreSQL (GH_TEST_DB=postgres)")
def test_consent_shared_across_processes(op):
    from test_scaleout import Peer
    peers = [Peer(op, 1), Peer(op, 2)]
    try:
        s, r = fresh_sign_in(op)
        consent(op, s, r)  # given on process 0
        for peer in peers:  # a sign-in on process 1 or 2 asks nothing
            _, r = fresh_sign_in(op, base=peer.url)
            assert "code" in redirect_query(r)
        # a wider set granted on process 2 is remembered on process 1 and 0
        s, r = fresh_sign_in(op, scope="openid profile api", base=peers[1].url)
        consent(op, s, r, base=peers[1].url)
        for base in (peers[0].url, op.issuer):
            _, r = fresh_sign_in(op, scope="openid profile api", base=base)
            assert "code" in redirect_query(r)
    finally:
        for peer in peers:
            peer.stop()
