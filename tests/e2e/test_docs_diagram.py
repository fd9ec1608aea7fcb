"""The generated configuration reference is current, and `gatehouse
diagram` draws a real run in every format, succeeds only when the flow
behaved, and leaves no process, port or file behind."""
import glob
import os
import re
import subprocess

import pytest

from conftest import BIN, ROOT

SEED_STEPS = [  # the six steps of the seed diagram, in order
    r"GET /authorize \(response_type=code, code_challenge=",
    r"30[23] → redirect_uri\?code=",
    r"grant_type=authorization_code, code=.{4}…, code_verifier=",
    r"GET /api/me \(Authorization: Bearer",
    r"validate JWT: signature, typ, iss, aud, exp",
    r"grant_type=refresh_token, refresh_token=",
]


def test_configuration_reference_is_current():
    out = subprocess.run([BIN, "serve", "--config-reference"], capture_output=True, text=True,
                         check=True).stdout
    with open(os.path.join(ROOT, "docs", "configuration.md")) as f:
        assert f.read() == out, "docs/configuration.md is stale: run `make docs`"


def test_serve_help_lists_every_setting():
    out = subprocess.run([BIN, "serve", "--help"], capture_output=True, text=True,
                         check=True).stdout
    for flag in ["--listen", "--refresh-reuse-grace", "--trace", "--tls-cert", "--config"]:
        assert flag in out


@pytest.mark.parametrize("fmt", ["mermaid", "plantuml", "svg", "drawio"])
def test_diagram_all_formats(fmt, tmp_path):
    before = set(glob.glob("/tmp/gatehouse-diagram-*"))
    out = tmp_path / f"flow.{fmt}"
    r = subprocess.run([BIN, "diagram", "--format", fmt, "--no-timings", "-o", str(out)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    pos = 0
    for step in SEED_STEPS:
        text_plain = text.replace("&amp;", "&").replace("#amp;", "&")
        m = re.search(step, text_plain[pos:])
        assert m, f"{step!r} missing or out of order in {fmt}"
        pos += m.end()
    assert "refresh token expired" in text and "refresh token reused" in text
    assert "alt" in text or "umlFrame" in text
    # nothing left behind
    assert set(glob.glob("/tmp/gatehouse-diagram-*")) == before
    # no full secret: every token-like string is at most 4 characters plus "…"
    assert not re.search(r"(code|refresh_token|code_verifier)=[A-Za-z0-9_-]{8,}", text)


def test_diagram_is_deterministic_without_timings(tmp_path):
    outs = []
    for i in range(2):
        r = subprocess.run([BIN, "diagram", "--scenario", "happy", "--format", "mermaid",
                            "--no-timings"], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        # fingerprints (4 characters before "…") differ between runs
        outs.append(re.sub(r"[A-Za-z0-9_-]{4}…", "XXXX…", r.stdout))
    assert outs[0] == outs[1]


def test_diagram_rejects_bad_arguments():
    assert subprocess.run([BIN, "diagram", "--scenario", "nope"], capture_output=True).returncode == 2
    assert subprocess.run([BIN, "diagram", "--format", "png"], capture_output=True).returncode == 2
