"""Timing (docs/security.md): a sign-in with an unknown user name takes as long as one
with a wrong password, because the server runs a dummy argon2id
verification for unknown users; otherwise the response time would tell an
attacker which user names exist.

Attempts use fresh user names and fresh loopback source addresses so that
the sign-in throttle (a few free failures per user name and per address,
then an exponential wait) never answers instead of the password check.
"""
import statistics
import time

import requests
from requests.adapters import HTTPAdapter

from conftest import PASSWORD, form_fields, pkce_pair

N = 30  # attempts of each kind
USERS = 10  # existing users; three free failures each cover 30 attempts


class FromAddress(HTTPAdapter):
    """Connects from a given local address (any of 127.0.0.0/8)."""

    def __init__(self, addr):
        self.addr = addr
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.addr, 0)
        super().init_poolmanager(*args, **kwargs)


def attempt(gh, addr, username, password):
    """One failed sign-in from addr; returns the seconds the POST took."""
    s = requests.Session()
    s.mount("http://", FromAddress(addr))
    _, page = gh.authorize(session=s, challenge=pkce_pair()[1])
    assert page.status_code == 200, page.text
    fields = form_fields(page.text)
    fields.update(username=username, password=password)
    t = time.perf_counter()
    r = s.post(gh.issuer + "/login", data=fields, allow_redirects=False, timeout=30)
    took = time.perf_counter() - t
    s.close()
    assert r.status_code == 401, (r.status_code, r.text[:300])
    assert "Wrong username or password." in r.text
    return took


def auc(a, b):
    """Mann-Whitney U / (len(a) len(b)): the probability that a sample of a
    is slower than one of b (0.5: indistinguishable; 0 or 1: separated)."""
    u = sum((x > y) + 0.5 * (x == y) for x in a for y in b)
    return u / (len(a) * len(b))


def test_unknown_user_costs_as_much_as_wrong_password(gh):
    gh.setup()
    for i in range(USERS):
        gh.cli("user", "add", "--username", f"user{i}", "--password-stdin", stdin=PASSWORD)
    gh.start("--login-max-failures", "1000", api=False)
    addrs = (f"127.0.{i // 250}.{i % 250 + 2}" for i in range(1000))
    # warm-up, not measured: connections, page cache, the dummy hash itself
    attempt(gh, next(addrs), "nobody-warmup", "x")
    attempt(gh, next(addrs), "alice", "wrong password")
    unknown, wrong = [], []
    for i in range(N):
        pair = [(unknown, f"no-such-user-{i}"), (wrong, f"user{i % USERS}")]
        for out, name in pair if i % 2 == 0 else reversed(pair):
            out.append(attempt(gh, next(addrs), name, f"wrong password {i}"))
    mu, mw = statistics.median(unknown), statistics.median(wrong)
    ratio = mu / mw
    # each pair ran back to back: its ratio cancels the load of the machine
    paired = statistics.median(u / w for u, w in zip(unknown, wrong))
    p = auc(unknown, wrong)
    print(f"\n[timing] unknown user: median {mu * 1000:.1f} ms "
          f"(min {min(unknown) * 1000:.1f}, max {max(unknown) * 1000:.1f}); wrong password: "
          f"median {mw * 1000:.1f} ms (min {min(wrong) * 1000:.1f}, "
          f"max {max(wrong) * 1000:.1f}); ratio of medians {ratio:.2f}, median paired "
          f"ratio {paired:.2f}, P(unknown slower) {p:.2f}")
    # Without the dummy verification an unknown user answers in a few ms
    # against 25-60 ms: a ratio under 0.1 and P = 0.
    assert 0.7 < ratio < 1.4, (f"unknown user {mu * 1000:.1f} ms vs wrong password "
                               f"{mw * 1000:.1f} ms (median)")
    assert 0.8 < paired < 1.25, f"median paired ratio {paired:.2f}"
    # Rank test: under the null hypothesis P has a standard deviation of
    # about 0.075 for 30 + 30 samples; 0.2-0.8 is 4 of them.
    assert 0.2 < p < 0.8, f"P(unknown slower) = {p:.2f}: {unknown} vs {wrong}"
