"""Sign-in throttling behind proxies and NATs: `--trusted-proxies` (only
those peers' X-Forwarded-For / Forwarded name the client) and IPv6 clients
throttled per /64.

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
    assert "addr=203.0.113.5" in log and "addr=198.51.100.7" in log
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
    assert "addr=127.0.0.1" in log and "203.0.113.5" not in log


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
