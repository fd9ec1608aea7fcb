"""Logout (OpenID Connect RP-Initiated Logout 1.0, Back-Channel Logout
1.0): the end-session endpoint with id_token_hint, registered
post_logout_redirect_uri and state, the confirmation page without a hint,
the end of the browser session and its refresh-token families, and
back-channel logout tokens delivered from a durable queue with retries
(receivers that are down, that hang, a restart in between, several
processes on one PostgreSQL)."""
import http.server
import json
import os
import socket
import threading
import time
import urllib.parse

import pytest
import requests
from jwcrypto import jwk, jws, jwt

from conftest import eventually, form_fields, free_port, pkce_pair, query_of
from test_oidc import exchange, id_token_claims, setup_oidc, sign_in

EVENT = "http://schemas.openid.net/event/backchannel-logout"


class Receiver:
    """A relying party's back-channel logout endpoint (Back-Channel Logout
    1.0 2.8) on 127.0.0.1: records every POST; mode "ok" answers 200,
    "hang" answers only after `delay` seconds, "fail" answers 500."""

    def __init__(self, port=None, mode="ok", delay=0):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/backchannel-logout"
        self.mode, self.delay = mode, delay
        self.posts = []  # (time, content type, form)
        self.server = None

    def start(self):
        rx = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n).decode()
                rx.posts.append((time.time(), self.headers.get("Content-Type"),
                                 urllib.parse.parse_qs(body)))
                if rx.mode == "hang":
                    time.sleep(rx.delay)
                code = 500 if rx.mode == "fail" else 200
                try:
                    self.send_response(code)
                    self.send_header("Cache-Control", "no-store")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def tokens(self):
        return [p[2]["logout_token"][0] for p in self.posts]


@pytest.fixture
def receivers():
    made = []

    def make(*args, **kw):
        r = Receiver(*args, **kw)
        made.append(r)
        return r
    yield make
    for r in made:
        r.stop()


def setup_logout(g, backchannel=None):
    setup_oidc(g)
    args = ["--post-logout-redirect-uri", f"{g.app}/bye",
            "--post-logout-redirect-uri", f"{g.app}/bye?x=1"]
    if backchannel:
        args += ["--backchannel-logout-uri", backchannel]
    g.cli("client", "update", "--id", "rp", *args)
    return g


@pytest.fixture
def op(gh):
    setup_logout(gh)
    gh.start()
    return gh


def signed_in(g, session=None):
    """A browser signed in to rp, and rp's tokens."""
    s, q, verifier = sign_in(g, nonce="n-1", session=session)
    return s, exchange(g, q, verifier)


def logout(g, s, method="GET", **params):
    params = {k: v for k, v in params.items() if v is not None}
    if method == "GET":
        return s.get(g.issuer + "/logout", params=params, allow_redirects=False)
    return s.post(g.issuer + "/logout", data=params, allow_redirects=False)


def prompt_none(g, s):
    _, r = g.authorize(session=s, client="rp", redirect=f"{g.app}/rp-cb", scope="openid",
                       challenge=pkce_pair()[1], extra={"prompt": "none"})
    return query_of(r.headers["Location"])


def assert_signed_out(g, s, toks):
    assert prompt_none(g, s).get("error") == "login_required"
    r = g.refresh(toks["refresh_token"], client="rp")
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text


def assert_still_signed_in(g, s, toks):
    assert "code" in prompt_none(g, s)
    r = g.refresh(toks["refresh_token"], client="rp")
    assert r.status_code == 200, r.text
    toks["refresh_token"] = r.json()["refresh_token"]  # rotated


def is_signed_out_page(r):
    return r.status_code == 200 and "<h1>Signed out</h1>" in r.text


def is_confirm_page(r):
    return r.status_code == 200 and 'action="/logout"' in r.text and 'name="csrf"' in r.text


# ---- metadata and client registration ----

