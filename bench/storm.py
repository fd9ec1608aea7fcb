"""A morning login storm: USERS browsers sign in at once, again and again,
for SECONDS, each sign-in a complete browser-style flow with a fresh browser
(no session cookie): GET /authorize -> the sign-in page -> POST /login
(argon2id on the server) -> the redirect with the code (trusted client: no
consent page) -> POST /token with the PKCE verifier. Virtual user i signs in
as PREFIX<i>. Prints one line:
  STORM ok=N failed=N busy=N seconds=S rate=R p50=MS p99=MS max=MS
usage: storm.py ISSUER CLIENT REDIRECT PREFIX PASSWORD USERS SECONDS"""
import base64
import hashlib
import html
import re
import secrets
import sys
import threading
import time

import requests

lock = threading.Lock()
lat, failed, busy = [], [0], [0]
statuses = {}


def sign_in(user):
    """One complete sign-in as USER; bench/conns.py imports this after
    setting issuer, client, redirect and password on this module."""
    browser = requests.Session()
    verifier = secrets.token_urlsafe(32)
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    r = browser.get(issuer + "/authorize", allow_redirects=False, params={
        "response_type": "code", "client_id": client, "redirect_uri": redirect,
        "scope": "openid api", "state": "s", "code_challenge": challenge,
        "code_challenge_method": "S256"}, timeout=30)
    if r.status_code != 200:
        return r.status_code
    form = {k: html.unescape(v) for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', r.text)}
    form.update(username=user, password=password)
    r = browser.post(issuer + "/login", data=form, allow_redirects=False, timeout=30)
    if r.status_code not in (302, 303):
        return r.status_code
    code = re.search(r"code=([^&]+)", r.headers["Location"]).group(1)
    t = browser.post(issuer + "/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect,
        "client_id": client, "code_verifier": verifier}, timeout=30)
    return t.status_code if "refresh_token" not in t.text else 200


def user_loop(prefix, i, end):
    while time.monotonic() < end:
        s = time.monotonic()
        try:
            status = sign_in(f"{prefix}{i}")
        except requests.RequestException:
            status = -1
        d = (time.monotonic() - s) * 1000
        with lock:
            if status == 200:
                lat.append(d)
            elif status == 503:
                busy[0] += 1
            else:
                failed[0] += 1
                statuses[status] = statuses.get(status, 0) + 1


def pct(p):
    return lat[min(len(lat) - 1, int(len(lat) * p))] if lat else 0.0


if __name__ == "__main__":
    issuer, client, redirect, prefix, password, users, seconds = sys.argv[1:8]
    users, seconds = int(users), float(seconds)
    start = time.monotonic()
    end = start + seconds
    threads = [threading.Thread(target=user_loop, args=(prefix, i + 1, end)) for i in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - start
    lat.sort()
    print(f"STORM ok={len(lat)} failed={failed[0]} busy={busy[0]} seconds={took:.1f} "
          f"rate={len(lat) / took:.1f} p50={pct(0.5):.0f} p99={pct(0.99):.0f} "
          f"max={lat[-1] if lat else 0:.0f}"
          + "".join(f" status{k}={v}" for k, v in sorted(statuses.items())))
