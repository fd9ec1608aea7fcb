#!/bin/bash
# The deb tier's checks inside the clean Debian 12 root (tests/deb/run.sh
# makes the root and runs this chrooted into it, as root):
#
#   bash /root/inside.sh DEB VERSION PORT_AS PORT_API PORT_APP PORT_SERVE
#
# `apt-get install ./DEB` as on any fresh Debian 12, then what the package
# promises: the version and libraries, the man page, the unit (enabled, not
# started), the user, the state directory, the conffile, the completion, the
# service's own start sequence, the demo, a kept conffile change, remove and
# purge. systemd does not run here: a stub systemctl records what the
# maintainer scripts ask of it. Every process started here is stopped by
# its PID. Prints ok / not ok lines, ends with "inside: N passed, N failed".
set -uo pipefail
# it replaces systemctl: never on a real system
if [[ ! -f /root/gatehouse-deb-test-root ]]; then
    echo "inside.sh: runs only chrooted in the root tests/deb/run.sh makes" >&2
    exit 2
fi
DEB=$1 VERSION=$2 P_AS=$3 P_API=$4 P_APP=$5 P_SERVE=$6
export DEBIAN_FRONTEND=noninteractive
passed=0
failed=0
pid=

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
stop() { # stops $pid (SIGTERM, then SIGKILL after 10 s); its exit status in $stopped
    stopped=
    [[ -n $pid ]] || return 0
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    stopped=$?
    pid=
}
trap stop EXIT
# GET URL until it answers 200 (at most 20 s); the body into $body
get() {
    for _ in $(seq 80); do
        body=$(curl -fsS "$1" 2>/dev/null) && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.25
    done
    return 1
}
mode() { stat -c '%a %U:%G' "$1" 2>/dev/null; }

# ---- systemd's stand-in: records the calls; `preset` enables a unit as
# Debian's default preset ("enable *") does; every unit is enabled. In
# /usr/bin: apt runs dpkg with PATH=/usr/sbin:/usr/bin:/sbin:/bin; minbase
# has no systemd, and nothing installed here brings it.
mkdir -p /run/systemd/system
cat >/usr/bin/systemctl <<'EOF'
#!/bin/sh
echo "$*" >>/root/systemctl.log
case " $* " in
*" preset "*)
    for unit; do :; done
    for target in $(sed -n 's/^WantedBy=//p' "/lib/systemd/system/$unit"); do
        mkdir -p "/etc/systemd/system/$target.wants"
        ln -sf "/lib/systemd/system/$unit" "/etc/systemd/system/$target.wants/$unit"
    done
    ;;
*" is-enabled "*) echo enabled ;;
esac
exit 0
EOF
chmod 0755 /usr/bin/systemctl
: >/root/systemctl.log

# ---- install, as on a fresh Debian 12 ----
libs=(libssl3 libmicrohttpd12 libjansson4 libsqlite3-0 libpq5 libargon2-1 libcurl4 libcbor0.8
      libqrencode4)
before=$(dpkg-query -W -f='${Package} ${Status}\n' "${libs[@]}" 2>/dev/null | grep -c 'ok installed')
apt-get update -qq >/root/apt.log 2>&1
t=$SECONDS
if apt-get install -y "$DEB" >/root/install.log 2>&1; then
    ok "apt-get install ./$(basename "$DEB") ($((SECONDS - t)) s)"
else
    tail -n 20 /root/install.log
    not_ok "apt-get install ./$(basename "$DEB")"
    echo "inside: $passed passed, $((failed + 1)) failed"
    exit 1
