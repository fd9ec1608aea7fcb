"""Flow review (docs/flow-review.md): `gatehouse trace import`, `trace lint`
and `trace diff` on HAR files recorded in Chromium against node-oidc-provider
and against gatehouse itself (tests/har/fixtures, made by tests/har/record.mjs),
on the mutated copies with one violation each (tests/har/mutate.py), on a
HAR made here of a flow gatehouse records natively at the same time, and on
malformed, empty and 50 MB files. No secret of any HAR may reach the
database or any output."""
import base64
import datetime
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile

import pytest
import requests

from conftest import BIN, PASSWORD, ROOT, eventually, gatehouse, pkce_pair, query_of, refresh_key

HAR = os.path.join(ROOT, "tests", "har")
FIX = os.path.join(HAR, "fixtures")
CLEAN = {"node-oidc": os.path.join(FIX, "node-oidc.har"),
         "gatehouse": os.path.join(FIX, "gatehouse.har")}
MUTATED = os.path.join(FIX, "mutated")
FORMATS = ("mermaid", "plantuml", "svg", "drawio")


def _mutations():
    spec = importlib.util.spec_from_file_location("mutate", os.path.join(HAR, "mutate.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.MUTATIONS


MUTATIONS = _mutations()


def run(*args, db=None, check=None):
    cmd = [BIN] + (["--db", db] if db else []) + list(args)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if check is not None:
        assert r.returncode == check, f"{' '.join(args)} -> {r.returncode}: {r.stderr}{r.stdout}"
    return r


def rules_of(lint_stdout):
    return {line.split()[0] for line in lint_stdout.splitlines() if line.strip()}


@pytest.fixture
def db(gh):
    gh.cli("init", "--issuer", gh.issuer)
    return gh


def imported(gh, path, *extra):
    r = gh.cli("trace", "import", path, *extra)
    flow = r.stdout.strip()
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", flow), r.stdout
    return flow


def meanings(mermaid):
    """The OAuth meanings of a Mermaid export's calls, in order."""
    return re.findall(r"->>\w+: .*?<br/>([^<\n]+?)(?:<br/>|$)", mermaid, re.M)


# ---- import ----

def test_import_names_participants_and_steps(db):
    flow = imported(db, CLEAN["node-oidc"])
    listing = db.cli("trace", "list").stdout
    assert f"{flow}" in listing and "client=review-spa" in listing
    assert "outcome=imported node-oidc.har" in listing
    mmd = db.cli("trace", "export", "--flow", flow, "--format", "mermaid",
                 "--no-timings").stdout
    issuer = re.search(r"Note over AS: issuer (http://127\.0\.0\.1:\d+)", mmd)
    assert issuer, mmd
    assert re.search(r"Note over App: http://127\.0\.0\.1:\d+", mmd)
    assert re.search(r"Note over API: http://127\.0\.0\.1:\d+", mmd)
    seq = meanings(mmd)
    expected = ["discovery", "authorization request", "sign-in", "consent",
                "redirect with code", "discovery", "code exchange", "JWKS", "API call",
                "userinfo", "refresh", "API call", "refresh", "revocation", "logout"]
    assert seq == expected, seq
    assert "Browser->>AS: GET /auth (" in mmd and "App->>API: GET /api/me" in mmd
    assert "loop refresh token rotation" in mmd


def test_import_the_same_vocabulary_for_gatehouse(db):
    flow = imported(db, CLEAN["gatehouse"], "--name", "own login")
    assert "outcome=imported own login" in db.cli("trace", "list").stdout
    mmd = db.cli("trace", "export", "--flow", flow, "--format", "mermaid",
                 "--no-timings").stdout
    assert meanings(mmd) == ["authorization request", "sign-in", "consent",
                             "redirect with code", "code exchange", "API call", "API call",
                             "refresh", "API call", "refresh", "revocation"], mmd


@pytest.mark.parametrize("fmt", FORMATS)
def test_imported_flow_exports_in_every_format(db, fmt):
    flow = imported(db, CLEAN["node-oidc"])
    out = db.cli("trace", "export", "--flow", flow, "--format", fmt).stdout
    assert "code exchange" in out and "userinfo" in out


def test_import_without_oauth_traffic_says_so(db, tmp_path):
    har = tmp_path / "plain.har"
    har.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "t"}, "entries": [
        {"startedDateTime": "2024-01-01T00:00:00Z", "time": 1,
         "request": {"method": "GET", "url": "https://example.test/", "headers": []},
         "response": {"status": 200, "headers": [], "content": {"text": "<p>hi</p>"}}}]}}))
    r = db.cli("trace", "import", str(har), check=False)
    assert r.returncode == 1 and "no OAuth traffic" in r.stderr, r.stderr
    assert db.cli("trace", "list").stdout == ""


