#!/usr/bin/env bash
# Builds gatehouse (installing missing Debian packages first) and runs
# `gatehouse demo`: Authorization Server, Resource API and Frontend App on
# 127.0.0.1 with a demo user. Extra arguments go to `gatehouse demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh build
make -j"$(nproc)" build/gatehouse >/dev/null
exec build/gatehouse demo "$@"
