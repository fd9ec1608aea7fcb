#!/usr/bin/env bash
# gatehouse benchmarks on 127.0.0.1, bounded in time, with same-run baselines:
# nginx serving a static file of the API answer's size (the box's HTTP
# ceiling) and `openssl speed` for the ES256 signing limit. Prints one table.
#   bash bench/run.sh [SECONDS]      (default 10 per workload; about 1.5 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-10}
CONNS=${CONNS:-64}
bash scripts/deps.sh bench
make -j"$(nproc)" build/gatehouse >/dev/null
G=$PWD/build/gatehouse
tmp=$(mktemp -d /tmp/gatehouse-bench-XXXXXX)
chmod 755 "$tmp" # nginx workers read the static file
# shellcheck source=bench/lib.sh
source bench/lib.sh
trap bench_cleanup EXIT

# ---- baselines ----
sign_per_s=$(openssl speed -seconds 3 ecdsap256 2>/dev/null | awk '/256 bits ecdsa \(nistp256\)/ {print $(NF-1)}' | tail -n 1)
npt=$(port)
mkdir -p "$tmp/nginx/html" "$tmp/nginx/logs"
printf '{"sub":"alice","client_id":"bench-cc","scope":"api","preferred_username":"alice"}' >"$tmp/nginx/html/me.json"
cat >"$tmp/nginx/nginx.conf" <<NGX
worker_processes 2;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 1000000;
    server { listen 127.0.0.1:$npt; root $tmp/nginx/html; }
}
NGX
nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf"
sleep 0.5
npid=$(cat "$tmp/nginx/nginx.pid")
pids+=("$npid")
load "nginx static file (baseline)" "http://127.0.0.1:$npt/me.json" "$npid"
kill "$npid"

# ---- gatehouse ----
as=$(port)
api=$(port)
db="sqlite:$tmp/gh.db"
$G --db "$db" init --issuer "http://127.0.0.1:$as" >/dev/null
secret=bench-secret-Rj5Tn8Wc2Hx7Mq4Lz9Bv3Kd6
printf %s "$secret" | $G --db "$db" client add --id bench-cc --secret-stdin --scope "api" >/dev/null
$G --db "$db" client add --id bench-spa --public --trusted --redirect-uri "http://127.0.0.1:1/cb" --scope "openid api" >/dev/null
printf %s "bench-password-1" | $G --db "$db" user add --username alice --password-stdin >/dev/null
$G --db "$db" serve --listen "127.0.0.1:$as" --api-listen "127.0.0.1:$api" --log-level warn \
    >"$tmp/serve.log" 2>&1 &
gpid=$!
pids+=("$gpid")
sleep 1
idle=$(rss_mb "$gpid")
basic="Basic $(printf 'bench-cc:%s' "$secret" | base64 -w0)"
load "client_credentials (ES256 JWT)" "http://127.0.0.1:$as/token" "$gpid" \
    AUTHZ="$basic" BODY="grant_type=client_credentials&scope=api"
