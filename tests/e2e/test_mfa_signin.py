"""The second factor at sign-in and what the tokens say about it (both
backends): amr and acr (RFC 8176, OIDC Core 2) in the id_token and the
access token, kept across refreshes; the one-time code step after the
password (each code once, throttled, bound to the browser and the password
step); step-up with acr_values=urn:gatehouse:acr:mfa on an existing session;
clients registered with --require-mfa; acr_values_supported in the
metadata."""
import base64
import json
import re
import time

import requests

from conftest import PASSWORD, form_fields, pkce_pair
from test_account import enrol, sign_in, totp, wrong_code

MFA = "urn:gatehouse:acr:mfa"
PWD = "urn:gatehouse:acr:pwd"


def claims(jwt):
    part = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def start(gh, s=None, extra=None, client="spa"):
    """An authorization request; returns (browser, verifier, answer)."""
    verifier, challenge = pkce_pair()
    s, r = gh.authorize(session=s or requests.Session(), challenge=challenge, extra=extra,
                        client=client)
    return s, verifier, r


def password(gh, s, page):
    fields = form_fields(page.text)
    fields.update(username="alice", password=PASSWORD)
    return s.post(gh.issuer + "/login", data=fields, allow_redirects=False)


def give_code(gh, s, page, code, **override):
    fields = form_fields(page.text)
    fields["code"] = code
    fields.update(override)
    return s.post(gh.issuer + "/login/otp", data=fields, allow_redirects=False)


def finish(gh, s, r, verifier):
    """Consent when asked, then the code exchange: the token response."""
    if r.status_code == 200 and 'action="/consent"' in r.text:
        fields = form_fields(r.text)
        fields["decision"] = "allow"
        r = s.post(gh.issuer + "/consent", data=fields, allow_redirects=False)
    assert r.status_code in (302, 303), r.text
    code = re.search(r"[?&]code=([^&]+)", r.headers["Location"]).group(1)
    t = gh.token({"grant_type": "authorization_code", "code": code,
                  "redirect_uri": f"{gh.app}/callback", "client_id": "spa",
                  "code_verifier": verifier})
    assert t.status_code == 200, t.text
    return t.json()


def assert_methods(tokens, amr, acr):
    for jwt in (tokens["id_token"], tokens["access_token"]):
        c = claims(jwt)
        assert c.get("amr") == amr and c.get("acr") == acr, c


def enrolled(gh):
    """alice with one-time codes; returns her secret."""
    s = sign_in(gh)
    secret, _, _ = enrol(gh, s)
    return secret


def code_page(gh, s=None, extra=None):
    s, verifier, page = start(gh, s, extra)
    assert page.status_code == 200, page.text
    r = password(gh, s, page)
    assert r.status_code == 200 and 'action="/login/otp"' in r.text, r.text
    return s, verifier, r


def test_password_sign_in_says_pwd_in_both_tokens_and_after_refresh(server):
    gh = server
    t = gh.tokens()
    assert_methods(t, ["pwd"], PWD)
    r = gh.refresh(t["refresh_token"])
    assert r.status_code == 200, r.text
    assert_methods(r.json(), ["pwd"], PWD)
    meta = requests.get(gh.issuer + "/.well-known/openid-configuration").json()
    assert meta["acr_values_supported"] == [MFA, PWD]
    assert {"acr", "amr"} <= set(meta["claims_supported"])


def test_code_after_password_gives_mfa_and_works_once(server):
    gh = server
    secret = enrolled(gh)
    s, verifier, page = code_page(gh)
    assert not s.cookies.get("gh_session"), "no session before the second factor"
    code = totp(secret, time.time() + 30)  # the next step: not used by enrolment
    t = finish(gh, s, give_code(gh, s, page, code), verifier)
    assert_methods(t, ["pwd", "otp"], MFA)
    r = gh.refresh(t["refresh_token"])
    assert_methods(r.json(), ["pwd", "otp"], MFA)
    # the same code again, in another sign-in: refused (RFC 6238 5.2)
    s2, _, page2 = code_page(gh)
    r = give_code(gh, s2, page2, code)
    assert r.status_code == 401 and "not valid" in r.text, r.text
    assert not s2.cookies.get("gh_session")


