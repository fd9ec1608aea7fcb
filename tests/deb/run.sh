#!/usr/bin/env bash
# The deb tier: the Debian package, built by `make deb` on a fresh Debian 12
# with only make, checked by lintian, and installed with apt into another
# fresh Debian 12 root, as root.
#
#   bash tests/deb/run.sh OUTDIR
#
# 1. A clean root: `debootstrap --variant=minbase bookworm`, chrooted into
#    in a private mount namespace (no container). The first run makes a
#    pristine root in /var/cache/gatehouse-tests/ (about 2 minutes, 240 MB);
#    later runs copy it (seconds; it is made again after 30 days), and
#    apt's downloads are kept there too. GH_DEB_CACHE moves the cache.
# 2. In one copy: apt-get install make, then `make deb` in a copy of this
#    working tree. It installs its build dependencies itself and builds the
#    package with dpkg-buildpackage -b (no sanitizers, the unit tests run).
# 3. lintian on the .changes (here): an error fails; every tag it reports
#    must be listed with its reason in the README ("Install from the Debian
#    package").
# 4. In a second, untouched copy, tests/deb/inside.sh: `apt-get install
#    ./gatehouse_*.deb`, then the checks (version, man page, unit, user,
#    conffile, completion, the service's own start sequence, the demo,
#    remove and purge).
#
# Why real roots and not `dpkg --root` checks: only a root of its own shows
# that `make deb` needs nothing but make, that apt pulls the run-time
# libraries from Debian, and that the maintainer scripts (adduser,
# dpkg-statoverride, deb-systemd-helper) work; dpkg --root would run them
# against this machine's users. Measured on the 2-core test machine shared
# with other jobs: 6 to 9 minutes on the first run (the debootstrap 2 to
# 2.5 of them), about 4 after (README, "Install from the Debian package").
#
# systemd does not run in the root: a stub systemctl records what the
# maintainer scripts ask of it, so "enabled, not started" and "stopped on
# removal" are checked from that record. The servers started in the root
# use ports chosen free here; every process started in a root is stopped by
# its PID (by inside.sh; leftovers by the scan after each step).
# Prints ok / not ok lines and ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
OUT=${1:?usage: tests/deb/run.sh OUTDIR}
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd)
CACHE=${GH_DEB_CACHE:-/var/cache/gatehouse-tests}
SUITE=bookworm
passed=0
failed=0

ok() {
    echo "ok - $*"
    passed=$((passed + 1))
}
not_ok() {
    echo "not ok - $*"
    failed=$((failed + 1))
}
check() { # check DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@"; then ok "$what"; else not_ok "$what"; fi
}
finish() {
    echo "deb: $passed passed, $failed failed"
    exit $((failed > 0))
}
start=$SECONDS
if [[ $(id -u) -ne 0 ]]; then
    not_ok "the deb tier runs as root (debootstrap, chroot)"
    finish
fi

