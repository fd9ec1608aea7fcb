"""Passkeys over HTTP (WebAuthn Level 2, SPEC 13; both backends): adding one
on the account page, signing in with it without a user name, and using it
as the second factor after a password (step-up), driven by a software
authenticator written here (Python's cryptography for the keys, a few lines
of CBOR for the attestation object, RFC 8949).

What must be refused is: a challenge used twice, another origin or RP ID,
an authenticator that did not verify the user (UV), a counter that did not
grow, a userHandle of another user, a removed passkey, another user's
passkey on the account page, forms without their CSRF token, and a flood of
challenges from one address. With an IP-address issuer there are no
passkey controls and no script."""
import base64
import hashlib
import json
import os
import re
import struct

import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from conftest import PASSWORD, form_fields, pkce_pair
from test_account import account, sign_in

MFA = "urn:gatehouse:acr:mfa"
UP, UV, AT = 0x01, 0x04, 0x40


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def unb64(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


# ---- CBOR (RFC 8949), only what an attestation object needs ----
def cbor(v):
    def head(major, n):
        if n < 24:
            return bytes([major << 5 | n])
        for ai, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
            if n < 1 << (8 * struct.calcsize(fmt)):
                return bytes([major << 5 | ai]) + struct.pack(fmt, n)
        raise ValueError(n)
    if isinstance(v, bool):
        return b"\xf5" if v else b"\xf4"
    if isinstance(v, int):
        return head(0, v) if v >= 0 else head(1, -1 - v)
    if isinstance(v, bytes):
        return head(2, len(v)) + v
    if isinstance(v, str):
        return head(3, len(v.encode())) + v.encode()
    if isinstance(v, list):
        return head(4, len(v)) + b"".join(cbor(x) for x in v)
    if isinstance(v, dict):
        return head(5, len(v)) + b"".join(cbor(k) + cbor(x) for k, x in v.items())
    raise TypeError(type(v))


class Authenticator:
    """One discoverable credential, the way a platform authenticator makes
    it: fmt none, a counter that grows by one per assertion."""

    def __init__(self, origin, rp_id, alg="ES256"):
        self.origin, self.rp_id, self.alg = origin, rp_id, alg
        self.key = (ed25519.Ed25519PrivateKey.generate() if alg == "EdDSA"
                    else ec.generate_private_key(ec.SECP256R1()))
        self.cred_id = os.urandom(32)
        self.count = 0
        self.user_handle = None

    def cose(self):
        pub = self.key.public_key()
        if self.alg == "EdDSA":
            from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
            return {1: 1, 3: -8, -1: 6, -2: pub.public_bytes(Encoding.Raw, PublicFormat.Raw)}
        n = pub.public_numbers()
        return {1: 2, 3: -7, -1: 1, -2: n.x.to_bytes(32, "big"), -3: n.y.to_bytes(32, "big")}

    def auth_data(self, flags, rp_id=None, attested=b""):
        return (hashlib.sha256((rp_id or self.rp_id).encode()).digest() + bytes([flags])
                + struct.pack(">I", self.count) + attested)

    def client_data(self, typ, challenge, origin=None):
        return json.dumps({"type": typ, "challenge": challenge,
                           "origin": origin or self.origin, "crossOrigin": False}).encode()

    def create(self, options, origin=None, rp_id=None, uv=True):
        assert options["rp"]["id"] == self.rp_id
        assert {p["alg"] for p in options["pubKeyCredParams"]} == {-7, -8, -257}
        self.user_handle = unb64(options["user"]["id"])
        cdj = self.client_data("webauthn.create", options["challenge"], origin)
        attested = (bytes(16) + struct.pack(">H", len(self.cred_id)) + self.cred_id
                    + cbor(self.cose()))
        ad = self.auth_data(UP | (UV if uv else 0) | AT, rp_id, attested)
        att = cbor({"fmt": "none", "attStmt": {}, "authData": ad})
        return {"attestationObject": b64(att), "clientDataJSON": b64(cdj)}

    def get(self, options, origin=None, rp_id=None, uv=True, step=1, user_handle=None):
        self.count += step
        cdj = self.client_data("webauthn.get", options["challenge"], origin)
        ad = self.auth_data(UP | (UV if uv else 0), rp_id)
        msg = ad + hashlib.sha256(cdj).digest()
        sig = (self.key.sign(msg) if self.alg == "EdDSA"
               else self.key.sign(msg, ec.ECDSA(hashes.SHA256())))
        return {"id": b64(self.cred_id), "authenticatorData": b64(ad),
                "clientDataJSON": b64(cdj), "signature": b64(sig),
                "userHandle": b64(user_handle if user_handle is not None else self.user_handle)}


# ---- the server, named localhost (an RP ID must be a host name) ----
def named(gh, *extra):
    """Sets up and starts gh with the issuer http://localhost:PORT; the
    requests still go to 127.0.0.1. Returns (origin, rp_id)."""
    by_ip = gh.issuer
    gh.issuer = f"http://localhost:{gh.port}"
    gh.setup()
    gh.cli("user", "add", "--username", "bob", "--password-stdin", stdin=PASSWORD)
    gh.issuer = by_ip
    gh.start(*extra)
    return f"http://localhost:{gh.port}", "localhost"


def post_account(gh, s, path, **data):
    fields = {"csrf": form_fields(account(gh, s).text)["csrf"]}
    fields.update(data)
    return s.post(gh.issuer + path, data=fields, allow_redirects=False)


def enrol(gh, s, auth, name="Laptop", **kw):
    """Adds auth's passkey on the account page of browser s; the answer."""
    r = post_account(gh, s, "/account/passkeys/options")
    assert r.status_code == 200, r.text
    assert r.headers["Cache-Control"] == "no-store"
    o = r.json()
    assert o["authenticatorSelection"] == {"residentKey": "required",
                                           "requireResidentKey": True,
                                           "userVerification": "required"}
    assert o["attestation"] == "none"
    return post_account(gh, s, "/account/passkeys", name=name, **auth.create(o, **kw))


def enrolled(gh, origin, rp_id, user="alice", **kw):
    auth = Authenticator(origin, rp_id, **kw)
    s = sign_in(gh, username=user)
    r = enrol(gh, s, auth)
    assert r.status_code == 200 and "Passkey added" in r.text, r.text[:2000]
    return auth, s


def login_page(gh, s=None, extra=None):
    verifier, challenge = pkce_pair()
    s, page = gh.authorize(session=s or requests.Session(), challenge=challenge, extra=extra)
    assert page.status_code == 200, page.text
    return s, verifier, page


def request_options(gh, s, **data):
    return s.post(gh.issuer + "/login/passkey/options", data=data)


def assert_post(gh, s, page, answer, **override):
    fields = form_fields(page.text)
    fields.pop("password", None)
    fields.update(answer)
    fields.update(override)
    fields = {k: v for k, v in fields.items() if v is not None}
    return s.post(gh.issuer + "/login/passkey", data=fields, allow_redirects=False)


def sign_in_with(gh, auth, s=None, **kw):
    """A passkey sign-in from the login page: (browser, verifier, answer)."""
    s, verifier, page = login_page(gh, s)
    o = request_options(gh, s).json()
    return s, verifier, assert_post(gh, s, page, auth.get(o, **kw))


def claims(jwt):
    part = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def finish(gh, s, r, verifier):
    if r.status_code == 200 and 'action="/consent"' in r.text:
        fields = form_fields(r.text)
        fields["decision"] = "allow"
        r = s.post(gh.issuer + "/consent", data=fields, allow_redirects=False)
    assert r.status_code in (302, 303), r.text[:2000]
    code = re.search(r"[?&]code=([^&]+)", r.headers["Location"]).group(1)
    t = gh.token({"grant_type": "authorization_code", "code": code,
                  "redirect_uri": f"{gh.app}/callback", "client_id": "spa",
                  "code_verifier": verifier})
    assert t.status_code == 200, t.text
    return t.json()


# ---- tests ----
def test_enrol_then_sign_in_without_user_name(gh):
    origin, rp_id = named(gh)
    auth, s = enrolled(gh, origin, rp_id)
    page = account(gh, s)
    assert "Laptop" in page.text and "never used" in page.text
    assert "passkeys=1" in gh.cli("user", "mfa", "list").stdout
    # a fresh browser: no user name typed, the authenticator names the user
    s2, verifier, page = login_page(gh)
    assert 'id="passkey-signin"' in page.text and 'autocomplete="username webauthn"' in page.text
    o = request_options(gh, s2).json()
    assert o["rpId"] == rp_id and o["userVerification"] == "required"
    assert o["allowCredentials"] == []
    assert len(unb64(o["challenge"])) == 32
    t = finish(gh, s2, assert_post(gh, s2, page, auth.get(o)), verifier)
    for jwt in (t["id_token"], t["access_token"]):
        c = claims(jwt)
        assert c["sub"] == "alice" and c["amr"] == ["hwk", "user"] and c["acr"] == MFA, c
    # the account page says when it was used, and how the session signed in
    page = account(gh, s2)
    assert "last used" in page.text and "Passkey" in page.text
    # EdDSA works too
    auth2 = Authenticator(origin, rp_id, alg="EdDSA")
    assert enrol(gh, s2, auth2, name="Key").status_code == 200
    s3, verifier, r = sign_in_with(gh, auth2)
    assert claims(finish(gh, s3, r, verifier)["id_token"])["amr"] == ["hwk", "user"]


def test_challenge_is_single_use(gh):
    origin, rp_id = named(gh)
    auth, s = enrolled(gh, origin, rp_id)
    s2, _, page = login_page(gh)
    o = request_options(gh, s2).json()
    answer = auth.get(o)
    assert assert_post(gh, s2, page, answer).status_code in (200, 302, 303)
    again = assert_post(gh, requests.Session(), page, answer)
    assert again.status_code in (400, 403) and "code=" not in again.headers.get("Location", "")
    # registration: a used creation challenge cannot add a second passkey
    r = post_account(gh, s, "/account/passkeys/options")
    other = Authenticator(origin, rp_id)
    made = other.create(r.json())
    assert post_account(gh, s, "/account/passkeys", **made).status_code == 200
    other.cred_id = os.urandom(32)
    r = post_account(gh, s, "/account/passkeys", **made)
    assert r.status_code == 400 and "expired or was used" in r.text


def test_wrong_origin_or_rp_id_refused(gh):
    origin, rp_id = named(gh)
    s = sign_in(gh)
    auth = Authenticator(origin, rp_id)
    assert enrol(gh, s, auth, origin="https://evil.example").status_code == 400
    assert enrol(gh, s, auth, rp_id="evil.example").status_code == 400
    assert "passkeys=0" in gh.cli("user", "mfa", "list").stdout
    assert enrol(gh, s, auth).status_code == 200
    for kw in ({"origin": "http://localhost:1"}, {"rp_id": "example.com"}):
        _, _, r = sign_in_with(gh, auth, **kw)
        assert r.status_code == 401 and "gh_session" not in r.cookies, r.text[:2000]


def test_user_verification_required(gh):
    origin, rp_id = named(gh)
    s = sign_in(gh)
    auth = Authenticator(origin, rp_id)
    r = enrol(gh, s, auth, uv=False)
    assert r.status_code == 400 and "did not verify you" in r.text
    assert "passkeys=0" in gh.cli("user", "mfa", "list").stdout
    assert enrol(gh, s, auth).status_code == 200
    _, _, r = sign_in_with(gh, auth, uv=False)
    assert r.status_code == 401 and "could not be verified" in r.text


def test_counter_must_grow(gh):
    origin, rp_id = named(gh)
    auth, _ = enrolled(gh, origin, rp_id)
    s, verifier, r = sign_in_with(gh, auth)  # counter 1
    finish(gh, s, r, verifier)
    _, _, r = sign_in_with(gh, auth, step=0)  # 1 again: a clone?
    assert r.status_code == 401 and "counter did not grow" in r.text
    auth.count = 0
    _, _, r = sign_in_with(gh, auth, step=0)  # backwards
    assert r.status_code == 401
    auth.count = 5
    s, verifier, r = sign_in_with(gh, auth)
    finish(gh, s, r, verifier)


def test_user_handle_must_be_the_credentials_user(gh):
    origin, rp_id = named(gh)
    auth, _ = enrolled(gh, origin, rp_id)
    bob, _ = enrolled(gh, origin, rp_id, user="bob")
    _, _, r = sign_in_with(gh, auth, user_handle=bob.user_handle)
    assert r.status_code == 401 and "does not belong" in r.text
    _, _, r = sign_in_with(gh, auth, user_handle=b"")  # none: required without a user name
    assert r.status_code == 401


def test_removed_passkey_cannot_sign_in_and_others_cannot_touch_it(gh):
    origin, rp_id = named(gh)
    auth, s = enrolled(gh, origin, rp_id)
    cid = b64(auth.cred_id)
    bob = sign_in(gh, username="bob")
    assert post_account(gh, bob, "/account/passkeys/rename", id=cid, name="mine").status_code == 404
    assert post_account(gh, bob, "/account/passkeys/remove", id=cid).status_code == 404
    r = post_account(gh, s, "/account/passkeys/rename", id=cid, name="Phone")
    assert r.status_code == 200 and "Phone" in r.text and "mine" not in r.text
    r = post_account(gh, s, "/account/passkeys/rename", id=cid, name="\x01bad")
    assert r.status_code == 400
    r = post_account(gh, s, "/account/passkeys/remove", id=cid)
    assert r.status_code == 200 and "Passkey removed" in r.text
    assert "passkeys=0" in gh.cli("user", "mfa", "list").stdout
    _, _, r = sign_in_with(gh, auth)
    assert r.status_code == 401 and "not registered" in r.text


def test_csrf_and_bad_input(gh):
    origin, rp_id = named(gh)
    auth, s = enrolled(gh, origin, rp_id)
    # account: no token, a wrong one
    r = s.post(gh.issuer + "/account/passkeys/options", data={})
    assert r.status_code == 403 and r.json()["error"] == "invalid_csrf"
    r = s.post(gh.issuer + "/account/passkeys/remove", data={"id": b64(auth.cred_id)})
    assert r.status_code == 403
    r = requests.post(gh.issuer + "/account/passkeys/options", data={})
    assert r.status_code == 401 and r.json()["error"] == "login_required"
    # sign-in: the answer without the form's token
    s2, _, page = login_page(gh)
    answer = auth.get(request_options(gh, s2).json())
    r = assert_post(gh, s2, page, answer, csrf="x" * 43)
    assert r.status_code == 403 and "gh_session" not in r.cookies
    # malformed input: a clear 400, JSON for the options
    r = s2.post(gh.issuer + "/login/passkey/options", data="a=%zz",
                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    for bad in ({"signature": "!!!"}, {"authenticatorData": None}, {"id": "A" * 5000}):
        r = assert_post(gh, s2, page, answer, **bad)
        assert r.status_code == 400 and "malformed" in r.text, r.text[:1000]
    r = post_account(gh, s, "/account/passkeys", attestationObject="@@", clientDataJSON="e30")
    assert r.status_code == 400 and "malformed" in r.text
    r = post_account(gh, s, "/account/passkeys", attestationObject=b64(b"\xff" * 40),
                     clientDataJSON=b64(b"{}"))
    assert r.status_code == 400


def test_step_up_with_a_passkey_after_a_password(gh):
    origin, rp_id = named(gh)
    auth, s = enrolled(gh, origin, rp_id)  # s: a password session
    _, verifier, page = login_page(gh, s, extra={"acr_values": MFA})
    assert page.status_code == 200 and 'data-passkey="stepup"' in page.text, page.text[:2000]
    assert 'name="password"' not in page.text and "Second factor required" not in page.text
    fields = form_fields(page.text)
    # options for that user only, with the ticket of this browser
    o = request_options(gh, s, username="alice", ticket=fields["ticket"]).json()
    assert [c["id"] for c in o["allowCredentials"]] == [b64(auth.cred_id)]
    assert request_options(gh, requests.Session(), username="alice",
                           ticket=fields["ticket"]).status_code == 403
    # bob's passkey cannot be alice's second factor
    bob, _ = enrolled(gh, origin, rp_id, user="bob")
    r = assert_post(gh, s, page, bob.get(o))
    assert r.status_code in (400, 401) and "code=" not in r.headers.get("Location", "")
    _, verifier, page = login_page(gh, s, extra={"acr_values": MFA})
    fields = form_fields(page.text)
    o = request_options(gh, s, username="alice", ticket=fields["ticket"]).json()
    t = finish(gh, s, assert_post(gh, s, page, auth.get(o)), verifier)
    for jwt in (t["id_token"], t["access_token"]):
        c = claims(jwt)
        assert c["amr"] == ["pwd", "hwk", "user"] and c["acr"] == MFA, c
    # the session gained the factor: the next request asks nothing
    _, r = gh.authorize(session=s, challenge=pkce_pair()[1], extra={"acr_values": MFA})
    assert r.status_code in (302, 303) and "code=" in r.headers["Location"], r.text[:2000]


def test_require_mfa_client_offers_the_passkey(gh):
    origin, rp_id = named(gh)
    auth, _ = enrolled(gh, origin, rp_id)
    gh.cli("client", "update", "--id", "spa", "--require-mfa")
    gh.stop()
    gh.start()
    s, verifier, page = login_page(gh)
    fields = form_fields(page.text)
    fields.update(username="alice", password=PASSWORD)
    r = s.post(gh.issuer + "/login", data=fields, allow_redirects=False)
    assert r.status_code == 200 and 'data-passkey="stepup"' in r.text, r.text[:2000]
    o = request_options(gh, s, username="alice", ticket=form_fields(r.text)["ticket"]).json()
    t = finish(gh, s, assert_post(gh, s, r, auth.get(o)), verifier)
    assert claims(t["id_token"])["amr"] == ["pwd", "hwk", "user"]
    # a passkey alone satisfies the client too
    s, verifier, r = sign_in_with(gh, auth)
    assert claims(finish(gh, s, r, verifier)["id_token"])["acr"] == MFA


def test_ip_issuer_has_no_passkey_controls(server):
    gh = server
    s, _, page = login_page(gh)
    assert "passkey" not in page.text.lower() and "webauthn" not in page.text
    assert "script-src" not in page.headers["Content-Security-Policy"]
    acct = account(gh, sign_in(gh))
    assert 'id="passkeys"' not in acct.text and "passkey.js" not in acct.text
    assert "script-src" not in acct.headers["Content-Security-Policy"]
    r = request_options(gh, s)
    assert r.status_code == 404 and r.json()["error"] == "not_available"


def test_pages_and_script_headers(gh):
    origin, rp_id = named(gh)
    s, _, page = login_page(gh)
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert '<script src="/passkey.js"></script>' in page.text
    assert not re.search(r"<script>|<script [^>]*>[^<]", page.text)  # nothing inline
    js = requests.get(gh.issuer + "/passkey.js")
    assert js.status_code == 200 and js.headers["Content-Type"].startswith("text/javascript")
    assert "max-age" in js.headers["Cache-Control"]
    assert "isConditionalMediationAvailable" in js.text and "conditional" in js.text
    acct = account(gh, sign_in(gh))
    assert 'id="passkey-add"' in acct.text
    assert "script-src 'self'" in acct.headers["Content-Security-Policy"]
    # other pages keep their CSP
    r = requests.get(gh.issuer + "/authorize", params={"client_id": "nope"})
    assert "script-src" not in r.headers.get("Content-Security-Policy", "")


def test_challenge_flood_is_throttled(gh):
    named(gh)
    s = requests.Session()
    codes = [request_options(gh, s).status_code for _ in range(36)]
    assert codes[:30] == [200] * 30, codes
    assert 429 in codes[30:], codes
    r = request_options(gh, s)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert r.json()["error"] == "slow_down"


def test_recorder_names_the_passkey_step(gh):
    from test_hardening_trace import export, flows
    origin, rp_id = named(gh, "--trace")
    auth, _ = enrolled(gh, origin, rp_id)
    s, verifier, r = sign_in_with(gh, auth)
    sent = r.request.body
    finish(gh, s, r, verifier)
    gh.stop()
    flow = [f for f in flows(gh) if f["user"] == "alice"][-1]
    text = export(gh, flow["id"])
    assert "POST /login/passkey (passkey assertion)" in text, text
    fields = dict(x.split("=", 1) for x in sent.split("&"))
    for k in ("signature", "clientDataJSON", "authenticatorData"):
        assert fields[k][:16] not in text


def test_adding_needs_a_recent_sign_in(gh):
    """A passkey is a way in without the password: a session that signed
    in more than 15 minutes ago (a cookie that may have been stolen) cannot
    add one; the rest of the account page still works."""
    from test_hardening_trace import sql
    origin, rp_id = named(gh)
    s = sign_in(gh)
    o = post_account(gh, s, "/account/passkeys/options").json()  # issued while recent
    made = Authenticator(origin, rp_id).create(o)
    sql(gh, "UPDATE browser_session SET created_at = created_at - 3600")
    r = post_account(gh, s, "/account/passkeys/options")
    assert r.status_code == 403 and r.json()["error"] == "login_required"
    assert "recent sign-in" in r.json()["error_description"]
    r = post_account(gh, s, "/account/passkeys", **made)
    assert r.status_code == 403 and "recent sign-in" in r.text
    assert "passkeys=0" in gh.cli("user", "mfa", "list").stdout
    assert account(gh, s).status_code == 200


def test_code_page_offers_the_passkey_instead(gh):
    """A user with one-time codes and a passkey may answer the code step
    with the passkey (the same ticket of the password step)."""
    from test_account import enrol as totp_enrol
    origin, rp_id = named(gh)
    auth, s = enrolled(gh, origin, rp_id)
    totp_enrol(gh, s)
    s2, verifier, page = login_page(gh)
    fields = form_fields(page.text)
    fields.update(username="alice", password=PASSWORD)
    r = s2.post(gh.issuer + "/login", data=fields, allow_redirects=False)
    assert r.status_code == 200 and 'action="/login/otp"' in r.text, r.text[:2000]
    assert "Use a passkey instead" in r.text and "gh_session" not in s2.cookies
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    o = request_options(gh, s2, username="alice", ticket=form_fields(r.text)["ticket"]).json()
    t = finish(gh, s2, assert_post(gh, s2, r, auth.get(o)), verifier)
    assert claims(t["id_token"])["amr"] == ["pwd", "hwk", "user"]
