#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds under ASan+UBSan,
# runs every tier and ends with one line "N passed, N failed".
#   bash scripts/test.sh            everything
#   TIERS="unit e2e" bash scripts/test.sh   a subset (layers unit e2e browser rp mcp diagram fuzz deb)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${GH_TEST_OUT:-$ROOT/build/test-out}
TIERS=${TIERS:-"layers unit e2e browser rp mcp diagram fuzz deb"}
mkdir -p "$OUT"
passed=0
failed=0

note() { printf '\n== %s\n' "$*"; }

# add "N passed, M failed" found in a file's last matching line to the totals
count() {
    local line
    line=$(grep -Eo '[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
    if [[ -z $line ]]; then
        echo "test: no result line in $1 (counted as 1 failure)"
        failed=$((failed + 1))
        return
    fi
    passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
    failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
}

note "dependencies"
bash scripts/deps.sh test
case $? in
0) ;;
3) echo "test: the browser and diagram tiers need node >= 20 (above); they will count as failed" ;;
*)
    echo "0 passed, 1 failed"
    exit 1
    ;;
esac

note "build (AddressSanitizer + UndefinedBehaviorSanitizer)"
if ! make -j"$(nproc)" SANITIZE=address,undefined build/gatehouse build/unit >"$OUT/build.log" 2>&1; then
    tail -n 40 "$OUT/build.log"
    echo "0 passed, 1 failed"
    exit 1
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/tests/lsan.supp:print_suppressions=0}
export GH_BIN=$ROOT/build/gatehouse

# pytest: junit XML gives exact counts
run_pytest() {
    local name=$1
    shift
    /usr/bin/python3 -m pytest -q -p no:cacheprovider --junitxml="$OUT/$name.xml" "$@" \
        >"$OUT/$name.log" 2>&1
    tail -n 15 "$OUT/$name.log"
    /usr/bin/python3 - "$OUT/$name.xml" >"$OUT/$name.count" <<'PY'
import sys, xml.etree.ElementTree as ET
t = ET.parse(sys.argv[1]).getroot()
suites = [t] if t.tag == "testsuite" else list(t)
n = sum(int(s.get("tests", 0)) for s in suites)
bad = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
skip = sum(int(s.get("skipped", 0)) for s in suites)
print(f"{n - bad - skip} passed, {bad} failed")
# skipped tests are named, never silent
reasons = {}
for case in t.iter("testcase"):
    for sk in case.findall("skipped"):
        r = sk.get("message", "").removeprefix("Skipped: ")
        reasons[r] = reasons.get(r, 0) + 1
for r, k in sorted(reasons.items()):
    print(f"skipped: {k} x {r}", file=sys.stderr)
PY
    [[ -s $OUT/$name.count ]] || echo "0 passed, 1 failed" >"$OUT/$name.count"
    count "$OUT/$name.count"
}

# PostgreSQL: one throwaway cluster (scripts/pg.sh) for the unit tier's store
# suite and the e2e tier, stopped by PID at the end (also on interruption).
pg_url=
pg_stop() {
    [[ -n $pg_url ]] && bash scripts/pg.sh stop "$OUT/pg" >/dev/null 2>&1
    pg_url=
}
if [[ " $TIERS " == *" unit "* || " $TIERS " == *" e2e "* ]] && [[ -f scripts/pg.sh ]] &&
    grep -q 'gh_pg_open' src/store/pg*.c && ! grep -q 'not available in this build' src/store/pg.c; then
    note "PostgreSQL (throwaway cluster)"
    if source scripts/pg.sh start "$OUT/pg"; then
        pg_url=$GH_PG_URL
        trap pg_stop EXIT
        echo "running at ${pg_url} (pid $GH_PG_PID)"
    else
        echo "test: could not start PostgreSQL (counted as 1 failure)"
        failed=$((failed + 1))
    fi
    unset GH_PG_URL GH_PG_PID
fi

for tier in $TIERS; do
    case $tier in
    layers)
        note "include rules (docs/internals/layers.md)"
        bash tests/layers/check.sh >"$OUT/layers.log" 2>&1
        grep -E '^(not ok|#)' "$OUT/layers.log"
        count "$OUT/layers.log"
        ;;
    unit)
        note "unit tests${pg_url:+ (store suite on SQLite and PostgreSQL)}"
        GH_PG_URL=$pg_url ./build/unit >"$OUT/unit.log" 2>&1
        grep -E '^(FAIL|unit:)' "$OUT/unit.log"
        grep -A3 '^  ' "$OUT/unit.log" | head -n 40
        count "$OUT/unit.log"
        ;;
    e2e)
        note "end-to-end tests (SQLite)"
        GH_TEST_DB=sqlite run_pytest e2e-sqlite tests/e2e
        if [[ -n $pg_url ]]; then
            note "end-to-end tests (PostgreSQL)"
            GH_TEST_DB=postgres GH_PG_URL=$pg_url run_pytest e2e-postgres tests/e2e
        fi
        ;;
    browser)
        note "browser tests (Chromium)"
        bash tests/browser/run.sh "$OUT/browser" >"$OUT/browser.log" 2>&1
        grep -E '^(ok|not ok)|passed, ' "$OUT/browser.log" | tail -n 60
        count "$OUT/browser.log"
        ;;
    rp)
        note "OpenID Connect relying parties (openid-client, oidc-client-ts, Apache mod_auth_openidc)"
        bash tests/rp/run.sh "$OUT/rp" >"$OUT/rp.log" 2>&1
        grep -E '^(ok|not ok)|passed, ' "$OUT/rp.log" | tail -n 60
        count "$OUT/rp.log"
        ;;
    mcp)
        note "MCP: the MCP TypeScript SDK's client and contrib/mcp-server with gatehouse (Chromium)"
        bash tests/mcp/run.sh "$OUT/mcp" >"$OUT/mcp.log" 2>&1
        grep -E '^(ok|not ok)|passed, ' "$OUT/mcp.log" | tail -n 60
        count "$OUT/mcp.log"
        ;;
    diagram)
        note "diagram checks (mermaid, mxgraph, PlantUML, Chromium)"
        bash tests/diagram/run.sh "$OUT/diagram" >"$OUT/diagram.log" 2>&1
        grep -E '^(ok|not ok|FAIL)|passed, ' "$OUT/diagram.log" | tail -n 60
        count "$OUT/diagram.log"
        ;;
    fuzz)
        note "fuzz corpus replay (libFuzzer drivers, ASan + UBSan)"
        bash fuzz/replay.sh "$OUT/fuzz" >"$OUT/fuzz.log" 2>&1
        grep -E '^(ok|not ok)|passed, ' "$OUT/fuzz.log" | tail -n 60
        count "$OUT/fuzz.log"
        ;;
    deb)
        note "Debian package (make deb, lintian, apt install in a clean Debian 12 root)"
        bash tests/deb/run.sh "$OUT/deb" >"$OUT/deb.log" 2>&1
        grep -E '^(ok|not ok|#)|passed, ' "$OUT/deb.log" | tail -n 80
        count "$OUT/deb.log"
        ;;
    *)
        echo "test: unknown tier '$tier' (counted as 1 failure)"
        failed=$((failed + 1))
        ;;
    esac
done
pg_stop

echo
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
