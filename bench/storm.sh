#!/usr/bin/env bash
# A morning login storm on 127.0.0.1: USERS (64) browsers sign in at once,
# again and again, for SECONDS (20), each sign-in complete (authorize, the
# sign-in page, POST /login with argon2id at gatehouse's defaults, the code,
# its exchange with PKCE; bench/storm.py), while wrk sends client_credentials
# requests at a modest steady rate to the same token endpoint. Reports
# sign-ins per second (per core of the machine and per CPU-second of the
# server), the p99 of a sign-in, the token endpoint's p99 meanwhile, the
# server's peak RSS and the load average.
#   bash bench/storm.sh [SECONDS]
# Environment: USERS (64), CC_CONNS (8) and CC_DELAY_MS (20): the token load,
# about CC_CONNS * 1000 / CC_DELAY_MS requests a second; PERF_OUT=FILE: a
# `perf record -g` of the server over the middle half of the storm.
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-20}
USERS=${USERS:-64}
CC_CONNS=${CC_CONNS:-8}
CC_DELAY_MS=${CC_DELAY_MS:-20}
CONNS=$CC_CONNS
# shellcheck source=bench/lib.sh
source bench/lib.sh
bench_binary
tmp=$(mktemp -d /tmp/gatehouse-storm-XXXXXX)
trap bench_cleanup EXIT

# A database with the clients and USERS users. Each user needs an argon2id
# hash at the default parameters; they share alice's (made by `user add`),
# which costs the server exactly what distinct hashes would.
setup_db() {
    local db=$1 file=${1#sqlite:} pwhash
    $G --db "$db" init --issuer "http://127.0.0.1:1" >/dev/null
    printf %s "$SECRET" | $G --db "$db" client add --id bench-cc --secret-stdin --scope api >/dev/null
    $G --db "$db" client add --id bench-spa --public --trusted --redirect-uri "$CB" \
        --scope "openid api" >/dev/null
    printf %s "$PW" | $G --db "$db" user add --username alice --password-stdin >/dev/null
    pwhash=$(sqlite3 "$file" "SELECT pwhash FROM user WHERE username = 'alice'")
    sqlite3 "$file" "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $USERS)
        INSERT INTO user(username, pwhash, created_at, argon2_t, argon2_m, argon2_p)
        SELECT 'user' || i, '$pwhash', strftime('%s', 'now'), argon2_t, argon2_m, argon2_p
        FROM s, (SELECT argon2_t, argon2_m, argon2_p FROM user WHERE username = 'alice')"
    echo "argon2id parameters (gatehouse's defaults): $(cut -d'$' -f4 <<<"$pwhash")"
}

db="sqlite:$tmp/gh.db"
params=$(setup_db "$db")
as=$(port)
iss=http://127.0.0.1:$as
$G --db "$db" serve --listen "127.0.0.1:$as" --issuer "$iss" --log-level warn >"$tmp/serve.log" 2>&1 &
gpid=$!
pids+=("$gpid")
wait_http "$iss/.well-known/openid-configuration"

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
t0=$(ticks "$gpid")
# the token load beside the storm, for the same seconds
env AUTHZ="Basic $(printf 'bench-cc:%s' "$SECRET" | base64 -w0)" \
    BODY="grant_type=client_credentials&scope=api" DELAY_MS="$CC_DELAY_MS" THREADS=1 \
    wrk -t1 -c"$CC_CONNS" -d"${DUR}s" --timeout 5s --latency -s bench/load.lua "$iss/token" \
    >"$tmp/wrk.out" 2>&1 &
wpid=$!
pids+=("$wpid")
if [[ -n ${PERF_OUT:-} ]]; then
    (sleep $((DUR / 4)) && exec perf record -q -g -p "$gpid" -o "$PERF_OUT" -- sleep $((DUR / 2))) \
        >/dev/null 2>&1 &
    pids+=($!)
fi
storm=$(/usr/bin/python3 bench/storm.py "$iss" bench-spa "$CB" user "$PW" "$USERS" "$DUR")
wait "$wpid" || true
t1=$(ticks "$gpid")
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
cc=$(grep RESULT "$tmp/wrk.out" || true)

cores=$(nproc)
cpu_s=$(awk -v d=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", d / hz }')
ok=$(field ok "$storm")
rate=$(field rate "$storm")
secs=$(field seconds "$storm")
per_core=$(awk -v r="$rate" -v c="$cores" 'BEGIN { printf "%.1f", r / c }')
per_cpu_s=$(awk -v n="$ok" -v s="$cpu_s" 'BEGIN { if (s > 0) printf "%.1f", n / s; else print "-" }')
util=$(awk -v s="$cpu_s" -v t="$secs" -v c="$cores" 'BEGIN { printf "%.0f", 100 * s / (t * c) }')

printf '\n'
machine_line
printf '%s; load average before %s, after %s\n' "$params" "$load_before" "$load_after"
printf '%s\n' "$storm"
printf 'token load: %s\n\n' "$cc"
printf '| login storm: %s browsers, %ss | value |\n|---|---:|\n' "$USERS" "$DUR"
printf '| complete sign-ins | %s (failed %s, busy 503 %s) |\n' "$ok" "$(field failed "$storm")" "$(field busy "$storm")"
printf '| sign-ins per second | %s |\n' "$rate"
printf '| sign-ins per second per core (%s cores) | %s |\n' "$cores" "$per_core"
printf '| sign-ins per server CPU-second | %s |\n' "$per_cpu_s"
printf '| server CPU used | %ss of %ss x %s cores (%s%%) |\n' "$cpu_s" "$secs" "$cores" "$util"
printf '| sign-in p50 / p99 / max ms | %s / %s / %s |\n' "$(field p50 "$storm")" "$(field p99 "$storm")" "$(field max "$storm")"
printf '| token endpoint meanwhile (client_credentials) req/s | %s |\n' "$(field rps "$cc")"
printf '| token endpoint p50 / p99 ms | %s / %s |\n' "$(field p50 "$cc")" "$(field p99 "$cc")"
printf '| token endpoint non-200 | %s |\n' "$(field bad "$cc")"
printf '| server peak RSS MB | %s |\n' "$(hwm_mb "$gpid")"
printf '\nstorm: %s sign-ins/s per core (%s per server CPU-second), sign-in p99 %s ms; token endpoint p99 %s ms\n' \
    "$per_core" "$per_cpu_s" "$(field p99 "$storm")" "$(field p99 "$cc")"