at=$(curl -s -u "bench-cc:$secret" -d grant_type=client_credentials -d scope=api \
    "http://127.0.0.1:$as/token" | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
load "GET /api/me (JWT validation)" "http://127.0.0.1:$api/api/me" "$gpid" AUTHZ="Bearer $at"
/usr/bin/python3 bench/mint.py "http://127.0.0.1:$as" bench-spa "http://127.0.0.1:1/cb" alice \
    bench-password-1 $((CONNS * 4)) >"$tmp/rts.txt"
load "refresh rotation (SQLite, durable)" "http://127.0.0.1:$as/token" "$gpid" \
    RT_FILE="$tmp/rts.txt" BODY="grant_type=refresh_token&client_id=bench-spa&refresh_token="
# the same rotation for an OpenID Connect client: one more signature (the id_token)
/usr/bin/python3 bench/mint.py "http://127.0.0.1:$as" bench-spa "http://127.0.0.1:1/cb" alice \
    bench-password-1 $((CONNS * 4)) "openid api" >"$tmp/rts-oidc.txt"
load "refresh rotation with openid (+ id_token, SQLite)" "http://127.0.0.1:$as/token" "$gpid" \
    RT_FILE="$tmp/rts-oidc.txt" BODY="grant_type=refresh_token&client_id=bench-spa&refresh_token="
login=$(signin_times "http://127.0.0.1:$as" bench-spa "http://127.0.0.1:1/cb" alice bench-password-1 20)
peak=$(hwm_mb "$gpid")
kill "$gpid"

# ---- PostgreSQL: rotation with 1 and 3 processes on one database ----
pg_rows() {
    source scripts/pg.sh start "$tmp/pg" >/dev/null 2>&1 || return 0
    local pgdb="${GH_PG_URL%/*}/gh_bench" ports=() p i
    psql "$GH_PG_URL" -qc "CREATE DATABASE gh_bench" >/dev/null
    for i in 1 2 3; do ports+=("$(port)"); done
    $G --db "$pgdb" init --issuer "http://127.0.0.1:${ports[0]}" >/dev/null
    $G --db "$pgdb" client add --id bench-spa --public --trusted --redirect-uri "http://127.0.0.1:1/cb" --scope api >/dev/null
    printf %s "bench-password-1" | $G --db "$pgdb" user add --username alice --password-stdin >/dev/null
    local pg_pids=()
    for p in "${ports[@]}"; do
        $G --db "$pgdb" serve --listen "127.0.0.1:$p" --issuer "http://127.0.0.1:${ports[0]}" \
            --log-level warn >>"$tmp/serve-pg.log" 2>&1 &
        pg_pids+=($!)
        pids+=($!)
    done
    sleep 1
    /usr/bin/python3 bench/mint.py "http://127.0.0.1:${ports[0]}" bench-spa "http://127.0.0.1:1/cb" \
        alice bench-password-1 $((CONNS * 4)) >"$tmp/rts-pg.txt"
    load "refresh rotation (PostgreSQL, 1 process)" "http://127.0.0.1:${ports[0]}/token" \
        "${pg_pids[0]}" RT_FILE="$tmp/rts-pg.txt" \
        BODY="grant_type=refresh_token&client_id=bench-spa&refresh_token="
    # three processes, each loaded by its own wrk with a third of the connections
    /usr/bin/python3 bench/mint.py "http://127.0.0.1:${ports[0]}" bench-spa "http://127.0.0.1:1/cb" \
        alice bench-password-1 $((CONNS * 4)) >"$tmp/rts-pg3.txt"
    for i in 0 1 2; do
        awk -v i=$i 'NR % 3 == i' "$tmp/rts-pg3.txt" >"$tmp/rts-pg3-$i.txt"
        RT_FILE="$tmp/rts-pg3-$i.txt" BODY="grant_type=refresh_token&client_id=bench-spa&refresh_token=" \
            THREADS=1 wrk -t1 -c$((CONNS / 3)) -d"${DUR}s" --timeout 5s --latency -s bench/load.lua \
            "http://127.0.0.1:${ports[$i]}/token" >"$tmp/wrk3-$i.out" 2>&1 &
    done
    # shellcheck disable=SC2046 # three PIDs, one word each
    wait $(jobs -p | tail -n 3) 2>/dev/null || true
    local sum=0 p99=0 bad=0 x
    for i in 0 1 2; do
        x=$(sed -n 's/.* rps=\([0-9]*\).*/\1/p' "$tmp/wrk3-$i.out")
        sum=$((sum + ${x:-0}))
        x=$(sed -n 's/.* bad=\([0-9]*\).*/\1/p' "$tmp/wrk3-$i.out")
        bad=$((bad + ${x:-0}))
        x=$(sed -n 's/.* p99=\([0-9.]*\).*/\1/p' "$tmp/wrk3-$i.out")
        p99=$(awk -v a="$p99" -v b="${x:-0}" 'BEGIN { print (b > a ? b : a) }')
    done
    rows+=("refresh rotation (PostgreSQL, 3 processes)|$sum|-|$p99|-|-|$bad")
    for p in "${pg_pids[@]}"; do kill "$p" 2>/dev/null || true; done
    bash scripts/pg.sh stop "$tmp/pg" >/dev/null 2>&1 || true
}
pg_rows

# ---- table ----
printf '\nMachine: %s, %s cores; wrk -t2 -c%s -d%ss on the same cores; ES256 sign (openssl speed, 1 core): %s/s\n\n' \
    "$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)" "$(nproc)" "$CONNS" "$DUR" "${sign_per_s:-?}"
RATIO_HEADER="ratio to nginx" print_rows
# shellcheck disable=SC2086 # "p50 max": two printf arguments
printf '| full login flow (authorize, login, code exchange), 20 runs | p50 %s ms | | | max %s ms | | | |\n' ${login:-- -}
printf '\nidle RSS %s MB, peak RSS %s MB (gatehouse: AS + API in one process)\n' "$idle" "$peak"