# ---- lint ----

@pytest.mark.parametrize("name", sorted(CLEAN))
def test_clean_recordings_have_no_findings(db, name):
    r = run("trace", "lint", CLEAN[name], check=0)
    assert r.stdout == ""
    assert run("trace", "lint", "--format", "json", CLEAN[name], check=0).stdout.strip() == "[]"
    flow = imported(db, CLEAN[name])
    assert db.cli("trace", "lint", "--flow", flow).stdout == ""


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_every_rule_fires_on_its_violation(db, name):
    expected, _ = MUTATIONS[name]
    path = os.path.join(MUTATED, name + ".har")
    r = run("trace", "lint", path, check=1)
    assert rules_of(r.stdout) == expected, r.stdout
    for line in r.stdout.splitlines():  # RULE-ID severity step message (RFC section)
        assert re.fullmatch(r"[a-z-]+ (error|warning) \d+ .+ \((RFC \d+|OIDC Core) [\d.]+\)",
                            line), line
    doc = json.loads(run("trace", "lint", "--format", "json", path, check=1).stdout)
    assert {f["rule"] for f in doc} == expected
    assert all(f["section"] and f["step"] >= 1 and f["label"] for f in doc)
    # the same findings from the stored flow: the facts survive the store
    flow = imported(db, path)
    stored = db.cli("trace", "lint", "--flow", flow, check=False)
    assert stored.returncode == 1 and stored.stdout == r.stdout


def test_every_rule_has_a_violation_fixture():
    listed = {line.split()[0] for line in run("trace", "lint", "--rules", check=0)
              .stdout.splitlines()}
    covered = set().union(*(rules for rules, _ in MUTATIONS.values()))
    assert listed == covered, listed ^ covered


def test_mutated_fixtures_are_what_mutate_py_makes(tmp_path):
    subprocess.run([sys.executable, os.path.join(HAR, "mutate.py"), CLEAN["node-oidc"],
                    str(tmp_path)], check=True, capture_output=True)
    for name in MUTATIONS:
        with open(os.path.join(MUTATED, name + ".har"), "rb") as a, \
                open(tmp_path / (name + ".har"), "rb") as b:
            assert a.read() == b.read(), name
    with open(os.path.join(FIX, "example.har"), "rb") as a, \
            open(tmp_path / "example.har", "rb") as b:
        assert a.read() == b.read(), "example.har (the README's picture)"


def test_export_draws_a_har_without_storing_it(db):
    r = db.cli("trace", "export", "--flow", os.path.join(FIX, "example.har"), "--format",
               "mermaid", "--no-timings")
    assert "title OAuth flow imported from example.har" in r.stdout
    for rule in ("pkce-plain", "token-no-store", "refresh-reuse"):
        assert rule in r.stdout
    assert db.cli("trace", "list").stdout == ""


@pytest.mark.parametrize("fmt", FORMATS)
def test_findings_are_marked_red_at_their_step(db, fmt):
    flow = imported(db, os.path.join(MUTATED, "pkce-plain.har"))
    out = db.cli("trace", "export", "--flow", flow, "--format", fmt).stdout
    assert "pkce-plain" in out and "RFC 9700 2.1.1" in out
    assert "#b42318" in out or "rgb(253, 232, 231)" in out
    clean = db.cli("trace", "export", "--flow", imported(db, CLEAN["node-oidc"]),
                   "--format", fmt).stdout
    assert "pkce-plain" not in clean and "⚠" not in clean


