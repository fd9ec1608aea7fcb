"""Operations: health checks, Prometheus metrics on their own listener,
one structured log line per request without secrets."""
import json
import re

import requests

from conftest import free_port


def metric(text, name, labels=""):
    m = re.search(r"^" + re.escape(name + labels) + r" (\S+)$", text, re.M)
    return float(m.group(1)) if m else 0.0


def test_health_endpoints(server):
    assert requests.get(server.issuer + "/healthz").json() == {"status": "ok"}
    r = requests.get(server.issuer + "/readyz")
    assert r.status_code == 200 and r.json()["database"] == "ok"


def test_metrics_move_after_a_flow(gh):
    gh.setup()
    mport = free_port()
    gh.start("--metrics-listen", f"127.0.0.1:{mport}")
    url = f"http://127.0.0.1:{mport}/metrics"
    before = requests.get(url).text
    tok = gh.tokens()
    requests.get(gh.api + "/api/me", headers={"Authorization": "Bearer " + tok["access_token"]})
    r1 = gh.refresh(tok["refresh_token"]).json()
    gh.refresh(tok["refresh_token"])  # reuse: family revoked
    after = requests.get(url).text
    assert metric(after, "gatehouse_tokens_issued_total", '{grant_type="authorization_code"}') == \
        metric(before, "gatehouse_tokens_issued_total", '{grant_type="authorization_code"}') + 1
    assert metric(after, "gatehouse_refresh_rotations_total") == 1
    assert metric(after, "gatehouse_refresh_reuse_detected_total") == 1
    assert metric(after, "gatehouse_family_revocations_total") >= 1
    assert metric(after, "gatehouse_logins_total", '{result="ok"}') == 1
    assert metric(after, "gatehouse_token_duration_seconds_count") >= 3
    assert metric(after, "gatehouse_api_validation_duration_seconds_count") >= 1
    assert metric(after, "gatehouse_api_jwks_fetches_total") >= 1
    assert 'gatehouse_http_requests_total{listener="as",endpoint="/token",status="2xx"}' in after
    assert 'endpoint="/token",status="4xx"' in after
    assert "r1" and r1.get("refresh_token")
    # never on the public listener
    assert requests.get(gh.issuer + "/metrics").status_code == 404


def test_request_log_lines_are_structured_and_secret_free(gh):
    gh.setup()
    gh.start("--log-format", "json")
    tok = gh.tokens()
    gh.refresh(tok["refresh_token"])
    gh.stop()
    lines = [json.loads(l) for l in gh.logtext().splitlines() if l.startswith("{")]
    reqs = [l for l in lines if l["msg"] == "request"]
    assert any(l["path"] == "/token" and l["client_id"] == "spa" and l["status"] == "200"
               for l in reqs)
    assert all({"id", "listener", "path", "status", "latency_us"} <= set(l) for l in reqs)
    text = gh.logtext()
    for secret in [tok["access_token"], tok["refresh_token"], "correct horse battery staple"]:
        assert secret not in text