fi
after=$(dpkg-query -W -f='${Package} ${Status}\n' "${libs[@]}" 2>/dev/null | grep -c 'ok installed')
check "apt pulled the run-time libraries ($before of ${#libs[@]} before, $after after)" \
    test "$after" -eq ${#libs[@]}
check "postinst printed the 'gatehouse init' instructions on the first install" \
    grep -q 'init --issuer' /root/install.log
# the tools the checks use, after the package so that they do not bring its libraries
apt-get install -y -qq --no-install-recommends man-db curl bash-completion >>/root/apt.log 2>&1 ||
    not_ok "installing man-db, curl and bash-completion for the checks"

# ---- the binary, the man page, the completion ----
ver=$(gatehouse --version 2>&1)
echo "$ver" | sed 's/^/# /'
check "gatehouse --version prints 'gatehouse $VERSION'" test "$(echo "$ver" | head -n 1)" = \
    "gatehouse $VERSION"
missing=
for lib in OpenSSL libmicrohttpd jansson SQLite libpq libcurl libqrencode libargon2; do
    echo "$ver" | grep -q "^  $lib " || missing+=" $lib"
done
check "gatehouse --version names the libraries it runs with${missing:+ (missing:$missing)}" \
    test -z "$missing"
sqlite=$(dpkg-query -W -f='${Version}' libsqlite3-0 | cut -d- -f1)
check "gatehouse --version shows the SQLite that apt installed ($sqlite)" \
    grep -q "^  SQLite  *$sqlite " <<<"$ver"
man_path=$(man -w gatehouse 2>&1)
check "man -w gatehouse: $man_path" test "$man_path" = /usr/share/man/man1/gatehouse.1.gz
warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$man_path" 2>&1 >/dev/null)
check "the man page renders without groff warnings${warn:+: $warn}" test -z "$warn"
page=$(MANWIDTH=200 man gatehouse 2>/dev/null)
missing=
for flag in $(grep -o '^| `--[a-z0-9-]*`' /root/configuration.md | tr -d '|` '); do
    grep -q -- "$flag" <<<"$page" || missing+=" $flag"
done
check "gatehouse(1) documents every setting of docs/configuration.md${missing:+ (missing:$missing)}" \
    test -z "$missing"
commands=$(gatehouse --help | sed -n 's/^  \([a-z]*\)  .*/\1/p')
missing=
for c in $commands; do
    grep -q "^   $c$" <<<"$page" || missing+=" $c"
done
check "gatehouse(1) has a section for every command of 'gatehouse --help'${missing:+ (missing:$missing)}" \
    test -z "$missing"

# bash completion, loaded the way bash-completion loads it
complete_words() { # complete_words WORD... -> the completions of the last word
    bash -c 'source /usr/share/bash-completion/bash_completion
        _completion_loader gatehouse
        COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
        $(complete -p gatehouse | sed -n "s/.*-F \([^ ]*\) .*/\1/p") gatehouse "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        echo "${COMPREPLY[*]}"' complete "$@"
}
check "bash completion is found: $(bash -c 'source /usr/share/bash-completion/bash_completion
    _completion_loader gatehouse; complete -p gatehouse' 2>&1)" \
    test "$(complete_words gatehouse cl)" = client
got=" $(complete_words gatehouse '') "
missing=
for c in $commands; do [[ $got == *" $c "* ]] || missing+=" $c"; done
check "completion offers every command${missing:+ (missing:$missing)}" test -z "$missing"
got=" $(complete_words gatehouse client '') "
check "completion offers client's sub-commands: $got" test "$got" = " add list show update remove --help "
got=" $(complete_words gatehouse serve --) "
missing=
for flag in $(gatehouse serve --help | sed -n 's/^  \(--[a-z0-9-]*\).*/\1/p'); do
    [[ $got == *" $flag "* ]] || missing+=" $flag"
done
check "completion offers every option of 'serve --help'${missing:+ (missing:$missing)}" test -z "$missing"

# ---- the unit, the user, the directories, the conffile ----
unit=/lib/systemd/system/gatehouse.service
check "the unit: $unit, ExecStart=/usr/bin/gatehouse serve --config /etc/gatehouse/gatehouse.conf" \
    grep -qx 'ExecStart=/usr/bin/gatehouse serve --config /etc/gatehouse/gatehouse.conf' "$unit"
check "the unit is enabled (multi-user.target.wants)" \
    test "$(readlink /etc/systemd/system/multi-user.target.wants/gatehouse.service)" = "$unit"
check "the unit was enabled, not started: $(grep gatehouse /root/systemctl.log | tr '\n' ';')" \
    bash -c '! grep -Eq "(^| )(start|restart|try-restart) .*gatehouse" /root/systemctl.log'
pw=$(getent passwd gatehouse)
uid=$(echo "$pw" | cut -d: -f3)
check "the system user: $pw" test -n "$pw" -a "${uid:-1000}" -lt 1000 -a \
    "$(echo "$pw" | cut -d: -f6-)" = /var/lib/gatehouse:/usr/sbin/nologin
check "the group: $(getent group gatehouse)" test -n "$(getent group gatehouse)"
check "/var/lib/gatehouse: $(mode /var/lib/gatehouse)" test "$(mode /var/lib/gatehouse)" = \
    "750 gatehouse:gatehouse"
conf=/etc/gatehouse/gatehouse.conf
check "$conf is a conffile" grep -qx " $conf [0-9a-f]*" \
    <(dpkg-query -W -f='${Conffiles}\n' gatehouse)
check "$conf: $(mode $conf), /etc/gatehouse: $(mode /etc/gatehouse)" \
    test "$(mode $conf)/$(mode /etc/gatehouse)" = "640 root:gatehouse/750 root:gatehouse"

# ---- the service's start sequence, by hand: init, then serve as the unit does ----
db=sqlite:/var/lib/gatehouse/gatehouse.db
issuer=http://127.0.0.1:$P_SERVE
if runuser -u gatehouse -- gatehouse --db $db init --issuer "$issuer" >/root/init.log 2>&1; then
    ok "gatehouse init as the gatehouse user (README.Debian): $(head -n 1 /root/init.log)"
else
    not_ok "gatehouse init as the gatehouse user ($(tail -n 1 /root/init.log))"
fi
cd /var/lib/gatehouse || exit 1
# setpriv execs: $pid is the server itself
GATEHOUSE_DB=$db setpriv --reuid=gatehouse --regid=gatehouse --init-groups \
    gatehouse serve --config $conf --listen "127.0.0.1:$P_SERVE" >/root/serve.log 2>&1 &
pid=$!
if get "$issuer/readyz" && get "$issuer/.well-known/oauth-authorization-server"; then
    ok "serve --config $conf as the gatehouse user answers discovery: ${body:0:60}..."
else
    not_ok "serve --config $conf as the gatehouse user answers discovery ($(tail -n 3 /root/serve.log))"
fi
stop
cd /root || exit 1

# ---- the demo, from the installed binary ----
cd /tmp || exit 1
gatehouse demo --data-dir /tmp/demo --listen "127.0.0.1:$P_AS" --api-listen "127.0.0.1:$P_API" \
    --app-listen "127.0.0.1:$P_APP" >/root/demo.log 2>&1 &
pid=$!
if get "http://127.0.0.1:$P_AS/.well-known/oauth-authorization-server" &&
    grep -q "\"issuer\":\"http://127.0.0.1:$P_AS\"" <<<"$body"; then
    ok "gatehouse demo answers discovery: ${body:0:60}..."
else
    not_ok "gatehouse demo answers discovery ($(tail -n 3 /root/demo.log))"
fi
app=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P_APP/config.json")
api=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P_API/api/me")
check "demo: Frontend App /config.json -> $app, Resource API /api/me without a token -> $api" \
    test "$app/$api" = 200/401
stop
check "demo: SIGTERM stops it with exit status 0 ($stopped)" test "$stopped" = 0
cd /root || exit 1

# ---- a changed conffile survives a reinstall; no second set of instructions ----
echo "# changed by the administrator" >>$conf
: >/root/systemctl.log
if apt-get install -y --reinstall "$DEB" >/root/reinstall.log 2>&1; then
    check "a changed $conf is kept on reinstall" grep -qx '# changed by the administrator' $conf
    check "no .dpkg-new / .dpkg-dist next to it" \
        test "$(cd /etc/gatehouse && echo ./*)" = ./gatehouse.conf
    check "no 'gatehouse init' instructions on an upgrade or reinstall" \
        bash -c '! grep -q "init --issuer" /root/reinstall.log'
    check "an upgrade restarts the service only if it runs (try-restart), never starts it" \
        bash -c 'grep -q "^try-restart gatehouse.service" /root/systemctl.log &&
            ! grep -Eq "(^| )(start|restart) .*gatehouse" /root/systemctl.log'
    check "$conf keeps $(mode $conf)" test "$(mode $conf)" = "640 root:gatehouse"
else
    not_ok "apt-get install --reinstall ($(tail -n 3 /root/reinstall.log))"
fi

# ---- remove keeps the data; purge removes it ----
: >/root/systemctl.log
apt-get remove -y gatehouse >/root/remove.log 2>&1 || not_ok "apt-get remove gatehouse"
check "remove: prerm stopped the service: $(grep gatehouse /root/systemctl.log | tr '\n' ';')" \
    grep -q '^stop gatehouse.service' /root/systemctl.log
check "remove: the binary is gone" test ! -e /usr/bin/gatehouse
check "remove: the database, the conffile and the user stay" \
    test -s /var/lib/gatehouse/gatehouse.db -a -f $conf -a -n "$(getent passwd gatehouse)"
apt-get purge -y gatehouse >/root/purge.log 2>&1 || not_ok "apt-get purge gatehouse"
check "purge: /var/lib/gatehouse and /etc/gatehouse are gone" \
    test ! -e /var/lib/gatehouse -a ! -e /etc/gatehouse
check "purge: no dpkg-statoverride left" \
    bash -c '! dpkg-statoverride --list | grep -q gatehouse'
check "purge: the enablement symlink is gone" \
    test ! -e /etc/systemd/system/multi-user.target.wants/gatehouse.service
check "purge: the gatehouse user stays (Debian keeps system users)" \
    test -n "$(getent passwd gatehouse)"

echo "inside: $passed passed, $failed failed"
