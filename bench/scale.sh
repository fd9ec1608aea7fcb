#!/usr/bin/env bash
# Data scale: the same workloads on a database holding 10,000 live
# refresh-token families and on one holding N (and one user per 10
# families), SQLite on disk and PostgreSQL, in one run on 127.0.0.1.
#   bash bench/scale.sh [FAMILIES]     (default 10,000,000)
# Environment: DUR (seconds per workload, 10), CONNS (64), SMALL (10000),
# BACKENDS ("sqlite postgres"). At the end the kill -9 tests
# (tests/e2e/test_concurrency.py) run on copies of the N-family databases.
# The bulk rows are written by plain SQL after `gatehouse init` (a SQLite
# recursive CTE through the sqlite3 CLI, PostgreSQL generate_series): no
# server code path exists for them. Every bulk user shares ONE real argon2id
# hash made by `gatehouse user add` (hashing millions is not the point), so
# every bulk user's password is bench-password-1.
# Last line: "scale: rotation at N families = X% of 10k (sqlite), Y% (postgres)".
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000000}
SMALL=${SMALL:-10000}
DUR=${DUR:-10}
CONNS=${CONNS:-64}
BACKENDS=${BACKENDS:-sqlite postgres}
# shellcheck source=bench/lib.sh
source bench/lib.sh
bench_binary
# on disk (not tmpfs): the point is a database larger than its caches
tmp=$(mktemp -d "${SCALE_TMP:-/tmp}/gatehouse-scale-XXXXXX")
pg_dir=
scale_cleanup() {
    bench_cleanup_pg
    bench_cleanup
}
bench_cleanup_pg() {
    [[ -n $pg_dir ]] && bash scripts/pg.sh stop "$pg_dir" >/dev/null 2>&1
    return 0
}
trap scale_cleanup EXIT
fills=()


# gatehouse init, the two bench clients and alice (the one real hash).
db_init() {
    local db=$1
    $G --db "$db" init --issuer "http://127.0.0.1:1" >/dev/null
    printf %s "$SECRET" | $G --db "$db" client add --id bench-cc --secret-stdin --scope api >/dev/null
    $G --db "$db" client add --id bench-spa --public --trusted --redirect-uri "$CB" \
        --scope "openid api" >/dev/null
    printf %s "$PW" | $G --db "$db" user add --username alice --password-stdin >/dev/null
}

# The bulk rows, SQLite: users, families and each family's current token.
# Times: created within the last 14 days, absolute expiry 30 days after
# creation, idle expiry 15 days after: all live, none purgeable.
sqlite_fill_sql() {
    local n=$1 users=$(($1 / 10 > 0 ? $1 / 10 : 1)) now pwhash
    now=$(date +%s)
    pwhash=$(sqlite3 "$2" "SELECT pwhash FROM user WHERE username = 'alice'")
    # secondary indexes are built once after the rows (a sort), not row by
    # row in random key order: same schema, a fraction of the time
    local idx
    idx=$(sqlite3 "$2" "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('user', 'family', 'refresh_token')")
    sqlite3 "$2" "SELECT sql || ';' FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('user', 'family', 'refresh_token')" >"$tmp/indexes.sql"
    cat <<SQL
PRAGMA journal_mode = WAL;
-- bench fill only: the server opens with its own durable settings
PRAGMA synchronous = OFF;
PRAGMA cache_size = -2000000;
BEGIN;
$(for i in $idx; do echo "DROP INDEX $i;"; done)
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $users)
INSERT INTO user(username, pwhash, created_at, email, email_verified, name, argon2_t, argon2_m, argon2_p)
SELECT 'user' || i, '$pwhash', $now - 86400 * 200 + i % 86400, 'user' || i || '@example.com', 1,
       'User ' || i, 2, 19456, 1 FROM s;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $n)
INSERT INTO family(id, client_id, sub, scope, flow_id, code_hash, created_at, abs_expires_at,
                   last_used_at, auth_time, sid, amr)
