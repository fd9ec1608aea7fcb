#!/usr/bin/env bash
# Corpus replay: builds the libFuzzer drivers (make fuzz) and runs
# each once over every input of its corpus, fuzz/corpus/<driver>/, without
# fuzzing: seconds, not minutes. A crash, sanitizer report, leak or broken
# invariant on any input fails that driver. Prints "ok - fuzz X: N inputs"
# or "not ok - ..." per driver and ends with "fuzz: N passed, N failed".
#   bash fuzz/replay.sh [OUTDIR]
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
OUT=${1:-build/test-out/fuzz}
mkdir -p "$OUT"
passed=0
failed=0

if ! make -s -j"$(nproc)" fuzz >"$OUT/build.log" 2>&1; then
    tail -n 30 "$OUT/build.log"
    echo "not ok - fuzz: make fuzz failed"
    echo "fuzz: 0 passed, 1 failed"
    exit 1
fi

for src in fuzz/fuzz_*.c; do
    d=$(basename "$src" .c)
    inputs=()
    while IFS= read -r -d '' f; do inputs+=("$f"); done \
        < <(find "fuzz/corpus/$d" -type f -print0 2>/dev/null | sort -z)
    if [[ ${#inputs[@]} -eq 0 ]]; then
        echo "not ok - fuzz $d: empty corpus fuzz/corpus/$d"
        failed=$((failed + 1))
        continue
    fi
    # files (not a directory) as arguments: each runs once, nothing is written
    if "./build/fuzz/$d" -timeout=10 -artifact_prefix="$OUT/$d-" "${inputs[@]}" \
        >"$OUT/$d.log" 2>&1; then
        echo "ok - fuzz $d: ${#inputs[@]} inputs"
        passed=$((passed + 1))
    else
        echo "not ok - fuzz $d: ${#inputs[@]} inputs (see $OUT/$d.log)"
        grep -E 'ERROR|BUG|Running:' "$OUT/$d.log" | tail -n 4 | sed 's/^/#   /'
        failed=$((failed + 1))
    fi
done
echo "fuzz: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
