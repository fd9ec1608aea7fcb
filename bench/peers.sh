#!/usr/bin/env bash
# Runs the peer servers' benchmarks (node-oidc-provider and glewlwyd, from
# ../shared/peers) in the same run as bench/run.sh, on a private copy of
# their scripts (they write their results beside themselves), and prints
# their client_credentials and rotation figures at 64 connections.
#   bash bench/peers.sh        (about 5 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
src=${PEERS:-../shared/peers}
[[ -d $src ]] || { echo "peers: no $src" >&2; exit 1; }
bash scripts/deps.sh bench
dpkg-query -W -f='${Status}' glewlwyd 2>/dev/null | grep -q "install ok installed" ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq glewlwyd jq >/dev/null
tmp=$(mktemp -d /tmp/gatehouse-peers-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cp -r "$src" "$tmp/peers"
mkdir -p "$tmp/peers/results"
( cd "$tmp/peers" && bash node-oidc/run_bench.sh >"$tmp/node.log" 2>&1 ) || echo "peers: node-oidc suite failed (see its log)" >&2
( cd "$tmp/peers" && bash glewlwyd/run_bench.sh >"$tmp/glewlwyd.log" 2>&1 ) || echo "peers: glewlwyd suite failed" >&2
show() { # file label
    local f=$tmp/peers/results/$1
    [[ -f $f ]] || { printf '| %s | - | - | - |\n' "$2"; return; }
    local rps p99 cpu
    rps=$(sed -n 's/.*req_per_s=\([0-9.]*\).*/\1/p' "$f")
    p99=$(sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p' "$f")
    cpu=$(sed -n 's/.*us_per_req=\([0-9.]*\).*/\1/p' "$f")
    printf '| %s | %s | %s | %s |\n' "$2" "${rps:-?}" "${p99:-?}" "${cpu:-?}"
}
printf '\n| peer workload (c64) | req/s | p99 ms | server CPU µs/req |\n|---|---:|---:|---:|\n'
show nodeoidc_cc_jwt_es256_c64.txt "node-oidc-provider client_credentials (ES256)"
show nodeoidc_refresh_rotate_es256_c64.txt "node-oidc-provider refresh rotation (in RAM)"
for f in "$tmp"/peers/results/glewlwyd_*c64.txt; do
    [[ -f $f ]] && show "$(basename "$f")" "glewlwyd $(basename "$f" _c64.txt | sed 's/^glewlwyd_//')"
done