def test_lint_usage_and_unknown_flow(db):
    assert run("trace", "lint", check=2).stderr.startswith("gatehouse: usage")
    assert run("trace", "lint", "--flow", "x", CLEAN["gatehouse"], check=2)
    assert run("trace", "lint", "--format", "yaml", CLEAN["gatehouse"], check=2)
    r = db.cli("trace", "lint", "--flow", "no-such-flow", check=False)
    assert r.returncode == 2 and "no flow 'no-such-flow'" in r.stderr


# ---- diff ----

def test_diff_of_a_flow_with_itself_is_empty(db):
    r = run("trace", "diff", CLEAN["node-oidc"], CLEAN["node-oidc"], check=0)
    assert r.stdout.startswith("same: 15 OAuth steps")
    flow = imported(db, CLEAN["node-oidc"])
    db.cli("trace", "diff", flow, CLEAN["node-oidc"])  # a stored flow and a file


def test_diff_shows_added_removed_and_moved(db, tmp_path):
    r = run("trace", "diff", CLEAN["node-oidc"], CLEAN["gatehouse"], check=1)
    lines = r.stdout.splitlines()
    assert lines[0].startswith("--- a: ") and lines[1].startswith("+++ b: ")
    assert any(re.match(r"- discovery\s+Frontend App → Authorization Server\s+a:\d+", x)
               for x in lines), r.stdout
    assert any(re.match(r"- logout\s+Browser → Authorization Server", x) for x in lines)
    assert any(re.match(r"\+ API call\s+Frontend App → Resource API\s+b:\d+", x) for x in lines)
    assert any(re.match(r"  code exchange\s+Frontend App → Authorization Server\s+a:\d+ b:\d+",
                        x) for x in lines)
    assert lines[-1].startswith("# 1 added, 5 removed, 0 moved")
    # userinfo moved behind the refresh: one move, not a removal and an addition
    with open(CLEAN["node-oidc"]) as f:
        har = json.load(f)
    es = har["log"]["entries"]
    ui = next(e for e in es if e["request"]["url"].endswith("/me"))
    last = [e for e in es if "grant_type=refresh_token" in
            e["request"].get("postData", {}).get("text", "")][-1]
    ui["startedDateTime"] = last["startedDateTime"].replace("Z", "").rstrip("0123456789") + "999Z"
    moved = tmp_path / "moved.har"
    moved.write_text(json.dumps(har))
    r = run("trace", "diff", CLEAN["node-oidc"], str(moved), check=1)
    assert "(moved to b:" in r.stdout and "(moved from a:" in r.stdout, r.stdout
    assert r.stdout.splitlines()[-1].startswith("# 0 added, 0 removed, 1 moved"), r.stdout
    doc = json.loads(run("trace", "diff", "--format", "json", CLEAN["node-oidc"], str(moved),
                         check=1).stdout)
    assert doc["same"] is False and doc["moved"] == 1
    assert [s["op"] for s in doc["steps"]].count("moved") == 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_diff_as_one_diagram(fmt, tmp_path):
    out = tmp_path / f"diff.{fmt}"
    run("trace", "diff", "--format", fmt, "-o", str(out), CLEAN["node-oidc"],
        CLEAN["gatehouse"], check=1)
    text = out.read_text()
    assert "only in a" in text and "only in b" in text
    assert "#1a7f37" in text or "rgb(230, 244, 234)" in text  # added: green


def test_diff_usage(tmp_path):
    assert run("trace", "diff", CLEAN["gatehouse"], check=2)
    assert run("trace", "diff", "--format", "png", CLEAN["gatehouse"], CLEAN["gatehouse"],
               check=2)
    missing = str(tmp_path / "missing.har")
    r = run("trace", "diff", missing, CLEAN["gatehouse"], check=2)
    assert "cannot open" in r.stderr


