#!/bin/sh
# Real OpenID Connect relying parties that nobody here wrote, against the
# real gatehouse binary:
#   rp.test.mjs      openid-client (node), both scenarios
#   spa.test.mjs     oidc-client-ts in Debian's Chromium (playwright-core), es256
#   apache.test.mjs  Apache httpd + mod_auth_openidc (Debian's packages) with
#                    contrib/apache-mod_auth_openidc.conf, es256
#
#   tests/rp/run.sh [OUTDIR]
#
# For each scenario (es256, eddsa: the signing key type) it makes a fresh
# SQLite database in a temp dir with a user that has profile claims and
# clients that show the consent page, starts `gatehouse serve` on a free
# port of 127.0.0.1, runs the relying parties (Apache as a throwaway server
# on another free port, with its own config, PID file and logs in the temp
# dir), and stops every server by its PID. Logs and screenshots go to
# OUTDIR. Prints the test lines and ends with one line "N passed, N failed";
# exit status 1 when a check failed.
#
# GH_BIN selects the binary (default build/gatehouse); GH_CHROMIUM the
# browser (default /usr/bin/chromium).
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/build/test-out/rp}
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd)
BIN=${GH_BIN:-$ROOT/build/gatehouse}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
PASSWORD='correct horse battery staple'
NAME='Alice Liddell'
EMAIL='alice@example.com'

CHROMIUM=${GH_CHROMIUM:-/usr/bin/chromium}
APACHE_BIN=/usr/sbin/apache2
APACHE_MODS=/usr/lib/apache2/modules

