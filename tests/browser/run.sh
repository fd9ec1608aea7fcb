#!/bin/sh
# Browser tests of the Frontend App against the real gatehouse binary.
#
#   tests/browser/run.sh OUTDIR
#
# For each scenario (main, expiry, oidc) it makes a fresh database in a temp
# dir (signing key ES256, EdDSA for oidc),
# starts `gatehouse serve` with the AS, the API and the app on free ports,
# runs tests/browser/app.test.mjs in Debian's Chromium, and stops the server
# by its PID. Screenshots go to OUTDIR (<scenario>-<stage>.png), server logs
# to OUTDIR/<scenario>-serve.log. Prints the test lines and ends with one line
# "N passed, N failed"; exit status 1 when a check failed. Then the passkey
# scenario (passkey.test.mjs) with its own server named localhost; its
# screenshots go to GH_SHOTS (default OUTDIR).
#
# GH_BIN selects the binary (default build/gatehouse).
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-}
if [ -z "$OUT" ]; then
    echo "usage: tests/browser/run.sh OUTDIR" >&2
    exit 2
fi
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd)
BIN=${GH_BIN:-$ROOT/build/gatehouse}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
PASSWORD='correct horse battery staple'
NAME='Alice Liddell'
REFRESH_TTL=3

PASSED=0
FAILED=0
SERVER_PID=
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gh-browser.XXXXXX")

stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill -TERM "$SERVER_PID" 2>/dev/null
        i=0
        while kill -0 "$SERVER_PID" 2>/dev/null && [ $i -lt 50 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        kill -KILL "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
        SERVER_PID=
    fi
}
cleanup() {
    stop_server
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# One result line that counts toward the summary.
result() { # ok|fail name [detail]
    if [ "$1" = ok ]; then
        PASSED=$((PASSED + 1))
        echo "ok - $2"
    else
        FAILED=$((FAILED + 1))
        echo "not ok - $2${3:+ # $3}"
    fi
}

# Three distinct free ports on 127.0.0.1 (held open together while picked).
free_ports() {
    /usr/bin/python3 -c '
import socket
ss = [socket.socket() for _ in range(3)]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))'
}

# ---- prerequisites ----
if [ ! -x "$BIN" ]; then
    result fail "browser: gatehouse binary exists" "$BIN is missing (run make)"
    echo "$PASSED passed, $FAILED failed"
    exit 1
fi
# shellcheck source=scripts/node.sh
. "$ROOT/scripts/node.sh"
if ! gh_node_setup "$ROOT" >"$WORK/node.log" 2>&1; then
    result fail "browser: node >= $GH_NODE_MIN for playwright-core" "$(tail -n 1 "$WORK/node.log")"
    echo "$PASSED passed, $FAILED failed"
    exit 1
fi
sed 's/^/# /' "$WORK/node.log"
if [ ! -d "$ROOT/tests/browser/node_modules/playwright-core" ]; then
    if ! npm ci --prefix "$ROOT/tests/browser" --no-audit --no-fund >"$WORK/npm.log" 2>&1; then
        result fail "browser: npm ci installs playwright-core" "$(tail -1 "$WORK/npm.log")"
        echo "$PASSED passed, $FAILED failed"
        exit 1
    fi
fi
if [ ! -x "${GH_CHROMIUM:-/usr/bin/chromium}" ]; then
    result fail "browser: Debian's chromium is installed" "apt-get install -y chromium"
    echo "$PASSED passed, $FAILED failed"
    exit 1
fi

# relay FILE OK NOTOK STATUS WHAT: a checker's "OK..." / "NOTOK..." lines as
# results; a checker that exited non-zero without a NOTOK line (it crashed,
# or could not start) is one more failure, never silence
relay() {
    local line bad=0
    while read -r line; do
        case $line in
        "$2"*) result ok "traced flow: ${line#"$2"}" ;;
        "$3"*)
            result fail "traced flow: ${line#"$3"}"
            bad=1
            ;;
        esac
    done <"$1"
    if [ "$4" -ne 0 ] && [ $bad -eq 0 ]; then
        result fail "traced flow: $5 ran" "exit status $4: $(grep -v '^ *at ' "$1" | tail -n 1)"
    fi
}

