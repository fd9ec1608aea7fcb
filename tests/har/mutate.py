#!/usr/bin/env python3
"""Makes the mutated HAR fixtures of the flow-review tests: copies of the
clean node-oidc-provider recording (fixtures/node-oidc.har, see record.mjs)
with one violation each, the one a `gatehouse trace lint` rule exists to
find. Deterministic: the same input gives the same files.

    /usr/bin/python3 tests/har/mutate.py [SRC.har] [OUTDIR [EXAMPLE.har]]

(default: fixtures/mutated/ and fixtures/example.har; with OUTDIR alone the
example goes to OUTDIR/example.har)

MUTATIONS maps each output name to (the rules expected to fire, the
mutation); tests/e2e/test_flow_review.py reads the same table."""
import copy
import datetime
import json
import os
import sys
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

HERE = os.path.dirname(os.path.abspath(__file__))


def entries(har):
    return har["log"]["entries"]


def find(har, pred, nth=0):
    hits = [e for e in entries(har) if pred(e)]
    return hits[nth]


def form(e):
    return dict(parse_qsl(e["request"].get("postData", {}).get("text", ""), keep_blank_values=True))


def set_form(e, fields):
    text = urlencode(fields)
    pd = e["request"]["postData"]
    pd["text"] = text
    pd["params"] = [{"name": k, "value": v} for k, v in fields.items()]
    e["request"]["bodySize"] = len(text)


def grant(e, g):
    return e["request"]["method"] == "POST" and form(e).get("grant_type") == g


def authz(e):
    return "response_type=" in e["request"]["url"]


def callback(e):
    return "/callback?" in e["request"]["url"]


def code_redirect(e):
    return "code=" in e["response"].get("redirectURL", "")


def api(e):
    return e["request"]["url"].endswith("/api/me")


def edit_query(url, fn):
    """url with its query rewritten by fn(dict) -> dict (order kept)."""
    u = urlsplit(url)
    q = dict(parse_qsl(u.query, keep_blank_values=True))
    return urlunsplit(u._replace(query=urlencode(fn(q))))


def set_url(e, url):
    e["request"]["url"] = url
    q = urlsplit(url).query
    e["request"]["queryString"] = [{"name": k, "value": v}
                                   for k, v in parse_qsl(q, keep_blank_values=True)]


def edit_location(e, fn):
    """The redirect's Location (header and redirectURL) rewritten by fn."""
    r = e["response"]
    r["redirectURL"] = edit_query(r["redirectURL"], fn)
    for h in r["headers"]:
        if h["name"].lower() == "location":
            h["value"] = r["redirectURL"]


def header(e, side, name, value):
    """Sets (value) or removes (None) a header of e's request or response."""
    hs = [h for h in e[side]["headers"] if h["name"].lower() != name.lower()]
    if value is not None:
        hs.append({"name": name, "value": value})
    e[side]["headers"] = hs


def later(e, ms):
    """A copy of e started ms milliseconds after it."""
    c = copy.deepcopy(e)
    t = datetime.datetime.fromisoformat(e["startedDateTime"].replace("Z", "+00:00"))
    t += datetime.timedelta(milliseconds=ms)
    c["startedDateTime"] = t.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return c


def insert_after(har, e, new):
    es = entries(har)
    es.insert(es.index(e) + 1, new)


def drop(names):
    return lambda q: {k: v for k, v in q.items() if k not in names}


def put(name, value):
    return lambda q: {**q, name: value}


# ---- the mutations: each edits the HAR in place ----

def m_pkce_missing(har):
    e = find(har, authz)
    set_url(e, edit_query(e["request"]["url"], drop({"code_challenge", "code_challenge_method"})))


def m_pkce_plain(har):
    e = find(har, authz)
    set_url(e, edit_query(e["request"]["url"], put("code_challenge_method", "plain")))


def m_no_state(har):
    e = find(har, authz)  # an OpenID Connect nonce would protect it too (RFC 9700 4.7.1)
    set_url(e, edit_query(e["request"]["url"],
                          drop({"state", "code_challenge", "code_challenge_method", "nonce"})))


def m_code_reuse(har):
    e = find(har, lambda e: grant(e, "authorization_code"))
    insert_after(har, e, later(e, 5))  # and the server accepted it again