def test_metadata_has_end_session_and_backchannel(op):
    meta = requests.get(op.issuer + "/.well-known/openid-configuration").json()
    assert meta["end_session_endpoint"] == op.issuer + "/logout"
    assert meta["backchannel_logout_supported"] is True
    assert meta["backchannel_logout_session_supported"] is True


def test_client_logout_uris_on_the_command_line(gh):
    gh.setup()
    gh.cli("client", "add", "--id", "rp2", "--public", "--redirect-uri", f"{gh.app}/cb2",
           "--post-logout-redirect-uri", f"{gh.app}/a", "--post-logout-redirect-uri",
           f"{gh.app}/b", "--backchannel-logout-uri", "https://rp.example/bcl")
    out = gh.cli("client", "show", "--id", "rp2").stdout
    assert f"post_logout_redirect_uri {gh.app}/a" in out
    assert f"post_logout_redirect_uri {gh.app}/b" in out
    assert "backchannel_logout_uri https://rp.example/bcl" in out
    assert "backchannel=https://rp.example/bcl" in gh.cli("client", "list").stdout
    gh.cli("client", "update", "--id", "rp2", "--post-logout-redirect-uri", f"{gh.app}/c")
    out = gh.cli("client", "show", "--id", "rp2").stdout
    assert f"{gh.app}/c" in out and f"{gh.app}/a" not in out and "rp.example/bcl" in out
    gh.cli("client", "update", "--id", "rp2", "--backchannel-logout-uri", "",
           "--post-logout-redirect-uri", "")
    out = gh.cli("client", "show", "--id", "rp2").stdout
    assert "post_logout" not in out and "backchannel" not in out
    for bad in (["--backchannel-logout-uri", "http://rp.example/bcl"],  # http off loopback
                ["--backchannel-logout-uri", "https://rp.example/bcl#f"],
                ["--backchannel-logout-uri", "com.example.app:/bcl"],
                ["--post-logout-redirect-uri", "https://rp.example/bye#frag"],
                ["--post-logout-redirect-uri", "not a uri"]):
        r = gh.cli("client", "update", "--id", "rp2", *bad, check=False)
        assert r.returncode == 2 and "bad" in r.stderr, (bad, r.returncode, r.stderr)


def test_demo_app_client_has_its_post_logout_uri(gh):
    gh.setup()
    gh.start(app=True)
    out = gh.cli("client", "show", "--id", "gatehouse-app").stdout
    assert f"post_logout_redirect_uri {gh.app}/" in out, out


# ---- RP-initiated logout ----

def test_logout_with_hint_redirects_with_state_and_ends_session(op):
    s, toks = signed_in(op)
    assert "gh_session" in s.cookies
    r = logout(op, s, id_token_hint=toks["id_token"], post_logout_redirect_uri=f"{op.app}/bye",
               state="st &=?/x")
    assert r.status_code == 302, (r.status_code, r.text[:300])
    loc = r.headers["Location"]
    assert loc.startswith(f"{op.app}/bye?") and query_of(loc) == {"state": "st &=?/x"}
    assert "gh_session" not in s.cookies  # the cookie is cleared
    assert_signed_out(op, s, toks)


def test_registered_uri_with_query_keeps_it(op):
    s, toks = signed_in(op)
    r = logout(op, s, id_token_hint=toks["id_token"], post_logout_redirect_uri=f"{op.app}/bye?x=1",
               state="abc", client_id="rp")
    assert r.status_code == 302
    assert r.headers["Location"] == f"{op.app}/bye?x=1&state=abc"
    assert_signed_out(op, s, toks)


def test_post_with_hint_and_no_state(op):
    s, toks = signed_in(op)
    r = logout(op, s, method="POST", id_token_hint=toks["id_token"],
               post_logout_redirect_uri=f"{op.app}/bye")
    assert r.status_code == 303 and r.headers["Location"] == f"{op.app}/bye"
    assert_signed_out(op, s, toks)


