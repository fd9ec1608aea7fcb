"""Checks an exported diagram of a recorded flow: the six steps of the seed
diagram in order, the expired-refresh error path drawn as an alt fragment,
and no secret in full (only 4-character prefixes may appear).
usage: steps.py FILE...   prints "ok - ..." / "not ok - ..." lines."""
import re
import sys

SEED = [
    ("authorization request", r"GET /authorize \(response_type=code, code_challenge="),
    ("redirect back with code and iss", r"30[23] → redirect_uri\?code=[^&\s]{1,5}…&(amp;)?state&(amp;)?iss"),
    ("code exchange with verifier", r"grant_type=authorization_code, code=.{4}…, code_verifier="),
    ("access token use", r"GET /api/me \(Authorization: (Bearer|DPoP)"),
    ("API validation step", r"validate JWT: signature, typ, iss, aud, exp"),
    ("refresh token rotation", r"refresh token rotation \(.{4}… → .{4}…\)"),
]
ERROR = [r"alt|umlFrame", r"refresh token expired", r"400 invalid_grant"]
SECRET = re.compile(r"(code|refresh_token|code_verifier)=[A-Za-z0-9_-]{6,}"
                    r"|(Bearer|DPoP|access_token|refresh_token) [A-Za-z0-9_-]{6,}")

bad = 0
for path in sys.argv[1:]:
    text = open(path, encoding="utf-8").read()
    plain = text.replace("&amp;", "&").replace("#amp;", "&").replace("&#38;", "&")
    pos, ok = 0, True
    for name, pattern in SEED:
        m = re.search(pattern, plain[pos:])
        if not m:
            print(f"not ok - {path}: seed step '{name}' missing or out of order")
            ok = False
            break
        pos += m.end()
    for pattern in ERROR:
        if not re.search(pattern, plain):
            print(f"not ok - {path}: error path lacks /{pattern}/")
            ok = False
    leak = SECRET.search(plain)
    if leak:
        print(f"not ok - {path}: a secret appears in full near '{leak.group(0)[:14]}'")
        ok = False
    if ok:
        print(f"ok - {path}: six seed steps in order, expired-refresh alt path, no secret")
    bad += not ok
sys.exit(1 if bad else 0)
