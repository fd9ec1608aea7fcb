"""Mints N refresh tokens through real sign-ins (authorize, login, code
exchange) so the rotation benchmark starts from tokens a client would hold.
usage: mint.py ISSUER CLIENT REDIRECT USER PASSWORD N [SCOPE]   (default scope "api")"""
import base64
import hashlib
import html
import re
import secrets
import sys

import requests

issuer, client, redirect, user, password, n = sys.argv[1:7]
scope = sys.argv[7] if len(sys.argv) > 7 else "api"
browser = requests.Session()
for _ in range(int(n)):
    verifier = secrets.token_urlsafe(32)
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    r = browser.get(issuer + "/authorize", allow_redirects=False, params={
        "response_type": "code", "client_id": client, "redirect_uri": redirect,
        "scope": scope, "state": "s", "code_challenge": challenge,
        "code_challenge_method": "S256"})
    if r.status_code == 200:
        form = {k: html.unescape(v) for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', r.text)}
        form.update(username=user, password=password)
        r = browser.post(issuer + "/login", data=form, allow_redirects=False)
    code = re.search(r"code=([^&]+)", r.headers["Location"]).group(1)
    t = requests.post(issuer + "/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect,
        "client_id": client, "code_verifier": verifier})
    print(t.json()["refresh_token"])