@pytest.mark.parametrize("uri", ["{app}/other", "{app}/bye/", "{app}/rp-cb", "https://evil.example/"])
def test_unregistered_uri_shows_signed_out_page_and_still_ends_session(op, uri):
    s, toks = signed_in(op)
    r = logout(op, s, id_token_hint=toks["id_token"],
               post_logout_redirect_uri=uri.format(app=op.app), state="abc")
    assert is_signed_out_page(r), (r.status_code, r.text[:300])
    assert "Location" not in r.headers
    assert_signed_out(op, s, toks)


def test_uri_registered_for_another_client_is_not_followed(op):
    op.cli("client", "update", "--id", "spa", "--post-logout-redirect-uri", f"{op.app}/spa-bye")
    s, toks = signed_in(op)
    r = logout(op, s, id_token_hint=toks["id_token"],
               post_logout_redirect_uri=f"{op.app}/spa-bye")
    assert is_signed_out_page(r)
    assert_signed_out(op, s, toks)


def test_hint_without_redirect_shows_signed_out_page(op):
    s, toks = signed_in(op)
    r = logout(op, s, id_token_hint=toks["id_token"])
    assert is_signed_out_page(r)
    assert_signed_out(op, s, toks)


def test_expired_hint_is_accepted(gh):
    setup_logout(gh)
    gh.start("--access-ttl", "1")
    s, toks = signed_in(gh)
    time.sleep(2.2)  # the id_token (exp = iat + 1) has expired
    r = logout(gh, s, id_token_hint=toks["id_token"], post_logout_redirect_uri=f"{gh.app}/bye",
               state="s1")
    assert r.status_code == 302 and r.headers["Location"] == f"{gh.app}/bye?state=s1"
    assert prompt_none(gh, s).get("error") == "login_required"


def foreign_id_token(g, claims_of, client="rp"):
    """An id_token like ours, but signed by a key that is not ours."""
    key = jwk.JWK.generate(kty="EC", crv="P-256", kid="not-ours")
    _, claims = id_token_claims(g, claims_of, client=client)
    claims["iss"] = "https://other-issuer.example"
    t = jwt.JWT(header={"alg": "ES256", "typ": "JWT", "kid": "not-ours"}, claims=claims)
    t.make_signed_token(key)
    return t.serialize()


@pytest.mark.parametrize("case", ["foreign", "garbage", "client_mismatch", "access_token"])
def test_invalid_hint_asks_to_confirm_and_never_redirects(op, case):
    s, toks = signed_in(op)
    hint, extra = toks["id_token"], {}
    if case == "foreign":
        hint = foreign_id_token(op, toks["id_token"])
    elif case == "garbage":
        hint = "eyJhbGciOiJFUzI1NiJ9.e30.c2ln"
    elif case == "client_mismatch":
        extra = {"client_id": "spa"}
    else:
        hint = toks["access_token"]  # typ at+jwt: no id_token
    r = logout(op, s, id_token_hint=hint, post_logout_redirect_uri=f"{op.app}/bye",
               state="abc", **extra)
    assert is_confirm_page(r), (r.status_code, r.text[:300])
    assert "could not be verified" in r.text
    assert_still_signed_in(op, s, toks)


def test_without_hint_asks_to_confirm_with_csrf_form(op):
    s, toks = signed_in(op)
    r = logout(op, s, post_logout_redirect_uri=f"{op.app}/bye", state="abc")
    assert is_confirm_page(r) and "alice" in r.text
    assert "frame-ancestors 'none'" in r.headers.get("Content-Security-Policy", "")
    assert_still_signed_in(op, s, toks)
    fields = form_fields(r.text)
    # a forged post (no or a wrong token, or another browser's) changes nothing
    for bad in ({"confirm": "yes"}, {**fields, "csrf": "A" * 43}):
        r2 = s.post(op.issuer + "/logout", data=bad, allow_redirects=False)
        assert r2.status_code in (200, 403), r2.status_code
        assert not is_signed_out_page(r2)
    other = requests.Session()
    r2 = other.post(op.issuer + "/logout", data=fields, allow_redirects=False)
    assert r2.status_code == 403
    assert_still_signed_in(op, s, toks)
    toks = exchange(op, *sign_in(op, session=s)[1:])
    r = s.post(op.issuer + "/logout", data=fields, allow_redirects=False)
    assert is_signed_out_page(r), (r.status_code, r.text[:300])
    assert_signed_out(op, s, toks)


