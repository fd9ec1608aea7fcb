"""The foundation: the command line, discovery, JWKS, signing keys and
the HTTP skeleton, driven through the real binary."""
import base64
import hashlib
import os
import signal
import socket
import sqlite3
import subprocess
import time

import pytest
import requests
from jwcrypto import jwk, jws, jwt

from conftest import BACKEND_SECRET, BIN, PASSWORD, eventually, pkce_pair

DISCOVERY = "/.well-known/oauth-authorization-server"


def run(*args, stdin=None, env=None, cwd=None):
    return subprocess.run([BIN, *args], input=stdin, capture_output=True, text=True,
                          timeout=60, env=env, cwd=cwd)


def one_line_error(r):
    """Failures print exactly one non-empty line on stderr, naming the problem."""
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, r.stderr
    assert "AddressSanitizer" not in r.stderr and "runtime error" not in r.stderr
    return lines[0]


def sqlite_only(gh):
    if gh.sqlite_path() is None:
        pytest.skip("inspects the SQLite file")


def jwks(gh):
    r = requests.get(gh.issuer + "/jwks")
    assert r.status_code == 200
    ctype = r.headers["Content-Type"]
    assert ctype.startswith("application/jwk-set+json") or ctype.startswith("application/json")
    return r


# ---- init, serve, discovery, JWKS ----

def test_init_serve_discovery_document(gh):
    gh.setup()
    gh.start()
    r = requests.get(gh.issuer + DISCOVERY)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    d = r.json()
    iss = gh.issuer
    assert d["issuer"] == iss
    assert d["authorization_endpoint"] == iss + "/authorize"
    assert d["token_endpoint"] == iss + "/token"
    assert d["jwks_uri"] == iss + "/jwks"
    assert d["revocation_endpoint"] == iss + "/revoke"
    assert d["introspection_endpoint"] == iss + "/introspect"
    assert d["response_types_supported"] == ["code"]
    assert set(d["grant_types_supported"]) == {"authorization_code", "refresh_token",
                                               "client_credentials"}
    assert d["code_challenge_methods_supported"] == ["S256"]
    assert set(d["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic", "client_secret_post", "none"}
    assert d["authorization_response_iss_parameter_supported"] is True
    # every endpoint it advertises exists (none answers 404)
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri", "revocation_endpoint",
                "introspection_endpoint"):
        assert requests.get(d[key]).status_code != 404, key


def test_openid_configuration_is_the_same_document(server):
    a = requests.get(server.issuer + DISCOVERY)
    b = requests.get(server.issuer + "/.well-known/openid-configuration")
    assert b.status_code == 200
    assert b.json() == a.json()


def test_jwks_loads_in_jwcrypto(server):
    keys = jwk.JWKSet.from_json(jwks(server).text)
    ks = list(keys["keys"])
    assert len(ks) == 1
    k = ks[0]
    assert k.get("use") == "sig" and k.get("alg") == "ES256" and k.get("kid")
    assert k.get("kty") == "EC"
    # RFC 7638: kid is the key's thumbprint; and no private part is published
    assert k.thumbprint() == k.get("kid")
    assert not k.has_private
    assert "d" not in jwks(server).json()["keys"][0]


def test_keys_rotate_publishes_two_keys_without_restart(server):
    old = jwks(server).json()["keys"][0]["kid"]
    r = server.cli("keys", "rotate")
    assert r.returncode == 0

    def two_keys():
        return len(jwks(server).json()["keys"]) == 2
    assert eventually(two_keys, timeout=2.5), jwks(server).text
    keys = jwk.JWKSet.from_json(jwks(server).text)
    kids = {k.get("kid") for k in keys["keys"]}
    assert old in kids
    new = (kids - {old}).pop()

    listing = server.cli("keys", "list").stdout.splitlines()
    active = [l for l in listing if "active" in l]
    assert len(active) == 1 and active[0].startswith(new), listing
    assert any(l.startswith(old) and "active" not in l for l in listing), listing

    # the running server signs new tokens with the new key
    def signs_with_new():
        t = server.token({"grant_type": "client_credentials", "scope": "api"},
                         auth=("backend", BACKEND_SECRET)).json()["access_token"]
        tok = jws.JWS()
        tok.deserialize(t)
        return tok.jose_header["kid"] == new
    assert eventually(signs_with_new, timeout=2.5)