PASSED=0
FAILED=0
SERVER_PID=
APACHE_PID=
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gh-rp.XXXXXX")

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
stop_server() {
    if [ -n "$SERVER_PID" ]; then
        stop_pid "$SERVER_PID"
        SERVER_PID=
    fi
}
stop_apache() {
    if [ -n "$APACHE_PID" ]; then
        stop_pid "$APACHE_PID"
        APACHE_PID=
    fi
}
cleanup() {
    stop_apache
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
# shellcheck source=scripts/node.sh
. "$ROOT/scripts/node.sh"
if ! gh_node_setup "$ROOT" >"$WORK/node.log" 2>&1; then
    result fail "rp: node >= $GH_NODE_MIN for openid-client and playwright-core" "$(tail -n 1 "$WORK/node.log")"
    echo "$PASSED passed, $FAILED failed"
    exit 1
fi
sed 's/^/# /' "$WORK/node.log"
if [ ! -d "$ROOT/tests/rp/node_modules/openid-client" ] ||
    [ ! -d "$ROOT/tests/rp/node_modules/oidc-client-ts" ] ||
    [ ! -d "$ROOT/tests/rp/node_modules/playwright-core" ]; then
    if ! npm ci --prefix "$ROOT/tests/rp" --no-audit --no-fund >"$WORK/npm.log" 2>&1; then
        result fail "rp: npm ci installs openid-client, oidc-client-ts, playwright-core" "$(tail -1 "$WORK/npm.log")"
        echo "$PASSED passed, $FAILED failed"
        exit 1
    fi
fi

# relay NAME FILE RC: a test script's ok/not ok lines, prefixed with NAME, as
# results; a script that exited non-zero without a "not ok" line is one
# more failure, never silence
relay() {
    grep -E '^(ok|not ok) - ' "$2" | sed "s/^\(not ok\|ok\) - /\1 - $1: /"
    p=$(grep -c '^ok - ' "$2")
    f=$(grep -c '^not ok - ' "$2")
    PASSED=$((PASSED + p))
    FAILED=$((FAILED + f))
    if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then
        result fail "$1: $(basename "$2" .out) ran" "exit status $3: $(tail -1 "$2")"
    fi
}

# --post-logout-redirect-uri URI when this binary's `client add` has it
plr_option() {
    if "$BIN" client add --help 2>/dev/null | grep -q -- '--post-logout-redirect-uri'; then
        printf '%s %s' --post-logout-redirect-uri "$1"
    fi
}

# spa_rp NAME DB ISSUER: oidc-client-ts in Chromium, its page on a free port.
spa_rp() {
    if [ ! -x "$CHROMIUM" ]; then
        result fail "$1: Debian's chromium is installed" "apt-get install -y chromium"
        return
    fi
    spa_port=$(free_port)
    spa=http://127.0.0.1:$spa_port
    # shellcheck disable=SC2046 # plr_option: no option, or an option and its value
    if ! "$BIN" --db "$2" client add --id spa-rp --public --redirect-uri "$spa/callback.html" \
        --origin "$spa" --scope "openid profile email" $(plr_option "$spa/") \
        >>"$WORK/$1/init.log" 2>&1; then
        result fail "$1: client add spa-rp" "$(tail -1 "$WORK/$1/init.log")"
        return
    fi
    GH_ISSUER=$3 GH_SPA_CLIENT=spa-rp GH_SPA_PORT=$spa_port GH_USER=alice GH_PASSWORD=$PASSWORD \
        GH_NAME=$NAME GH_EMAIL=$EMAIL GH_OUT=$OUT GH_CHROMIUM=$CHROMIUM \
        timeout 75 node "$ROOT/tests/rp/spa.test.mjs" >"$WORK/$1/oidc-client-ts.out" 2>&1
    relay "$1: oidc-client-ts" "$WORK/$1/oidc-client-ts.out" $?
}

# apache_conf NAME ISSUER APACHE_PORT BACKEND_PORT SECRET: a throwaway
# Apache config (high port, PID file, runtime dir and logs of its own) that
# includes contrib/apache-mod_auth_openidc.conf with the values it needs.
apache_conf() {
    # as root, Apache's children must run as another user
    if [ "$(id -u)" -eq 0 ]; then
        printf 'User www-data\nGroup www-data\n'
    fi
    cat <<CONF
ServerRoot "$WORK/$1/apache"
ServerName 127.0.0.1
Listen 127.0.0.1:$3
PidFile "$WORK/$1/apache/run/apache2.pid"
DefaultRuntimeDir "$WORK/$1/apache/run"
ErrorLog "$OUT/$1-apache-error.log"
LogLevel warn auth_openidc:info
LoadModule mpm_event_module $APACHE_MODS/mod_mpm_event.so
LoadModule authn_core_module $APACHE_MODS/mod_authn_core.so
LoadModule authz_core_module $APACHE_MODS/mod_authz_core.so
LoadModule authz_user_module $APACHE_MODS/mod_authz_user.so
LoadModule proxy_module $APACHE_MODS/mod_proxy.so
LoadModule proxy_http_module $APACHE_MODS/mod_proxy_http.so
LoadModule auth_openidc_module $APACHE_MODS/mod_auth_openidc.so
StartServers 1
ServerLimit 1
ThreadsPerChild 8
MaxRequestWorkers 8
MinSpareThreads 1
MaxSpareThreads 8
Define GATEHOUSE_ISSUER $2
Define OIDC_CLIENT_ID apache
Define OIDC_CLIENT_SECRET $5
Define OIDC_REDIRECT_URI http://127.0.0.1:$3/oidc/callback
Define OIDC_CRYPTO_PASSPHRASE $(head -c 32 /dev/urandom | base64 | tr -d '\n/+=')
Define APP_BACKEND http://127.0.0.1:$4
Include "$ROOT/contrib/apache-mod_auth_openidc.conf"
CONF
}

# apache_rp NAME DB ISSUER: Apache httpd + mod_auth_openidc configured by
# contrib/apache-mod_auth_openidc.conf, a confidential client of gatehouse.
apache_rp() {
    if [ ! -x "$APACHE_BIN" ] || [ ! -f "$APACHE_MODS/mod_auth_openidc.so" ]; then
        result fail "$1: apache2 and libapache2-mod-auth-openidc are installed" \
            "apt-get install apache2 libapache2-mod-auth-openidc (scripts/deps.sh test)"
        return
    fi
    mkdir -p "$WORK/$1/apache/run"
    apache_port=$(free_port)
    backend_port=$(free_port)
    apache=http://127.0.0.1:$apache_port
    secret=$(head -c 48 /dev/urandom | base64 | tr -d '\n/+=')
    # shellcheck disable=SC2046 # plr_option: no option, or an option and its value
    if ! printf '%s' "$secret" | "$BIN" --db "$2" client add --id apache --secret-stdin \
        --redirect-uri "$apache/oidc/callback" --scope "openid profile email" \
        $(plr_option "$apache/") >>"$WORK/$1/init.log" 2>&1; then
        result fail "$1: client add apache" "$(tail -1 "$WORK/$1/init.log")"
        return
    fi
    conf=$WORK/$1/apache/apache2.conf
    apache_conf "$1" "$3" "$apache_port" "$backend_port" "$secret" >"$conf"
    if ! "$APACHE_BIN" -f "$conf" -t >"$WORK/$1/apache-t.log" 2>&1; then
        result fail "$1: apache2 -t accepts the contrib config" \
            "$(grep -v '^Syntax OK' "$WORK/$1/apache-t.log" | head -n 1)"
        return
    fi
    "$APACHE_BIN" -f "$conf" -DFOREGROUND >"$OUT/$1-apache-stdout.log" 2>&1 &
    APACHE_PID=$!
    i=0
    until curl -s -o /dev/null "$apache/"; do
        if ! kill -0 "$APACHE_PID" 2>/dev/null || [ $i -ge 100 ]; then
            result fail "$1: apache2 starts" "$(tail -n 1 "$OUT/$1-apache-error.log" 2>/dev/null)"
            stop_apache
            return
        fi
        sleep 0.1
        i=$((i + 1))
    done
    GH_ISSUER=$3 GH_APACHE=$apache GH_APACHE_CLIENT=apache GH_BACKEND_PORT=$backend_port \
        GH_USER=alice GH_PASSWORD=$PASSWORD GH_NAME=$NAME GH_EMAIL=$EMAIL \
        timeout 75 node "$ROOT/tests/rp/apache.test.mjs" >"$WORK/$1/apache.out" 2>&1
    relay "$1: mod_auth_openidc" "$WORK/$1/apache.out" $?
    stop_apache
}

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
        timeout 60 node "$ROOT/tests/rp/rp.test.mjs" >"$dir/openid-client.out" 2>&1
    relay "$name" "$dir/openid-client.out" $?
    # the browser and Apache relying parties do not depend on the key type;
    # Debian 12's mod_auth_openidc cannot verify EdDSA (cjose 0.6)
    if [ "$name" = es256 ]; then
        spa_rp "$name" "$db" "$issuer"
        apache_rp "$name" "$db" "$issuer"
    fi

    stop_server
    for bad in AddressSanitizer 'runtime error' LeakSanitizer; do
        if grep -q "$bad" "$log"; then
            result fail "$name: server log is free of sanitizer reports" "$bad in $log"
            break
        fi
    done
}

