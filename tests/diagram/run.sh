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
if [[ ! -d tests/diagram/node_modules ]]; then
    npm ci --prefix tests/diagram --no-audit --no-fund >/dev/null 2>&1 ||
        npm install --prefix tests/diagram --no-audit --no-fund >/dev/null
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
