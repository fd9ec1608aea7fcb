#!/usr/bin/env bash
# Exports a real scripted run (`gatehouse diagram`) in all four formats and
# checks them with independent tools (tests/diagram/check.mjs: mermaid and
# mxGraph in Chromium, Debian's plantuml, the SVG rendered in Chromium),
# together with the golden files. Ends with "diagram: N passed, N failed".
#   bash tests/diagram/run.sh OUTDIR
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${1:-build/test-out/diagram}
bin=${GH_BIN:-build/gatehouse}
mkdir -p "$out"
# a tier that cannot run says why and counts as failed
cannot_run() {
    echo "not ok - diagram: $1"
    echo "diagram: 0 passed, 1 failed"
    exit 1
}
# shellcheck source=scripts/node.sh
source scripts/node.sh
gh_node_setup "$PWD" >"$out/node.log" 2>&1 ||
    cannot_run "node >= $GH_NODE_MIN for playwright-core: $(tail -n 1 "$out/node.log")"
sed 's/^/# /' "$out/node.log"
if [[ ! -d tests/diagram/node_modules ]]; then
    npm ci --prefix tests/diagram --no-audit --no-fund >"$out/npm.log" 2>&1 ||
        cannot_run "npm ci installs tests/diagram: $(tail -n 1 "$out/npm.log")"
fi
files=()
for fmt in mermaid plantuml svg drawio; do
    ext=$fmt
    [[ $fmt == mermaid ]] && ext=mmd
    [[ $fmt == plantuml ]] && ext=puml
    if "$bin" diagram --format "$fmt" -o "$out/flow.$ext"; then
        files+=("$out/flow.$ext")
    else
        echo "not ok - gatehouse diagram --format $fmt"
    fi
done
node tests/diagram/check.mjs --out "$out" "${files[@]}" tests/golden/*.mmd tests/golden/*.puml \
    tests/golden/*.svg tests/golden/*.drawio