SELECT lower(hex(randomblob(11))), 'bench-spa', 'user' || (1 + i % $users), 'openid api', '',
       randomblob(32), t, t + 2592000, t, t, lower(hex(randomblob(11))), 1
FROM (SELECT i, $now - abs(random()) % 1209600 AS t FROM s);
INSERT INTO refresh_token(hash, family_id, state, created_at, idle_expires_at)
SELECT randomblob(32), id, 0, created_at, created_at + 1296000 FROM family WHERE client_id = 'bench-spa';
$(cat "$tmp/indexes.sql")
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
}

# fills DB with N families; appends "backend|N|seconds|peak MB|bytes"
sqlite_fill() {
    local n=$1 file=$2 t0 t1 mem
    db_init "sqlite:$file"
    sqlite_fill_sql "$n" "$file" >"$tmp/fill.sql"
    t0=$(date +%s.%N)
    /usr/bin/time -f %M -o "$tmp/time.out" sqlite3 "$file" <"$tmp/fill.sql" >/dev/null
    t1=$(date +%s.%N)
    mem=$(awk '{printf "%.0f", $1 / 1024}' "$tmp/time.out")
    fills+=("sqlite|$n|$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')|$mem|$(du -cb "$file"* | tail -n 1 | cut -f1)")
}

pg_fill_sql() {
    local n=$1 users=$(($1 / 10 > 0 ? $1 / 10 : 1)) now pwhash
    now=$(date +%s)
    pwhash=$(psql "$2" -Atc "SELECT pwhash FROM \"user\" WHERE username = 'alice'")
    # secondary indexes built after the rows (constraints' indexes stay)
    psql "$2" -Atc "SELECT indexdef || ';' FROM pg_indexes WHERE tablename IN ('user', 'family', 'refresh_token') AND indexname NOT IN (SELECT conname FROM pg_constraint)" >"$tmp/indexes.sql"
    cat <<SQL
SELECT pg_backend_pid();
-- bench fill only: losing it on a crash loses nothing
SET synchronous_commit = off;
SET maintenance_work_mem = '512MB';
-- every family_id references the family inserted by the same statement:
-- no foreign-key trigger per row
SET session_replication_role = replica;
$(psql "$2" -Atc "SELECT 'DROP INDEX ' || indexname || ';' FROM pg_indexes WHERE tablename IN ('user', 'family', 'refresh_token') AND indexname NOT IN (SELECT conname FROM pg_constraint)")
INSERT INTO "user"(username, pwhash, created_at, email, email_verified, name, argon2_t, argon2_m, argon2_p)
SELECT 'user' || i, '$pwhash', $now - 86400 * 200 + i % 86400, 'user' || i || '@example.com', 1,
       'User ' || i, 2, 19456, 1 FROM generate_series(1, $users) i;
WITH f AS (
    INSERT INTO family(id, client_id, sub, scope, flow_id, code_hash, created_at, abs_expires_at,
                       last_used_at, auth_time, sid, amr)
    SELECT substr(encode(uuid_send(gen_random_uuid()), 'hex'), 1, 22), 'bench-spa',
           'user' || (1 + i % $users), 'openid api', '',
           uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()), t, t + 2592000, t, t,
           substr(encode(uuid_send(gen_random_uuid()), 'hex'), 1, 22), 1
    FROM (SELECT i, $now - (random() * 1209600)::bigint AS t FROM generate_series(1, $n) i) g
    RETURNING id, created_at)
INSERT INTO refresh_token(hash, family_id, state, created_at, idle_expires_at)
SELECT uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()), id, 0, created_at,
       created_at + 1296000 FROM f;
SET session_replication_role = DEFAULT;
$(cat "$tmp/indexes.sql")
-- what autovacuum would have done by the morning: statistics, visibility
VACUUM (ANALYZE) "user", family, refresh_token;
CHECKPOINT;
SQL
}

