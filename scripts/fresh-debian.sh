#!/usr/bin/env bash
# Checks the README's promise on a fresh Debian 12: in a root made by
# `debootstrap --variant=minbase bookworm`, as root, with only Debian's
# packages and the npm registry, `bash scripts/demo.sh` brings up a demo that
# answers and `bash scripts/test.sh` ends with "N passed, 0 failed".
#
#   bash scripts/fresh-debian.sh [DIR]    (as root; about 20 minutes)
#
# DIR must be new or empty (default: a new /var/tmp/gh-fresh-debian.XXXXXX);
# it is left behind for a look afterwards (rm -rf it). The root gets Debian's
# bookworm, bookworm-updates and bookworm-security from the mirror this
# machine's apt uses, and from this machine only what any machine on its
# network would have: resolv.conf, the extra CA certificates of
# /usr/local/share/ca-certificates (for a TLS-intercepting proxy), npm's
# cafile setting, and apt's and the environment's proxy settings. The
# checkout's HEAD commit is cloned into DIR/root/gatehouse (commit first:
# uncommitted changes are not tested). proc, sys, dev, dev/pts and a fresh
# /dev/shm (Chromium and PostgreSQL need it) are mounted in a private mount
# namespace, so they vanish with it; processes left in the root are stopped
# by PID at the end. Prints the demo check and the test command's last
# lines; the exit status is the test command's.
#
# Inside the root the same script runs as `fresh-debian.sh --inside`.
set -uo pipefail

SUITE=bookworm
DEMO_PORTS=(9000 9001 9002) # gatehouse demo's defaults (src/cli/demo.c)

# ---- inside the fresh root: the README's two commands ----
inside() {
    cd /root/gatehouse || exit 1
    echo "== fresh root: $(. /etc/os-release && echo "$PRETTY_NAME"), node: $(command -v node || echo none)"
    if compgen -G '/usr/local/share/ca-certificates/*' >/dev/null; then
        echo "== installing ca-certificates for the copied CA certificates"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq --no-install-recommends ca-certificates >/dev/null &&
            update-ca-certificates >/dev/null || exit 1
    fi

    echo "== bash scripts/demo.sh (in the background)"
    bash scripts/demo.sh >/root/demo.log 2>&1 &
    local pid=$! i=0 ok=1
    local issuer=http://127.0.0.1:${DEMO_PORTS[0]}
    until command -v curl >/dev/null &&
        curl -sf "$issuer/.well-known/oauth-authorization-server" >/root/discovery.json 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null || ((i >= 1200)); then
            echo "demo: FAILED: discovery did not answer at $issuer within $((i / 2)) s"
            tail -n 20 /root/demo.log
            kill -TERM "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
            return 1
        fi
        sleep 0.5
        i=$((i + 1))
    done
    grep -q "\"issuer\":\"$issuer\"" /root/discovery.json || ok=0
    local app api
    app=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${DEMO_PORTS[2]}/config.json")
    api=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${DEMO_PORTS[1]}/api/me")
    [[ $app == 200 && $api == 401 ]] || ok=0
    echo "demo: discovery answered at $issuer after $((i / 2)) s: $(head -c 120 /root/discovery.json)..."
    echo "demo: Frontend App /config.json -> $app, Resource API /api/me without a token -> $api"
    grep -E '^  (Frontend App|Authorization Server|Resource API) ' /root/demo.log
    kill -TERM "$pid"
    wait "$pid"
    echo "demo: stopped (pid $pid, exit status $?)"
    if ((!ok)); then
        echo "demo: FAILED: unexpected answers (log: DIR/root/demo.log)"
        return 1
    fi

    echo "== bash scripts/test.sh"
    bash scripts/test.sh 2>&1 | tee /root/test.log
    return "${PIPESTATUS[0]}"
}

if [[ ${1:-} == --inside ]]; then
    inside
    exit $?
fi

# ---- on this machine: make the root, then run inside it ----
die() {
    echo "fresh-debian: $*" >&2
    exit 2
}
[[ $(id -u) -eq 0 ]] || die "run as root (debootstrap, chroot and mounts need it)"
SRC=$(cd "$(dirname "$0")/.." && pwd)
COMMIT=$(git -C "$SRC" rev-parse HEAD) || die "$SRC is not a git checkout"
[[ -z $(git -C "$SRC" status --porcelain --untracked-files=no) ]] ||
    echo "fresh-debian: $SRC has uncommitted changes; testing commit $COMMIT without them" >&2
for port in "${DEMO_PORTS[@]}"; do
    # the root shares this machine's network: the demo's ports must be free
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        die "127.0.0.1:$port is in use here; the demo in the root needs it"
    fi