def m_redirect_uri(har):
    e = find(har, lambda e: grant(e, "authorization_code"))
    set_form(e, {**form(e), "redirect_uri": "http://127.0.0.1:9/elsewhere"})


def m_token_in_url(har):
    e = find(har, api)
    tok = next(h["value"] for h in e["request"]["headers"]
               if h["name"].lower() == "authorization").split(" ", 1)[1]
    set_url(e, e["request"]["url"] + "?" + urlencode({"access_token": tok}))


def m_iss_missing(har):
    edit_location(find(har, code_redirect), drop({"iss"}))
    e = find(har, callback)
    set_url(e, edit_query(e["request"]["url"], drop({"iss"})))


def m_iss_mismatch(har):
    edit_location(find(har, code_redirect), put("iss", "https://idp.example.test"))
    e = find(har, callback)
    set_url(e, edit_query(e["request"]["url"], put("iss", "https://idp.example.test")))


def m_password(har):
    e = find(har, lambda e: grant(e, "authorization_code"))
    p = later(e, 3)
    set_form(p, {"grant_type": "password", "username": "alice",
                 "password": "har-fixture-pw-peer-not-a-secret", "client_id": "review-spa"})
    insert_after(har, e, p)


def m_refresh_reuse(har):
    first = find(har, lambda e: grant(e, "refresh_token"), 0)
    second = find(har, lambda e: grant(e, "refresh_token"), 1)
    insert_after(har, second, later(second, 5) | {"request": first["request"]})


def m_no_store(har):
    header(find(har, lambda e: grant(e, "authorization_code")), "response", "Cache-Control", None)


def m_cors(har):
    header(find(har, lambda e: grant(e, "authorization_code")), "response",
           "Access-Control-Allow-Origin", "*")


def m_insecure(har):
    for e in entries(har):
        if api(e):
            set_url(e, "http://api.example.test/api/me")


def m_nonce(har):
    e = find(har, authz)
    set_url(e, edit_query(e["request"]["url"], put("nonce", "a-different-nonce-value")))


MUTATIONS = {
    "pkce-missing": ({"pkce-missing"}, m_pkce_missing),
    "pkce-plain": ({"pkce-plain"}, m_pkce_plain),
    "csrf-no-state": ({"csrf-no-state", "pkce-missing"}, m_no_state),
    "code-reuse": ({"code-reuse"}, m_code_reuse),
    "redirect-uri-mismatch": ({"redirect-uri-mismatch"}, m_redirect_uri),
    "token-in-url": ({"token-in-url"}, m_token_in_url),
    "iss-missing": ({"iss-missing"}, m_iss_missing),
    "iss-mismatch": ({"iss-mismatch"}, m_iss_mismatch),
    "password-grant": ({"password-grant"}, m_password),
    "refresh-reuse": ({"refresh-reuse"}, m_refresh_reuse),
    "token-no-store": ({"token-no-store"}, m_no_store),
    "cors-wildcard": ({"cors-wildcard"}, m_cors),
    "bearer-insecure": ({"bearer-insecure"}, m_insecure),
    "nonce-mismatch": ({"nonce-mismatch"}, m_nonce),
}


# The README's picture (docs/flow-review.svg, `make diagram`): three
# violations at three steps of one flow.
EXAMPLE = ("pkce-plain", "token-no-store", "refresh-reuse")


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "fixtures", "node-oidc.har")
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "fixtures", "mutated")
    example = (sys.argv[3] if len(sys.argv) > 3 else os.path.join(out, "example.har")
               if len(sys.argv) > 2 else os.path.join(HERE, "fixtures", "example.har"))
    os.makedirs(out, exist_ok=True)
    with open(src, encoding="utf-8") as f:
        clean = json.load(f)
    for name, (_, fn) in MUTATIONS.items():
        har = copy.deepcopy(clean)
        fn(har)
        with open(os.path.join(out, name + ".har"), "w", encoding="utf-8") as f:
            json.dump(har, f, ensure_ascii=False, separators=(",", ":"))
            f.write("\n")
    har = copy.deepcopy(clean)
    for name in EXAMPLE:
        MUTATIONS[name][1](har)
    with open(example, "w", encoding="utf-8") as f:
        json.dump(har, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"{len(MUTATIONS)} mutated copies of {src} in {out}, and {example}")


if __name__ == "__main__":
    main()
