#!/usr/bin/env bash
# Installs the Debian packages gatehouse needs, only when something is
# missing (idempotent; apt-get runs only then). Needs root for apt-get.
#   bash scripts/deps.sh build   # compiler and libraries
#   bash scripts/deps.sh test    # + test tools (PostgreSQL, Chromium, PlantUML, Python clients,
#                                #   lintian, debootstrap, Apache httpd with
#                                #   mod_auth_openidc, zbarimg to read the account page's QR
#                                #   code) and node >= 20 (scripts/node.sh)
#   bash scripts/deps.sh bench   # + wrk and nginx
# (`make deb`, scripts/deb.sh, installs the Debian package's build dependencies itself.)
# Node.js: the browser and diagram tests need node >= 20 (playwright-core);
# Debian 12 ships 18, so Debian's nodejs and npm only bootstrap: when `node`
# is older, scripts/node.sh installs the exact Node.js 20 pinned in
# scripts/node/package-lock.json from the npm registry into build/tools/node
# (the test tiers put it first on PATH themselves).
# Apache httpd is only a relying party for the tests (tests/rp runs its own
# throwaway instance on a free port): when this script installs apache2, it
# stops and disables the apache2 service that Debian starts on port 80.
# Exit status 0, 1 when a Debian package cannot be installed, 3 when only
# Node.js >= 20 is missing (the line above says which node and why).
set -euo pipefail
cd "$(dirname "$0")/.."
tier=${1:-build}
pkgs=(make gcc pkg-config libmicrohttpd-dev libssl-dev libjansson-dev libsqlite3-dev libpq-dev
      libargon2-dev libcurl4-openssl-dev libcbor-dev libqrencode-dev sqlite3 curl)
if [[ $tier == test || $tier == bench ]]; then
    pkgs+=(python3 python3-pytest python3-requests python3-jwcrypto python3-authlib
           postgresql chromium plantuml nodejs npm procps clang libclang-rt-14-dev
           dpkg-dev lintian debootstrap apache2 libapache2-mod-auth-openidc zbar-tools)
fi
if [[ $tier == bench ]]; then
    pkgs+=(wrk nginx-light)
fi
missing=()
for p in "${pkgs[@]}"; do
    # node/npm may come from elsewhere on the machine: accept a working command
    if [[ $p == nodejs ]] && command -v node >/dev/null; then continue; fi
    if [[ $p == npm ]] && command -v npm >/dev/null; then continue; fi
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "deps: installing ${missing[*]}" >&2
    if [[ $(id -u) -ne 0 ]]; then
        echo "deps: run as root to install: ${missing[*]}" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    if [[ " ${missing[*]} " == *" apache2 "* && -d /run/systemd/system ]]; then
        systemctl disable --now apache2.service apache-htcacheclean.service >/dev/null 2>&1 || true
    fi
fi
if [[ $tier == test || $tier == bench ]]; then
    bash scripts/node.sh >&2 || exit 3
fi