done
if ! command -v debootstrap >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null ||
        die "cannot install debootstrap"
fi

# the Debian mirror (and security mirror) this machine's apt uses
apt_uri() { # SUITE -> the first URI serving it in /etc/apt/sources.list*
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

R=${1:-$(mktemp -d /var/tmp/gh-fresh-debian.XXXXXX)}
mkdir -p "$R" && R=$(cd "$R" && pwd)
[[ -z $(ls -A "$R") ]] || die "$R is not empty"

# stop what is still running in the root (PostgreSQL, a stray server), by PID
stop_root_processes() {
    local p pids=()
    for p in /proc/[0-9]*; do
        [[ $(readlink "$p/root" 2>/dev/null) == "$R" ]] && pids+=("${p#/proc/}")
    done
    ((${#pids[@]})) || return 0
    echo "fresh-debian: stopping processes left in the root: ${pids[*]}"
    kill -TERM "${pids[@]}" 2>/dev/null
    sleep 3
    kill -KILL "${pids[@]}" 2>/dev/null
}
trap stop_root_processes EXIT

echo "== debootstrap --variant=minbase $SUITE $R $MIRROR"
start=$SECONDS
debootstrap --variant=minbase "$SUITE" "$R" "$MIRROR" >"$R.debootstrap.log" 2>&1 ||
    { tail -n 20 "$R.debootstrap.log"; die "debootstrap failed (log: $R.debootstrap.log)"; }
echo "debootstrap: $((SECONDS - start)) s"

echo "== configuring the root (apt sources, resolv.conf, CA certificates, npm cafile, proxies)"
rm -f "$R/etc/apt/sources.list"
cat >"$R/etc/apt/sources.list.d/debian.sources" <<EOF
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
cp -L /etc/resolv.conf "$R/etc/resolv.conf"
if compgen -G '/usr/local/share/ca-certificates/*' >/dev/null; then
    cp -a /usr/local/share/ca-certificates/. "$R/usr/local/share/ca-certificates/"
    echo "copied: /usr/local/share/ca-certificates/: $(ls /usr/local/share/ca-certificates | tr '\n' ' ')"
fi
npmrc=
if command -v npm >/dev/null; then
    for key in cafile proxy https-proxy; do
        val=$(npm config get "$key" 2>/dev/null)
        [[ -n $val && $val != null && $val != undefined ]] || continue
        npmrc+="$key=$val"$'\n'
        if [[ $key == cafile && $val != /etc/ssl/certs/* && -f $val ]]; then
            mkdir -p "$R$(dirname "$val")" && cp "$val" "$R$val"
        fi
    done
fi
if [[ -n $npmrc ]]; then
    printf '%s' "$npmrc" >"$R/root/.npmrc"
    echo "copied: npm settings: $(echo "$npmrc" | tr '\n' ' ')"
fi
proxy_conf=$(apt-config dump 2>/dev/null | grep -Ei '^Acquire::(https?|ftp)::Proxy' || true)
if [[ -n $proxy_conf ]]; then
    echo "$proxy_conf" >"$R/etc/apt/apt.conf.d/01proxy"
    echo "copied: apt proxy settings"
fi
envs=(HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb)
for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
    [[ -n ${!v:-} ]] && envs+=("$v=${!v}")
done

echo "== git clone $SRC ($COMMIT) into $R/root/gatehouse"
if ! git clone --quiet --no-hardlinks "$SRC" "$R/root/gatehouse" ||
    ! git -C "$R/root/gatehouse" checkout --quiet --detach "$COMMIT"; then
    die "git clone failed"
fi

echo "== chroot $R: the README's two commands, as root"
# shellcheck disable=SC2016
unshare --mount --propagation private -- /bin/bash -c '
    R=$1
    shift
    mount -t proc proc "$R/proc" &&
        mount -t sysfs sysfs "$R/sys" &&
        mount --bind /dev "$R/dev" &&
        mount --bind /dev/pts "$R/dev/pts" &&
        mount -t tmpfs -o mode=1777,nosuid,nodev shm "$R/dev/shm" || exit 1
    exec chroot "$R" /usr/bin/env -i "$@" /bin/bash /root/gatehouse/scripts/fresh-debian.sh --inside
' fresh "$R" "${envs[@]}"
status=$?
stop_root_processes
trap - EXIT
echo
echo "== fresh-debian: Debian 12 minbase root $R, commit $COMMIT"
echo "the test command's last lines:"
tail -n 8 "$R/root/test.log" 2>/dev/null
echo "exit status $status"
exit "$status"