# ---- 1. the clean root ----
apt_uri() { # SUITE -> the first URI serving it in this machine's apt sources
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
        awk -v suite="$1" '
        /^deb / { sub(/\[[^]]*\] */, ""); if ($3 == suite) { print $2; exit } }
        /^URIs:/ { uri = $2 }
        /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite && uri != "") { print uri; exit } }
        /^$/ { uri = "" }'
}
MIRROR=$(apt_uri "$SUITE")
SECURITY=$(apt_uri "$SUITE-security")
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECURITY=${SECURITY:-http://deb.debian.org/debian-security}

# what any machine on this network would have: DNS, apt's proxy, sources
configure_root() { # DIR
    cp -L /etc/resolv.conf "$1/etc/resolv.conf"
    rm -f "$1/etc/apt/sources.list"
    cat >"$1/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    local proxy
    proxy=$(apt-config dump 2>/dev/null | grep -Ei '^Acquire::(https?|ftp)::Proxy' || true)
    [[ -z $proxy ]] || echo "$proxy" >"$1/etc/apt/apt.conf.d/01proxy"
}

# Runs COMMAND... chrooted into DIR in a private mount namespace with proc,
# /dev and apt's download cache mounted; they vanish with the namespace.
in_root() { # DIR COMMAND...
    local dir=$1
    shift
    # shellcheck disable=SC2016
    unshare --mount --propagation private -- /bin/bash -c '
        R=$1 A=$2
        shift 2
        mount -t proc proc "$R/proc" && mount --bind /dev "$R/dev" &&
            mount --bind /dev/pts "$R/dev/pts" && mkdir -p "$A/partial" &&
            mount --bind "$A" "$R/var/cache/apt/archives" || exit 1
        exec chroot "$R" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
            PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            ${http_proxy:+http_proxy=$http_proxy} ${https_proxy:+https_proxy=$https_proxy} "$@"
    ' in_root "$dir" "$CACHE/archives" "$@"
}

# the pristine root, made once (flock: one maker at a time)
make_cache() {
    local fresh=$CACHE/$SUITE-minbase
    if [[ -f $fresh.stamp && -n $(find "$fresh.stamp" -mtime -30) ]]; then
        echo "# cached root: $fresh ($(date -r "$fresh.stamp" +%F))"
        return 0
    fi
    command -v debootstrap >/dev/null ||
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null || return 1
    rm -rf "$fresh" "$fresh.stamp"
    mkdir -p "$CACHE/archives"
    local t=$SECONDS
    echo "# debootstrap --variant=minbase $SUITE $fresh $MIRROR (once; cached)"
    unshare --mount --propagation private -- \
        debootstrap --variant=minbase "$SUITE" "$fresh" "$MIRROR" >"$OUT/debootstrap.log" 2>&1 ||
        { tail -n 5 "$OUT/debootstrap.log"; return 1; }
    configure_root "$fresh"
    in_root "$fresh" /bin/sh -c 'apt-get update -qq && apt-get clean' >>"$OUT/debootstrap.log" 2>&1 ||
        return 1
    touch "$fresh.stamp"
    echo "# debootstrap and apt-get update: $((SECONDS - t)) s"
}
mkdir -p "$CACHE"
t=$SECONDS
if (flock 9 && make_cache) 9>"$CACHE/lock"; then
    ok "a clean Debian 12 minbase root ($((SECONDS - t)) s)"
else
    not_ok "could not debootstrap a Debian 12 root (log: $OUT/debootstrap.log)"
    finish
fi
# Copies of the pristine root: outside build/ (their /etc/*.d would look like
# make's dependency files), removed when every check passed; OUTDIR/root
# points to the last. What a failed run left for a look goes now.
for link in "$OUT/root" "$OUT/build-root"; do
    old=$(readlink "$link" 2>/dev/null)
    [[ $old == /var/tmp/gh-deb-root.* ]] && rm -rf "$old"
    rm -f "$link"
done
new_root() { # LINK -> the path of a fresh copy
    local dir
    dir=$(mktemp -d /var/tmp/gh-deb-root.XXXXXX) || return 1
    ln -s "$dir" "$1"
    cp -a "$CACHE/$SUITE-minbase/." "$dir/" && configure_root "$dir" && echo "$dir"
}
stop_root_processes() { # DIR: what still runs in it, by PID
    local p pids=()
    for p in /proc/[0-9]*; do
        [[ $(readlink "$p/root" 2>/dev/null) == "$1" ]] && pids+=("${p#/proc/}")
    done
    ((${#pids[@]})) || return 0
    echo "# stopping processes left in $1: ${pids[*]}"
    kill -TERM "${pids[@]}" 2>/dev/null
    sleep 2
    kill -KILL "${pids[@]}" 2>/dev/null
}

# ---- 2. make deb on a fresh Debian 12 with only make ----
version=$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)
arch=$(dpkg --print-architecture)
B=$(new_root "$OUT/build-root") || { not_ok "cannot copy the root"; finish; }
mkdir -p "$B/root/gatehouse"
# the working tree as make deb copies it: what git tracks or would track
if command -v git >/dev/null && git rev-parse --git-dir >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - |
        tar -C "$B/root/gatehouse" -xf -
else
    tar --exclude=./build --exclude=./.git -cf - . | tar -C "$B/root/gatehouse" -xf -
fi
t=$SECONDS
trap 'stop_root_processes "$B"' EXIT
# shellcheck disable=SC2016
in_root "$B" /bin/bash -c '
    export DEBIAN_FRONTEND=noninteractive
    # a throwaway build root, as sbuild makes them: no fsync per file, no
    # man-db index (debhelper brings man-db)
    echo force-unsafe-io >/etc/dpkg/dpkg.cfg.d/unsafe-io
    echo "man-db man-db/auto-update boolean false" | debconf-set-selections
    apt-get update -qq && apt-get install -y -qq --no-install-recommends make >/dev/null || exit 1
    for p in gcc debhelper dpkg-dev pkg-config libssl-dev; do
        dpkg-query -W -f="\${Status}" $p 2>/dev/null | grep -q "ok installed" && echo "before: $p"
    done
    cd /root/gatehouse && make deb' >"$OUT/make-deb.log" 2>&1
status=$?
stop_root_processes "$B"
trap - EXIT
built=$B/root/gatehouse/build/deb
deb=$OUT/package/gatehouse_${version}_${arch}.deb
rm -rf "$OUT/package"
mkdir -p "$OUT/package"
cp "$built"/*.deb "$built"/*.changes "$built"/*.buildinfo "$built"/build.log "$OUT/package/" 2>/dev/null
if [[ $status -eq 0 && -f $deb ]]; then
    ok "make deb in a fresh root with only make: build/deb/$(basename "$deb") ($((SECONDS - t)) s)"
    rm -rf "$B" "$OUT/build-root"
else
    tail -n 20 "$OUT/make-deb.log"
    not_ok "make deb in a fresh root made no build/deb/gatehouse_${version}_${arch}.deb (status $status, log: $OUT/make-deb.log, root: $B)"
    finish
fi
check "the root had only make: $(grep '^before: ' "$OUT/make-deb.log" | tr '\n' ' ')" \
    bash -c "! grep -q '^before: ' '$OUT/make-deb.log'"
check "make deb installed the build dependencies itself" \
    grep -q '^deb: installing the build dependencies' "$OUT/make-deb.log"
depends=$(dpkg-deb -f "$deb" Depends)
missing=()
names=" $(echo "$depends" | tr ',' '\n' | awk '{print $1}' | tr '\n' ' ')"
for lib in libssl3 libmicrohttpd12 libjansson4 libsqlite3-0 libpq5 libargon2-1 libcurl4 libcbor0.8 \
    libqrencode4 adduser; do
    [[ $names == *" $lib "* ]] || missing+=("$lib")
done
check "Depends (\${shlibs:Depends}) names every run-time library${missing:+, missing: ${missing[*]}}" \
    test ${#missing[@]} -eq 0
echo "# Depends: $depends"
check "the unit tests ran in the package build: $(grep '^unit: ' "$OUT/package/build.log")" \
    grep -q '^unit: [0-9]* passed, 0 failed' "$OUT/package/build.log"

# ---- 3. lintian ----
changes=${deb%.deb}.changes
if ! command -v lintian >/dev/null; then
    not_ok "lintian is not installed (bash scripts/deps.sh test installs it)"
else
    lint=()
    # lintian warns when run as root; nobody can read OUTDIR/package/ as well
    if id nobody >/dev/null 2>&1 && runuser -u nobody -- test -r "$changes"; then
        lint=(runuser -u nobody -- env HOME=/tmp)
    fi
    "${lint[@]}" lintian --fail-on error --display-info --pedantic --display-experimental \
        "$changes" >"$OUT/lintian.log" 2>&1
    lintian_status=$?
    sed -n 's/^\([EWIPX]\): /# lintian \1: /p' "$OUT/lintian.log"
    errors=$(grep -c '^E: ' "$OUT/lintian.log")
    warnings=$(grep -c '^W: ' "$OUT/lintian.log")
    check "lintian: no errors ($errors errors, $warnings warnings, exit status $lintian_status)" \
        test "$errors" -eq 0 -a "$lintian_status" -eq 0
    unlisted=()
    while read -r tag; do
        grep -q -- "\`$tag\`" README.md || unlisted+=("$tag")
    done < <(sed -n 's/^[WIPX]: [^ ]* \([a-z0-9.+-]*\).*/\1/p' "$OUT/lintian.log" | sort -u)
    check "every lintian warning and note is listed in README.md with its reason${unlisted:+: ${unlisted[*]}}" \
        test ${#unlisted[@]} -eq 0
fi

# ---- 4. apt install and the checks, in a second copy ----
# free ports for the servers in the root (it shares this machine's network)
read -r -a ports < <(/usr/bin/python3 - <<'PY'
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
)
R=$(new_root "$OUT/root") || { not_ok "cannot copy the root"; finish; }
cp "$deb" "$R/root/"
cp tests/deb/inside.sh "$R/root/inside.sh"
touch "$R/root/gatehouse-deb-test-root"
cp docs/configuration.md "$R/root/configuration.md"

trap 'stop_root_processes "$R"' EXIT
in_root "$R" /bin/bash /root/inside.sh "/root/$(basename "$deb")" "$version" "${ports[@]}" \
    >"$OUT/inside.log" 2>&1
status=$?
stop_root_processes "$R"
trap - EXIT
grep -E '^(ok|not ok|#)' "$OUT/inside.log"
line=$(grep -Eo '^inside: [0-9]+ passed, [0-9]+ failed' "$OUT/inside.log" | tail -n 1)
if [[ -z $line ]]; then
    tail -n 20 "$OUT/inside.log"
    not_ok "the checks in the root ended early (status $status, log: $OUT/inside.log)"
else
    passed=$((passed + $(echo "$line" | cut -d' ' -f2)))
    failed=$((failed + $(echo "$line" | cut -d' ' -f4)))
fi
if ((failed == 0)); then
    rm -rf "$R" "$OUT/root"
else
    echo "# the root is left in $R for a look (rm -rf it)"
fi
echo "# the deb tier took $((SECONDS - start)) s"
finish
