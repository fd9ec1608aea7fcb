"""What the Debian package ships besides the binary comes from the binary:
`--version` with the version of debian/changelog and the libraries it runs
with, gatehouse(1) from `help --man` and the bash completion from
`help --completion bash`, both made from the command and option tables the
commands parse their arguments with, so neither can miss a command or an
option (tests/deb/ checks the installed package)."""
import os
import re
import shutil
import subprocess

import pytest

from conftest import BIN, ROOT


def run(*args, check=True):
    return subprocess.run([BIN, *args], capture_output=True, text=True, check=check,
                          timeout=30)


def commands():
    out = run("--help").stdout
    return re.findall(r"^  ([a-z]+) ", out, re.M)


def test_version_is_debian_changelogs_and_names_the_libraries():
    with open(os.path.join(ROOT, "debian", "changelog")) as f:
        version = re.match(r"gatehouse \(([^)]+)\)", f.readline()).group(1)
    out = run("--version").stdout.splitlines()
    assert out[0] == f"gatehouse {version}"
    names = [line.split()[0] for line in out[2:]]
    assert names == ["OpenSSL", "libmicrohttpd", "jansson", "SQLite", "libpq", "libcurl",
                     "libqrencode", "libcbor", "libargon2"], out
    assert re.search(r"^  SQLite +3\.\d+\.\d+ \(3\.\d+\.\d+\)$", "\n".join(out), re.M)
    assert "no version at run time" in out[-1]  # argon2 has no version function


def test_help_command_is_the_commands_help():
    assert run("help", "client").stdout == run("client", "--help").stdout
    assert run("help").stdout == run("--help").stdout
    assert run("help", "nope", check=False).returncode == 2
    r = run("help", "--completion", "zsh", check=False)
    assert r.returncode == 2 and "only bash" in r.stderr


def test_man_page_has_every_command_and_option():
    page = run("help", "--man").stdout
    assert page.startswith(".\\\" gatehouse(1)")
    assert re.search(r'^\.TH GATEHOUSE 1 "\d{4}-\d\d-\d\d" "gatehouse [^"]+"', page, re.M)
    sections = re.findall(r"^\.SS (\S+)$", page, re.M)
    assert sections == commands() + ["help"]
    # every option of every command's --help, as the man page spells it
    for cmd in commands():
        for flag in re.findall(r"^  (--?[a-z0-9-]+)", run(cmd, "--help").stdout, re.M):
            want = "-o" if flag == "--o" else flag
            assert "\\fB" + want.replace("-", "\\-") + "\\fR" in page, (cmd, flag)
    # the settings: docs/configuration.md is made from the same table
    with open(os.path.join(ROOT, "docs", "configuration.md")) as f:
        for flag in re.findall(r"^\| `(--[a-z0-9-]+)`", f.read(), re.M):
            assert "\\fB" + flag.replace("-", "\\-") + "\\fR" in page, flag


def test_man_page_renders_without_warnings(tmp_path):
    if shutil.which("man") is None:
        pytest.skip("man is not installed")
    page = tmp_path / "gatehouse.1"
    page.write_text(run("help", "--man").stdout)
    assert page.read_text().startswith(".\\\" gatehouse(1)")
    r = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", str(page)],
                       capture_output=True, text=True, env=dict(os.environ, MANWIDTH="80",
                                                                LC_ALL="C.UTF-8"))
    assert r.returncode == 0 and r.stderr == "", r.stderr


def complete(script, *words):
    """The completions bash offers for the last of words."""
    cmd = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); '
           'COMPREPLY=(); _gatehouse; echo "${COMPREPLY[*]}"')
    r = subprocess.run(["bash", "-c", cmd, "complete", str(script), *words],
                       capture_output=True, text=True, check=True)
    return r.stdout.split()


def test_bash_completion(tmp_path):
    script = tmp_path / "gatehouse"
    script.write_text(run("help", "--completion", "bash").stdout)
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    assert complete(script, "gatehouse", "") == commands() + ["help", "--db", "--help",
                                                              "--version"]
    assert complete(script, "gatehouse", "cl") == ["client"]
    assert complete(script, "gatehouse", "keys", "") == ["rotate", "list", "retire", "--help"]
    assert complete(script, "gatehouse", "--db", "x.db", "client", "add", "--redi") == \
        ["--redirect-uri"]
    # after an option that takes a value, or for a word not starting with -:
    # nothing, so bash completes file names
    assert complete(script, "gatehouse", "serve", "--config", "") == []
    assert complete(script, "gatehouse", "trace", "import", "") == []
    assert complete(script, "gatehouse", "trace", "export", "-") == \
        ["--help", "--db", "--format", "--flow", "-o", "--no-timings"]
    serve = set(complete(script, "gatehouse", "serve", "--"))
    assert set(re.findall(r"^  (--[a-z0-9-]+)", run("serve", "--help").stdout, re.M)) <= serve
    demo = set(complete(script, "gatehouse", "demo", "--"))
    assert {"--data-dir", "--reset"} | serve <= demo


def test_demo_help_and_options(tmp_path):
    out = run("demo", "--help").stdout
    assert out.startswith("usage: gatehouse demo [--data-dir DIR] [--reset] [serve options]")
    assert "--data-dir" in out and "--listen" in out
    r = run("demo", "--data-dir", check=False)
    assert r.returncode == 2 and "'--data-dir' needs a value" in r.stderr
    r = run("demo", f"--data-dir={tmp_path}/d", "--reset=maybe", check=False)
    assert r.returncode == 2 and "true or false" in r.stderr