# relay_script NAME OUT SCRIPT STATUS: a test script's "ok - " / "not ok -
# " lines, named NAME, into the totals; a script that exited non-zero
# without a "not ok" line is one more failure
relay_script() {
    local p f
    grep -v -e "^browser: " -e "^# screenshots in " "$2" | sed "s/^\(not ok\|ok\) - /\1 - $1: /"
    p=$(grep -c '^ok - ' "$2")
    f=$(grep -c '^not ok - ' "$2")
    PASSED=$((PASSED + p))
    FAILED=$((FAILED + f))
    if [ "$4" -ne 0 ] && [ "$f" -eq 0 ]; then
        result fail "$1: $3 ran" "exit status $4: $(tail -1 "$2")"
    fi
}

# log_clean NAME LOG: the server's log holds no sanitizer report
log_clean() {
    local bad
    for bad in AddressSanitizer 'runtime error' LeakSanitizer; do
        if grep -q "$bad" "$2"; then
            result fail "$1: server log is free of sanitizer reports" "$bad in $2"
            return
        fi
    done
}

# export_flow DB: the latest recorded flow in all four formats, checked.
export_flow() {
    files=
    for f in mmd:mermaid puml:plantuml svg:svg drawio:drawio; do
        ext=${f%%:*}
        if "$BIN" --db "$1" trace export --format "${f#*:}" -o "$OUT/traced.$ext" 2>"$WORK/export.err"; then
            files="$files $OUT/traced.$ext"
        else
            result fail "trace export --format ${f#*:}" "$(head -1 "$WORK/export.err")"
        fi
    done
    # shellcheck disable=SC2086
    /usr/bin/python3 "$ROOT/tests/diagram/steps.py" $files >"$WORK/steps.out" 2>&1
    relay "$WORK/steps.out" "ok - " "not ok - " $? steps.py
    if [ -d "$ROOT/tests/diagram/node_modules" ] ||
        npm ci --prefix "$ROOT/tests/diagram" --no-audit --no-fund >"$WORK/npm-diagram.log" 2>&1; then
        # shellcheck disable=SC2086
        node "$ROOT/tests/diagram/check.mjs" --out "$OUT" $files >"$WORK/check.out" 2>&1
        relay "$WORK/check.out" "ok " "FAIL " $? check.mjs
    else
        result fail "traced flow: npm ci installs tests/diagram" "$(tail -n 1 "$WORK/npm-diagram.log")"
    fi
}