# dpop_rp: oauth4webapi with DPoP (tests/rp/dpop.test.mjs) against a server
# that demands nonces, with its Resource API
dpop_rp() {
    dir=$WORK/dpop
    mkdir -p "$dir"
    db="sqlite:$dir/gatehouse.db"
    set -- $(/usr/bin/python3 -c '
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
    issuer=http://127.0.0.1:$1
    api=http://127.0.0.1:$2
    redirect=http://127.0.0.1:9/cb
    log=$OUT/dpop-serve.log
    if ! "$BIN" --db "$db" init --issuer "$issuer" >"$dir/init.log" 2>&1 ||
        ! printf '%s' "$PASSWORD" | "$BIN" --db "$db" user add --username alice \
            --password-stdin >>"$dir/init.log" 2>&1 ||
        ! "$BIN" --db "$db" client add --id dpop-rp --public --trusted --dpop-bound \
            --redirect-uri "$redirect" --scope "api" >>"$dir/init.log" 2>&1; then
        result fail "dpop: init, user add, client add" "$(tail -1 "$dir/init.log")"
        return
    fi
    "$BIN" --db "$db" serve --listen "127.0.0.1:$1" --api-listen "127.0.0.1:$2" --dpop-nonce \
        >"$log" 2>&1 &
    SERVER_PID=$!
    i=0
    until curl -sf -o /dev/null "$issuer/.well-known/openid-configuration" &&
        curl -s -o /dev/null "$api/api/me"; do
        if ! kill -0 "$SERVER_PID" 2>/dev/null || [ $i -ge 150 ]; then
            result fail "dpop: gatehouse serve starts" "$(tail -1 "$log")"
            stop_server
            return
        fi
        sleep 0.1
        i=$((i + 1))
    done
    GH_ISSUER=$issuer GH_API=$api GH_CLIENT=dpop-rp GH_REDIRECT=$redirect GH_USER=alice \
        GH_PASSWORD=$PASSWORD timeout 60 node "$ROOT/tests/rp/dpop.test.mjs" >"$dir/dpop.out" 2>&1
    relay dpop "$dir/dpop.out" $?
    stop_server
    for bad in AddressSanitizer 'runtime error' LeakSanitizer; do
        if grep -q "$bad" "$log"; then
            result fail "dpop: server log is free of sanitizer reports" "$bad in $log"
            break
        fi
    done
}

scenario es256 ES256
scenario eddsa EdDSA
dpop_rp

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
