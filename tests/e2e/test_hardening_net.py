"""Sign-in throttling behind proxies and NATs: `--trusted-proxies` (only
those peers' X-Forwarded-For / Forwarded name the client), IPv6 clients
throttled per /64, and device cookies (OWASP "device cookies"): a browser
that signed in as a user before is not held back by the per-address limit,
so one address cannot lock everyone out.

With --login-max-failures 3 an address is locked after 12 failures (four
times the per-user allowance, src/oauth/login.c) and a user name after 3."""
import re

import pytest
import requests

from conftest import PASSWORD, form_fields, pkce_pair

LIMITS = ("--login-max-failures", "3", "--login-lockout", "300")
ADDRESS_LIMIT = 12


def attempt(gh, username, password, headers=None, session=None):
    """One sign-in from a browser (a fresh one unless given); the final answer."""
    s = session or requests.Session()
    s.headers.update(headers or {})
    _, page = gh.authorize(session=s, challenge=pkce_pair()[1])
    assert page.status_code == 200 and 'action="/login"' in page.text, page.text
    return gh.login(s, page, username=username, password=password)


def spray(gh, n, headers=None, first=0):
    """n wrong passwords from one address, each for another user name (so
    no per-user limit stops the attacker first)."""
    return [attempt(gh, f"nobody{first + i}", "wrong", headers).status_code for i in range(n)]


def signed_in(r):
    return r.status_code in (302, 303) and "code=" in r.headers.get("Location", "")


def add_bob(gh):
    gh.cli("user", "add", "--username", "bob", "--password-stdin", stdin=PASSWORD)


def sign_out(browser):
    """The browser's session at the server ends (expiry, sign-out); its
    other cookies stay."""
    for c in list(browser.cookies):
        if c.name == "gh_session":
            browser.cookies.clear(c.domain, c.path, c.name)


# ---- device cookies ----

def test_device_cookie_keeps_its_user_signing_in_through_an_address_lockout(gh):
    gh.setup()
    add_bob(gh)
    gh.start(*LIMITS)
    bob = requests.Session()
    assert signed_in(attempt(gh, "bob", PASSWORD, session=bob))
    assert "gh_device" in bob.cookies.get_dict()
    # an attacker on the same address (a NAT) locks it: 12 failures, then 429
    assert spray(gh, ADDRESS_LIMIT) == [401] * ADDRESS_LIMIT
    assert attempt(gh, "alice", PASSWORD).status_code == 429
    assert attempt(gh, "bob", PASSWORD).status_code == 429  # a browser without the cookie
    # bob's own browser still signs in, after its session ended
    sign_out(bob)
    assert signed_in(attempt(gh, "bob", PASSWORD, session=bob))
    # the cookie is bob's: alice from bob's browser is held back
    sign_out(bob)
    assert attempt(gh, "alice", PASSWORD, session=bob).status_code == 429


def test_device_cookie_failures_lock_that_cookie_only(gh):
    gh.setup()
    add_bob(gh)
    gh.start(*LIMITS)
    bob = requests.Session()
    assert signed_in(attempt(gh, "bob", PASSWORD, session=bob))
    sign_out(bob)
    # wrong passwords with the cookie count against the cookie...
    assert [attempt(gh, "bob", "wrong", session=bob).status_code for _ in range(3)] == [401] * 3
    r = attempt(gh, "bob", PASSWORD, session=bob)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    # ...not against bob: his other browser signs in
    assert signed_in(attempt(gh, "bob", PASSWORD))


def test_forged_or_outdated_device_cookie_is_ignored(gh):
    gh.setup()
    add_bob(gh)
    gh.start(*LIMITS)
    bob = requests.Session()
    assert signed_in(attempt(gh, "bob", PASSWORD, session=bob))
    good = bob.cookies.get("gh_device")
    assert spray(gh, ADDRESS_LIMIT) == [401] * ADDRESS_LIMIT
    flipped = good[:-2] + ("A" if good[-2] != "A" else "B") + good[-1]
    for bad in (flipped, good[:40], "x" * len(good), good + "A", good.replace(".", "_")):
        b = requests.Session()
        b.cookies.set("gh_device", bad)
        assert attempt(gh, "bob", PASSWORD, session=b).status_code == 429, bad
    b = requests.Session()
    b.cookies.set("gh_device", good)
    assert signed_in(attempt(gh, "bob", PASSWORD, session=b))
    # a new password ends the device cookies issued before it
    gh.cli("user", "passwd", "--username", "bob", "--password-stdin", stdin=PASSWORD + "!")
    b = requests.Session()
    b.cookies.set("gh_device", good)
    assert attempt(gh, "bob", PASSWORD + "!", session=b).status_code == 429