@pytest.mark.parametrize("alg,kty", [("EdDSA", "OKP"), ("RS256", "RSA")])
def test_init_other_algorithms(gh, alg, kty):
    gh.setup(alg=alg)
    gh.start()
    keys = jwk.JWKSet.from_json(jwks(gh).text)
    (k,) = list(keys["keys"])
    assert k.get("alg") == alg and k.get("kty") == kty and k.get("use") == "sig"
    # and it signs tokens that verify against the published key
    t = gh.tokens()["access_token"]
    tok = jwt.JWT(jwt=t, key=keys, algs=[alg])
    assert tok.token.jose_header["alg"] == alg


def test_init_is_idempotent(gh):
    gh.setup()
    kids = gh.cli("keys", "list").stdout
    r = gh.cli("init", "--issuer", gh.issuer)
    assert r.returncode == 0
    # same key, clients and users still there
    assert gh.cli("keys", "list").stdout == kids
    clients = gh.cli("client", "list").stdout
    for c in ("spa", "trusted-spa", "backend"):
        assert c in clients
    gh.start()
    gh.tokens()  # alice can still sign in


# ---- exit statuses and messages ----

def test_client_add_twice_exit_1_one_line(gh):
    gh.setup()
    args = ("client", "add", "--id", "dup", "--public", "--redirect-uri", f"{gh.app}/cb")
    assert gh.cli(*args).returncode == 0
    r = gh.cli(*args, check=False)
    assert r.returncode == 1
    assert "dup" in one_line_error(r)


def test_unknown_command_exit_2(gh):
    r = run("frobnicate")
    assert r.returncode == 2
    assert "frobnicate" in one_line_error(r)


def test_unknown_option_exit_2(gh):
    gh.setup()
    r = gh.cli("client", "list", "--frobnicate", check=False)
    assert r.returncode == 2
    assert "--frobnicate" in one_line_error(r)
    r = gh.cli("serve", "--no-such-option", "1", check=False)
    assert r.returncode == 2
    one_line_error(r)


@pytest.mark.parametrize("cmd", [["init"], ["client", "add"], ["user", "add"], ["keys", "rotate"],
                                 ["sessions", "revoke"], ["trace", "export"], ["diagram"]])
def test_command_help_exit_0(gh, cmd):
    """--help of a command with options prints them, before anything is parsed."""
    r = gh.cli(*cmd, "--help", check=False)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("usage: ") and "options:" in r.stdout
    assert r.stderr == ""


@pytest.mark.parametrize("issuer", ["not-a-url", "ftp://127.0.0.1/", "http://", ""])
def test_bad_issuer_exit_2(gh, issuer):
    r = gh.cli("init", "--issuer", issuer, check=False)
    assert r.returncode == 2, r.stderr
    one_line_error(r)


def test_bad_ttl_exit_2(gh):
    gh.setup()
    for bad in ("-1", "abc", "0", "99999999999"):
        r = gh.cli("serve", "--listen", f"127.0.0.1:{gh.port}", "--code-ttl", bad, check=False)
        assert r.returncode == 2, (bad, r.stderr)
        one_line_error(r)


@pytest.mark.parametrize("uri", ["javascript:alert(1)", "http://127.0.0.1/cb#frag", "not-a-url",
                                 "http://evil.example/cb", ""])
def test_client_add_bad_redirect_uri_exit_2(gh, uri):
    gh.setup()
    r = gh.cli("client", "add", "--id", "bad", "--public", "--redirect-uri", uri, check=False)
    assert r.returncode == 2, r.stderr
    one_line_error(r)
    assert "bad" not in gh.cli("client", "list").stdout.split()


