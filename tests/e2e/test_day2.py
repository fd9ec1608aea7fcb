"""Day 2: the commands an operator runs against a live installation
(client show/update/remove, secret rotation, user list/remove/passwd, keys
list/retire, sessions revoke), the exit-code rules (0 ok, 1 failure with one
line on stderr naming the problem, 2 usage), `--db` and GATEHOUSE_DB, the
config file and its precedence, the systemd unit and `make install`.

Changes made with the CLI reach a RUNNING server without a restart: it
rereads keys and clients within about a second of a change."""
import base64
import hashlib
import os
import re
import shutil
import signal
import subprocess
import time
from datetime import datetime, timezone

import pytest
import requests

from conftest import (BACKEND_SECRET, BIN, PASSWORD, ROOT, eventually, form_fields,
                      free_port, pkce_pair, query_of)

RELOAD = 2.5  # "within ~2 s" plus scheduling slack
NEW_SECRET = "rotated-secret-Gc4Wm9Xb2Qy7Jt5Ks8Fh3Zn6"
BOB_PASSWORD = "bob's quite long password"


def run(*args, stdin=None, env=None, cwd=None):
    return subprocess.run([BIN, *args], input=stdin, capture_output=True, text=True,
                          timeout=60, env=env, cwd=cwd)


def one_line_error(r, *words):
    """A failure prints exactly one non-empty line on stderr naming the problem."""
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, r.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])
    return lines[0]


def fails(r, code, *words):
    assert r.returncode == code, (r.returncode, r.stdout, r.stderr)
    return one_line_error(r, *words)


def cc(gh, secret=BACKEND_SECRET, client="backend"):
    """A client_credentials request of a confidential client."""
    return gh.token({"grant_type": "client_credentials", "scope": "api"}, auth=(client, secret))


def sign_in(gh, username="alice", password=PASSWORD, client="spa", redirect=None,
            scope="openid api"):
    """authorize + login (+ consent); returns the final response."""
    verifier, challenge = pkce_pair()
    redirect = redirect or f"{gh.app}/callback"
    s, page = gh.authorize(client=client, redirect=redirect, scope=scope, challenge=challenge)
    assert page.status_code == 200, page.text
    return gh.login(s, page, username=username, password=password), verifier, redirect


def tokens_of(gh, username="alice", password=PASSWORD):
    r, verifier, redirect = sign_in(gh, username, password)
    assert r.status_code in (302, 303), r.text
    code = query_of(r.headers["Location"])["code"]
    t = gh.token({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect,
                  "client_id": "spa", "code_verifier": verifier})
    assert t.status_code == 200, t.text
    return t.json()


def authorize_status(gh, client="spa", redirect=None, scope="openid api"):
    _, challenge = pkce_pair()
    _, r = gh.authorize(client=client, redirect=redirect or f"{gh.app}/callback", scope=scope,
                        challenge=challenge)
    return r.status_code


def add_bob(gh):
    gh.cli("user", "add", "--username", "bob", "--password-stdin", stdin=BOB_PASSWORD)


# ---- client show ----

def test_client_show_prints_every_field(gh):
    gh.setup()
    gh.cli("client", "add", "--id", "svc.one", "--secret-stdin", "--trusted",
           "--redirect-uri", "https://one.example/cb", "--redirect-uri",
           "http://127.0.0.1:8765/cb", "--origin", "https://spa.example", "--scope",
           "api admin", stdin=NEW_SECRET)
    out = gh.cli("client", "show", "--id", "svc.one").stdout
    lines = out.splitlines()
    head = lines[0]
    assert head.startswith("svc.one ") and "confidential" in head and "trusted" in head
    assert 'scope="api admin"' in head
    assert "  redirect_uri https://one.example/cb" in lines
    assert "  redirect_uri http://127.0.0.1:8765/cb" in lines
    assert "  origin https://spa.example" in lines
    (created,) = [l for l in lines if l.startswith("  created ")]
    assert abs(parse_time(created.split()[1]) - time.time()) < 60, created
    # never the secret, nor its hash
    digest = hashlib.sha256(NEW_SECRET.encode()).digest()
    for form in (NEW_SECRET, digest.hex(), base64.b64encode(digest).decode().rstrip("="),
                 base64.urlsafe_b64encode(digest).decode().rstrip("=")):
        assert form not in out
    # a public, untrusted client whose origins default to its redirect URIs'
    out = gh.cli("client", "show", "--id", "spa").stdout
    head = out.splitlines()[0]
    assert "public" in head and "trusted" not in head
    assert 'scope="openid profile api admin"' in head
    assert f"  redirect_uri {gh.app}/callback" in out.splitlines()
    assert f"  origin {gh.app}" in out.splitlines()