def test_ticket_is_bound_to_browser_and_password_step(server):
    gh = server
    secret = enrolled(gh)
    s, _, page = code_page(gh)
    code = totp(secret, time.time() + 30)
    fields = form_fields(page.text)
    # a forged ticket, or another user's name under it: back to the sign-in
    forged = fields["ticket"][:-4] + ("AAAA" if not fields["ticket"].endswith("AAAA") else "BBBB")
    r = give_code(gh, s, page, code, ticket=forged)
    assert r.status_code == 403 and 'action="/login"' in r.text, r.text
    # the whole form replayed from another browser (its own CSRF cookie)
    other = requests.Session()
    start(gh, other)
    r = other.post(gh.issuer + "/login/otp", data={**fields, "code": code},
                   allow_redirects=False)
    assert r.status_code == 403 and not other.cookies.get("gh_session"), r.text
    # a password change ends the ticket
    gh.cli("user", "passwd", "--username", "alice", "--password-stdin",
           stdin="another-long-password-42\n")
    r = give_code(gh, s, page, code)
    assert r.status_code == 403, r.text


def test_wrong_codes_are_throttled(server):
    gh = server
    secret = enrolled(gh)
    s, _, page = code_page(gh)
    statuses = [give_code(gh, s, page, wrong_code(secret)).status_code for _ in range(5)]
    assert statuses[:3] == [401, 401, 401] and 429 in statuses, statuses
    r = give_code(gh, s, page, totp(secret, time.time() + 30))
    assert r.status_code == 429 and r.headers.get("Retry-After"), r.status_code
    assert not s.cookies.get("gh_session")


def test_step_up_with_acr_values_asks_only_the_code(server):
    gh = server
    s = sign_in(gh)  # a password session, before any code is set up
    secret, _, _ = enrol(gh, s)
    # the session says pwd; a silent request for mfa cannot be met
    _, _, r = start(gh, s, extra={"acr_values": MFA, "prompt": "none"})
    assert r.status_code in (302, 303) and "error=interaction_required" in r.headers["Location"]
    # without prompt=none: the code page, no password
    _, verifier, page = start(gh, s, extra={"acr_values": MFA})
    assert page.status_code == 200 and 'action="/login/otp"' in page.text, page.text
    assert 'name="password"' not in page.text
    t = finish(gh, s, give_code(gh, s, page, totp(secret, time.time() + 30)), verifier)
    assert_methods(t, ["pwd", "otp"], MFA)
    # the session itself gained the factor: the next request needs nothing
    _, verifier, r = start(gh, s, extra={"acr_values": MFA})
    assert_methods(finish(gh, s, r, verifier), ["pwd", "otp"], MFA)


def test_require_mfa_client(server):
    gh = server
    gh.cli("client", "update", "--id", "spa", "--require-mfa")
    assert "require-mfa" in gh.cli("client", "show", "--id", "spa").stdout
    gh.stop()
    gh.start()  # clients are read at start (and on the periodic reload)
    # no second factor set up: told how to get one, no code
    s, _, page = start(gh)
    r = password(gh, s, page)
    assert r.status_code == 403 and "Second factor required" in r.text and "/account" in r.text, \
        r.text[:3000]
    # codes set up with that password session; the session is asked for one
    secret, _, _ = enrol(gh, s)
    _, verifier, page = start(gh, s)
    assert page.status_code == 200 and 'action="/login/otp"' in page.text, page.text
    # a consent form posted with that page's token instead: still no code
    fields = form_fields(page.text)
    fields["decision"] = "allow"
    r = s.post(gh.issuer + "/consent", data=fields, allow_redirects=False)
    assert r.status_code in (302, 303) and "error=access_denied" in r.headers["Location"]
    assert "code=" not in r.headers["Location"]
    t = finish(gh, s, give_code(gh, s, page, totp(secret, time.time() + 30)), verifier)
    assert_methods(t, ["pwd", "otp"], MFA)
    gh.cli("client", "update", "--id", "spa", "--no-require-mfa")
    assert "require-mfa" not in gh.cli("client", "show", "--id", "spa").stdout


def test_recorder_names_the_code_step(gh):
    """serve --trace: the diagram of a sign-in with a code shows the
    one-time code step between the sign-in and the code, and never the code."""
    from test_hardening_trace import export, flows
    gh.setup()
    gh.start("--trace")
    secret = enrolled(gh)
    s, verifier, page = code_page(gh)
    code = totp(secret, time.time() + 30)
    finish(gh, s, give_code(gh, s, page, code), verifier)
    gh.stop()  # every step written
    flow = [f for f in flows(gh) if f["user"] == "alice"][-1]
    text = export(gh, flow["id"])
    assert "POST /login/otp (code)" in text and "one-time code page" in text, text
    assert text.index("POST /login (username, password)") < text.index("POST /login/otp")
    assert code not in text
