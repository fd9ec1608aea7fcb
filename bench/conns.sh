#!/usr/bin/env bash
# N (10000) idle keep-alive connections to one gatehouse on 127.0.0.1, and
# what a user sees meanwhile: bench/conns.py opens N connections, sends one
# real request on each (discovery, HTTP/1.1 keep-alive) and holds them idle;
# while they are held this measures the server's RSS (VmRSS, VmHWM) and times
# complete sign-ins (authorize, sign-in page, POST /login with argon2id, code,
# PKCE exchange) and client_credentials and discovery requests, each on a new
# connection. Then it waits past the idle timeout and reports whether the
# server closed the connections and gave the memory back.
#   bash bench/conns.sh [N]
# Environment: CONN_MEMORY (8192: --conn-memory, bytes a connection may use
# for its headers; libmicrohttpd zeroes all of it after each request, so an
# idle keep-alive connection keeps all of it resident: at the default 65536
# 10,000 of them take 640 MB), CONN_TIMEOUT (30, gatehouse's default
# --conn-timeout), RUNS (5 sign-ins and 5 of each other request).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
CONN_TIMEOUT=${CONN_TIMEOUT:-30}
CONN_MEMORY=${CONN_MEMORY:-8192}
RUNS=${RUNS:-5}
# shellcheck source=bench/lib.sh
source bench/lib.sh
bench_binary
# Each side holds N sockets (the loader's and the server's ends): raise this
# shell's soft fd limit, inherited by both, to N plus room for the database,
# listeners and the probes. Only here: gatehouse's defaults are untouched.
need=$((N + 1024))
hard=$(ulimit -Hn)
if [[ $hard != unlimited && $hard -lt $need ]]; then
    echo "conns: need $need file descriptors, the hard limit is $hard" >&2
    exit 1
fi
ulimit -n "$need"
tmp=$(mktemp -d /tmp/gatehouse-conns-XXXXXX)
trap bench_cleanup EXIT

db="sqlite:$tmp/gh.db"
$G --db "$db" init --issuer "http://127.0.0.1:1" >/dev/null
printf %s "$SECRET" | $G --db "$db" client add --id bench-cc --secret-stdin --scope api >/dev/null
$G --db "$db" client add --id bench-spa --public --trusted --redirect-uri "$CB" --scope "openid api" >/dev/null
printf %s "$PW" | $G --db "$db" user add --username alice --password-stdin >/dev/null

as=$(port)
iss=http://127.0.0.1:$as
# --max-conns: the N held plus room for the probes (the default, 1024, would
# refuse the rest: that is its purpose). No per-address limit: every
# connection comes from 127.0.0.1. Run directly (no `timeout` wrapper) so
# that gpid is the server's own PID for /proc; the EXIT trap stops it.
$G --db "$db" serve --listen "127.0.0.1:$as" --issuer "$iss" \
    --max-conns $((N + 64)) --max-conns-per-ip 0 --conn-timeout "$CONN_TIMEOUT" --conn-memory "$CONN_MEMORY" \
    --log-level warn >"$tmp/serve.log" 2>&1 &
