"""End-to-end fixtures: each test gets its own database and its own free
ports, and drives the real gatehouse binary over real sockets on 127.0.0.1.

Environment:
  GH_BIN       the binary (default build/gatehouse)
  GH_TEST_DB   sqlite (default) or postgres
  GH_PG_URL    base libpq URL of a throwaway PostgreSQL server (postgres only)
  GH_TEST_DB_SEED  each test's database starts as a copy of this one (a SQLite
               file, or the name of a PostgreSQL database on GH_PG_URL's
               server): bench/scale.sh runs the kill -9 tests on ten million
               families so
"""
import base64
import contextlib
import hashlib
import html
import os
import re
import secrets
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
import uuid

import pytest
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("GH_BIN", os.path.join(ROOT, "build", "gatehouse"))
PASSWORD = "correct horse battery staple"
BACKEND_SECRET = "backend-secret-Vq7Lx2Rk9Tz4Hm8Pw3Nd6"


_ports_given = set()


def free_port():
    """A free loopback port, never one this process handed out before: a
    port is free again once its socket here is closed, so without this two
    parts of one test (a server not yet listening and a receiver) could be
    given the same one."""
    if len(_ports_given) > 10000:
        _ports_given.clear()
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _ports_given:
            _ports_given.add(port)
            return port


def new_db_url(tmpdir):
    seed = os.environ.get("GH_TEST_DB_SEED")
    if os.environ.get("GH_TEST_DB", "sqlite") == "postgres":
        base = os.environ["GH_PG_URL"]
        name = "gh_" + uuid.uuid4().hex[:12]
        # a file copy of the seed: the default strategy would write it all to the WAL
        copy = f" TEMPLATE {seed} STRATEGY FILE_COPY" if seed else ""
        subprocess.run(["psql", base, "-qc", f"CREATE DATABASE {name}{copy}"], check=True,
                       capture_output=True)
        return base.rsplit("/", 1)[0] + "/" + name
    path = os.path.join(tmpdir, "gatehouse.db")
    for ext in ("", "-wal") if seed else ():
        if ext == "" or os.path.exists(seed + ext):
            subprocess.run(["cp", "--reflink=auto", seed + ext, path + ext], check=True)
    return "sqlite:" + path


def pkce_pair():
    verifier = secrets.token_urlsafe(48)[:64]
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def refresh_key(rt):
    """The key gatehouse stores a refresh token under: the token's first 8
    bytes (its issue time) and the first 24 bytes of its SHA-256."""
    head = base64.urlsafe_b64decode(rt[:12])[:8]
    return head + hashlib.sha256(rt.encode()).digest()[:24]


def query_of(url):
    """The query parameters of a URL (e.g. a redirect Location) as a dict."""
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query,
                                       keep_blank_values=True))


def eventually(fn, timeout=5.0, step=0.05):
    """Calls fn until it returns a true value or the timeout passes."""
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > deadline:
            return v
        time.sleep(step)