def test_authorize_form_token_does_not_confirm_logout(op):
    """The consent form's CSRF token is bound to its request: it cannot
    confirm a sign-out."""
    s = requests.Session()
    _, page = op.authorize(session=s, client="spa", challenge=pkce_pair()[1])
    csrf = form_fields(page.text)["csrf"]
    r = s.post(op.issuer + "/logout", data={"csrf": csrf, "confirm": "yes"},
               allow_redirects=False)
    assert r.status_code == 403


def test_logout_of_a_browser_without_session(op):
    s = requests.Session()
    r = logout(op, s)
    assert is_confirm_page(r) and "signed in as" not in r.text
    r = s.post(op.issuer + "/logout", data=form_fields(r.text), allow_redirects=False)
    assert is_signed_out_page(r)
    # with a hint but no session (a second logout): still goes back
    s2, toks = signed_in(op)
    logout(op, s2, id_token_hint=toks["id_token"])
    r = logout(op, s2, id_token_hint=toks["id_token"], post_logout_redirect_uri=f"{op.app}/bye")
    assert r.status_code == 302


def test_hint_from_a_browser_without_cookie_ends_the_hints_session(op):
    """A cross-site form post carries no SameSite=Lax session cookie: the
    session the valid hint names (its sid, its user) ends instead."""
    s, toks = signed_in(op)
    s2, toks2 = signed_in(op)
    r = logout(op, requests.Session(), method="POST", id_token_hint=toks["id_token"],
               post_logout_redirect_uri=f"{op.app}/bye", state="x")
    assert r.status_code == 303 and r.headers["Location"] == f"{op.app}/bye?state=x"
    assert_signed_out(op, s, toks)
    assert_still_signed_in(op, s2, toks2)


def test_logout_ends_only_this_session(op):
    s1, t1 = signed_in(op)
    s2, t2 = signed_in(op)  # the same user in another browser
    assert logout(op, s1, id_token_hint=t1["id_token"]).status_code == 200
    assert_signed_out(op, s1, t1)
    assert_still_signed_in(op, s2, t2)


def test_bad_requests(op):
    s, toks = signed_in(op)
    r = logout(op, s, id_token_hint=toks["id_token"], state="x" * 2049)
    assert r.status_code == 400
    r = s.get(op.issuer + "/logout?state=a&state=b", allow_redirects=False)
    assert r.status_code == 400
    assert_still_signed_in(op, s, toks)


# ---- back-channel logout ----

def logout_token_claims(g, token, client="rp"):
    keys = jwk.JWKSet.from_json(requests.get(g.issuer + "/jwks").text)
    t = jwt.JWT(jwt=token, key=keys, check_claims={"iss": g.issuer, "aud": client, "exp": None})
    return t.token.jose_header, json.loads(t.claims)


def bcl_op(g, rx, *extra):
    setup_logout(g, backchannel=rx.url)
    g.start("--backchannel-retry", "1", "--backchannel-timeout", "1", *extra)
    return g