# ---- a native flow and the HAR of the same scenario ----

class HarRecorder:
    """Writes what a requests.Session sends and receives as HAR 1.2."""

    def __init__(self, session):
        self.entries = []
        session.hooks["response"].append(self.hook)

    def hook(self, r, *args, **kwargs):
        end = datetime.datetime.now(datetime.timezone.utc)
        start = end - r.elapsed
        req = r.request
        body = req.body.decode() if isinstance(req.body, bytes) else (req.body or "")
        request = {"method": req.method, "url": req.url, "httpVersion": "HTTP/1.1",
                   "headers": [{"name": k, "value": v} for k, v in req.headers.items()],
                   "queryString": [], "cookies": [], "headersSize": -1,
                   "bodySize": len(body)}
        if body:
            request["postData"] = {"mimeType": req.headers.get("Content-Type", ""),
                                   "text": body, "params": []}
        self.entries.append({
            "startedDateTime": start.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "time": r.elapsed.total_seconds() * 1000, "request": request,
            "response": {"status": r.status_code, "statusText": r.reason,
                         "httpVersion": "HTTP/1.1",
                         "headers": [{"name": k, "value": v} for k, v in r.headers.items()],
                         "cookies": [], "redirectURL": r.headers.get("Location", ""),
                         "content": {"size": len(r.content),
                                     "mimeType": r.headers.get("Content-Type", ""),
                                     "text": r.text},
                         "headersSize": -1, "bodySize": len(r.content)},
            "cache": {}, "timings": {"send": 0, "wait": 0, "receive": 0}})

    def save(self, path):
        with open(path, "w") as f:
            json.dump({"log": {"version": "1.2", "creator": {"name": "test_flow_review"},
                               "entries": self.entries}}, f)


def app_client_known(g):
    """serve --app-listen registers its client; the authorization server's
    cache sees it within a second. A request with a wrong redirect_uri asks
    without starting a flow."""
    def known():
        r = requests.get(g.issuer + "/authorize", params={
            "client_id": "gatehouse-app", "redirect_uri": "http://wrong.test/"})
        return "Unknown application" not in r.text
    assert eventually(known, timeout=10)


def native_scenario(g, browser):
    """Sign in, the app's callback, code exchange, an API call, two refreshes
    and a revocation, all through `browser` (so the HAR has all of it)."""
    app_client_known(g)
    verifier, challenge = pkce_pair()
    _, page = g.authorize(session=browser, client="gatehouse-app",
                          redirect=f"{g.app}/callback", scope="openid api",
                          state="state-of-the-test-flow-0123", challenge=challenge)
    assert page.status_code == 200, page.text
    r = g.login(browser, page)
    assert r.status_code in (302, 303), r.text
    loc = r.headers["Location"]
    assert browser.get(loc).status_code == 200  # the browser brings the code to the app
    code = query_of(loc)["code"]
    t = browser.post(g.issuer + "/token", data={
        "grant_type": "authorization_code", "code": code, "client_id": "gatehouse-app",
        "redirect_uri": f"{g.app}/callback", "code_verifier": verifier}).json()
    assert browser.get(g.api + "/api/me",
                       headers={"Authorization": "Bearer " + t["access_token"]}).ok
    for _ in range(2):
        t = browser.post(g.issuer + "/token", data={
            "grant_type": "refresh_token", "refresh_token": t["refresh_token"],
            "client_id": "gatehouse-app"}).json()
    assert browser.post(g.issuer + "/revoke", data={
        "token": t["refresh_token"], "token_type_hint": "refresh_token",
        "client_id": "gatehouse-app"}).ok
    return t