def test_client_show_errors(gh):
    gh.setup()
    fails(gh.cli("client", "show", "--id", "nope", check=False), 1, "nope")
    fails(gh.cli("client", "show", check=False), 2, "--id")
    fails(gh.cli("client", "show", "--id", "bad id!", check=False), 2, "bad id!")
    fails(gh.cli("client", "frobnicate", check=False), 2)


# ---- client update, seen by a running server ----

def test_update_redirect_uris_reaches_running_server(server):
    new = f"{server.app}/new-callback"
    assert authorize_status(server, redirect=new) == 400
    created = server.cli("client", "show", "--id", "spa").stdout.splitlines()[-1]
    r = server.cli("client", "update", "--id", "spa", "--redirect-uri", new)
    assert r.returncode == 0 and "spa" in r.stdout
    # the list is replaced: the new URI works, the old one no longer does
    assert eventually(lambda: authorize_status(server, redirect=new) == 200, RELOAD)
    assert authorize_status(server) == 400
    show = server.cli("client", "show", "--id", "spa").stdout
    assert new in show and f"{server.app}/callback\n" not in show
    assert show.splitlines()[-1] == created  # an update keeps the creation time
    # and a full flow completes on the new URI
    r, _, _ = sign_in(server, redirect=new)
    assert r.status_code in (302, 303) and r.headers["Location"].startswith(new + "?")


def test_update_trusted_skips_consent_on_running_server(server):
    def consent_shown():
        r, _ = _login_only(server)
        return r.status_code == 200 and 'action="/consent"' in r.text

    assert consent_shown()
    assert server.cli("client", "update", "--id", "spa", "--trusted").returncode == 0
    assert "trusted" in server.cli("client", "show", "--id", "spa").stdout.splitlines()[0]
    assert eventually(lambda: not consent_shown(), RELOAD)
    r, _ = _login_only(server)
    assert r.status_code in (302, 303) and "code=" in r.headers["Location"]
    # and back
    assert server.cli("client", "update", "--id", "spa", "--untrusted").returncode == 0
    assert "trusted" not in server.cli("client", "show", "--id", "spa").stdout.splitlines()[0]
    assert eventually(consent_shown, RELOAD)


def _login_only(gh):
    """authorize + the login form only (no consent); (response, session)."""
    _, challenge = pkce_pair()
    s, page = gh.authorize(challenge=challenge)
    assert page.status_code == 200, page.text
    fields = form_fields(page.text)
    fields.update(username="alice", password=PASSWORD)
    return s.post(gh.issuer + "/login", data=fields, allow_redirects=False), s


def test_update_scope_reaches_running_server(server):
    def admin_allowed():
        r = server.token({"grant_type": "client_credentials", "scope": "admin"},
                         auth=("backend", BACKEND_SECRET))
        return r.status_code == 200

    assert admin_allowed()
    assert server.cli("client", "update", "--id", "backend", "--scope", "api").returncode == 0
    assert 'scope="api"' in server.cli("client", "show", "--id", "backend").stdout
    assert eventually(lambda: not admin_allowed(), RELOAD)
    r = server.token({"grant_type": "client_credentials", "scope": "admin"},
                     auth=("backend", BACKEND_SECRET))
    assert r.status_code == 400 and r.json()["error"] == "invalid_scope"
    assert cc(server).status_code == 200  # the secret is unchanged
    fails(server.cli("client", "update", "--id", "backend", "--scope", "bad\"scope",
                     check=False), 2, "scope")


def test_update_origins_reaches_running_server(server):
    new = "https://spa.example.org"

    def acao(origin):
        r = requests.options(server.issuer + "/token", headers={
            "Origin": origin, "Access-Control-Request-Method": "POST"})
        return r.headers.get("Access-Control-Allow-Origin")

    assert acao(server.app) == server.app and acao(new) is None
    assert server.cli("client", "update", "--id", "spa", "--origin", new).returncode == 0
    assert f"  origin {new}" in server.cli("client", "show", "--id", "spa").stdout.splitlines()
    assert eventually(lambda: acao(new) == new, RELOAD)
    # the list is replaced (the app origin stays allowed: trusted-spa registers it too)
    assert f"  origin {server.app}" not in server.cli("client", "show", "--id", "spa").stdout
    fails(server.cli("client", "update", "--id", "spa", "--origin", "https://x.example/path",
                     check=False), 2, "origin")