def set_cookies(r):
    """The Set-Cookie lines of a response: {name: [attributes, lower-case]}."""
    out = {}
    for c in re.split(r", (?=[\w-]+=)", r.headers.get("Set-Cookie", "")):
        if "=" in c:
            out[c.split("=")[0]] = [a.strip().lower() for a in c.split(";")[1:]]
    return out


def test_device_cookie_attributes(gh):
    gh.setup()
    gh.start()
    s = requests.Session()
    _, page = gh.authorize(session=s, challenge=pkce_pair()[1])
    fields = form_fields(page.text)
    r = s.post(gh.issuer + "/login", data=dict(fields, username="alice", password="wrong"),
               allow_redirects=False)
    assert r.status_code == 401 and "gh_device" not in set_cookies(r)
    r = s.post(gh.issuer + "/login", data=dict(fields, username="alice", password=PASSWORD),
               allow_redirects=False)
    attrs = set_cookies(r)["gh_device"]
    assert "httponly" in attrs and "samesite=lax" in attrs and "path=/" in attrs
    assert "secure" not in attrs  # http issuer
    assert not any(a.startswith("domain") for a in attrs)
    assert any(a.startswith("max-age=") and int(a[8:]) > 86400 for a in attrs)


def test_device_cookie_is_host_prefixed_and_secure_for_an_https_issuer(gh):
    gh.setup()
    gh.start("--issuer", f"https://127.0.0.1:{gh.port}")
    _, page = gh.authorize(challenge=pkce_pair()[1])
    csrf = re.search(r"gh_csrf=([^;]+)", page.headers["Set-Cookie"]).group(1)
    fields = dict(form_fields(page.text), username="alice", password=PASSWORD)
    # Secure cookies are not sent over http: hand the CSRF cookie over
    r = requests.post(gh.issuer + "/login", data=fields, allow_redirects=False,
                      cookies={"gh_csrf": csrf})
    assert r.status_code in (200, 302, 303), r.text
    cookies = set_cookies(r)
    assert "gh_device" not in cookies
    attrs = cookies["__Host-gh_device"]
    assert "secure" in attrs and "path=/" in attrs and "httponly" in attrs
    assert not any(a.startswith("domain") for a in attrs)


# ---- trusted proxies ----

def test_clients_behind_a_trusted_proxy_are_throttled_separately(gh):
    gh.setup()
    gh.start(*LIMITS, "--trusted-proxies", "10.0.0.0/8, 127.0.0.1/32")
    evil = {"X-Forwarded-For": "203.0.113.5"}
    assert spray(gh, ADDRESS_LIMIT, evil) == [401] * ADDRESS_LIMIT
    assert attempt(gh, "alice", PASSWORD, evil).status_code == 429
    # the same client named by Forwarded (RFC 7239), with a port
    assert attempt(gh, "alice", PASSWORD,
                   {"Forwarded": 'for="203.0.113.5:4711";proto=https'}).status_code == 429
    # what the client wrote left of the proxy's entry does not move it
    assert attempt(gh, "alice", PASSWORD,
                   {"X-Forwarded-For": "198.51.100.99, 203.0.113.5"}).status_code == 429
    # hops that are trusted proxies themselves are skipped
    assert attempt(gh, "alice", PASSWORD,
                   {"X-Forwarded-For": "203.0.113.5, 10.1.2.3"}).status_code == 429
    # another client behind the same proxy signs in
    assert signed_in(attempt(gh, "alice", PASSWORD, {"X-Forwarded-For": "198.51.100.7"}))
    assert signed_in(attempt(gh, "alice", PASSWORD,
                             {"Forwarded": 'for="[2001:db8:cafe::17]:4711"'}))
    # the request log names the client
    gh.stop()
    log = gh.logtext()
    assert "addr=203.0.113.5 peer=127.0.0.1" in log and "addr=198.51.100.7" in log
    assert "addr=2001:db8:cafe::17" in log


