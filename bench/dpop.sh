#!/usr/bin/env bash
# DPoP (RFC 9449) beside Bearer, in one run on one gatehouse (AS + API, SQLite,
# durable): GET /api/me with a Bearer token and with a DPoP-bound token and a
# fresh proof per request, and refresh rotation of a public client's tokens
# without and with DPoP. Proofs are single use (each has its own jti, which
# the server records durably), so they are made before the run by
# bench/dpop.py and handed out by bench/load.lua (DPOP_FILE); a run is short
# to keep the pools small. Prints one table.
#   bash bench/dpop.sh [SECONDS]     (default 3 per workload; about a minute)
#   PROOFS=N                          proofs made per DPoP workload (default 40000)
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-3}
CONNS=${CONNS:-32}
PROOFS=${PROOFS:-40000}
bash scripts/deps.sh bench
make -j"$(nproc)" build/gatehouse >/dev/null
G=$PWD/build/gatehouse
tmp=$(mktemp -d /tmp/gatehouse-bench-dpop-XXXXXX)
gpid=
cleanup() {
    [[ -n $gpid ]] && kill "$gpid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rows=()
# user+system ticks of the server
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }

# load NAME URL [env...]: one wrk run; appends a row
# "name|rps|p50|p99|server CPU us/req|non-200|starved"
load() {
    local name=$1 url=$2 out t0 t1 ok cpu
    shift 2
    t0=$(ticks "$gpid")
    out=$(env "$@" THREADS=2 wrk -t2 -c"$CONNS" -d"${DUR}s" --timeout 5s --latency \
        -s bench/load.lua "$url" 2>"$tmp/wrk.err" | grep RESULT) || true
    t1=$(ticks "$gpid")
    ok=$(sed 's/.* ok=\([0-9]*\).*/\1/' <<<"$out")
    cpu=$(awk -v d=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v n="${ok:-0}" \
        'BEGIN { if (n > 0) printf "%.0f", d / hz * 1e6 / n; else print "-" }')
    rows+=("$name|$(sed 's/.* rps=\([0-9]*\).*/\1/' <<<"$out")|$(sed 's/.* p50=\([0-9.]*\).*/\1/' <<<"$out")|$(sed 's/.* p99=\([0-9.]*\).*/\1/' <<<"$out")|$cpu|$(sed 's/.* bad=\([0-9]*\).*/\1/' <<<"$out")|$(sed 's/.* starved=\([0-9]*\).*/\1/' <<<"$out")")
    [[ -s $tmp/wrk.err ]] && sed "s|^|  [$name] |" "$tmp/wrk.err" | head -n 3 >&2
    return 0
}

# proofs FILE HTM HTU [TOKEN]: PROOFS proofs made by two processes
proofs() {
    local f=$1
    shift
    /usr/bin/python3 bench/dpop.py proofs "$tmp/key.pem" $((PROOFS / 2)) "$@" >"$f.1" &
    local half=$!
    /usr/bin/python3 bench/dpop.py proofs "$tmp/key.pem" $((PROOFS - PROOFS / 2)) "$@" >"$f.2"
    wait "$half"
    cat "$f.1" "$f.2" >"$f"
}

as=$(port)
api=$(port)
db="sqlite:$tmp/gh.db"
$G --db "$db" init --issuer "http://127.0.0.1:$as" >/dev/null
$G --db "$db" client add --id bench-spa --public --trusted --redirect-uri "http://127.0.0.1:1/cb" --scope api >/dev/null
printf %s "bench-password-1" | $G --db "$db" user add --username alice --password-stdin >/dev/null
$G --db "$db" serve --listen "127.0.0.1:$as" --api-listen "127.0.0.1:$api" --log-level warn \
    >"$tmp/serve.log" 2>&1 &
gpid=$!
sleep 1
/usr/bin/python3 bench/dpop.py key "$tmp/key.pem"
I="http://127.0.0.1:$as"
/usr/bin/python3 bench/mint.py "$I" bench-spa "http://127.0.0.1:1/cb" alice bench-password-1 \
    $((CONNS * 4)) >"$tmp/rts.txt"
/usr/bin/python3 bench/dpop.py mint "$tmp/key.pem" "$I" bench-spa "http://127.0.0.1:1/cb" alice \
    bench-password-1 $((CONNS * 4)) >"$tmp/rts-dpop.txt"
# one access token of each kind for the API runs
at=$(curl -s -d grant_type=refresh_token -d client_id=bench-spa \
    -d refresh_token="$(tail -n 1 "$tmp/rts.txt")" "$I/token" | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
sed -i '$d' "$tmp/rts.txt"
last=$(tail -n 1 "$tmp/rts-dpop.txt")
sed -i '$d' "$tmp/rts-dpop.txt"
proofs "$tmp/one.txt" POST "$I/token"
dat=$(curl -s -H "DPoP: $(head -n 1 "$tmp/one.txt")" -d grant_type=refresh_token \
    -d client_id=bench-spa -d refresh_token="$last" "$I/token" | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
proofs "$tmp/api.txt" GET "http://127.0.0.1:$api/api/me" "$dat"
sed -i '1d' "$tmp/one.txt"

load "GET /api/me, Bearer" "http://127.0.0.1:$api/api/me" AUTHZ="Bearer $at"
load "GET /api/me, DPoP (proof: ES256 verify + durable jti)" "http://127.0.0.1:$api/api/me" \
    AUTHZ="DPoP $dat" DPOP_FILE="$tmp/api.txt"
load "refresh rotation, Bearer" "$I/token" RT_FILE="$tmp/rts.txt" \
    BODY="grant_type=refresh_token&client_id=bench-spa&refresh_token="
load "refresh rotation, DPoP-bound family" "$I/token" RT_FILE="$tmp/rts-dpop.txt" \
    DPOP_FILE="$tmp/one.txt" BODY="grant_type=refresh_token&client_id=bench-spa&refresh_token="

printf '\nMachine: %s, %s cores; wrk -t2 -c%s -d%ss on the same cores; SQLite, synchronous=FULL\n\n' \
    "$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)" "$(nproc)" "$CONNS" "$DUR"
printf '| workload | req/s | p50 ms | p99 ms | server CPU µs/req | non-200 | proofs short |\n'
printf '|---|---:|---:|---:|---:|---:|---:|\n'
for r in "${rows[@]}"; do
    IFS='|' read -r name rps p50 p99 cpu bad starved <<<"$r"
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$rps" "$p50" "$p99" "$cpu" "$bad" "$starved"
done
verify=$(openssl speed -seconds 2 ecdsap256 2>/dev/null | awk '/256 bits ecdsa \(nistp256\)/ {print $NF}' | tail -n 1)
printf '\nP-256 verify (openssl speed, 1 core): %s/s\n' "${verify:-?}"
api_b=$(cut -d'|' -f2 <<<"${rows[0]}")
api_d=$(cut -d'|' -f2 <<<"${rows[1]}")
rt_b=$(cut -d'|' -f2 <<<"${rows[2]}")
rt_d=$(cut -d'|' -f2 <<<"${rows[3]}")
awk -v a="$api_b" -v b="$api_d" -v c="$rt_b" -v d="$rt_d" 'BEGIN {
    if (b > 0 && d > 0) printf "\nBearer / DPoP: /api/me %.2fx, refresh %.2fx\n", a / b, c / d }'