def test_user_add_without_password_exit_1(gh):
    gh.setup()
    for pw in ("", "short"):
        r = gh.cli("user", "add", "--username", "zed", "--password-stdin", stdin=pw,
                   check=False)
        assert r.returncode == 1, r.stderr
        one_line_error(r)


def test_init_on_foreign_file_exit_1_file_unchanged(gh):
    path = os.path.join(gh.tmpdir, "foreign.db")
    garbage = os.urandom(8192)
    with open(path, "wb") as f:
        f.write(garbage)
    r = run("--db", "sqlite:" + path, "init", "--issuer", gh.issuer)
    assert r.returncode == 1
    one_line_error(r)
    assert open(path, "rb").read() == garbage
    # a text file too
    with open(path, "w") as f:
        f.write("my notes\n")
    r = run("--db", "sqlite:" + path, "init", "--issuer", gh.issuer)
    assert r.returncode == 1
    assert open(path).read() == "my notes\n"
    assert not os.path.exists(path + "-wal") or os.path.getsize(path + "-wal") == 0


def test_db_option_positions_and_env(gh):
    # an empty working directory: the default ./gatehouse.db must not be used
    cwd = os.path.join(gh.tmpdir, "cwd")
    os.mkdir(cwd)
    env = dict(os.environ, GATEHOUSE_DB=gh.db)
    # GATEHOUSE_DB alone
    r = run("init", "--issuer", gh.issuer, env=env, cwd=cwd)
    assert r.returncode == 0, r.stderr
    r = run("client", "add", "--id", "viaenv", "--public", "--redirect-uri", f"{gh.app}/cb",
            env=env, cwd=cwd)
    assert r.returncode == 0, r.stderr
    # --db before and after the command name
    assert "viaenv" in run("--db", gh.db, "client", "list", cwd=cwd).stdout
    assert "viaenv" in run("client", "list", "--db", gh.db, cwd=cwd).stdout
    # the flag wins over the environment
    other = "sqlite:" + os.path.join(gh.tmpdir, "other.db")
    env2 = dict(os.environ, GATEHOUSE_DB=other)
    assert "viaenv" in run("--db", gh.db, "client", "list", env=env2, cwd=cwd).stdout
    assert run("--db", other, "init", "--issuer", gh.issuer, cwd=cwd).returncode == 0
    r = run("client", "list", env=env2, cwd=cwd)
    assert r.returncode == 0 and "viaenv" not in r.stdout
    assert os.listdir(cwd) == []


def test_short_client_secret_exit_1(gh):
    gh.setup()
    r = gh.cli("client", "add", "--id", "weak", "--secret-stdin", "--redirect-uri",
               f"{gh.app}/cb", stdin="short-secret", check=False)
    assert r.returncode == 1
    one_line_error(r)
    assert "weak" not in gh.cli("client", "list").stdout
    r = gh.cli("client", "add", "--id", "none", "--secret-stdin", "--redirect-uri",
               f"{gh.app}/cb", stdin="", check=False)
    assert r.returncode == 1
    one_line_error(r)


def test_secrets_stored_hashed(gh):
    sqlite_only(gh)
    gh.setup()
    db = sqlite3.connect(gh.sqlite_path())
    try:
        (pwhash,) = db.execute("SELECT pwhash FROM user WHERE username = 'alice'").fetchone()
        (secret_hash,) = db.execute(
            "SELECT secret_hash FROM client WHERE id = 'backend'").fetchone()
        (spa_secret,) = db.execute("SELECT secret_hash FROM client WHERE id = 'spa'").fetchone()
        dump = "\n".join(db.iterdump())
    finally:
        db.close()
    assert pwhash.startswith("$argon2id$")
    assert pwhash != PASSWORD and PASSWORD not in pwhash
    assert isinstance(secret_hash, bytes) and len(secret_hash) == 32
    assert secret_hash == hashlib.sha256(BACKEND_SECRET.encode()).digest()
    assert spa_secret is None
    assert PASSWORD not in dump and BACKEND_SECRET not in dump
    # the stored hash still lets alice in
    gh.start()
    gh.tokens()


