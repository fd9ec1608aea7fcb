"""The account page, ISSUER/account (both backends): a signed-in user sees
their one-time code state, recovery codes left and browser sessions; sets
up an authenticator app (QR code of the otpauth:// URI, confirmed by one
valid code, RFC 6238), gets recovery codes once, makes new ones, turns the
codes off with a valid code, and signs sessions out. Every form is
CSRF-protected; without a session the page asks to sign in first.

Codes are computed here from the base32 secret the setup page shows
(RFC 6238 with HMAC-SHA-1, 30-second steps, 6 digits)."""
import base64
import hashlib
import hmac
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import time
import xml.etree.ElementTree as ET
import zlib

import pytest
import requests

from conftest import PASSWORD, form_fields, pkce_pair

SVG_NS = "{http://www.w3.org/2000/svg}"


# ---- RFC 6238 in a few lines ----
def totp(secret_b32, t=None):
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int((time.time() if t is None else t) // 30)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    o = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


def wrong_code(secret_b32):
    near = {totp(secret_b32, time.time() + d) for d in (-60, -30, 0, 30, 60)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in near)


# ---- the browser ----
def sign_in(gh, username="alice", session=None):
    """An authorization request, the sign-in form and consent: returns a
    browser (requests.Session) holding the AS's session cookie."""
    _, challenge = pkce_pair()
    s, page = gh.authorize(session=session or requests.Session(), challenge=challenge)
    assert page.status_code == 200, page.text
    r = gh.login(s, page, username=username)
    assert r.status_code in (302, 303), r.text
    assert s.cookies.get("gh_session")
    return s


def account(gh, s):
    return s.get(gh.issuer + "/account", allow_redirects=False)


def post(gh, s, path, page=None, **data):
    """Posts a form of the account page, with the CSRF token of page
    (the account page fetched now when not given)."""
    page = page if page is not None else account(gh, s)
    fields = {"csrf": form_fields(page.text)["csrf"]}
    fields.update(data)
    return s.post(gh.issuer + path, data=fields, allow_redirects=False)


def secret_of(page):
    m = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page.text)
    assert m, page.text
    return m.group(1).replace(" ", "")


def uri_of(page):
    import html
    return html.unescape(re.search(r'id="totp-uri">([^<]+)<', page.text).group(1))


def codes_of(page):
    return re.findall(r"<li>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</li>", page.text)


def own_sid(gh, s):
    """The sid of the session the account page marks as this browser's."""
    return re.search(r'This session<.*?name="sid" value="([^"]+)"', account(gh, s).text,
                     re.S).group(1)


def mfa_state(gh):
    return gh.cli("user", "mfa", "list", "--username", "alice").stdout.strip()


def recovery_rows(gh, code=None):
    where = "sub = 'alice'"
    if code is not None:
        h = hashlib.sha256(code.replace("-", "").encode()).hexdigest()
        where += f" AND hash = X'{h}'" if gh.sqlite_path() else f" AND hash = '\\x{h}'::bytea"
    sql = f"SELECT COUNT(*) FROM recovery_code WHERE {where}"
    path = gh.sqlite_path()
    if path:
        with sqlite3.connect(path) as db:
            return db.execute(sql).fetchone()[0]
    r = subprocess.run(["psql", gh.db, "-tAc", sql], check=True, capture_output=True, text=True)
    return int(r.stdout.strip())


def enrol(gh, s):
    """Set up and confirm one-time codes; returns (secret, recovery codes, confirm page)."""
    page = post(gh, s, "/account/totp/setup")
    assert page.status_code == 200, page.text
    secret = secret_of(page)
    r = post(gh, s, "/account/totp/confirm", page=page, code=totp(secret))
    assert r.status_code == 200, r.text
    return secret, codes_of(r), r


def assert_page_headers(r):
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "form-action 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["Content-Type"].startswith("text/html")


# ---- QR code: the SVG drawn back into pixels and read by zbarimg ----
def svg_modules(svg_text):
    root = ET.fromstring(svg_text)  # well-formed XML
    assert root.tag == SVG_NS + "svg"
    w = int(root.get("viewBox").split()[2])
    grid = [[0] * w for _ in range(w)]
    d = root.find(SVG_NS + "path").get("d")
    for x, y, n in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", d):
        for i in range(int(n)):
            grid[int(y)][int(x) + i] = 1
    return grid


