"""Helpers of the dynamic registration and resource-indicator tests
(RFC 7591, 7592, 8707, 9728): registering, and a browser sign-in whose
forms may repeat a field (`resource`)."""
import html
import re

import requests

from conftest import PASSWORD, pkce_pair, query_of


def register(gh, body, token=None, base=None, headers=None, raw=None):
    h = {"Content-Type": "application/json"}
    if token is not None:
        h["Authorization"] = "Bearer " + token
    h.update(headers or {})
    url = (base or gh.issuer) + "/register"
    if raw is not None:
        return requests.post(url, data=raw, headers=h)
    return requests.post(url, json=body, headers=h)


def native(redirect="http://127.0.0.1:7777/cb", **extra):
    """A public native client's metadata (as MCP clients send it)."""
    body = {"redirect_uris": [redirect], "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"], "client_name": "Test Tool"}
    body.update(extra)
    return body


def manage(method, info, token=None, base=None, **kw):
    """A RFC 7592 request to the client's registration_client_uri."""
    url = info["registration_client_uri"]
    if base is not None:
        url = base + url[url.index("/register/"):]
    tok = info["registration_access_token"] if token is None else token
    return requests.request(method, url, headers={"Authorization": "Bearer " + tok}, **kw)


def fields(text):
    """A form's named fields as (name, value) pairs, repeats kept; the
    consent buttons left out."""
    return [(k, html.unescape(v)) for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', text)
            if k != "decision"]


def authorize(gh, client, redirect, scope="openid", resources=(), session=None, base=None,
              extra=None):
    verifier, challenge = pkce_pair()
    session = session or requests.Session()
    params = [("response_type", "code"), ("client_id", client), ("redirect_uri", redirect),
              ("scope", scope), ("state", "s1"), ("code_challenge", challenge),
              ("code_challenge_method", "S256")]
    params += [("resource", r) for r in resources]
    params += list((extra or {}).items())
    page = session.get((base or gh.issuer) + "/authorize", params=params, allow_redirects=False)
    return session, page, verifier


def sign_in(gh, session, page, base=None, decision="allow"):
    """Posts the sign-in form (and the consent form when it comes); returns
    (last response, consent page or None)."""
    base = base or gh.issuer
    f = fields(page.text) + [("username", "alice"), ("password", PASSWORD)]
    r = session.post(base + "/login", data=f, allow_redirects=False)
    consent = None
    if r.status_code == 200 and 'action="/consent"' in r.text:
        consent = r
        f = fields(r.text) + [("decision", decision)]
        r = session.post(base + "/consent", data=f, allow_redirects=False)
    return r, consent


def code_of(r):
    assert r.status_code in (302, 303), r.text
    q = query_of(r.headers["Location"])
    assert "code" in q, q
    return q["code"]


def exchange(gh, client, redirect, code, verifier, resources=(), base=None, auth=None):
    data = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirect),
            ("code_verifier", verifier)]
    if auth is None:
        data.append(("client_id", client))
    data += [("resource", r) for r in resources]
    return requests.post((base or gh.issuer) + "/token", data=data, auth=auth)


def refresh(gh, client, rt, resources=(), base=None, auth=None):
    data = [("grant_type", "refresh_token"), ("refresh_token", rt)]
    if auth is None:
        data.append(("client_id", client))
    data += [("resource", r) for r in resources]
    return requests.post((base or gh.issuer) + "/token", data=data, auth=auth)


def tokens_for(gh, client, redirect, scope="openid", resources=(), token_resources=None):
    """A whole sign-in for client; the token response."""
    s, page, verifier = authorize(gh, client, redirect, scope, resources)
    assert page.status_code == 200, page.text
    r, _ = sign_in(gh, s, page)
    t = exchange(gh, client, redirect, code_of(r), verifier,
                 resources if token_resources is None else token_resources)
    assert t.status_code == 200, t.text
    return t.json()
