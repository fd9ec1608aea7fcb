#!/usr/bin/env bash
# Purge keeps up: refresh-token families are born, rotated and abandoned
# under sustained load (bench/lifecycle.lua) with short lifetimes, for
# DUR seconds a backend; every STEP seconds the database's bytes and rows
# are sampled, and a probe rotates its own family every 20 ms, timed, so
# that its p99 while a purge pass runs can be set beside its p99 otherwise.
#   bash bench/purge.sh            (DUR=600: ten minutes a backend)
# Environment: DUR (600), STEP (30), CONNS (32), DELAY_MS (8: each
# connection pauses so, a paced load below the box's limit), BACKENDS
# ("sqlite postgres"), PURGE (purge interval, 10 s), TTL (absolute family
# lifetime, 120 s; idle lifetime and code lifetime are half of it).
# Last line: "purge: database MB over the second half LO..HI (sqlite), ...;
# probe p99 while purging X ms, otherwise Y ms".
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${DUR:-600}
STEP=${STEP:-30}
CONNS=${CONNS:-32}
DELAY_MS=${DELAY_MS:-8}
BACKENDS=${BACKENDS:-sqlite postgres}
PURGE=${PURGE:-10}
TTL=${TTL:-120}
# shellcheck source=bench/lib.sh
source bench/lib.sh
bench_binary
tmp=$(mktemp -d "${PURGE_TMP:-/tmp}/gatehouse-purge-XXXXXX")
pg_dir=
purge_cleanup() {
    [[ -n $pg_dir ]] && bash scripts/pg.sh stop "$pg_dir" >/dev/null 2>&1
    bench_cleanup
}
trap purge_cleanup EXIT
results=()

# lifecycle LABEL DB WATCHDB: one backend's ten minutes
lifecycle() {
    local label=$1 db=$2 watchdb=$3 as iss gpid
    as=$(port)
    iss=http://127.0.0.1:$as
    $G --db "$db" init --issuer "$iss" >/dev/null
    $G --db "$db" client add --id bench-spa --public --trusted --redirect-uri "$CB" --scope api >/dev/null
    printf %s "$PW" | $G --db "$db" user add --username alice --password-stdin >/dev/null
    # info: the default level, whose request lines a deployment writes too
    $G --db "$db" serve --listen "127.0.0.1:$as" --log-format json --log-level info \
        --refresh-ttl "$TTL" --refresh-idle-ttl $((TTL / 2)) --code-ttl $((TTL / 2)) \
        --access-ttl $((TTL / 2)) --purge-interval "$PURGE" >"$tmp/serve-$label.log" 2>&1 &
    gpid=$!
    pids+=("$gpid")
    wait_http "$iss/.well-known/openid-configuration"
    local cookie verifier challenge
    read -r verifier challenge cookie <<<"$(/usr/bin/python3 bench/purge.py signin "$iss" bench-spa "$CB" alice "$PW")"
    local q="response_type=code&client_id=bench-spa&redirect_uri=$CB&scope=api&state=s"
    q+="&code_challenge=$challenge&code_challenge_method=S256"
    local t0 t1
    t0=$(ticks "$gpid")
    AUTHZ_PATH="/authorize?$q" COOKIE="$cookie" VERIFIER="$verifier" CLIENT=bench-spa \
        REDIRECT="$CB" DELAY_MS="$DELAY_MS" \
        wrk -t2 -c"$CONNS" -d"${DUR}s" --timeout 5s --latency -s bench/lifecycle.lua "$iss" \
        >"$tmp/wrk-$label.out" 2>"$tmp/wrk-$label.err" &
    local wpid=$!
    /usr/bin/python3 bench/purge.py watch "$iss" bench-spa "$CB" "$cookie" "$verifier" "$challenge" \
        "$watchdb" "$gpid" "$DUR" "$STEP" "$tmp/serve-$label.log" >"$tmp/watch-$label.out"
    wait "$wpid" || true
    t1=$(ticks "$gpid")
    local w
    w=$(grep RESULT "$tmp/wrk-$label.out" || true)
    printf '\n%s: %s families born, %s req/s (authorize, exchange, refresh), p99 %s ms, %s non-2xx/302; server CPU %s s\n\n' \
        "$label" "$(field families "$w")" "$(field rps "$w")" "$(field p99 "$w")" "$(field bad "$w")" \
        "$(awk -v d=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.0f", d / hz }')"
    head -n 3 "$tmp/wrk-$label.err"
    grep -v '^RESULT' "$tmp/watch-$label.out"
    results+=("$label $(grep RESULT "$tmp/watch-$label.out")")
    kill "$gpid"
    wait "$gpid" 2>/dev/null || true
}

machine_line
printf 'per backend: %s s; wrk -t2 -c%s, %s ms pause a request; family lifetime %s s, idle and code %s s; purge every %s s\n' \
    "$DUR" "$CONNS" "$DELAY_MS" "$TTL" $((TTL / 2)) "$PURGE"
for b in $BACKENDS; do
    case $b in
    sqlite) lifecycle sqlite "sqlite:$tmp/gh.db" "$tmp/gh.db" ;;
    postgres)
        pg_dir=$tmp/pg
        # shellcheck source=scripts/pg.sh
        source scripts/pg.sh start "$pg_dir" >/dev/null
        psql "$GH_PG_URL" -qc "CREATE DATABASE gh_purge" >/dev/null
        lifecycle postgres "${GH_PG_URL%/*}/gh_purge" "${GH_PG_URL%/*}/gh_purge"
        bash scripts/pg.sh stop "$pg_dir" >/dev/null 2>&1 || true
        pg_dir=
        ;;
    esac
done
line=
for r in "${results[@]}"; do
    line+="${line:+; }${r%% *}: database $(field size_mb_half "${r#* }") MB over the second half, probe p99 $(field probe_p99_purging "${r#* }") ms while purging ($(field n_purging "${r#* }") samples), $(field probe_p99_other "${r#* }") ms otherwise"
done
printf '\npurge: %s\n' "$line"