def form_fields(text):
    """Hidden and named input values of an HTML form."""
    return {k: html.unescape(v) for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', text)}


class Gatehouse:
    """A database plus the CLI and a running `serve` process."""

    def __init__(self, tmpdir):
        self.tmpdir = tmpdir
        self.db = new_db_url(tmpdir)
        self.port = free_port()
        self.api_port = free_port()
        self.app_port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.api = f"http://127.0.0.1:{self.api_port}"
        self.app = f"http://127.0.0.1:{self.app_port}"
        self.proc = None
        self.log_path = os.path.join(tmpdir, "serve.log")

    def cli(self, *args, stdin=None, check=True):
        r = subprocess.run([BIN, "--db", self.db, *args], input=stdin, capture_output=True,
                           text=True, timeout=60)
        if check and r.returncode != 0:
            raise AssertionError(f"gatehouse {' '.join(args)} -> {r.returncode}: {r.stderr}")
        return r

    def setup(self, alg="ES256"):
        self.cli("init", "--issuer", self.issuer, "--alg", alg)
        self.cli("user", "add", "--username", "alice", "--password-stdin", stdin=PASSWORD)
        self.cli("client", "add", "--id", "spa", "--public", "--redirect-uri",
                 f"{self.app}/callback", "--scope", "openid profile api admin")
        self.cli("client", "add", "--id", "trusted-spa", "--public", "--trusted",
                 "--redirect-uri", f"{self.app}/cb", "--scope", "openid api")
        self.cli("client", "add", "--id", "backend", "--secret-stdin", "--redirect-uri",
                 f"{self.app}/backend-cb", "--scope", "api admin",
                 stdin=BACKEND_SECRET)
        return self

    def start(self, *extra, api=True, app=False):
        args = [BIN, "--db", self.db, "serve", "--listen", f"127.0.0.1:{self.port}"]
        if api:
            args += ["--api-listen", f"127.0.0.1:{self.api_port}"]
        if app:
            args += ["--app-listen", f"127.0.0.1:{self.app_port}"]
        args += list(extra)
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("serve exited: " + open(self.log_path).read())
            try:
                requests.get(self.issuer + "/healthz", timeout=1)
                return self
            except requests.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("serve did not start")

    def stop(self, sig=signal.SIGTERM):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode
        self.proc = None
        self.log.close()
        return rc

    def logtext(self):
        return open(self.log_path, errors="replace").read()

    # ---- the browser part of the flow ----
    def authorize(self, session=None, client="spa", redirect=None, scope="openid api",
                  state="st-123", challenge=None, extra=None):
        session = session or requests.Session()
        params = {"response_type": "code", "client_id": client,
                  "redirect_uri": redirect or f"{self.app}/callback", "scope": scope,
                  "state": state, "code_challenge": challenge,
                  "code_challenge_method": "S256"}
        params.update(extra or {})
        params = {k: v for k, v in params.items() if v is not None}
        return session, session.get(self.issuer + "/authorize", params=params,
                                    allow_redirects=False)

    def login(self, session, page, username="alice", password=PASSWORD, decision="allow"):
        fields = form_fields(page.text)
        fields.update(username=username, password=password)
        r = session.post(self.issuer + "/login", data=fields, allow_redirects=False)
        if r.status_code == 200 and 'action="/consent"' in r.text:
            fields = form_fields(r.text)
            fields["decision"] = decision
            r = session.post(self.issuer + "/consent", data=fields, allow_redirects=False)
        return r

    def code_flow(self, client="spa", scope="openid api", redirect=None):
        """Runs authorize + login + consent; returns (code, verifier, redirect)."""
        verifier, challenge = pkce_pair()
        redirect = redirect or (f"{self.app}/callback" if client == "spa" else f"{self.app}/cb")
        s, page = self.authorize(client=client, scope=scope, challenge=challenge,
                                 redirect=redirect)
        assert page.status_code == 200, page.text
        r = self.login(s, page)
        assert r.status_code in (302, 303), r.text
        loc = r.headers["Location"]
        code = re.search(r"[?&]code=([^&]+)", loc).group(1)
        return code, verifier, redirect

    def token(self, data, auth=None, headers=None):
        return requests.post(self.issuer + "/token", data=data, auth=auth, headers=headers)

    def tokens(self, client="spa", scope="openid api"):
        code, verifier, redirect = self.code_flow(client=client, scope=scope)
        r = self.token({"grant_type": "authorization_code", "code": code,
                        "redirect_uri": redirect, "client_id": client,
                        "code_verifier": verifier})
        assert r.status_code == 200, r.text
        return r.json()

    def refresh(self, rt, client="spa", **extra):
        return self.token({"grant_type": "refresh_token", "refresh_token": rt,
                           "client_id": client, **extra})

    # ---- helpers added for the refresh / revocation tests ----
    def sqlite_path(self):
        """The database file (SQLite runs only; None on PostgreSQL)."""
        return self.db[len("sqlite:"):] if self.db.startswith("sqlite:") else None

    def introspect(self, token, auth=("backend", BACKEND_SECRET), **extra):
        return requests.post(self.issuer + "/introspect", data={"token": token, **extra},
                             auth=auth)

    def revoke(self, token, client="spa", auth=None, **extra):
        data = {"token": token, **extra}
        if auth is None:
            data["client_id"] = client
        return requests.post(self.issuer + "/revoke", data=data, auth=auth)


@contextlib.contextmanager
def gatehouse(prefix="gh-e2e-"):
    """A Gatehouse in a fresh directory; on the way out its server is
    stopped and its log must hold no sanitizer report."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        g = Gatehouse(tmp)
        try:
            yield g
        finally:
            g.stop()
            log = g.logtext() if os.path.exists(g.log_path) else ""
            assert "AddressSanitizer" not in log and "runtime error" not in log, log


@pytest.fixture
def gh():
    with gatehouse() as g:
        yield g


@pytest.fixture
def server(gh):
    """A set-up database and a running server (AS + API)."""
    gh.setup()
    gh.start()
    return gh
