"""The Frontend App as an OpenID Connect relying party, server side: what
its /config.json tells the browser, and the demo user it signs in with. The
browser side (nonce, ID Token checks, the name shown, sign-out) is tested
in Chromium by tests/browser."""
import os
import signal
import subprocess
import time

import requests

from conftest import BIN, eventually, free_port


def get_or_none(url):
    try:
        return requests.get(url, timeout=10)
    except requests.ConnectionError:
        return None


def test_app_config_names_post_logout_redirect_uri_and_openid_scope(gh):
    gh.setup()
    gh.start(app=True)  # waits for the AS; the app's listener may come a moment later
    cfg = eventually(lambda: get_or_none(gh.app + "/config.json"), timeout=10).json()
    # RP-Initiated Logout 1.0 section 2: where the issuer sends the browser back
    assert cfg["post_logout_redirect_uri"] == gh.app + "/"
    assert {"openid", "profile"} <= set(cfg["scope"].split())
    # the browser fetches the discovery document of this issuer itself
    assert cfg["issuer"] == gh.issuer


def run_demo(data_dir):
    """`gatehouse demo` on free ports until its Frontend App answers; the process."""
    as_port, api_port, app_port = free_port(), free_port(), free_port()
    log = open(data_dir + ".log", "ab")
    proc = subprocess.Popen(
        [BIN, "demo", "--data-dir", data_dir, "--listen", f"127.0.0.1:{as_port}",
         "--api-listen", f"127.0.0.1:{api_port}", "--app-listen", f"127.0.0.1:{app_port}"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.time() + 20
    while time.time() < deadline:
        assert proc.poll() is None, open(data_dir + ".log").read()
        try:
            requests.get(f"http://127.0.0.1:{app_port}/config.json", timeout=1)
            return proc
        except requests.ConnectionError:
            time.sleep(0.05)
    proc.kill()
    raise AssertionError("demo did not start")


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=15)


def user_show(data_dir):
    r = subprocess.run([BIN, "--db", f"sqlite:{data_dir}/gatehouse.db", "user", "show",
                        "--username", "demo"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_demo_user_has_a_name_also_in_an_older_data_dir(tmp_path):
    """A data directory made before users had claims: its demo user gets the
    demo's name claim, keeping its password."""
    d = str(tmp_path / "demo")
    os.mkdir(d, 0o700)
    db = f"sqlite:{d}/gatehouse.db"
    subprocess.run([BIN, "--db", db, "init", "--issuer", "http://127.0.0.1:1"], check=True,
                   capture_output=True, timeout=30)
    subprocess.run([BIN, "--db", db, "user", "add", "--username", "demo", "--password-stdin"],
                   input="an-older-demo-password", text=True, check=True, capture_output=True,
                   timeout=30)
    with open(os.path.join(d, "demo-password"), "w") as f:
        f.write("an-older-demo-password\n")
    assert "Demo User" not in user_show(d)
    proc = run_demo(d)
    try:
        shown = user_show(d)
    finally:
        stop(proc)
    assert "name Demo User" in shown, shown
    assert open(d + ".log").read().count("an-older-demo-password") == 1


def test_demo_fresh_user_has_a_name(tmp_path):
    d = str(tmp_path / "demo")
    proc = run_demo(d)
    try:
        shown = user_show(d)
    finally:
        stop(proc)
    assert "name Demo User" in shown, shown