def test_update_errors(gh):
    gh.setup()
    fails(gh.cli("client", "update", "--id", "nope", "--scope", "api", check=False), 1, "nope")
    fails(gh.cli("client", "update", "--scope", "api", check=False), 2, "--id")
    fails(gh.cli("client", "update", "--id", "spa", "--redirect-uri", "http://evil.example/cb",
                 check=False), 2, "http://evil.example/cb")
    fails(gh.cli("client", "update", "--id", "spa", "--secret-stdin", stdin=NEW_SECRET,
                 check=False), 2, "public")
    fails(gh.cli("client", "update", "--id", "backend", "--secret-stdin", stdin="too short",
                 check=False), 1, "32")
    fails(gh.cli("client", "update", "--id", "spa", "--bogus", check=False), 2, "bogus")
    # nothing changed by the failed updates
    show = gh.cli("client", "show", "--id", "spa").stdout
    assert f"{gh.app}/callback" in show and "evil" not in show
    assert cc(gh.start()).status_code == 200


# ---- secret rotation ----

def test_secret_rotation_on_running_server(server):
    assert cc(server).status_code == 200
    r = server.cli("client", "update", "--id", "backend", "--secret-stdin", stdin=NEW_SECRET + "\n")
    assert r.returncode == 0
    assert NEW_SECRET not in r.stdout + r.stderr
    assert eventually(lambda: cc(server).status_code == 401, RELOAD)
    r = cc(server)
    assert r.json()["error"] == "invalid_client"
    assert cc(server, NEW_SECRET).status_code == 200
    # the hash is stored, never the secret
    path = server.sqlite_path()
    if path is not None:
        for f in (path, path + "-wal"):
            if os.path.exists(f):
                assert NEW_SECRET.encode() not in open(f, "rb").read()


# ---- client remove ----

def test_client_remove_on_running_server(server):
    tok = tokens_of(server)
    assert cc(server).status_code == 200
    assert server.cli("client", "remove", "--id", "backend").returncode == 0
    assert server.cli("client", "remove", "--id", "spa").returncode == 0
    ids = [l.split()[0] for l in server.cli("client", "list").stdout.splitlines()]
    assert ids == ["trusted-spa"], ids
    assert eventually(lambda: cc(server).status_code == 401, RELOAD)
    assert cc(server).json()["error"] == "invalid_client"
    assert authorize_status(server) == 400
    r = server.refresh(tok["refresh_token"])
    assert r.status_code in (400, 401) and r.json()["error"] in ("invalid_client",
                                                                 "invalid_grant")
    fails(server.cli("client", "remove", "--id", "backend", check=False), 1, "backend")
    fails(server.cli("client", "remove", check=False), 2, "--id")


# ---- users ----

def test_user_list(gh):
    gh.setup()
    add_bob(gh)
    r = gh.cli("user", "list")
    assert sorted(r.stdout.split()) == ["alice", "bob"]
    fails(gh.cli("user", "list", "--bogus", check=False), 2, "bogus")
    fails(gh.cli("user", "frobnicate", check=False), 2)


def test_user_remove_on_running_server(server):
    add_bob(server)
    bob = tokens_of(server, "bob", BOB_PASSWORD)
    alice = tokens_of(server)
    r = server.cli("user", "remove", "--username", "bob")
    assert r.returncode == 0 and "bob" in r.stdout
    assert "1 refresh-token families revoked" in r.stdout, r.stdout
    assert server.cli("user", "list").stdout.split() == ["alice"]
    # bob can no longer sign in, and his refresh tokens stopped working
    r, _, _ = sign_in(server, "bob", BOB_PASSWORD)
    assert r.status_code == 401 and "code=" not in r.headers.get("Location", "")
    r = server.refresh(bob["refresh_token"])
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    # alice is untouched
    assert server.refresh(alice["refresh_token"]).status_code == 200
    fails(server.cli("user", "remove", "--username", "bob", check=False), 1, "bob")
    fails(server.cli("user", "remove", check=False), 2, "--username")