# scenario NAME ALG [serve options...]: a fresh stack signing with ALG, then
# the browser test.
scenario() {
    name=$1
    alg=$2
    shift 2
    dir=$WORK/$name
    mkdir -p "$dir"
    db=sqlite:$dir/gatehouse.db
    set -- $(free_ports) "$@"
    as_port=$1 api_port=$2 app_port=$3
    shift 3
    issuer=http://127.0.0.1:$as_port
    log=$OUT/$name-serve.log
    if ! "$BIN" --db "$db" init --issuer "$issuer" --alg "$alg" >"$dir/init.log" 2>&1 ||
        ! printf '%s' "$PASSWORD" | "$BIN" --db "$db" user add --username alice \
            --password-stdin --name "$NAME" >>"$dir/init.log" 2>&1; then
        result fail "$name: init and user add" "$(tail -1 "$dir/init.log")"
        return
    fi
    "$BIN" --db "$db" serve --listen "127.0.0.1:$as_port" --api-listen "127.0.0.1:$api_port" \
        --app-listen "127.0.0.1:$app_port" --trace "$@" >"$log" 2>&1 &
    SERVER_PID=$!
    i=0
    until curl -sf -o /dev/null "http://127.0.0.1:$app_port/config.json" &&
        curl -sf -o /dev/null "$issuer/.well-known/oauth-authorization-server"; do
        if ! kill -0 "$SERVER_PID" 2>/dev/null || [ $i -ge 150 ]; then
            result fail "$name: gatehouse serve starts" "$(tail -1 "$log")"
            stop_server
            return
        fi
        sleep 0.1
        i=$((i + 1))
    done

    GH_APP_URL=http://127.0.0.1:$app_port GH_USER=alice GH_PASSWORD=$PASSWORD GH_NAME=$NAME \
        GH_OUT=$OUT GH_SCENARIO=$name GH_REFRESH_TTL=$REFRESH_TTL \
        timeout 75 node "$ROOT/tests/browser/app.test.mjs" >"$dir/test.out" 2>&1
    relay_script "$name" "$dir/test.out" app.test.mjs $?

    # The flow recorder saw the run.
    if [ "$name" = main ]; then
        if ! "$BIN" --db "$db" trace list >"$dir/trace.txt" 2>"$dir/trace.err"; then
            result fail "$name: trace list shows the app's flow" "$(head -n 1 "$dir/trace.err")"
        elif grep -q 'gatehouse-app' "$dir/trace.txt"; then
            result ok "$name: trace list shows the app's flow"
        else
            result fail "$name: trace list shows the app's flow" "$(head -c 200 "$dir/trace.txt")"
        fi
    fi

    # The recorded expiry flow, exported in every format and checked by
    # independent tools (tests/diagram/).
    if [ "$name" = expiry ]; then
        export_flow "$db"
    fi

    stop_server
    log_clean "$name" "$log"
}

# passkeys on the AS's own pages (tests/browser/passkey.test.mjs): the issuer
# is http://localhost:PORT, a host name (an RP ID) and a secure context;
# a trusted client whose redirect URI is the AS's /healthz
passkey_scenario() {
    dir=$WORK/passkey
    mkdir -p "$dir"
    db=sqlite:$dir/gatehouse.db
    set -- $(free_ports)
    as_port=$1
    issuer=http://localhost:$as_port
    log=$OUT/passkey-serve.log
    if ! "$BIN" --db "$db" init --issuer "$issuer" >"$dir/init.log" 2>&1 ||
        ! printf '%s' "$PASSWORD" | "$BIN" --db "$db" user add --username alice \
            --password-stdin >>"$dir/init.log" 2>&1 ||
        ! "$BIN" --db "$db" client add --id pk --public --trusted --redirect-uri \
            "$issuer/healthz" --scope openid >>"$dir/init.log" 2>&1; then
        result fail "passkey: init, user add, client add" "$(tail -1 "$dir/init.log")"
        return
    fi
    "$BIN" --db "$db" serve --listen "127.0.0.1:$as_port" >"$log" 2>&1 &
    SERVER_PID=$!
    i=0
    until curl -sf -o /dev/null "http://127.0.0.1:$as_port/healthz"; do
        if ! kill -0 "$SERVER_PID" 2>/dev/null || [ $i -ge 150 ]; then
            result fail "passkey: gatehouse serve starts" "$(tail -1 "$log")"
            stop_server
            return
        fi
        sleep 0.1
        i=$((i + 1))
    done
    GH_ISSUER=$issuer GH_CLIENT=pk GH_USER=alice GH_PASSWORD=$PASSWORD \
        GH_OUT=${GH_SHOTS:-$OUT} timeout 75 node "$ROOT/tests/browser/passkey.test.mjs" \
        >"$dir/test.out" 2>&1
    relay_script passkey "$dir/test.out" passkey.test.mjs $?
    stop_server
    log_clean passkey "$log"
}

# PASSKEY_ONLY=1: only the passkey scenario (while working on it)
if [ -z "${PASSKEY_ONLY:-}" ]; then
    scenario main ES256
    scenario expiry ES256 --refresh-ttl "$REFRESH_TTL" --access-ttl 2
    scenario oidc EdDSA
fi
passkey_scenario

echo "# screenshots in $OUT"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