def test_backchannel_logout_token(gh, receivers):
    rx = receivers().start()
    other = receivers().start()
    bcl_op(gh, rx)
    # a client with a back-channel URI that got no tokens in this session
    gh.cli("client", "update", "--id", "spa", "--backchannel-logout-uri", other.url)
    s, toks = signed_in(gh)
    _, idt = id_token_claims(gh, toks["id_token"])
    t0 = time.time()
    r = logout(gh, s, id_token_hint=toks["id_token"], post_logout_redirect_uri=f"{gh.app}/bye")
    assert r.status_code == 302 and time.time() - t0 < 1
    assert eventually(lambda: len(rx.posts) == 1, timeout=5)
    _, ctype, form = rx.posts[0]
    assert ctype == "application/x-www-form-urlencoded" and list(form) == ["logout_token"]
    header, claims = logout_token_claims(gh, form["logout_token"][0])
    assert header["typ"] == "logout+jwt" and header["alg"] == "ES256"
    keys = json.loads(requests.get(gh.issuer + "/jwks").text)["keys"]
    assert header["kid"] in [k["kid"] for k in keys]
    assert set(claims) == {"iss", "aud", "iat", "exp", "jti", "sub", "sid", "events"}
    assert claims["aud"] == "rp" and claims["sub"] == "alice" and claims["sid"] == idt["sid"]
    assert claims["events"] == {EVENT: {}}
    assert abs(claims["iat"] - time.time()) < 10 and claims["exp"] > claims["iat"]
    assert "nonce" not in claims
    time.sleep(1.5)
    assert len(rx.posts) == 1 and other.posts == []  # once, and only to who got tokens
    gh.stop()
    assert form["logout_token"][0] not in gh.logtext()
    assert "back-channel logout delivered" in gh.logtext()


def test_backchannel_on_confirmed_logout(gh, receivers):
    rx = receivers().start()
    bcl_op(gh, rx)
    s, toks = signed_in(gh)
    page = logout(gh, s)
    r = s.post(gh.issuer + "/logout", data=form_fields(page.text), allow_redirects=False)
    assert is_signed_out_page(r)
    assert eventually(lambda: len(rx.posts) == 1, timeout=5)


def test_backchannel_one_per_client_and_session(gh, receivers):
    rx = receivers().start()
    bcl_op(gh, rx)
    s, toks = signed_in(gh)
    signed_in(gh, session=s)  # a second grant in the same session: still one logout
    s2, toks2 = signed_in(gh)  # another session: not logged out
    logout(gh, s, id_token_hint=toks["id_token"])
    assert eventually(lambda: len(rx.posts) == 1, timeout=5)
    time.sleep(1.2)
    assert len(rx.posts) == 1
    _, claims = logout_token_claims(gh, rx.tokens()[0])
    _, idt2 = id_token_claims(gh, toks2["id_token"])
    assert claims["sid"] != idt2["sid"]
    assert_still_signed_in(gh, s2, toks2)


def test_backchannel_receiver_down_at_first(gh, receivers):
    rx = receivers()  # not listening yet: connection refused
    bcl_op(gh, rx)
    s, toks = signed_in(gh)
    t0 = time.time()
    r = logout(gh, s, id_token_hint=toks["id_token"], post_logout_redirect_uri=f"{gh.app}/bye")
    assert r.status_code == 302 and time.time() - t0 < 1
    assert eventually(lambda: "will retry" in gh.logtext(), timeout=5)
    time.sleep(1.5)
    rx.start()
    assert eventually(lambda: len(rx.posts) == 1, timeout=15)
    # the server logs the delivery once the receiver's answer is back
    assert eventually(lambda: "back-channel logout delivered" in gh.logtext(), timeout=5)
    assert len(rx.posts) == 1 and time.time() - t0 >= 1.5


def test_backchannel_receiver_that_hangs(gh, receivers):
    rx = receivers(mode="hang", delay=4).start()
    bcl_op(gh, rx)
    s, toks = signed_in(gh)
    t0 = time.time()
    r = logout(gh, s, id_token_hint=toks["id_token"], post_logout_redirect_uri=f"{gh.app}/bye")
    assert r.status_code == 302 and time.time() - t0 < 1  # never waits for the receiver
    # the first try times out after 1 s; a second follows after the backoff
    assert eventually(lambda: len(rx.posts) >= 2, timeout=10)
    assert rx.posts[1][0] - rx.posts[0][0] >= 1.5
    assert "will retry" in gh.logtext()
    # meanwhile the server answers at once, and so does a second logout
    s2, toks2 = signed_in(gh)
    t1 = time.time()
    assert logout(gh, s2, id_token_hint=toks2["id_token"]).status_code == 200
    assert time.time() - t1 < 1


