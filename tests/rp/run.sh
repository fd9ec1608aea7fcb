#!/bin/sh
# A real OpenID Connect relying party (npm openid-client, tests/rp/rp.test.mjs)
# against the real gatehouse binary.
#
#   tests/rp/run.sh [OUTDIR]
#
# For each scenario (es256, eddsa: the signing key type) it makes a fresh
# SQLite database in a temp dir with a user that has profile claims and a
# public client that shows the consent page, starts `gatehouse serve` on a
# free port of 127.0.0.1, runs the relying party, and stops the server by
# its PID. Server logs go to OUTDIR/<scenario>-serve.log. Prints the test
# lines and ends with one line "N passed, N failed"; exit status 1 when a
# check failed.
#
# GH_BIN selects the binary (default build/gatehouse).
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/build/test-out/rp}
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd)
BIN=${GH_BIN:-$ROOT/build/gatehouse}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
PASSWORD='correct horse battery staple'
NAME='Alice Liddell'
EMAIL='alice@example.com'

PASSED=0
FAILED=0
SERVER_PID=
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gh-rp.XXXXXX")

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

result() { # ok|fail name [detail]
    if [ "$1" = ok ]; then
        PASSED=$((PASSED + 1))
        echo "ok - $2"
    else
        FAILED=$((FAILED + 1))
        echo "not ok - $2${3:+ # $3}"
    fi
}

free_port() {
    /usr/bin/python3 -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# ---- prerequisites ----
if [ ! -x "$BIN" ]; then
    result fail "rp: gatehouse binary exists" "$BIN is missing (run make)"
    echo "$PASSED passed, $FAILED failed"
    exit 1
fi
if [ ! -d "$ROOT/tests/rp/node_modules/openid-client" ]; then
    if ! npm ci --prefix "$ROOT/tests/rp" --no-audit --no-fund >"$WORK/npm.log" 2>&1; then
        result fail "rp: npm ci installs openid-client" "$(tail -1 "$WORK/npm.log")"
        echo "$PASSED passed, $FAILED failed"
        exit 1
    fi
fi

# scenario NAME ALG: a fresh server signing with ALG, then the relying party.
scenario() {
    name=$1
    alg=$2
    dir=$WORK/$name
    mkdir -p "$dir"
    db=sqlite:$dir/gatehouse.db
    port=$(free_port)
    issuer=http://127.0.0.1:$port
    redirect=http://127.0.0.1:$port/rp-callback # never fetched: the script reads the redirect
    log=$OUT/$name-serve.log
    if ! "$BIN" --db "$db" init --issuer "$issuer" --alg "$alg" >"$dir/init.log" 2>&1 ||
        ! printf '%s' "$PASSWORD" | "$BIN" --db "$db" user add --username alice \
            --password-stdin --name "$NAME" --given-name Alice --family-name Liddell \
            --email "$EMAIL" --email-verified >>"$dir/init.log" 2>&1 ||
        ! "$BIN" --db "$db" client add --id rp --public --redirect-uri "$redirect" \
            --scope "openid profile email offline_access" >>"$dir/init.log" 2>&1; then
        result fail "$name: init, user add, client add" "$(tail -1 "$dir/init.log")"
        return
    fi
    "$BIN" --db "$db" serve --listen "127.0.0.1:$port" >"$log" 2>&1 &
    SERVER_PID=$!
    i=0
    until curl -sf -o /dev/null "$issuer/.well-known/openid-configuration"; do
        if ! kill -0 "$SERVER_PID" 2>/dev/null || [ $i -ge 150 ]; then
            result fail "$name: gatehouse serve starts" "$(tail -1 "$log")"
            stop_server
            return
        fi
        sleep 0.1
        i=$((i + 1))
    done

    GH_ISSUER=$issuer GH_CLIENT=rp GH_REDIRECT=$redirect GH_USER=alice GH_PASSWORD=$PASSWORD \
        GH_NAME=$NAME GH_EMAIL=$EMAIL \
        timeout 60 node "$ROOT/tests/rp/rp.test.mjs" >"$dir/test.out" 2>&1
    rc=$?
    grep -E '^(ok|not ok) - ' "$dir/test.out" | sed "s/^\(not ok\|ok\) - /\1 - $name: /"
    p=$(grep -c '^ok - ' "$dir/test.out")
    f=$(grep -c '^not ok - ' "$dir/test.out")
    PASSED=$((PASSED + p))
    FAILED=$((FAILED + f))
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
        result fail "$name: rp.test.mjs ran" "exit status $rc: $(tail -1 "$dir/test.out")"
    fi

    stop_server
    for bad in AddressSanitizer 'runtime error' LeakSanitizer; do
        if grep -q "$bad" "$log"; then
            result fail "$name: server log is free of sanitizer reports" "$bad in $log"
            break
        fi
    done
}

scenario es256 ES256
scenario eddsa EdDSA

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