# peak RSS of the backend that runs the fill (its pid is the first line)
pg_fill() {
    local n=$1 url=$2 t0 t1 bpid peak=0 kb
    db_init "$url"
    pg_fill_sql "$n" "$url" >"$tmp/fill.sql"
    t0=$(date +%s.%N)
    psql "$url" -qAt -v ON_ERROR_STOP=1 -f "$tmp/fill.sql" >"$tmp/fill.out" &
    local fpid=$!
    while kill -0 "$fpid" 2>/dev/null; do
        bpid=$(head -n 1 "$tmp/fill.out" 2>/dev/null || true)
        if [[ $bpid =~ ^[0-9]+$ ]]; then
            kb=$(awk '/VmHWM/ {print $2}' "/proc/$bpid/status" 2>/dev/null || echo 0)
            ((kb > peak)) && peak=$kb
        fi
        sleep 0.5
    done
    wait "$fpid"
    t1=$(date +%s.%N)
    fills+=("postgres|$n|$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')|$((peak / 1024))|$(psql "$url" -Atc 'SELECT pg_database_size(current_database())')")
}

# serve DB [ARGS...]: starts a server on a free port; sets gpid and iss
serve() {
    local db=$1 as
    shift
    as=$(port)
    $G --db "$db" serve --listen "127.0.0.1:$as" --issuer "http://127.0.0.1:$as" --log-level warn \
        "$@" >>"$tmp/serve.log" 2>&1 &
    gpid=$!
    pids+=("$gpid")
    iss=http://127.0.0.1:$as
    wait_http "$iss/.well-known/openid-configuration"
}

# rotation NAME: refresh tokens minted at the server serve started (iss,
# gpid), rotated under load; a row named NAME
rotation() {
    /usr/bin/python3 bench/mint.py "$iss" bench-spa "$CB" alice "$PW" $((CONNS * 4)) >"$tmp/rts.txt"
    load "$1" "$iss/token" "$gpid" \
        RT_FILE="$tmp/rts.txt" BODY="grant_type=refresh_token&client_id=bench-spa&refresh_token="
}