@pytest.mark.parametrize("trusted", [("--trusted-proxies", "10.0.0.0/8"), ()],
                         ids=["other-proxies", "none"])
def test_forwarding_headers_from_an_untrusted_peer_are_ignored(gh, trusted):
    gh.setup()
    gh.start(*LIMITS, *trusted)
    evil = {"X-Forwarded-For": "203.0.113.5", "Forwarded": "for=203.0.113.5"}
    assert spray(gh, ADDRESS_LIMIT, evil) == [401] * ADDRESS_LIMIT
    # every "client" is the peer, 127.0.0.1, whose limit is reached
    for other in ({"X-Forwarded-For": "198.51.100.7"}, {"Forwarded": "for=198.51.100.7"}, {}):
        assert attempt(gh, "alice", PASSWORD, other).status_code == 429
    gh.stop()
    log = gh.logtext()
    assert "addr=127.0.0.1" in log and "203.0.113.5" not in log and "peer=" not in log


def test_malformed_forwarding_headers_fall_back_to_the_proxy(gh):
    gh.setup()
    gh.start(*LIMITS, "--trusted-proxies", "127.0.0.1")
    bad = [{"X-Forwarded-For": "203.0.113.5, unknown"}, {"Forwarded": 'for="203.0.113.5'},
           {"X-Forwarded-For": "203.0.113.5", "Forwarded": "for=198.51.100.1"},
           {"Forwarded": "for=2001:db8::1"}]
    statuses = []
    for i in range(ADDRESS_LIMIT):
        statuses.append(attempt(gh, f"nobody{i}", "wrong", bad[i % len(bad)]).status_code)
    assert statuses == [401] * ADDRESS_LIMIT
    # all of them counted against the proxy's own address
    assert attempt(gh, "alice", PASSWORD).status_code == 429
    assert signed_in(attempt(gh, "alice", PASSWORD, {"X-Forwarded-For": "203.0.113.5"}))


def test_ipv6_clients_share_a_bucket_per_64(gh):
    gh.setup()
    gh.start(*LIMITS, "--trusted-proxies", "127.0.0.1")
    statuses = [attempt(gh, f"nobody{i}", "wrong",
                        {"X-Forwarded-For": f"2001:db8:1:2::{i + 1:x}"}).status_code
                for i in range(ADDRESS_LIMIT)]
    assert statuses == [401] * ADDRESS_LIMIT
    same64 = {"X-Forwarded-For": "2001:db8:1:2:ffff:ffff:ffff:9"}
    assert attempt(gh, "alice", PASSWORD, same64).status_code == 429
    assert signed_in(attempt(gh, "alice", PASSWORD, {"X-Forwarded-For": "2001:db8:1:3::1"}))
    assert signed_in(attempt(gh, "alice", PASSWORD, {"X-Forwarded-For": "203.0.113.5"}))


def test_bad_trusted_proxies_is_a_usage_error(gh, tmp_path):
    gh.setup()
    for bad, named in (("10.0.0.0/33", "'10.0.0.0/33'"), ("proxy.example", "'proxy.example'"),
                       ("10.0.0.0/8,,10.1.0.0/16", "''")):
        r = gh.cli("serve", "--listen", f"127.0.0.1:{gh.port}", "--trusted-proxies", bad,
                   check=False)
        assert r.returncode == 2, (bad, r.stderr)
        assert "--trusted-proxies" in r.stderr and named in r.stderr, r.stderr
    conf = tmp_path / "gatehouse.conf"
    conf.write_text("trusted-proxies = 10.0.0.0/8, nonsense\n")
    r = gh.cli("serve", "--config", str(conf), check=False)
    assert r.returncode == 2 and "'nonsense'" in r.stderr, r.stderr