def test_user_passwd_on_running_server(server):
    new = "a brand new passphrase"
    r = server.cli("user", "passwd", "--username", "alice", "--password-stdin", stdin=new)
    assert r.returncode == 0 and "alice" in r.stdout
    r, _, _ = sign_in(server, "alice", PASSWORD)
    assert r.status_code == 401
    r, _, _ = sign_in(server, "alice", new)
    assert r.status_code in (302, 303) and "code=" in r.headers["Location"]
    fails(server.cli("user", "passwd", "--username", "nobody", "--password-stdin", stdin=new,
                     check=False), 1, "nobody")
    fails(server.cli("user", "passwd", "--username", "alice", "--password-stdin", stdin="short",
                     check=False), 1, "password")
    fails(server.cli("user", "passwd", "--username", "alice", stdin=new, check=False), 2,
          "--password-stdin")
    # the failed attempts left the new password in place
    r, _, _ = sign_in(server, "alice", new)
    assert r.status_code in (302, 303)


# ---- keys ----

def parse_time(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()


def jwks_kids(gh):
    return {k["kid"] for k in requests.get(gh.issuer + "/jwks").json()["keys"]}


def test_keys_list_shows_signer_and_publish_window(gh):
    gh.setup()
    gh.start("--access-ttl", "120")
    old = gh.cli("keys", "list").stdout.splitlines()
    assert len(old) == 1 and "active (signs new tokens)" in old[0], old
    old_kid = old[0].split()[0]
    before = time.time()
    gh.cli("keys", "rotate")
    lines = gh.cli("keys", "list").stdout.splitlines()
    assert len(lines) == 2, lines
    active = [l for l in lines if "active (signs new tokens)" in l]
    assert len(active) == 1 and not active[0].startswith(old_kid)
    (prev,) = [l for l in lines if l.startswith(old_kid)]
    m = re.search(r"published until (\S+)", prev)
    assert m, prev
    # published as long as the tokens it signed live: access TTL + 60 s leeway
    until = parse_time(m.group(1))
    assert before + 120 + 60 - 5 <= until <= time.time() + 120 + 60 + 5, (prev, before)
    assert eventually(lambda: len(jwks_kids(gh)) == 2, RELOAD)


def test_keys_retire_on_running_server(server):
    old_kid = server.cli("keys", "list").stdout.split()[0]
    # the active key cannot be retired
    fails(server.cli("keys", "retire", "--kid", old_kid, check=False), 1, old_kid)
    server.cli("keys", "rotate")
    assert eventually(lambda: len(jwks_kids(server)) == 2, RELOAD)
    new_kid = (jwks_kids(server) - {old_kid}).pop()
    fails(server.cli("keys", "retire", "--kid", new_kid, check=False), 1, new_kid)
    r = server.cli("keys", "retire", "--kid", old_kid)
    assert r.returncode == 0 and old_kid in r.stdout
    assert eventually(lambda: jwks_kids(server) == {new_kid}, RELOAD)
    listing = server.cli("keys", "list").stdout
    assert re.search(re.escape(old_kid) + r".*retired", listing), listing
    # the server keeps signing with the active key
    assert cc(server).status_code == 200
    fails(server.cli("keys", "retire", "--kid", "no-such-kid", check=False), 1, "no-such-kid")
    fails(server.cli("keys", "retire", check=False), 2, "--kid")
    fails(server.cli("keys", "frobnicate", check=False), 2, "frobnicate")
    fails(server.cli("keys", "rotate", "--alg", "HS256", check=False), 2, "HS256")


# ---- sessions ----

def test_sessions_revoke_user(server):
    add_bob(server)
    a1, a2 = tokens_of(server), tokens_of(server)
    b = tokens_of(server, "bob", BOB_PASSWORD)
    a1 = server.refresh(a1["refresh_token"]).json()  # a rotated family too
    r = server.cli("sessions", "revoke", "--user", "alice")
    assert r.returncode == 0 and "2" in r.stdout and "alice" in r.stdout, r.stdout
    for t in (a1, a2):
        r = server.refresh(t["refresh_token"])
        assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text
    assert server.refresh(b["refresh_token"]).status_code == 200
    # signing in again starts a new family
    assert server.refresh(tokens_of(server)["refresh_token"]).status_code == 200


def test_sessions_revoke_usage(gh):
    gh.setup()
    fails(gh.cli("sessions", "revoke", check=False), 2, "--user")
    fails(gh.cli("sessions", "revoke", "--user", check=False), 2)
    fails(gh.cli("sessions", "frobnicate", "--user", "alice", check=False), 2)
    fails(gh.cli("sessions", check=False), 2)


def test_sessions_revoke_unknown_user_exit_1(gh):
    gh.setup()
    fails(gh.cli("sessions", "revoke", "--user", "nobody", check=False), 1, "nobody")


def test_sessions_revoke_user_equals_form(gh):
    gh.setup()
    r = gh.cli("sessions", "revoke", "--user=alice", check=False)
    assert r.returncode == 0, r.stderr


# ---- --db and GATEHOUSE_DB for the day-2 commands ----

@pytest.mark.parametrize("cmd", [["client", "show", "--id", "spa"], ["client", "list"],
                                 ["user", "list"], ["keys", "list"],
                                 ["sessions", "revoke", "--user", "alice"]])
def test_db_before_after_and_env(gh, cmd):
    gh.setup()
    cwd = os.path.join(gh.tmpdir, "cwd")
    os.mkdir(cwd)
    env = {k: v for k, v in os.environ.items() if k != "GATEHOUSE_DB"}
    outs = []
    for args, e in [(["--db", gh.db, *cmd], env), ([*cmd, "--db", gh.db], env),
                    ([cmd[0], "--db=" + gh.db, *cmd[1:]], env),
                    (cmd, dict(env, GATEHOUSE_DB=gh.db))]:
        r = run(*args, env=e, cwd=cwd)
        assert r.returncode == 0, (args, r.stderr)
        outs.append(r.stdout)
    assert len(set(outs)) == 1, outs
    # without a database: the default ./gatehouse.db is not initialised -> 1
    r = run(*cmd, env=env, cwd=cwd)
    fails(r, 1, "init")
    # the flag wins over the environment
    r = run("--db", gh.db, *cmd, env=dict(env, GATEHOUSE_DB="sqlite:" + cwd + "/none.db"),
            cwd=cwd)
    assert r.returncode == 0 and r.stdout == outs[0]
    fails(run(*cmd, "--db", env=env, cwd=cwd), 2, "--db")


# ---- the config file and its precedence ----

def serve(gh, *args, env=None, config=None):
    """Starts serve (no --listen flag unless given); returns the process."""
    cmd = [BIN, "--db", gh.db, "serve", *args]
    if config is not None:
        cmd += ["--config", config]
    gh.log = open(gh.log_path, "ab")
    gh.proc = subprocess.Popen(cmd, stdout=gh.log, stderr=subprocess.STDOUT,
                               env=env or clean_env())
    return gh.proc


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEHOUSE_")}
    env.update(extra)
    return env


def wait_up(gh, url):
    def up():
        if gh.proc.poll() is not None:
            raise AssertionError("serve exited: " + gh.logtext())
        try:
            return requests.get(url + "/healthz", timeout=1).status_code == 200
        except requests.ConnectionError:
            return False
    assert eventually(up, 15)


def write(gh, name, text):
    path = os.path.join(gh.tmpdir, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def expires_in(gh, base):
    r = requests.post(base + "/token", data={"grant_type": "client_credentials", "scope": "api"},
                      auth=("backend", BACKEND_SECRET))
    assert r.status_code == 200, r.text
    return r.json()["expires_in"]


def test_config_unknown_key_names_the_line(gh):
    gh.setup()
    path = write(gh, "bad.conf", "# comment\n\nlisten = 127.0.0.1:1\nlistn = 127.0.0.1:2\n")
    r = run("--db", gh.db, "serve", "--config", path, env=clean_env())
    fails(r, 2, f"{path}:4", "listn")


@pytest.mark.parametrize("text,line,words", [
    ("access-ttl = 300\naccess-ttl = ten\n", 2, ["access-ttl", "ten"]),
    ("code-ttl = 601\n", 1, ["code-ttl"]),
    ("\n\n\nlisten = nowhere\n", 4, ["listen", "nowhere"]),
    ("trace = maybe\n", 1, ["trace", "maybe"]),
    ("issuer = ftp://x\n", 1, ["issuer"]),
    ("just some words\n", 1, []),
    ("config = other.conf\n", 1, ["config"]),
    ("# c\nissuer = https://x.example/" + "a" * 5000 + "\nlisten = 1.2.3.4:5\n", 2,
     ["longer"]),
])
def test_config_bad_value_names_the_line(gh, text, line, words):
    gh.setup()
    path = write(gh, "bad.conf", text)
    r = run("--db", gh.db, "serve", "--config", path, env=clean_env())
    fails(r, 2, f"{path}:{line}:", *words)


def test_config_missing_file(gh):
    gh.setup()
    path = os.path.join(gh.tmpdir, "missing.conf")
    fails(run("--db", gh.db, "serve", "--config", path, env=clean_env()), 2, path)


def test_config_file_sets_listen_and_access_ttl(gh):
    gh.setup()
    path = write(gh, "gh.conf", f"""# a good file
listen = 127.0.0.1:{gh.port}
  access-ttl = 77   
issuer = "{gh.issuer}"
log-format = json
""")
    serve(gh, config=path)
    wait_up(gh, gh.issuer)
    assert expires_in(gh, gh.issuer) == 77
    gh.stop()
    assert any(l.startswith("{") for l in gh.logtext().splitlines())


def test_config_db_key_when_no_flag_nor_env(gh):
    gh.setup()
    path = write(gh, "gh.conf", f"db = {gh.db}\nlisten = 127.0.0.1:{gh.port}\n")
    cwd = os.path.join(gh.tmpdir, "cwd")
    os.mkdir(cwd)
    gh.log = open(gh.log_path, "ab")
    gh.proc = subprocess.Popen([BIN, "serve", "--config", path], stdout=gh.log,
                               stderr=subprocess.STDOUT, env=clean_env(), cwd=cwd)
    wait_up(gh, gh.issuer)
    assert expires_in(gh, gh.issuer) == 300
    assert os.listdir(cwd) == []


def test_precedence_flag_over_env_over_file(gh):
    """gh_opts_load: defaults, then the config file, then GATEHOUSE_*, then flags."""
    gh.setup()
    path = write(gh, "gh.conf", f"listen = 127.0.0.1:{gh.port}\naccess-ttl = 77\n")
    # the file over the default
    serve(gh, config=path)
    wait_up(gh, gh.issuer)
    assert expires_in(gh, gh.issuer) == 77
    gh.stop()
    # the environment over the file
    serve(gh, config=path, env=clean_env(GATEHOUSE_ACCESS_TTL="88"))
    wait_up(gh, gh.issuer)
    assert expires_in(gh, gh.issuer) == 88
    gh.stop()
    # a flag over the environment (and the file), on both sides of --config
    for flags in (["--access-ttl", "99"], ["--access-ttl=99"]):
        serve(gh, *flags, config=path, env=clean_env(GATEHOUSE_ACCESS_TTL="88"))
        wait_up(gh, gh.issuer)
        assert expires_in(gh, gh.issuer) == 99
        gh.stop()
    # GATEHOUSE_LISTEN over the file's listen, --listen over both
    other = free_port()
    serve(gh, config=path, env=clean_env(GATEHOUSE_LISTEN=f"127.0.0.1:{other}"))
    wait_up(gh, f"http://127.0.0.1:{other}")
    gh.stop()
    third = free_port()
    serve(gh, "--listen", f"127.0.0.1:{third}", config=path,
          env=clean_env(GATEHOUSE_LISTEN=f"127.0.0.1:{other}"))
    wait_up(gh, f"http://127.0.0.1:{third}")
    gh.stop()
    # a bad environment value is a usage error naming the setting
    fails(run("--db", gh.db, "serve", "--config", path,
              env=clean_env(GATEHOUSE_ACCESS_TTL="0")), 2, "access-ttl")


def test_docs_state_the_same_precedence():
    want = "flag, then environment, then config file, then the default"
    assert want in open(os.path.join(ROOT, "docs", "configuration.md")).read()
    r = run("serve", "--config-reference")
    assert r.returncode == 0 and want in r.stdout
    example = open(os.path.join(ROOT, "contrib", "gatehouse.conf.example")).read()
    assert "command-line flag wins over a GATEHOUSE_<KEY> environment" in example
    readme = open(os.path.join(ROOT, "README.md")).read()
    ops = " ".join(readme[readme.index("## Operations"):].split())
    assert want in ops


def config_keys():
    text = open(os.path.join(ROOT, "docs", "configuration.md")).read()
    return set(re.findall(r"^\| `--[a-z-]+` \| ([a-z-]+) \|", text, re.M))


def test_example_config_is_valid_and_complete(gh, tmp_path):
    path = os.path.join(ROOT, "contrib", "gatehouse.conf.example")
    text = open(path).read()
    # every commented "# key = value" line, uncommented, still loads
    full = re.sub(r"^# ([a-z-]+ =.*)$", r"\1", text, flags=re.M)
    keys = set(re.findall(r"^([a-z-]+) =", full, re.M))
    assert keys == config_keys(), keys ^ config_keys()
    for t in (text, full):
        p = tmp_path / "x.conf"
        p.write_text(t)
        # loading stops only at the bad flag given after the file
        r = run("serve", "--config", str(p), "--log-level", "bogus", env=clean_env())
        fails(r, 2, "log-level", "bogus")
    # as shipped (with the unit's GATEHOUSE_DB) it starts a server
    gh.setup()
    port = int(re.search(r"^listen = 127\.0\.0\.1:(\d+)$", text, re.M).group(1))
    assert port == 9000
    p = tmp_path / "y.conf"
    p.write_text(text.replace("listen = 127.0.0.1:9000", f"listen = 127.0.0.1:{gh.port}"))
    serve(gh, config=str(p), env=clean_env(GATEHOUSE_DB=gh.db))
    wait_up(gh, gh.issuer)


# ---- the systemd unit and make install ----

UNIT = os.path.join(ROOT, "contrib", "gatehouse.service")


def unit_settings():
    out = {}
    for line in open(UNIT):
        line = line.strip()
        if line and not line.startswith(("#", "[")):
            k, v = line.split("=", 1)
            out.setdefault(k, []).append(v)
    return out


def test_unit_is_least_privilege():
    s = unit_settings()
    one = {k: v[-1] for k, v in s.items()}
    assert one["ExecStart"] == \
        "/usr/local/bin/gatehouse serve --config /etc/gatehouse/gatehouse.conf"
    assert one["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert one["Restart"] == "on-failure"
    assert one.get("DynamicUser") == "yes" or one.get("User") == "gatehouse"
    assert one["StateDirectory"] == "gatehouse"
    assert "GATEHOUSE_DB=sqlite:/var/lib/gatehouse/gatehouse.db" in s["Environment"]
    for k, v in {"ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
                 "NoNewPrivileges": "yes", "PrivateDevices": "yes",
                 "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes",
                 "ProtectControlGroups": "yes", "RestrictNamespaces": "yes",
                 "LockPersonality": "yes", "MemoryDenyWriteExecute": "yes",
                 "SystemCallArchitectures": "native", "CapabilityBoundingSet": "",
                 "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX"}.items():
        assert one.get(k) == v, (k, one.get(k))


def test_unit_passes_systemd_analyze_verify(tmp_path):
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed")
    # verify checks that ExecStart's binary exists: point it at a copy of this build
    binary = tmp_path / "gatehouse"
    shutil.copy(BIN, binary)
    text = open(UNIT).read().replace("/usr/local/bin/gatehouse", str(binary))
    unit = tmp_path / "gatehouse.service"
    unit.write_text(text)
    r = subprocess.run([tool, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "gatehouse.service" not in r.stderr, r.stderr  # no warnings about our unit
    r = subprocess.run([tool, "security", "--offline=yes", str(unit)], capture_output=True,
                       text=True, timeout=60)
    if r.returncode == 0 or "exposure level" in r.stdout:
        m = re.search(r"Overall exposure level for \S+: ([\d.]+)", r.stdout)
        assert m and float(m.group(1)) <= 2.0, r.stdout[-400:]


@pytest.mark.parametrize("prefix,unitdir", [("/usr/local", "/usr/local/lib/systemd/system"),
                                            ("/usr", "/lib/systemd/system")])
def test_make_install(tmp_path, prefix, unitdir):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    if not os.path.exists(os.path.join(ROOT, "build", "gatehouse")):
        pytest.skip("build/gatehouse is not built")
    dest = tmp_path / "root"
    # the man page and the completion are printed by the binary: made afresh
    # from the one under test (-o below keeps make from seeing it is newer)
    for made in ["gatehouse.1", "gatehouse.bash-completion"]:
        if os.path.exists(os.path.join(ROOT, "build", made)):
            os.unlink(os.path.join(ROOT, "build", made))
    # -o build/gatehouse: install what is built, never relink it (other tests use it)
    r = subprocess.run(["make", "-s", "-o", "build/gatehouse", "install", f"DESTDIR={dest}",
                        f"PREFIX={prefix}"], cwd=ROOT, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    files = sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file())
    doc = prefix.lstrip("/") + "/share/doc/gatehouse"
    share = prefix.lstrip("/") + "/share"
    assert files == sorted([prefix.lstrip("/") + "/bin/gatehouse",
                            unitdir.lstrip("/") + "/gatehouse.service",
                            doc + "/gatehouse.conf.example", doc + "/README.md",
                            doc + "/configuration.md", share + "/man/man1/gatehouse.1",
                            share + "/bash-completion/completions/gatehouse"]), files
    binary = dest / prefix.lstrip("/") / "bin" / "gatehouse"
    assert os.access(binary, os.X_OK)
    assert binary.read_bytes() == open(os.path.join(ROOT, "build", "gatehouse"), "rb").read()
    assert subprocess.run([str(binary), "--help"], capture_output=True).returncode == 0
    unit = (dest / unitdir.lstrip("/") / "gatehouse.service").read_text()
    assert f"ExecStart={prefix}/bin/gatehouse serve --config /etc/gatehouse/gatehouse.conf" in unit
    assert (dest / doc / "gatehouse.conf.example").read_text() == \
        open(os.path.join(ROOT, "contrib", "gatehouse.conf.example")).read()
    assert oct((dest / unitdir.lstrip("/") / "gatehouse.service").stat().st_mode & 0o777) == \
        "0o644"
    # gatehouse(1) and the completion are what the installed binary prints
    for path, args in [(share + "/man/man1/gatehouse.1", ["help", "--man"]),
                       (share + "/bash-completion/completions/gatehouse",
                        ["help", "--completion", "bash"])]:
        assert (dest / path).read_text() == \
            subprocess.run([str(binary)] + args, capture_output=True, text=True).stdout


# ---- reload and backups ----

def test_sighup_reloads_and_keeps_serving(server):
    before = jwks_kids(server)
    server.cli("keys", "rotate")
    server.proc.send_signal(signal.SIGHUP)
    assert eventually(lambda: len(jwks_kids(server)) == 2, RELOAD)
    assert before < jwks_kids(server)
    assert server.proc.poll() is None  # SIGHUP reloads, it does not stop
    assert requests.get(server.issuer + "/readyz").status_code == 200
    assert server.stop() == 0


def test_online_sqlite_backup_while_serving(server):
    path = server.sqlite_path()
    if path is None:
        pytest.skip("SQLite backup")
    tool = shutil.which("sqlite3")
    if tool is None:
        pytest.skip("the sqlite3 shell is not installed")
    tok = tokens_of(server)
    copy = os.path.join(server.tmpdir, "backup.db")
    r = subprocess.run([tool, path, f".backup {copy}"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    # the copy is a complete gatehouse database
    db = "sqlite:" + copy
    assert run("--db", db, "client", "list").stdout == server.cli("client", "list").stdout
    assert run("--db", db, "keys", "list").stdout == server.cli("keys", "list").stdout
    assert run("--db", db, "user", "list").stdout.split() == ["alice"]
    # and a server restored from it honours the refresh token issued before
    server.stop()
    os.replace(copy, path)
    for f in (path + "-wal", path + "-shm"):
        if os.path.exists(f):
            os.remove(f)
    server.start()
    assert server.refresh(tok["refresh_token"]).status_code == 200


def test_client_ids_and_user_names_never_collide(gh):
    """client_credentials tokens carry sub = client id, so a client may not
    take a user's name nor a user a client's id (RFC 9700 4.15)."""
    gh.setup()
    r = gh.cli("client", "add", "--id", "alice", "--secret-stdin", stdin=NEW_SECRET, check=False)
    assert r.returncode == 1 and "user name" in r.stderr
    r = gh.cli("user", "add", "--username", "spa", "--password-stdin",
               stdin="long enough password", check=False)
    assert r.returncode == 1 and "client id" in r.stderr
