# Shared helpers of the gatehouse benchmarks (bench/run.sh, bench/scale.sh,
# bench/storm.sh). Source it after `set -euo pipefail` and `cd` to the
# repository; the caller sets DUR (seconds per workload), CONNS (wrk
# connections) and tmp (a scratch directory), and appends to pids every
# process it starts so that bench_cleanup stops exactly those.
# shellcheck shell=bash

pids=()
rows=()

# The password, client secret and redirect URI the benchmarks give their
# user and clients (used by the scripts that source this file).
# shellcheck disable=SC2034
PW=bench-password-1
# shellcheck disable=SC2034
SECRET=bench-secret-Rj5Tn8Wc2Hx7Mq4Lz9Bv3Kd6
# shellcheck disable=SC2034
CB=http://127.0.0.1:1/cb

# Installs what the benchmarks need and sets G, the gatehouse binary:
# GH_BIN when set (another build, e.g. an older commit's, for a
# before/after in turn), else build/gatehouse built without sanitizers.
# shellcheck disable=SC2034
bench_binary() {
    bash scripts/deps.sh bench
    if [[ -n ${GH_BIN:-} ]]; then
        G=$GH_BIN
    else
        make -j"$(nproc)" build/gatehouse >/dev/null
        G=$PWD/build/gatehouse
    fi
}

# Stops the processes this benchmark started (by PID only) and removes tmp.
bench_cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [[ -n ${tmp:-} ]] && rm -rf "$tmp"
    return 0
}

# A free TCP port on 127.0.0.1 (the kernel picks it).
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# user+system ticks of a process and its child processes (nginx workers)
ticks() {
    local t=0 p
    for p in "$1" $(cat /proc/"$1"/task/*/children 2>/dev/null); do
        t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
    done
    echo $t
}

# peak RSS (VmHWM) of a process and its children, MB
hwm_mb() {
    local t=0 p
    for p in "$1" $(cat /proc/"$1"/task/*/children 2>/dev/null); do
        t=$((t + $(awk '/VmHWM/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)))
    done
    awk -v k=$t 'BEGIN { printf "%.1f", k / 1024 }'
}
rss_mb() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }

# Waits until something answers HTTP on URL (a server just started), 10 s at most.
wait_http() {
    local _
    for _ in $(seq 1 100); do
        curl -s -o /dev/null "$1" && return 0
        sleep 0.1
    done
    echo "no answer from $1" >&2
    return 1
}

# field KEY "... KEY=VALUE ...": VALUE from load.lua's RESULT line (empty when absent)
field() {
    [[ " $2" == *" $1="* ]] || return 0
    local v=" $2"
    v=${v##* "$1"=}
    echo "${v%% *}"
}

# load NAME URL PID [env...]: one wrk workload against URL, the server's
# CPU read from PID's ticks; appends a table row
# "name|req/s|p50|p99|server CPU µs/req|peak RSS MB|non-200".
load() {
    local name=$1 url=$2 pid=$3 t0 t1 out
    shift 3
    t0=$(ticks "$pid")
    out=$(env "$@" THREADS=2 wrk -t2 -c"$CONNS" -d"${DUR}s" --timeout 5s --latency \
        -s bench/load.lua "$url" 2>"$tmp/wrk.err" | grep RESULT) || true
    t1=$(ticks "$pid")
    local ok rps p50 p99 bad
    ok=$(field ok "$out")
    bad=$(field bad "$out")
    rps=$(field rps "$out")
    p50=$(field p50 "$out")
    p99=$(field p99 "$out")
    local cpu
    cpu=$(awk -v d=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v n="${ok:-0}" \
        'BEGIN { if (n > 0) printf "%.0f", d / hz * 1e6 / n; else print "-" }')
    rows+=("$name|${rps:-0}|${p50:--}|${p99:--}|$cpu|$(hwm_mb "$pid")|${bad:-?}")
    [[ -s $tmp/wrk.err ]] && sed "s|^|  [$name] |" "$tmp/wrk.err" | head -n 3 >&2
    return 0
}

# The req/s of the row named NAME (0 when there is none).
row_rps() {
    local r
    for r in "${rows[@]}"; do
        [[ ${r%%|*} == "$1" ]] && { cut -d'|' -f2 <<<"$r"; return 0; }
    done
    echo 0
}

# Prints rows as a markdown table; ratios against the first row's req/s
# when RATIO_HEADER is set (run.sh: "ratio to nginx").
print_rows() {
    local base_rps r name rps p50 p99 cpu rss bad ratio
    base_rps=$(cut -d'|' -f2 <<<"${rows[0]}")
    if [[ -n ${RATIO_HEADER:-} ]]; then
        printf '| workload | req/s | %s | p50 ms | p99 ms | server CPU µs/req | peak RSS MB | non-200 |\n' "$RATIO_HEADER"
        printf '|---|---:|---:|---:|---:|---:|---:|---:|\n'
    else
        printf '| workload | req/s | p50 ms | p99 ms | server CPU µs/req | peak RSS MB | non-200 |\n'
        printf '|---|---:|---:|---:|---:|---:|---:|\n'
    fi
    for r in "${rows[@]}"; do
        IFS='|' read -r name rps p50 p99 cpu rss bad <<<"$r"
        if [[ -n ${RATIO_HEADER:-} ]]; then
            ratio=$(awk -v a="$rps" -v b="$base_rps" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
            printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$rps" "$ratio" "$p50" "$p99" "$cpu" "$rss" "$bad"
        else
            printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$rps" "$p50" "$p99" "$cpu" "$rss" "$bad"
        fi
    done
}

# The machine line every table starts with.
machine_line() {
    printf 'Machine: %s, %s cores; load average %s\n' \
        "$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
}

# signin_times ISSUER CLIENT REDIRECT USER PASSWORD RUNS: complete sign-ins
# one after the other (each a fresh browser: authorize, login page, POST
# /login with argon2id, code exchange); prints "p50 max" in ms.
signin_times() {
    /usr/bin/python3 - "$@" <<'PY'
import subprocess, sys, time
issuer, client, redirect, user, password, runs = sys.argv[1:7]
t = []
for _ in range(int(runs)):
    s = time.perf_counter()
    subprocess.run([sys.executable, "bench/mint.py", issuer, client, redirect, user, password, "1"],
                   check=True, capture_output=True)
    t.append((time.perf_counter() - s) * 1000)
t.sort()
print(f"{t[len(t) // 2]:.1f} {t[-1]:.1f}")
PY
}