def test_native_flow_and_its_har_diff_as_equal(tmp_path):
    with gatehouse() as g:
        g.cli("init", "--issuer", g.issuer)
        g.cli("user", "add", "--username", "alice", "--password-stdin", stdin=PASSWORD)
        g.start("--trace", app=True)
        browser = requests.Session()
        har = HarRecorder(browser)
        native_scenario(g, browser)
        path = str(tmp_path / "native.har")
        har.save(path)
        g.stop()
        native = g.cli("trace", "list").stdout.split()[0]
        r = g.cli("trace", "diff", native, path, check=False)
        assert r.returncode == 0, r.stdout
        assert r.stdout.startswith("same: 9 OAuth steps"), r.stdout
        assert g.cli("trace", "lint", path).stdout == ""
        assert g.cli("trace", "lint", "--flow", native).stdout == ""


# ---- secrecy ----

SECRET_PARAMS = {"code", "code_verifier", "code_challenge", "state", "nonce", "refresh_token",
                 "access_token", "id_token", "token", "id_token_hint", "password", "xsrf",
                 "csrf", "flow"}


def secrets_of(path):
    """Every secret a HAR holds: token, code, verifier, state and nonce values,
    passwords, cookies, Authorization values, id_token claims that name a
    person, interaction ids in paths."""
    from urllib.parse import parse_qsl, urlsplit
    with open(path) as f:
        har = json.load(f)
    found = set()

    def params(s):
        for k, v in parse_qsl(s, keep_blank_values=True):
            if k in SECRET_PARAMS:
                found.add(v)

    for e in har["log"]["entries"]:
        req, resp = e["request"], e["response"]
        for url in (req["url"], resp.get("redirectURL", "")):
            u = urlsplit(url)
            params(u.query)
            params(u.fragment)
            found.update(seg for seg in u.path.split("/")  # interaction handles
                         if len(seg) >= 20 and re.search(r"\d", seg) and re.search("[A-Za-z]", seg))
        params(req.get("postData", {}).get("text", ""))
        for h in req["headers"] + resp["headers"]:
            n = h["name"].lower()
            if n in ("authorization", "cookie", "set-cookie"):
                found.add(h["value"])
                found.update(p.split("=", 1)[-1].split(";")[0] for p in h["value"].split(";"))
                found.add(h["value"].split(" ", 1)[-1])
        for c in req.get("cookies", []) + resp.get("cookies", []):
            found.add(c["value"])
        try:
            body = json.loads(resp.get("content", {}).get("text", "") or "null")
        except ValueError:
            body = None
        if isinstance(body, dict):
            for k in ("access_token", "refresh_token", "id_token"):
                if isinstance(body.get(k), str):
                    found.add(body[k])
            idt = body.get("id_token")
            if isinstance(idt, str):
                claims = json.loads(base64.urlsafe_b64decode(idt.split(".")[1] + "=="))
                found.update(str(claims[k]) for k in ("nonce", "sid", "at_hash")
                             if k in claims)
    return {s for s in found if len(s) >= 8}


def test_no_secret_reaches_the_store_or_any_output(db, tmp_path):
    sources = [CLEAN["node-oidc"], CLEAN["gatehouse"],
               os.path.join(MUTATED, "password-grant.har"),
               os.path.join(MUTATED, "token-in-url.har")]
    secrets_ = set().union(*(secrets_of(p) for p in sources))
    assert len(secrets_) > 40
    assert "har-fixture-pw-peer-not-a-secret" in secrets_
    assert "har-fixture-pw-gatehouse-not-a-secret" in secrets_
    outputs = []
    for p in sources:
        flow = imported(db, p)
        for fmt in FORMATS:
            outputs.append(db.cli("trace", "export", "--flow", flow, "--format", fmt).stdout)
        for args in (["--flow", flow], ["--format", "json", "--flow", flow], [p]):
            outputs.append(db.cli("trace", "lint", *args, check=False).stdout)
    for fmt in ("text", "json") + FORMATS:
        outputs.append(run("trace", "diff", "--format", fmt, sources[0], sources[2]).stdout)
        outputs.append(run("trace", "diff", "--format", fmt, sources[1], sources[3]).stdout)
    stored = db.cli("trace", "list").stdout
    path = db.sqlite_path()
    if path is not None:
        db.cli("trace", "list")  # the WAL is checkpointed into the file by now or stays beside
        for f in (path, path + "-wal"):
            if os.path.exists(f):
                stored += open(f, "rb").read().decode("latin-1")
    else:
        stored += subprocess.run(["psql", db.db, "-Atc",
                                  "SELECT label, note, grp, attrs FROM trace_step; "
                                  "SELECT id, client_id, sub, outcome FROM trace_flow"],
                                 capture_output=True, text=True, check=True).stdout
    everything = "\n".join(outputs) + stored
    leaked = sorted(s for s in secrets_ if s in everything)
    assert not leaked, [s[:12] + "…" for s in leaked]
    # the id_token's subject names a person: only when asked
    assert "sub=alice" not in everything
    flow = imported(db, CLEAN["node-oidc"], "--keep-claims")
    assert "sub=alice" in db.cli("trace", "export", "--flow", flow, "--format", "mermaid").stdout


