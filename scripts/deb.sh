#!/usr/bin/env bash
# `make deb`: the Debian package, built with debhelper (debian/) by
# `dpkg-buildpackage -b` from a copy of this checkout in build/deb/, so that
# the package's files land in build/deb/ and not in the parent directory,
# and nothing of a sanitizer build in build/ gets in:
#   build/deb/gatehouse_VERSION_ARCH.deb            the package
#   build/deb/gatehouse-dbgsym_VERSION_ARCH.deb     its debug symbols
#   build/deb/gatehouse_VERSION_ARCH.{buildinfo,changes}
# On a fresh Debian 12 with only make, run as root: the build dependencies
# (dpkg-dev, build-essential and debian/control's Build-Depends) are
# installed first when missing (apt-get build-dep, as scripts/deps.sh does
# for the demo). Prints the path of the .deb last.
#   bash scripts/deb.sh [-- dpkg-buildpackage options]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/build/deb

die() {
    echo "deb: $*" >&2
    exit 1
}
[[ $(id -u) -eq 0 ]] && export DEBIAN_FRONTEND=noninteractive
if ! command -v dpkg-checkbuilddeps >/dev/null; then
    [[ $(id -u) -eq 0 ]] || die "run as root to install dpkg-dev (or install it)"
    echo "deb: installing dpkg-dev" >&2
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends dpkg-dev >/dev/null
fi
if ! missing=$(dpkg-checkbuilddeps 2>&1); then
    [[ $(id -u) -eq 0 ]] || die "run as root to install the build dependencies: $missing"
    echo "deb: installing the build dependencies (${missing##*: })" >&2
    apt-get update -qq
    apt-get build-dep -y -qq --no-install-recommends "$ROOT" >/dev/null
    dpkg-checkbuilddeps || die "the build dependencies are still missing"
fi

version=$(dpkg-parsechangelog -S Version)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
src=$OUT/gatehouse-$version
rm -rf "$OUT"
mkdir -p "$src"
# the working tree as it is, uncommitted changes included, without what
# .gitignore names (build output, databases, node_modules)
if [[ -d .git || -f .git ]] && command -v git >/dev/null; then
    git ls-files -z --cached --others --exclude-standard | tar -C "$ROOT" --null -T - -cf - |
        tar -C "$src" -xf -
else
    tar -C "$ROOT" --exclude=./build --exclude=./.git --exclude=node_modules \
        --exclude=./gatehouse-demo --exclude='*.db' --exclude='*.db-*' -cf - . | tar -C "$src" -xf -
fi
echo "deb: dpkg-buildpackage -b in $src" >&2
(cd "$src" && dpkg-buildpackage -b -us -uc "$@") >"$OUT/build.log" 2>&1 ||
    { tail -n 40 "$OUT/build.log"; die "dpkg-buildpackage failed (log: $OUT/build.log)"; }
rm -rf "$src"
deb=$OUT/gatehouse_${version}_${arch}.deb
[[ -f $deb ]] || die "no $deb after the build (log: $OUT/build.log)"
echo "$deb"