# workloads LABEL DB N: rotation, client_credentials, introspection and
# sign-ins against one database, then rotation again with the purge every
# second; rows named "LABEL: ..."
workloads() {
    local label=$1 db=$2 gpid iss
    serve "$db"
    rotation "$label: refresh rotation"
    load "$label: client_credentials" "$iss/token" "$gpid" \
        AUTHZ="Basic $(printf 'bench-cc:%s' "$SECRET" | base64 -w0)" \
        BODY="grant_type=client_credentials&scope=api"
    # an access token of a family: introspection reads its jti and family
    local rt at
    rt=$(/usr/bin/python3 bench/mint.py "$iss" bench-spa "$CB" alice "$PW" 1)
    at=$(curl -s -d grant_type=refresh_token -d client_id=bench-spa -d "refresh_token=$rt" \
        "$iss/token" | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
    load "$label: introspection" "$iss/introspect" "$gpid" \
        AUTHZ="Basic $(printf 'bench-cc:%s' "$SECRET" | base64 -w0)" BODY="token=$at"
    # a bulk user from the middle of the table signs in, a fresh browser each time
    local t
    read -r -a t <<<"$(signin_times "$iss" bench-spa "$CB" "user$((${3:-10} / 20 + 1))" "$PW" 10)"
    rows+=("$label: sign-in (10 in a row)|-|${t[0]}|max ${t[1]}|-|$(hwm_mb "$gpid")|0")
    kill "$gpid"
    wait "$gpid" 2>/dev/null || true
    # the purge (default every 60 s) may or may not fall in a window above;
    # here it runs every second: rotation must not notice
    serve "$db" --purge-interval 1
    rotation "$label: refresh rotation, purge every 1 s"
    kill "$gpid"
    wait "$gpid" 2>/dev/null || true
}

# rotation LABEL DB: the rotation workload once more ("(again)"), so that
# each size is measured twice, interleaved: 10k, N, 10k, N
rotation_again() {
    local label=$1 db=$2 gpid iss
    serve "$db"
    rotation "$label: refresh rotation (again)"
    kill "$gpid"
    wait "$gpid" 2>/dev/null || true
}

# kill9 LABEL DB [ENV...]: the kill -9 tests (tests/e2e/test_concurrency.py)
# on copies of the N-family database DB; their own user replaces the
# bench's alice. Appends "LABEL: P passed, F failed" to kills.
kills=()
kill9() {
    local label=$1 db=$2 out
    shift 2
    $G --db "$db" user remove --username alice >/dev/null
    out=$(env "$@" GH_BIN="$G" /usr/bin/python3 -m pytest -q -p no:cacheprovider \
        tests/e2e/test_concurrency.py -k kill_9 2>&1 | tail -n 1) || true
    kills+=("$label: $out")
}

run_sqlite() {
    local n
    for n in "$SMALL" "$N"; do sqlite_fill "$n" "$tmp/gh-$n.db"; done
    for n in "$SMALL" "$N"; do workloads "SQLite $n" "sqlite:$tmp/gh-$n.db" "$n"; done
    for n in "$SMALL" "$N"; do rotation_again "SQLite $n" "sqlite:$tmp/gh-$n.db"; done
    kill9 "SQLite $N" "sqlite:$tmp/gh-$N.db" GH_TEST_DB_SEED="$tmp/gh-$N.db"
    for n in "$SMALL" "$N"; do rm -f "$tmp/gh-$n.db"*; done
}

run_postgres() {
    pg_dir=$tmp/pg
    # shellcheck source=scripts/pg.sh
    source scripts/pg.sh start "$pg_dir" >/dev/null
    local n url=${GH_PG_URL%/*}
    for n in "$SMALL" "$N"; do
        psql "$GH_PG_URL" -qc "CREATE DATABASE gh_$n" >/dev/null
        pg_fill "$n" "$url/gh_$n"
    done
    for n in "$SMALL" "$N"; do workloads "PostgreSQL $n" "$url/gh_$n" "$n"; done
    for n in "$SMALL" "$N"; do rotation_again "PostgreSQL $n" "$url/gh_$n"; done
    kill9 "PostgreSQL $N" "$url/gh_$N" GH_TEST_DB=postgres GH_PG_URL="$GH_PG_URL" \
        GH_TEST_DB_SEED="gh_$N"
    bench_cleanup_pg
    pg_dir=
}

# rotation req/s at N as a percentage of that at SMALL (same run, both
# measurements of each size summed)
pct() {
    local a b
    a=$(($(row_rps "$1 $N: refresh rotation") + $(row_rps "$1 $N: refresh rotation (again)")))
    b=$(($(row_rps "$1 $SMALL: refresh rotation") + $(row_rps "$1 $SMALL: refresh rotation (again)")))
    awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.0f", 100 * a / b; else print "-" }'
}

loadavg=()
for b in $BACKENDS; do
    loadavg+=("before $b: $(cut -d' ' -f1-3 /proc/loadavg)")
    "run_$b"
done
loadavg+=("after: $(cut -d' ' -f1-3 /proc/loadavg)")

printf '\n'
machine_line
printf 'wrk -t2 -c%s -d%ss on the same cores; load average %s\n\n' "$CONNS" "$DUR" "$(IFS=';'; echo "${loadavg[*]}")"
print_rows
printf '\n| fill | families | seconds | peak RSS MB | database bytes | bytes per family | beyond the 10k database, per family |\n|---|---:|---:|---:|---:|---:|---:|\n'
declare -A small_bytes=()
for f in "${fills[@]}"; do
    IFS='|' read -r b n s m bytes <<<"$f"
    [[ $n == "$SMALL" ]] && small_bytes[$b]=$bytes
    marginal=-
    [[ $n != "$SMALL" && -n ${small_bytes[$b]:-} ]] && marginal=$(((bytes - small_bytes[$b]) / (n - SMALL)))
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$b" "$n" "$s" "$m" "$bytes" "$((bytes / n))" "$marginal"
done
printf '\nkill -9 tests at %s families:\n' "$N"
printf -- '- %s\n' "${kills[@]}"
printf '\nscale: rotation at %s families = %s%% of 10k (sqlite), %s%% (postgres)\n' \
    "$N" "$(pct SQLite)" "$(pct PostgreSQL)"
