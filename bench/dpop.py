"""DPoP material for bench/dpop.sh (RFC 9449): a P-256 key kept in a PEM
file, refresh tokens minted through real sign-ins whose code exchange
carries a proof by that key (so a public client's family is bound to it),
and pools of single-use proofs (a fresh jti each) for wrk to send.
usage: dpop.py key FILE
       dpop.py mint FILE ISSUER CLIENT REDIRECT USER PASSWORD N
       dpop.py proofs FILE N HTM HTU [ACCESS_TOKEN]"""
import base64
import hashlib
import html
import json
import re
import secrets
import sys
import time

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def load(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), None)


def prover(key, htm, htu, token=None):
    nums = key.public_key().public_numbers()
    jwk = {"kty": "EC", "crv": "P-256", "x": b64(nums.x.to_bytes(32, "big")),
           "y": b64(nums.y.to_bytes(32, "big"))}
    head = b64(json.dumps({"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk},
                          separators=(",", ":")).encode())
    ath = b64(hashlib.sha256(token.encode()).digest()) if token else None
    algo = ec.ECDSA(hashes.SHA256())

    def proof():
        c = {"jti": secrets.token_urlsafe(12), "htm": htm, "htu": htu, "iat": int(time.time())}
        if ath:
            c["ath"] = ath
        si = head + "." + b64(json.dumps(c, separators=(",", ":")).encode())
        r, s = decode_dss_signature(key.sign(si.encode(), algo))
        return si + "." + b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
    return proof


def mint(path, issuer, client, redirect, user, password, n):
    proof = prover(load(path), "POST", issuer + "/token")
    browser = requests.Session()
    for _ in range(int(n)):
        verifier = secrets.token_urlsafe(32)
        challenge = b64(hashlib.sha256(verifier.encode()).digest())
        r = browser.get(issuer + "/authorize", allow_redirects=False, params={
            "response_type": "code", "client_id": client, "redirect_uri": redirect,
            "scope": "api", "state": "s", "code_challenge": challenge,
            "code_challenge_method": "S256"})
        if r.status_code == 200:
            form = {k: html.unescape(v)
                    for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', r.text)}
            form.update(username=user, password=password)
            r = browser.post(issuer + "/login", data=form, allow_redirects=False)
        code = re.search(r"code=([^&]+)", r.headers["Location"]).group(1)
        t = requests.post(issuer + "/token", headers={"DPoP": proof()}, data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": redirect,
            "client_id": client, "code_verifier": verifier})
        assert t.json()["token_type"] == "DPoP", t.text
        print(t.json()["refresh_token"])


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    if cmd == "key":
        key = ec.generate_private_key(ec.SECP256R1())
        with open(path, "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    elif cmd == "mint":
        mint(path, *sys.argv[3:9])
    else:
        n, htm, htu = int(sys.argv[3]), sys.argv[4], sys.argv[5]
        proof = prover(load(path), htm, htu, sys.argv[6] if len(sys.argv) > 6 else None)
        out = sys.stdout
        for _ in range(n):
            out.write(proof() + "\n")


main()
