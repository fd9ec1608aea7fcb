#!/bin/sh
# The MCP TypeScript SDK's client, unmodified, against the example MCP server
# of contrib/mcp-server/ (the same SDK's server, checking gatehouse's tokens
# with jose) and the real gatehouse binary (docs/mcp.md):
#   mcp.test.mjs   discovery from the MCP server's 401 (RFC 9728), dynamic
#                  registration (RFC 7591), sign-in and consent in Debian's
#                  Chromium (playwright-core), code + PKCE + resource (RFC
#                  8707), a tool call, a refresh once the access token expired
#
#   tests/mcp/run.sh [OUTDIR]
#
# It makes a fresh SQLite database in a temp dir with a user and the MCP
# server registered as a resource, starts `gatehouse serve --registration
# open` with a short access-token lifetime and the MCP server on free ports
# of 127.0.0.1, runs the client, and stops both by their PIDs. Prints the
# test lines and ends with "N passed, N failed"; exit status 1 when a check
# failed. GH_BIN selects the binary (default build/gatehouse); GH_CHROMIUM the
# browser (default /usr/bin/chromium).
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/build/test-out/mcp}
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd)
BIN=${GH_BIN:-$ROOT/build/gatehouse}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
PASSWORD='correct horse battery staple'
CHROMIUM=${GH_CHROMIUM:-/usr/bin/chromium}
ACCESS_TTL=3

PASSED=0
FAILED=0
SERVER_PID=
MCP_PID=
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gh-mcp.XXXXXX")

stop_pid() { # PID: TERM, up to 5 s, then KILL
    kill -TERM "$1" 2>/dev/null
    i=0
    while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -KILL "$1" 2>/dev/null
    wait "$1" 2>/dev/null
}
cleanup() {
    [ -n "$MCP_PID" ] && stop_pid "$MCP_PID"
    [ -n "$SERVER_PID" ] && stop_pid "$SERVER_PID"
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
finish() {
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
    exit $?
}
free_port() {
    /usr/bin/python3 -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}
wait_http() { # URL PID LOG
    i=0
    until curl -s -o /dev/null "$1"; do
        if ! kill -0 "$2" 2>/dev/null || [ $i -ge 150 ]; then
            return 1
        fi
        sleep 0.1
        i=$((i + 1))
    done
}

# ---- prerequisites ----
if [ ! -x "$BIN" ]; then
    result fail "mcp: gatehouse binary exists" "$BIN is missing (run make)"
    finish
fi
if [ ! -x "$CHROMIUM" ]; then
    result fail "mcp: Debian's chromium is installed" "apt-get install -y chromium"
    finish
fi
# shellcheck source=scripts/node.sh
. "$ROOT/scripts/node.sh"
if ! gh_node_setup "$ROOT" >"$WORK/node.log" 2>&1; then
    result fail "mcp: node >= $GH_NODE_MIN for the MCP SDK and playwright-core" "$(tail -n 1 "$WORK/node.log")"
    finish
fi
sed 's/^/# /' "$WORK/node.log"
for dir in contrib/mcp-server tests/mcp; do
    if [ ! -d "$ROOT/$dir/node_modules/@modelcontextprotocol/sdk" ]; then
        if ! npm ci --prefix "$ROOT/$dir" --no-audit --no-fund >"$WORK/npm.log" 2>&1; then
            result fail "mcp: npm ci in $dir" "$(tail -1 "$WORK/npm.log")"
            finish
        fi
    fi
done

# ---- gatehouse and the MCP server ----
db=sqlite:$WORK/gatehouse.db
port=$(free_port)
mcp_port=$(free_port)
issuer=http://127.0.0.1:$port
mcp_url=http://127.0.0.1:$mcp_port/mcp
if ! "$BIN" --db "$db" init --issuer "$issuer" >"$WORK/init.log" 2>&1 ||
    ! printf '%s' "$PASSWORD" | "$BIN" --db "$db" user add --username alice \
        --password-stdin >>"$WORK/init.log" 2>&1 ||
    ! "$BIN" --db "$db" resource add --uri "$mcp_url" --scope "mcp:tools" \
        --name "MCP example" >>"$WORK/init.log" 2>&1; then
    result fail "mcp: init, user add, resource add" "$(tail -1 "$WORK/init.log")"
    finish
fi
"$BIN" --db "$db" serve --listen "127.0.0.1:$port" --registration open \
    --registration-scope "openid offline_access mcp:tools" --access-ttl "$ACCESS_TTL" \
    >"$OUT/serve.log" 2>&1 &
SERVER_PID=$!
if ! wait_http "$issuer/healthz" "$SERVER_PID"; then
    result fail "mcp: gatehouse serve starts" "$(tail -1 "$OUT/serve.log")"
    finish
fi
GATEHOUSE_ISSUER=$issuer MCP_URL=$mcp_url MCP_LISTEN=127.0.0.1:$mcp_port MCP_SCOPES=mcp:tools \
    MCP_REQUIRED_SCOPE=mcp:tools node "$ROOT/contrib/mcp-server/server.mjs" >"$OUT/mcp-server.log" 2>&1 &
MCP_PID=$!
if ! wait_http "http://127.0.0.1:$mcp_port/.well-known/oauth-protected-resource/mcp" "$MCP_PID"; then
    result fail "mcp: the example MCP server starts" "$(tail -1 "$OUT/mcp-server.log")"
    finish
fi

GH_ISSUER=$issuer GH_MCP_URL=$mcp_url GH_USER=alice GH_PASSWORD=$PASSWORD \
    GH_ACCESS_TTL=$ACCESS_TTL GH_OUT=$OUT GH_CHROMIUM=$CHROMIUM \
    timeout 120 node "$ROOT/tests/mcp/mcp.test.mjs" >"$WORK/mcp.out" 2>&1
rc=$?
grep -E '^(ok|not ok) - ' "$WORK/mcp.out" | sed 's/^\(not ok\|ok\) - /\1 - mcp: /'
PASSED=$((PASSED + $(grep -c '^ok - ' "$WORK/mcp.out")))
f=$(grep -c '^not ok - ' "$WORK/mcp.out")
FAILED=$((FAILED + f))
if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    result fail "mcp: mcp.test.mjs ran" "exit status $rc: $(tail -1 "$WORK/mcp.out")"
fi
cp "$WORK/mcp.out" "$OUT/mcp.out"

# the client is listed as registered, and the server stayed clean
if "$BIN" --db "$db" client list 2>/dev/null | grep -q 'via=registration'; then
    result ok "mcp: client list shows the client that registered itself"
else
    result fail "mcp: client list shows the client that registered itself"
fi
stop_pid "$MCP_PID"
MCP_PID=
stop_pid "$SERVER_PID"
SERVER_PID=
for bad in AddressSanitizer 'runtime error' LeakSanitizer; do
    if grep -q "$bad" "$OUT/serve.log"; then
        result fail "mcp: server log is free of sanitizer reports" "$bad in $OUT/serve.log"
        finish
    fi
done
result ok "mcp: server log is free of sanitizer reports"
finish