def finder_at(grid, x, y):
    ring = all(grid[y][x + i] and grid[y + 6][x + i] and grid[y + i][x] and grid[y + i][x + 6]
               for i in range(7))
    gap = not any(grid[y + 1][x + 1 + i] or grid[y + 5][x + 1 + i] for i in range(5))
    core = all(grid[y + 2 + j][x + 2 + i] for i in range(3) for j in range(3))
    return ring and gap and core


def png_of(grid, scale=6):
    w = len(grid) * scale
    raw = b"".join(b"\x00" + bytes(0 if grid[y // scale][x // scale] else 255 for x in range(w))
                   for y in range(w))

    def chunk(t, data):
        return (struct.pack(">I", len(data)) + t + data
                + struct.pack(">I", zlib.crc32(t + data) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, w, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


# ---- tests ----
def test_account_needs_a_session(server):
    s = requests.Session()
    r = account(server, s)
    assert r.status_code == 401
    assert "Sign in" in r.text
    assert_page_headers(r)
    for path in ("/account/totp/setup", "/account/totp/confirm", "/account/totp/disable",
                 "/account/recovery", "/account/sessions/signout"):
        r = s.post(server.issuer + path, data={"csrf": "x"}, allow_redirects=False)
        assert r.status_code == 401, path


def test_account_page_shows_user_state_and_sessions(server):
    s = sign_in(server)
    r = account(server, s)
    assert r.status_code == 200, r.text
    assert_page_headers(r)
    assert '<strong id="user">alice</strong>' in r.text
    assert 'id="totp-state">Off<' in r.text
    assert r.text.count('class="tag">This session<') == 1
    assert len(re.findall(r'name="sid" value="[^"]+"', r.text)) == 1
    # an IP-address issuer can be no WebAuthn RP ID: the passkeys section is left out
    assert "Passkeys" not in r.text
    # the cookie hash of a session never reaches the page
    assert s.cookies.get("gh_session") not in r.text


def test_passkeys_section_needs_a_host_name_issuer(gh):
    """A WebAuthn RP ID is a host name: with an issuer named localhost the
    passkeys section is there (with an IP address, see above, it is not)."""
    by_ip = gh.issuer
    gh.issuer = f"http://localhost:{gh.port}"
    gh.setup()
    gh.issuer = by_ip  # the requests still go to 127.0.0.1
    gh.start()
    r = account(gh, sign_in(gh))
    assert r.status_code == 200, r.text
    assert 'id="passkeys"' in r.text and 'id="passkey-add"' in r.text


def test_totp_setup_confirm_recovery_disable(server):
    gh = server
    s = sign_in(gh)
    page = post(gh, s, "/account/totp/setup")
    assert page.status_code == 200, page.text
    assert_page_headers(page)
    secret = secret_of(page)
    assert len(base64.b32decode(secret + "=" * (-len(secret) % 8))) == 20
    uri = uri_of(page)
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    assert "alice" in uri and "digits=6" in uri and "period=30" in uri
    assert mfa_state(gh) == "alice totp=pending passkeys=0"
    # a wrong code: the same secret again, with an error; nothing enabled
    r = post(gh, s, "/account/totp/confirm", page=page, code=wrong_code(secret))
    assert r.status_code == 400
    assert secret_of(r) == secret and "not right" in r.text
    assert mfa_state(gh) == "alice totp=pending passkeys=0"
    # the right code (typed with a space) enables it and shows 10 recovery codes once
    code = totp(secret)
    r = post(gh, s, "/account/totp/confirm", page=r, code=code[:3] + " " + code[3:])
    assert r.status_code == 200, r.text
    assert_page_headers(r)
    codes = codes_of(r)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert mfa_state(gh) == "alice totp=enabled passkeys=0"
    assert recovery_rows(gh) == 10 and recovery_rows(gh, codes[0]) == 1
    # a reload of the account page shows the count, never the codes or the secret
    r = account(gh, s)
    assert 'id="totp-state">On<' in r.text and 'id="recovery-left">10<' in r.text
    assert not any(c in r.text for c in codes) and secret not in r.text
    # a second setup while enabled is refused: turn it off first
    r = post(gh, s, "/account/totp/setup")
    assert r.status_code == 409
    assert mfa_state(gh) == "alice totp=enabled passkeys=0"
    # new recovery codes replace the old ones
    r = post(gh, s, "/account/recovery")
    assert r.status_code == 200, r.text
    fresh = codes_of(r)
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    assert recovery_rows(gh) == 10
    assert recovery_rows(gh, codes[0]) == 0 and recovery_rows(gh, fresh[3]) == 1
    # turning off needs a valid code, and one not used already
    r = post(gh, s, "/account/totp/disable")
    assert r.status_code == 400
    r = post(gh, s, "/account/totp/disable", code=wrong_code(secret))
    assert r.status_code == 400 and "not right" in r.text
    r = post(gh, s, "/account/totp/disable", code=code)  # the code that confirmed: used
    assert r.status_code == 400
    assert mfa_state(gh) == "alice totp=enabled passkeys=0"
    r = post(gh, s, "/account/totp/disable", code=totp(secret, time.time() + 30))
    assert r.status_code == 200, r.text
    assert 'id="totp-state">Off<' in r.text
    assert mfa_state(gh) == "alice totp=off passkeys=0"
    assert recovery_rows(gh) == 0
    r = post(gh, s, "/account/recovery")
    assert r.status_code == 409
    # neither the secret nor a recovery code was logged
    log = gh.logtext()
    assert secret not in log and not any(c in log for c in codes + fresh)


def test_confirm_without_setup_and_wrong_codes_are_throttled(server):
    gh = server
    s = sign_in(gh)
    r = post(gh, s, "/account/totp/confirm", code="123456")
    assert r.status_code == 409
    page = post(gh, s, "/account/totp/setup")
    secret = secret_of(page)
    statuses = []
    # waits are whole seconds: fail on until one leaves at least a second
    # for the right code below
    for _ in range(16):
        r = post(gh, s, "/account/totp/confirm", page=page, code=wrong_code(secret))
        statuses.append(r.status_code)
        if r.status_code == 429:
            wait = int(r.headers["Retry-After"])
            assert wait >= 1 and "Wait" in r.text
            assert secret_of(r) == secret
            if wait >= 2:
                break
            time.sleep(wait)
    assert statuses[:3] == [400, 400, 400] and 429 in statuses, statuses
    # while it waits even the right code is not looked at
    r = post(gh, s, "/account/totp/confirm", page=page, code=totp(secret))
    assert r.status_code == 429
    assert mfa_state(gh) == "alice totp=pending passkeys=0"
    # the password is not held back by wrong codes
    sign_in(gh)


def test_qr_code_is_an_svg_of_the_uri(server):
    gh = server
    s = sign_in(gh)
    page = post(gh, s, "/account/totp/setup")
    m = re.search(r"<svg .*?</svg>", page.text, re.S)
    assert m, page.text
    grid = svg_modules(m.group(0))
    quiet, w = 4, len(grid)
    assert not any(grid[quiet - 1]) and not any(row[quiet - 1] for row in grid)
    n = w - 2 * quiet
    for x, y in ((0, 0), (n - 7, 0), (0, n - 7)):
        assert finder_at(grid, quiet + x, quiet + y), (x, y)
    assert secret_of(page) not in m.group(0)  # only modules, never the text
    if shutil.which("zbarimg") is None:
        pytest.skip("zbarimg (zbar-tools) is not installed: the QR code is not decoded")
    path = os.path.join(gh.tmpdir, "qr.png")
    with open(path, "wb") as f:
        f.write(png_of(grid))
    out = subprocess.run(["zbarimg", "--raw", "-q", path], capture_output=True, text=True,
                         timeout=30)
    assert out.stdout.strip() == uri_of(page)


def test_csrf_missing_wrong_or_from_another_session(server):
    gh = server
    a, b = sign_in(gh), sign_in(gh)
    r = a.post(gh.issuer + "/account/totp/setup", allow_redirects=False)
    assert r.status_code == 403
    r = a.post(gh.issuer + "/account/totp/setup", data={"csrf": "A" * 43},
               allow_redirects=False)
    assert r.status_code == 403
    assert_page_headers(r)
    # b's token, with a's cookies: bound to another session and browser
    r = post(gh, a, "/account/totp/setup", page=account(gh, b))
    assert r.status_code == 403
    # the token of the sign-in form does not fit either
    _, challenge = pkce_pair()
    _, login_page = gh.authorize(session=a, challenge=challenge, extra={"prompt": "login"})
    r = post(gh, a, "/account/totp/setup", page=login_page)
    assert r.status_code == 403
    assert mfa_state(gh) == "alice totp=off passkeys=0"
    sid = re.search(r'name="sid" value="([^"]+)"', account(gh, b).text).group(1)
    r = a.post(gh.issuer + "/account/sessions/signout", data={"sid": sid},
               allow_redirects=False)
    assert r.status_code == 403
    assert account(gh, b).status_code == 200


def test_sessions_listed_and_signed_out(server):
    gh = server
    gh.cli("user", "add", "--username", "bob", "--password-stdin", stdin=PASSWORD)
    a, b = sign_in(gh), sign_in(gh)
    bob = sign_in(gh, username="bob")
    page = account(gh, a)
    sids = re.findall(r'name="sid" value="([^"]+)"', page.text)
    assert len(sids) == 2
    assert page.text.count('class="tag">This session<') == 1
    a_sid, b_sid = own_sid(gh, a), own_sid(gh, b)
    assert sorted(sids) == sorted([a_sid, b_sid])
    # another user's session cannot be signed out from here
    bob_sid = re.search(r'name="sid" value="([^"]+)"', account(gh, bob).text).group(1)
    r = post(gh, a, "/account/sessions/signout", sid=bob_sid)
    assert r.status_code == 404
    assert account(gh, bob).status_code == 200
    r = post(gh, a, "/account/sessions/signout", sid="no-such-session")
    assert r.status_code == 404
    # a signs b out: b's cookie no longer works, a's does
    r = post(gh, a, "/account/sessions/signout", sid=b_sid)
    assert r.status_code == 200, r.text
    assert re.findall(r'name="sid" value="([^"]+)"', r.text) == [a_sid]
    assert account(gh, b).status_code == 401
    assert account(gh, a).status_code == 200
    # b's next authorization request shows the sign-in page again
    _, challenge = pkce_pair()
    _, again = gh.authorize(session=b, challenge=challenge)
    assert again.status_code == 200 and 'action="/login"' in again.text
    # a signs itself out: the cookie is cleared and the page says so
    r = post(gh, a, "/account/sessions/signout", sid=a_sid)
    assert r.status_code == 200 and "Signed out" in r.text
    assert "gh_session=;" in r.headers.get("Set-Cookie", "")
    assert account(gh, a).status_code == 401


def sign_in_with_code(gh, code):
    """Password, then the code step of the sign-in (/login/otp)."""
    _, challenge = pkce_pair()
    s, page = gh.authorize(challenge=challenge)
    fields = form_fields(page.text)
    fields.update(username="alice", password=PASSWORD)
    r = s.post(gh.issuer + "/login", data=fields, allow_redirects=False)
    assert r.status_code == 200 and 'action="/login/otp"' in r.text, r.text
    fields = form_fields(r.text)
    fields["code"] = code
    r = s.post(gh.issuer + "/login/otp", data=fields, allow_redirects=False)
    if r.status_code == 200 and 'action="/consent"' in r.text:
        fields = form_fields(r.text)
        fields["decision"] = "allow"
        r = s.post(gh.issuer + "/consent", data=fields, allow_redirects=False)
    assert r.status_code in (302, 303), r.text
    return s


def test_enrolled_codes_work_at_sign_in(server):
    """What the account page sets up is what the sign-in asks for: the
    app's codes and the recovery codes shown once; the sessions list says
    how each session signed in."""
    gh = server
    s = sign_in(gh)
    assert "Password · until" in account(gh, s).text
    secret, codes, _ = enrol(gh, s)
    b = sign_in_with_code(gh, totp(secret, time.time() + 30))
    mine = re.search(r"<li><div><p>Signed in [^<]*<span class=\"tag\">This session</span></p>"
                     r"<p class=\"small\">([^<]*)</p>", account(gh, b).text)
    assert mine and mine.group(1).startswith("Password and one-time code · until"), \
        account(gh, b).text
    c = sign_in_with_code(gh, codes[0].upper().replace("-", " "))
    assert 'id="recovery-left">9<' in account(gh, c).text
    assert recovery_rows(gh, codes[0]) == 0