def test_user_add_password_from_stdin(gh):
    gh.setup()
    r = gh.cli("user", "add", "--username", "bob", "--password-stdin", stdin="bob's long pass\n")
    assert r.returncode == 0
    gh.start()
    _, ch = pkce_pair()
    s, page = gh.authorize(challenge=ch)
    r = gh.login(s, page, username="bob", password="bob's long pass")
    assert r.status_code in (302, 303) and "code=" in r.headers["Location"]
    # a second user with the same name is refused
    r = gh.cli("user", "add", "--username", "bob", "--password-stdin", stdin="x" * 20,
               check=False)
    assert r.returncode == 1
    one_line_error(r)


# ---- HTTP skeleton ----

def test_unknown_path_404_json(server):
    r = requests.get(server.issuer + "/no/such/thing")
    assert r.status_code == 404
    assert r.headers["Content-Type"].startswith("application/json")
    assert "error" in r.json()


def test_wrong_method_405_with_allow(server):
    r = requests.get(server.issuer + "/token")
    assert r.status_code == 405
    assert "POST" in r.headers["Allow"]
    r = requests.delete(server.issuer + "/jwks")
    assert r.status_code == 405
    assert "GET" in r.headers["Allow"]


def test_body_over_limit_413(gh):
    gh.setup()
    gh.start("--max-body", "2048")
    big = {"grant_type": "client_credentials", "pad": "x" * 4096}
    r = gh.token(big, auth=("backend", BACKEND_SECRET))
    assert r.status_code == 413
    # just under the limit is served normally, and the server keeps serving
    ok = gh.token({"grant_type": "client_credentials", "scope": "api", "pad": "x" * 1500},
                  auth=("backend", BACKEND_SECRET))
    assert ok.status_code != 413
    assert requests.get(gh.issuer + DISCOVERY).status_code == 200


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_exits_0_within_5s(server, sig):
    # an idle keep-alive connection must not hold the shutdown up
    s = requests.Session()
    assert s.get(server.issuer + DISCOVERY).status_code == 200
    idle = socket.create_connection(("127.0.0.1", server.port))
    try:
        proc = server.proc
        t0 = time.time()
        proc.send_signal(sig)
        rc = proc.wait(timeout=5)
        assert rc == 0
        assert time.time() - t0 < 5
    finally:
        idle.close()
        s.close()
    server.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(server.issuer + DISCOVERY, timeout=2)


def test_sigterm_finishes_the_request_in_flight(server):
    """A graceful stop lets a request that has started complete: here the
    body of a token request is still arriving when SIGTERM comes."""
    body = "grant_type=client_credentials&scope=api"
    auth = base64.b64encode(f"backend:{BACKEND_SECRET}".encode()).decode()
    head = (f"POST /token HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            f"Authorization: Basic {auth}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    try:
        sock.sendall(head.encode() + body[:10].encode())
        time.sleep(0.3)
        proc = server.proc
        t0 = time.time()
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert proc.poll() is None  # still finishing the request
        sock.sendall(body[10:].encode())
        reply = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
        assert reply.startswith(b"HTTP/1.1 200"), reply[:200]
        assert b'"access_token"' in reply
        assert proc.wait(timeout=5) == 0
        assert time.time() - t0 < 5
    finally:
        sock.close()
    server.stop()


@pytest.mark.parametrize("args", [["init"], ["client", "add"], ["client", "list"],
                                  ["user", "passwd"], ["keys", "rotate"],
                                  ["sessions", "revoke"], ["serve"], ["demo"],
                                  ["trace", "export"], ["diagram"]])
def test_every_command_help(args):
    # `--help` after a command (and its sub-command) prints its options; it
    # once freed the command's uninitialised option struct and crashed
    r = run(*args, "--help")
    assert r.returncode == 0 and r.stdout.startswith("usage: gatehouse "), r.stderr[-600:]
    assert r.stderr == ""
