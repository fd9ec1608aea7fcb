"""Per-client grant types: `client add|update --grant-type G` (repeatable,
one of the token endpoint's grant table, client_credentials only for
confidential clients), shown by `client show` and `client list`; the token
endpoint answers unauthorized_client (RFC 6749 5.2) to a client using a
grant type it was not registered for. Clients registered without the
option keep every grant type their kind may use."""
import re

import pytest
import requests

from conftest import BACKEND_SECRET, eventually, pkce_pair, query_of

CODE_AND_REFRESH = "authorization_code refresh_token"
ALL = "authorization_code refresh_token client_credentials"


def grant_types(gh, client):
    head = gh.cli("client", "show", "--id", client).stdout.splitlines()[0]
    m = re.search(r'grant_types="([^"]*)"', head)
    assert m, head
    return m.group(1)


def unauthorized(r, what):
    assert r.status_code == 400, (r.status_code, r.text)
    assert r.json()["error"] == "unauthorized_client", r.text
    assert what in r.json()["error_description"], r.text


def test_defaults_follow_the_kind_of_client_and_are_shown(gh):
    gh.setup()
    assert grant_types(gh, "spa") == CODE_AND_REFRESH
    assert grant_types(gh, "backend") == ALL
    listed = gh.cli("client", "list").stdout.splitlines()
    (spa,) = [l for l in listed if l.startswith("spa ")]
    assert f'grant_types="{CODE_AND_REFRESH}"' in spa
    # an update without --grant-type keeps them; with it, replaces them
    gh.cli("client", "update", "--id", "backend", "--scope", "api")
    assert grant_types(gh, "backend") == ALL
    gh.cli("client", "update", "--id", "backend", "--grant-type", "client_credentials",
           "--grant-type", "refresh_token", "--grant-type", "client_credentials")
    assert grant_types(gh, "backend") == "client_credentials refresh_token"


@pytest.mark.parametrize("args,why", [
    (["--public", "--redirect-uri", "https://x.example/cb", "--grant-type", "password"],
     "unknown grant type 'password'"),
    (["--public", "--redirect-uri", "https://x.example/cb", "--grant-type",
      "client_credentials"], "confidential"),
    (["--generate-secret", "--grant-type", "implicit"], "unknown grant type 'implicit'"),
    (["--generate-secret", "--grant-type", ""], "unknown grant type"),
])
def test_grant_types_are_checked_against_the_grant_table(gh, args, why):
    gh.setup()
    r = gh.cli("client", "add", "--id", "x", *args, check=False)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert why in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "x " not in gh.cli("client", "list").stdout
    r = gh.cli("client", "update", "--id", "spa", "--grant-type", "client_credentials",
               check=False)
    assert r.returncode == 2 and "confidential" in r.stderr, r.stderr
    assert grant_types(gh, "spa") == CODE_AND_REFRESH


def test_token_endpoint_refuses_a_grant_type_the_client_may_not_use(gh):
    gh.setup()
    out = gh.cli("client", "add", "--id", "svc", "--generate-secret", "--scope", "api",
                 "--grant-type", "client_credentials").stdout
    svc = re.search(r"^client_secret (\S+)$", out, re.M).group(1)
    gh.cli("client", "update", "--id", "backend", "--grant-type", "authorization_code",
           "--grant-type", "refresh_token")
    gh.cli("client", "update", "--id", "spa", "--grant-type", "authorization_code")
    gh.start(api=False)

    assert gh.token({"grant_type": "client_credentials"}, auth=("svc", svc)).status_code == 200
    unauthorized(gh.token({"grant_type": "refresh_token", "refresh_token": "x" * 54},
                          auth=("svc", svc)), "refresh_token")
    unauthorized(gh.token({"grant_type": "authorization_code", "code": "x" * 43,
                           "redirect_uri": "https://x.example/cb", "code_verifier": "v" * 43},
                          auth=("svc", svc)), "authorization_code")
    # the confidential client registered for the code grants only
    unauthorized(gh.token({"grant_type": "client_credentials"},
                          auth=("backend", BACKEND_SECRET)), "client_credentials")
    # the public client still redeems its code, but gets no refresh token
    # (RFC 6749 5.1) and may not refresh
    tokens = gh.tokens()
    assert "access_token" in tokens and "refresh_token" not in tokens, tokens
    unauthorized(gh.refresh("x" * 54), "refresh_token")
    # allowed again: a running server follows the change
    gh.cli("client", "update", "--id", "spa", "--grant-type", "authorization_code",
           "--grant-type", "refresh_token")
    assert eventually(lambda: "refresh_token" in gh.tokens())
    assert gh.refresh(gh.tokens()["refresh_token"]).status_code == 200
    # discovery still lists every grant type of the table
    doc = requests.get(gh.issuer + "/.well-known/oauth-authorization-server").json()
    assert doc["grant_types_supported"] == ALL.split()


def test_authorize_refuses_a_client_without_the_code_grant(gh):
    """RFC 6749 4.1.2.1: a client not registered for the code grant gets
    unauthorized_client at the authorization endpoint, before anyone signs
    in, instead of a code it could never redeem."""
    gh.setup()
    gh.cli("client", "update", "--id", "backend", "--grant-type", "client_credentials")
    gh.start(api=False)
    challenge = pkce_pair()[1]
    _, r = gh.authorize(client="backend", redirect=f"{gh.app}/backend-cb", challenge=challenge)
    assert r.status_code in (302, 303), (r.status_code, r.text[:200])
    q = query_of(r.headers["Location"])
    assert q["error"] == "unauthorized_client", q
    assert q["state"] == "st-123" and q["iss"] == gh.issuer, q
    # the public client, registered for the code grant, still gets the page
    _, r = gh.authorize(challenge=challenge)
    assert r.status_code == 200 and 'action="/login"' in r.text, r.headers.get("Location")
