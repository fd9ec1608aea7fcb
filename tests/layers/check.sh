#!/usr/bin/env bash
# The include rules of docs/internals/layers.md, checked: every
# `#include "dir/file.h"` in src/<layer>/ (unit tests, *_test.c, excepted)
# must name a layer that <layer> may use, and no layer includes another's
# internal headers (*_int.h), and nothing outside src/store/ reaches into
# the store's ops table, and the modules of src/oauth/ stay in their
# files. Prints one "ok"/"not ok" line per
# layer and ends with "layers: N passed, N failed".
#   bash tests/layers/check.sh
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

# layer -> the layers (or single headers) it may include, besides itself
declare -A may=(
    [core]=""
    [proto]="core"
    [jose]="core"
    [http]="core"
    [store]="core proto/grant.h trace/step.h"
    [trace]="core store"
    [webauthn]="core"
    [oauth]="core proto jose http store trace webauthn"
    [api]="core proto jose http trace/recorder.h trace/step.h"
    [app]="core http trace/recorder.h trace/step.h"
    [server]="core proto jose http store trace oauth api app webauthn"
    [cli]="core proto jose http store trace oauth api app server webauthn"
)
# single files with a narrower rule than their layer
declare -A file_may=(
    [src/trace/export.c]="core trace"
    [src/trace/layout.c]="core trace"
    [src/trace/export_drawio.c]="core trace"
    [src/trace/export_svg.c]="core trace"
    [src/trace/export_mermaid.c]="core trace"
    [src/trace/export_plantuml.c]="core trace"
)

allowed() { # allowed LIST HEADER LAYER
    local h=$2 dir=${2%%/*} a
    [[ $dir == "$3" ]] && return 0
    [[ $h == *_int.h ]] && return 1 # a layer's internals are its own
    for a in $1; do
        [[ $a == "$dir" || $a == "$h" ]] && return 0
    done
    return 1
}

passed=0
failed=0
for layer_dir in src/*/; do
    layer=$(basename "$layer_dir")
    if [[ -z ${may[$layer]+x} ]]; then
        echo "not ok - layers: src/$layer/ is not in the layer table (docs/internals/layers.md)"
        failed=$((failed + 1))
        continue
    fi
    bad=()
    while IFS= read -r f; do
        [[ $f == *_test.c ]] && continue
        rules=${file_may[$f]-${may[$layer]}}
        while IFS= read -r h; do
            allowed "$rules" "$h" "$layer" || bad+=("$f includes $h")
        done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\/[^"]*\)".*/\1/p' "$f")
    done < <(find "$layer_dir" -maxdepth 1 -name '*.[ch]' | sort)
    if ((${#bad[@]})); then
        echo "not ok - layers: src/$layer/ may include only: ${may[$layer]:-(nothing else)}"
        printf '#   %s\n' "${bad[@]}"
        failed=$((failed + 1))
    else
        echo "ok - layers: src/$layer/"
        passed=$((passed + 1))
    fi
done
# the store's ops table is reached only through the gh_store_* wrappers
outside=$(grep -rln --include='*.c' --include='*.h' -e '->ops->' src | grep -v '^src/store/' | sort)
if [[ -n $outside ]]; then
    echo "not ok - layers: the store's ops table reached past gh_store_* (store/store_calls.c)"
    printf '#   %s\n' $outside
    failed=$((failed + 1))
else
    echo "ok - layers: store operations only through gh_store_*"
    passed=$((passed + 1))
fi
# libpq owns the pg_ and PQ prefixes: the PostgreSQL backend's own names are
# pgs_ (a declaration or definition of a pg_ name, outside strings)
clash=$(grep -rnE --include='*.c' --include='*.h' '^[a-z][a-z_ ]*[ *]pg_[a-z0-9_]+\(|^(struct|typedef) [a-z ]*\bpg_[a-z0-9_]+' src | sort)
if [[ -n $clash ]]; then
    echo "not ok - layers: names in libpq's pg_ namespace"
    printf '#   %s\n' "$clash"
    failed=$((failed + 1))
else
    echo "ok - layers: no name of ours in libpq's pg_ namespace"
    passed=$((passed + 1))
fi
# a module header's functions are all defined in its own .c file (no
# module split across files that call each other), and a module never
# includes the headers of the modules above it
declare -A home=(
    [src/oauth/authz.h]=src/oauth/authz.c
    [src/oauth/session.h]=src/oauth/session.c
    [src/oauth/csrf.h]=src/oauth/csrf.c
    [src/oauth/throttle.h]=src/oauth/throttle.c
)
declare -A not_above=( # file -> headers it may not include
    [src/oauth/session.c]="oauth/authz.h"
    [src/oauth/session.h]="oauth/authz.h"
    [src/oauth/csrf.c]="oauth/authz.h oauth/session.h"
    [src/oauth/csrf.h]="oauth/authz.h oauth/session.h"
)
bad=()
for h in "${!home[@]}"; do
    for fn in $(grep -E '^[a-z].*\bgh_[a-z0-9_]+\(' "$h" | grep -oE '\bgh_[a-z0-9_]+\(' | tr -d '('); do
        while IFS= read -r f; do
            [[ $f == "${home[$h]}" || $f == *_test.c ]] || bad+=("$fn of $h is defined in $f, not ${home[$h]}")
        done < <(grep -lE "^[a-z].*\b$fn\([^;]*\$" $(find src -name '*.c') | sort)
    done
done
for f in "${!not_above[@]}"; do
    for h in ${not_above[$f]}; do
        grep -q "^#include \"$h\"" "$f" && bad+=("$f includes $h (a module above it)")
    done
done
if ((${#bad[@]})); then
    echo "not ok - layers: modules of src/oauth/ (docs/internals/layers.md)"
    printf '#   %s\n' "${bad[@]}"
    failed=$((failed + 1))
else
    echo "ok - layers: modules of src/oauth/ each in one file, sessions below the authorization request"
    passed=$((passed + 1))
fi
echo "layers: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