# ---- hostile files ----

MALFORMED = {
    "empty": b"",
    "blank": b"  \n\t ",
    "not-json": b"HTTP/1.1 200 OK\r\n",
    "truncated": b'{"log": {"version": "1.2", "entries": [{"request": {"method": "GET"',
    "array": b'[{"log": {}}]',
    "no-entries": b'{"log": {"version": "1.2", "pages": []}}',
    "entries-not-array": b'{"log": {"entries": {"a": 1}}}',
    "entry-not-object": b'{"log": {"entries": [42]}}',
    "entry-without-request": b'{"log": {"entries": [{"response": {"status": 200}}]}}',
    "bad-utf8": b'{"log": {"entries": [{"request": {"method": "GET", "url": "http://a/\xff"},'
                b' "response": {"status": 200}}]}}',
    "bad-escape": b'{"log": {"entries": [{"x": "\\q"}]}}',
    "trailing": b'{"log": {"entries": []}} {}',
    "deep": b'{"log": {"entries": [' + b'[' * 5000 + b']' * 5000 + b']}}',
    "nul": b'{"log": {"entries": [{"request": {"method": "GET\x00"}}]}}',
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_har_is_a_clear_error_and_stores_nothing(db, tmp_path, name):
    path = tmp_path / f"{name}.har"
    path.write_bytes(MALFORMED[name])
    for args in (["trace", "import", str(path)], ["trace", "lint", str(path)],
                 ["trace", "diff", str(path), CLEAN["gatehouse"]]):
        r = db.cli(*args, check=False)
        assert r.returncode == 2, (args, r.returncode, r.stderr)
        assert r.stderr.count("\n") == 1 and "not a valid HAR file" in r.stderr, r.stderr
        assert "AddressSanitizer" not in r.stderr and "runtime error" not in r.stderr
    assert db.cli("trace", "list").stdout == ""


def test_unreadable_har(db, tmp_path):
    r = db.cli("trace", "import", str(tmp_path / "nope.har"), check=False)
    assert r.returncode == 2 and "cannot open" in r.stderr
    r = db.cli("trace", "import", str(tmp_path), check=False)  # a directory
    assert r.returncode == 2 and r.stderr.startswith("gatehouse: ")


def write_big_har(path, size):
    """The node-oidc fixture's entries among filler entries (scripts, images,
    one 6 MB body, one 6 MB entry of many headers) up to size bytes."""
    with open(CLEAN["node-oidc"]) as f:
        real = json.load(f)["log"]["entries"]
    blob = "x" * 20000
    with open(path, "w") as f:
        f.write('{"log":{"version":"1.2","creator":{"name":"big"},"pages":[],"entries":[')
        first = True

        def put(e):
            nonlocal first
            f.write(("" if first else ",") + json.dumps(e))
            first = False

        def filler(i, text, headers=()):
            return {"startedDateTime": "2020-01-01T00:00:00.000Z", "time": 1,
                    "request": {"method": "GET", "url": f"https://cdn.example.test/{i}.js",
                                "headers": list(headers)},
                    "response": {"status": 200, "headers": [],
                                 "content": {"mimeType": "text/javascript", "text": text}}}

        put(filler("huge-body", "y" * (6 << 20)))
        put(filler("huge-entry", "", [{"name": f"X-{k}", "value": "z" * 200000}
                                      for k in range(32)]))
        for e in real:
            put(e)
        i = 0
        while f.tell() < size:
            put(filler(i, blob))
            i += 1
        f.write("]}}")


def peak_rss_kib(args):
    """Exit status and peak RSS (KiB) of the gatehouse child alone. Under
    ASan without its quarantine, which keeps up to 256 MB of freed memory
    on purpose (and would measure ASan, not the reader)."""
    code = ("import resource, subprocess, sys\n"
            "r = subprocess.run(sys.argv[1:], capture_output=True)\n"
            "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=0"
    out = subprocess.run([sys.executable, "-c", code, BIN, *args], capture_output=True,
                         text=True, timeout=300, check=True, env=env).stdout.split()
    return int(out[0]), int(out[1])


def test_50_mb_har_in_bounded_memory(db, tmp_path):
    path = str(tmp_path / "big.har")
    write_big_har(path, 50 << 20)
    assert os.path.getsize(path) >= 50 << 20
    rc, lint_kib = peak_rss_kib(["trace", "lint", path])
    assert rc == 0
    rc, import_kib = peak_rss_kib(["--db", db.db, "trace", "import", path])
    assert rc == 0
    assert "client=review-spa" in db.cli("trace", "list").stdout
    with open(os.path.join(tempfile.gettempdir(), "gh-flow-review-rss.txt"), "w") as f:
        f.write(f"50 MB HAR: lint peak RSS {lint_kib} KiB, import peak RSS {import_kib} KiB\n")
    # bounded by the largest entry (strings cut at 256 KiB, entries over 4 MiB
    # skipped), not by the file: far below the file's 50 MB even under ASan
    assert lint_kib < 48 * 1024 and import_kib < 48 * 1024, (lint_kib, import_kib)


# ---- the Frontend App's "What just happened" panel ----

def flow_svg(g, rt):
    key = base64.urlsafe_b64encode(refresh_key(rt)).rstrip(b"=").decode()
    return requests.post(g.app + "/flow.svg", json={"rt_hash": key})


def test_panel_draws_only_the_browsers_own_flow():
    with gatehouse() as g:
        g.cli("init", "--issuer", g.issuer)
        g.cli("user", "add", "--username", "alice", "--password-stdin", stdin=PASSWORD)
        g.start("--trace", app=True)
        alice = native_scenario(g, requests.Session())
        r = flow_svg(g, alice["refresh_token"])
        assert r.status_code == 200 and r.headers["Content-Type"] == "image/svg+xml"
        assert r.headers["Cache-Control"] == "no-store"
        svg = r.text
        assert "<title>What just happened</title>" in svg
        for step in ("authorization request", "code exchange", "GET /api/me", "revocation"):
            assert step in svg, step
        assert alice["refresh_token"] not in svg and alice["access_token"] not in svg
        # a key no session has, a malformed one, no key: nothing
        forged = alice["refresh_token"][:12] + "A" * 31
        assert flow_svg(g, forged).status_code == 404
        for body in ({"rt_hash": "not base64url!"}, {"rt_hash": "QUFB"}, {}, []):
            assert requests.post(g.app + "/flow.svg", json=body).status_code == 404
        assert requests.post(g.app + "/flow.svg", data=b"\xff{").status_code == 404


def test_panel_is_served_only_when_recording():
    with gatehouse() as g:
        g.cli("init", "--issuer", g.issuer)
        g.cli("user", "add", "--username", "alice", "--password-stdin", stdin=PASSWORD)
        g.start(app=True)
        t = native_scenario(g, requests.Session())
        assert flow_svg(g, t["refresh_token"]).status_code == 404
        assert requests.get(g.app + "/config.json").json()["trace"] is False