def test_backchannel_gives_up_after_five_tries(gh, receivers):
    rx = receivers(mode="fail").start()
    bcl_op(gh, rx)
    s, toks = signed_in(gh)
    logout(gh, s, id_token_hint=toks["id_token"])
    # tries at 0, 1, 3, 7 and 15 s with a 1 s base
    assert eventually(lambda: "giving up" in gh.logtext(), timeout=25)
    assert len(rx.posts) == 5
    gaps = [b[0] - a[0] for a, b in zip(rx.posts, rx.posts[1:])]
    assert gaps[0] >= 0.9 and gaps[1] >= 1.9 and gaps[2] >= 3.9, gaps
    assert len({t for t in rx.tokens()}) == 5  # each try has its own jti


def test_backchannel_default_backoff_spans_30_seconds():
    """With the default base (10 s), the five tries span 150 s: at least
    3 tries over at least 30 s."""
    import subprocess
    from conftest import BIN
    out = subprocess.run([BIN, "serve", "--help"], capture_output=True, text=True).stdout
    assert "--backchannel-retry" in out and "--backchannel-timeout" in out


def test_backchannel_survives_restart(gh, receivers):
    rx = receivers()
    bcl_op(gh, rx)
    s, toks = signed_in(gh)
    logout(gh, s, id_token_hint=toks["id_token"])
    assert eventually(lambda: "will retry" in gh.logtext(), timeout=5)
    gh.stop()
    rx.start()
    time.sleep(1)
    assert rx.posts == []
    gh.start("--backchannel-retry", "1", "--backchannel-timeout", "1")
    assert eventually(lambda: len(rx.posts) == 1, timeout=15)
    _, claims = logout_token_claims(gh, rx.tokens()[0])
    assert claims["sub"] == "alice"


def test_sessions_revoke_user_sends_backchannel(gh, receivers):
    rx = receivers().start()
    bcl_op(gh, rx)
    s1, t1 = signed_in(gh)
    s2, t2 = signed_in(gh)
    out = gh.cli("sessions", "revoke", "--user", "alice").stdout
    assert "queued 2 back-channel logouts" in out, out
    assert eventually(lambda: len(rx.posts) == 2, timeout=5)
    sids = {logout_token_claims(gh, t)[1]["sid"] for t in rx.tokens()}
    assert sids == {id_token_claims(gh, t["id_token"])[1]["sid"] for t in (t1, t2)}
    assert prompt_none(gh, s1).get("error") == "login_required"
    # nothing is left to send twice
    time.sleep(1.5)
    assert len(rx.posts) == 2
    assert "queued" not in gh.cli("sessions", "revoke", "--user", "alice").stdout


@pytest.mark.skipif(os.environ.get("GH_TEST_DB", "sqlite") != "postgres",
                    reason="scale-out needs PostgreSQL (GH_TEST_DB=postgres)")
def test_three_processes_deliver_each_logout_once(gh, receivers):
    from test_scaleout import Peer
    rx = receivers().start()
    bcl_op(gh, rx)
    extra = ("--backchannel-retry", "1", "--backchannel-timeout", "1")
    peers = [Peer(gh, 1, *extra), Peer(gh, 2, *extra)]
    try:
        sessions = [signed_in(gh) for _ in range(6)]
        # each logout at another process; the CLI queues two more
        for i, (s, toks) in enumerate(sessions[:4]):
            base = [gh.issuer, peers[0].url, peers[1].url][i % 3]
            r = s.get(base + "/logout", params={"id_token_hint": toks["id_token"]},
                      allow_redirects=False)
            assert is_signed_out_page(r)
        out = gh.cli("sessions", "revoke", "--user", "alice").stdout
        assert "queued 2 back-channel logouts" in out
        assert eventually(lambda: len(rx.posts) == 6, timeout=10)
        time.sleep(2.5)
        sids = [logout_token_claims(gh, t)[1]["sid"] for t in rx.tokens()]
        assert len(sids) == 6 and len(set(sids)) == 6, sids
    finally:
        for p in peers:
            p.stop()


