"""Hand-made DPoP proofs (RFC 9449 4.2) for the e2e tests, the fuzz corpus
and the benchmark: a key pair (ES256, EdDSA or RS256) and proofs whose
header and claims each test may bend to break one rule at a time."""
import base64
import hashlib
import json
import secrets
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def ath_of(token):
    return b64(hashlib.sha256(token.encode()).digest())


class Key:
    def __init__(self, alg="ES256"):
        self.alg = alg
        if alg == "ES256":
            self.priv = ec.generate_private_key(ec.SECP256R1())
            nums = self.priv.public_key().public_numbers()
            self.jwk = {"kty": "EC", "crv": "P-256", "x": b64(nums.x.to_bytes(32, "big")),
                        "y": b64(nums.y.to_bytes(32, "big"))}
        elif alg == "EdDSA":
            self.priv = ed25519.Ed25519PrivateKey.generate()
            raw = self.priv.public_key().public_bytes(serialization.Encoding.Raw,
                                                      serialization.PublicFormat.Raw)
            self.jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64(raw)}
        else:
            self.priv = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            nums = self.priv.public_key().public_numbers()
            self.jwk = {"kty": "RSA", "n": b64(nums.n.to_bytes(256, "big")),
                        "e": b64(nums.e.to_bytes(3, "big"))}

    @property
    def jkt(self):
        """RFC 7638 thumbprint."""
        req = {"EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x"),
               "RSA": ("e", "kty", "n")}[self.jwk["kty"]]
        canon = json.dumps({k: self.jwk[k] for k in req}, separators=(",", ":"),
                           sort_keys=True)
        return b64(hashlib.sha256(canon.encode()).digest())

    def sign(self, data):
        if self.alg == "ES256":
            r, s = decode_dss_signature(self.priv.sign(data, ec.ECDSA(hashes.SHA256())))
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")
        if self.alg == "EdDSA":
            return self.priv.sign(data)
        return self.priv.sign(data, padding.PKCS1v15(), hashes.SHA256())

    def private_jwk(self):
        """The JWK with the private scalar (EC only): a proof must not carry it."""
        d = self.priv.private_numbers().private_value
        return dict(self.jwk, d=b64(d.to_bytes(32, "big")))

    def proof(self, htm, htu, token=None, nonce=None, iat=None, jti=None, header=None,
              claims=None, drop=(), signer=None):
        """A proof for htm/htu; header and claims update the defaults, names
        in drop are removed (from either), signer signs instead of self."""
        h = {"typ": "dpop+jwt", "alg": self.alg, "jwk": self.jwk}
        c = {"jti": jti or secrets.token_urlsafe(16), "htm": htm, "htu": htu,
             "iat": int(time.time()) if iat is None else iat}
        if token is not None:
            c["ath"] = ath_of(token)
        if nonce is not None:
            c["nonce"] = nonce
        h.update(header or {})
        c.update(claims or {})
        for name in drop:
            h.pop(name, None)
            c.pop(name, None)
        si = b64(json.dumps(h).encode()) + "." + b64(json.dumps(c).encode())
        return si + "." + b64((signer or self).sign(si.encode()))