gpid=$!
pids+=("$gpid")
wait_http "$iss/.well-known/openid-configuration"
# warm: one sign-in (first argon2id, first pages) before anything is measured
/usr/bin/python3 bench/conns.py probe "$iss" bench-spa "$CB" alice "$PW" "$SECRET" 1 >/dev/null
sleep 1
fds0=$(ls /proc/"$gpid"/fd | wc -l)
rss0=$(rss_mb "$gpid")
hwm0=$(hwm_mb "$gpid")
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# the loader holds at most CONN_TIMEOUT + 60 s: long enough to see the
# server's idle timeout close everything, bounded if it does not
# hold NAME SECONDS TENTHS: the loader holds N connections for at most
# SECONDS (output in $tmp/NAME.out); waits up to TENTHS tenths of a second
# for it to say HELD; sets lpid
hold() {
    /usr/bin/python3 bench/conns.py hold 127.0.0.1 "$as" "$N" "$2" >"$tmp/$1.out" 2>"$tmp/$1.err" &
    lpid=$!
    pids+=("$lpid")
    for _ in $(seq 1 "$3"); do
        grep -q '^HELD' "$tmp/$1.out" && break
        kill -0 "$lpid" 2>/dev/null || break
        sleep 0.1
    done
}
hold hold $((CONN_TIMEOUT + 60)) 600
held=$(grep '^HELD' "$tmp/hold.out" || true)
[[ -n $held ]] || { echo "conns: the loader did not report (see below)" >&2; cat "$tmp/hold.err" >&2; exit 1; }
held_at=$(date +%s.%N)
fds1=$(ls /proc/"$gpid"/fd | wc -l)
rss1=$(rss_mb "$gpid")
hwm1=$(hwm_mb "$gpid")
probe=$(/usr/bin/python3 bench/conns.py probe "$iss" bench-spa "$CB" alice "$PW" "$SECRET" "$RUNS")
probe_s=$(awk -v a="$held_at" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
fds2=$(ls /proc/"$gpid"/fd | wc -l)
still=$(grep '^OPEN' "$tmp/hold.out" | tail -n 1 || true)
load_mid=$(cut -d' ' -f1-3 /proc/loadavg)

# after the idle timeout: the loader exits when the server has closed all
wait "$lpid" || true
last=$(grep '^OPEN' "$tmp/hold.out" | tail -n 1 || true)
sleep 1
fds3=$(ls /proc/"$gpid"/fd | wc -l)
rss3=$(rss_mb "$gpid")
hwm3=$(hwm_mb "$gpid")
after=$(curl -s -o /dev/null -w '%{http_code}' "$iss/.well-known/openid-configuration")
# N again, for a few seconds: is the memory kept after the first N reused
# (RSS as before) or does it grow (a leak)?
hold hold2 15 150
held2=$(grep '^HELD' "$tmp/hold2.out" || true)
rss4=$(rss_mb "$gpid")
hwm4=$(hwm_mb "$gpid")
kill "$lpid" 2>/dev/null || true

per_conn=$(awk -v a="$rss0" -v b="$rss1" -v n="$(field ok "$held")" \
    'BEGIN { if (n > 0) printf "%.0f", (b - a) * 1048576 / n; else print "-" }')
printf '\n'
machine_line
printf 'load average before %s, while held %s\n' "$load_before" "$load_mid"
printf 'loader: %s\nprobe (%s s after all were held): %s\nserver fds: %s before, %s held, %s after the probe\n' \
    "$held" "$probe_s" "$probe" "$fds0" "$fds1" "$fds2"
printf 'loader while probing: %s; at its end: %s\n\n' "${still:-none yet}" "${last:-none}"
printf '| %s idle keep-alive connections (--conn-memory %s, --conn-timeout %s) | value |\n|---|---:|\n' \
    "$N" "$CONN_MEMORY" "$CONN_TIMEOUT"
printf '| connections held / refused or failed | %s / %s (opened in %s s) |\n' \
    "$(field ok "$held")" "$(field failed "$held")" "$(field seconds "$held")"
printf '| server RSS idle before, MB (VmRSS / VmHWM) | %s / %s |\n' "$rss0" "$hwm0"
printf '| server RSS with them held, MB (VmRSS / VmHWM) | %s / %s |\n' "$rss1" "$hwm1"
printf '| bytes per held connection (VmRSS growth / N) | %s |\n' "$per_conn"
printf '| complete sign-in meanwhile, p50 / max ms (%s runs) | %s / %s |\n' "$RUNS" \
    "$(field signin_p50 "$probe")" "$(field signin_max "$probe")"
printf '| client_credentials meanwhile, p50 / max ms | %s / %s |\n' "$(field cc_p50 "$probe")" "$(field cc_max "$probe")"
printf '| discovery meanwhile, p50 / max ms | %s / %s |\n' "$(field disc_p50 "$probe")" "$(field disc_max "$probe")"
printf '| after the idle timeout: connections still open (loader) | %s |\n' "$(field open "${last:-open=?}")"
printf '| after the idle timeout: server fds, RSS MB (VmRSS / VmHWM) | %s, %s / %s |\n' "$fds3" "$rss3" "$hwm3"
printf '| after the idle timeout: a new request | %s |\n' "$after"
printf '| %s again (%s): server RSS MB (VmRSS / VmHWM) | %s / %s |\n' "$N" "$(field ok "${held2:-ok=0}") held" "$rss4" "$hwm4"
printf '\nconns: %s held at --conn-memory %s, RSS %s MB (peak %s), sign-in max %s ms\n' \
    "$(field ok "$held")" "$CONN_MEMORY" "$rss1" "$hwm1" "$(field signin_max "$probe")"
