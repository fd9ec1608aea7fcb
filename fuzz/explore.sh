#!/usr/bin/env bash
# Long fuzzing runs: runs every libFuzzer driver of fuzz/ for
# SECONDS each with its seed corpus, then merges what it found that adds
# coverage into fuzz/corpus/<driver>/ (libFuzzer -merge=1), and prints the
# executions per driver. Crashes, leaks and hangs are kept under
# build/fuzz/artifacts/<driver>/ and make the script fail.
#   bash fuzz/explore.sh 600                    every driver, 10 minutes each
#   JOBS=2 bash fuzz/explore.sh 600 fuzz_jws    some drivers, two at a time
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
SECONDS_EACH=${1:?usage: fuzz/explore.sh SECONDS [DRIVER...]}
shift
JOBS=${JOBS:-1}
WORK=build/fuzz/work
ART=build/fuzz/artifacts

make -s fuzz >/dev/null || { echo "fuzz: make fuzz failed"; exit 1; }
if [[ $# -gt 0 ]]; then
    drivers=("$@")
else
    drivers=()
    for f in fuzz/fuzz_*.c; do drivers+=("$(basename "$f" .c)"); done
fi

# the longest input worth trying: past each parser's own limit
max_len() {
    case $1 in
    fuzz_jws | fuzz_config) echo 9000 ;;
    fuzz_basic) echo 3000 ;;
    *) echo 4096 ;;
    esac
}

run_one() {
    local d=$1 dict=()
    mkdir -p "$WORK/$d" "$ART/$d" "fuzz/corpus/$d"
    [[ -f fuzz/dict/$d.dict ]] && dict=(-dict="fuzz/dict/$d.dict")
    # new inputs go to the work dir; the repo corpus is only read here
    "./build/fuzz/$d" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
        -max_len="$(max_len "$d")" -print_final_stats=1 -artifact_prefix="$ART/$d/" \
        "${dict[@]}" "$WORK/$d" "fuzz/corpus/$d" >"$WORK/$d.log" 2>&1
    echo $? >"$WORK/$d.rc"
    # keep what adds coverage, in the repo corpus
    "./build/fuzz/$d" -merge=1 "fuzz/corpus/$d" "$WORK/$d" >"$WORK/$d.merge.log" 2>&1
}

running=0
for d in "${drivers[@]}"; do
    [[ -x build/fuzz/$d ]] || { echo "fuzz: no driver '$d'"; exit 2; }
    run_one "$d" &
    running=$((running + 1))
    if [[ $running -ge $JOBS ]]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

bad=0
printf '%-18s %8s %14s %10s %8s  %s\n' driver seconds executions exec/s corpus result
for d in "${drivers[@]}"; do
    log=$WORK/$d.log
    n=$(grep -Eo 'stat::number_of_executed_units: [0-9]+' "$log" | tail -n 1 | grep -Eo '[0-9]+$')
    [[ -z $n ]] && n=$(grep -Eo 'Done [0-9]+ runs' "$log" | tail -n 1 | grep -Eo '[0-9]+')
    n=${n:-0}
    corpus=$(find "fuzz/corpus/$d" -type f | wc -l)
    rc=$(cat "$WORK/$d.rc" 2>/dev/null || echo 1)
    result=ok
    if [[ $rc -ne 0 ]] || compgen -G "$ART/$d/*" >/dev/null; then
        result="FAILED (see $log, $ART/$d/)"
        bad=$((bad + 1))
    fi
    printf '%-18s %8s %14s %10s %8s  %s\n' "$d" "$SECONDS_EACH" "$n" $((n / SECONDS_EACH)) \
        "$corpus" "$result"
done
[[ $bad -eq 0 ]]