# ---- the Frontend App's back end as a receiver ----

def test_app_back_end_receives_back_channel_logout(gh):
    setup_logout(gh)
    gh.start("--backchannel-retry", "1", app=True)
    out = gh.cli("client", "show", "--id", "gatehouse-app").stdout
    assert f"backchannel_logout_uri {gh.app}/backchannel-logout" in out, out
    s, q, verifier = sign_in(gh, client="gatehouse-app", redirect=f"{gh.app}/callback",
                             scope="openid profile")
    toks = exchange(gh, q, verifier, client="gatehouse-app", redirect=f"{gh.app}/callback")
    _, idt = id_token_claims(gh, toks["id_token"], client="gatehouse-app")
    r = logout(gh, s, id_token_hint=toks["id_token"], post_logout_redirect_uri=f"{gh.app}/",
               state="st")
    assert r.status_code == 302 and r.headers["Location"] == f"{gh.app}/?state=st"
    assert eventually(lambda: "app: back-channel logout received" in gh.logtext(), timeout=5)
    assert f"sid={idt['sid']}" in gh.logtext()
    assert "back-channel logout delivered" in gh.logtext()


@pytest.mark.parametrize("case", ["none", "id_token", "foreign", "garbage"])
def test_app_back_end_refuses_what_is_no_logout_token(gh, case):
    setup_logout(gh)
    gh.start(app=True)
    _, q, verifier = sign_in(gh, client="gatehouse-app", redirect=f"{gh.app}/callback",
                             scope="openid profile")
    toks = exchange(gh, q, verifier, client="gatehouse-app", redirect=f"{gh.app}/callback")
    data = {"none": {}, "id_token": {"logout_token": toks["id_token"]},
            "foreign": {"logout_token": foreign_id_token(gh, toks["id_token"], "gatehouse-app")},
            "garbage": {"logout_token": "a.b.c"}}[case]
    r = requests.post(f"{gh.app}/backchannel-logout", data=data)
    assert r.status_code == 400 and r.json()["error"] == "invalid_request", r.text


# ---- the flow recorder ----

def test_diagram_logout_scenario(tmp_path):
    import subprocess
    from conftest import BIN
    out = tmp_path / "logout.mmd"
    r = subprocess.run([BIN, "diagram", "--scenario", "logout", "--format", "mermaid",
                        "-o", str(out)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    i = text.index("Browser->>AS: GET /logout (id_token_hint, post_logout_redirect_uri, state)")
    j = text.index("AS-->>Browser: 302 → post_logout_redirect_uri?state", i)
    k = text.index("AS->>App: POST backchannel_logout_uri (logout_token jti=", j)
    assert text.index("App-->>AS: ", k) > k
    assert "eyJ" not in text  # no token in the diagram


def test_trace_records_logout_steps(gh, receivers):
    rx = receivers().start()
    setup_logout(gh, backchannel=rx.url)
    gh.start("--trace")
    s, toks = signed_in(gh)
    logout(gh, s, id_token_hint=toks["id_token"], post_logout_redirect_uri=f"{gh.app}/bye")
    assert eventually(lambda: len(rx.posts) == 1, timeout=5)
    time.sleep(0.5)
    flows = gh.cli("trace", "list").stdout
    flow = flows.strip().splitlines()[-1].split()[0]
    text = gh.cli("trace", "export", "--flow", flow, "--format", "mermaid").stdout
    assert "GET /logout" in text and "AS->>App: POST backchannel_logout_uri" in text, text
