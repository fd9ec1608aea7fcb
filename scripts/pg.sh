#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: Debian's postgresql package,
# one data directory, 127.0.0.1 on a free port, trust authentication on
# loopback only, fsync on. Runs as a non-root user (the Debian "postgres"
# user, else a system user "gatehouse-test", else "nobody") when started by
# root, as CI does.
#   source scripts/pg.sh start DIR   # exports GH_PG_URL and GH_PG_PID
#   bash scripts/pg.sh stop DIR      # stops it by PID and removes DIR
# Both are idempotent: start reuses a cluster already running in DIR, stop
# of a missing DIR does nothing. Set GH_PG_BIN to pick a binary directory.

gh_pg_bin() {
    if [[ -n ${GH_PG_BIN:-} ]]; then
        echo "$GH_PG_BIN"
        return
    fi
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [[ -z $d ]]; then
        d=$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")
    fi
    echo "$d"
}

# The user the server runs as (empty: the current, non-root user).
gh_pg_user() {
    [[ $(id -u) -ne 0 ]] && return
    if id postgres >/dev/null 2>&1; then
        echo postgres
    elif id gatehouse-test >/dev/null 2>&1 ||
        useradd --system --no-create-home --shell /usr/sbin/nologin gatehouse-test >/dev/null 2>&1; then
        echo gatehouse-test
    else
        echo nobody
    fi
}

gh_pg_as() {
    local user=$1
    shift
    if [[ -n $user ]]; then
        runuser -u "$user" -- "$@"
    else
        "$@"
    fi
}

gh_pg_free_port() {
    if command -v python3 >/dev/null; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
        return
    fi
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 30000))
        (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
    return 1
}

# The cluster's data directory: DIR/data, or a directory under /tmp when
# the server's user cannot reach DIR (e.g. a checkout under /root).
gh_pg_data() {
    if [[ -f $1/datadir ]]; then cat "$1/datadir"; else echo "$1/data"; fi
}

# The postmaster's PID when the cluster in DIR is running.
gh_pg_running() {
    local pidfile pid
    pidfile=$(gh_pg_data "$1")/postmaster.pid
    [[ -f $pidfile ]] || return 1
    pid=$(head -n 1 "$pidfile")
    [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
    echo "$pid"
}

gh_pg_start() {
    local dir=$1 bin user port pid url
    bin=$(gh_pg_bin)
    if [[ ! -x $bin/initdb || ! -x $bin/pg_ctl ]]; then
        echo "pg.sh: no PostgreSQL server binaries (install Debian's postgresql)" >&2
        return 1
    fi
    mkdir -p "$dir" || return 1
    dir=$(cd "$dir" && pwd)
    if pid=$(gh_pg_running "$dir"); then
        if [[ -f $dir/url ]]; then
            GH_PG_URL=$(cat "$dir/url")
            GH_PG_PID=$pid
            export GH_PG_URL GH_PG_PID
            return 0
        fi
        gh_pg_stop "$dir" # half set up: start over
        mkdir -p "$dir" || return 1
    fi
    gh_pg_cleanup "$dir"
    user=$(gh_pg_user)
    local data=$dir/data
    if [[ -n $user ]]; then
        chown "$user" "$dir"
        if ! gh_pg_as "$user" test -w "$dir"; then
            data=$(mktemp -d /tmp/gatehouse-pg-XXXXXX)/data
            chown "$user" "$(dirname "$data")"
            echo "$data" >"$dir/datadir"
        fi
    fi
    if ! gh_pg_as "$user" "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 \
        --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1; then
        echo "pg.sh: initdb failed:" >&2
        tail -n 5 "$dir/initdb.log" >&2
        return 1
    fi
    # loopback only, trust: a throwaway cluster for tests
    printf 'host all all 127.0.0.1/32 trust\n' >"$data/pg_hba.conf"
    local tries
    for tries in 1 2 3; do
        port=$(gh_pg_free_port) || return 1
        if gh_pg_as "$user" "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 30 \
            -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='' -c fsync=on -c max_connections=300" \
            start >/dev/null 2>&1; then
            break
        fi
        port=
    done
    if [[ -z $port ]]; then
        echo "pg.sh: the server did not start:" >&2
        tail -n 5 "$data/server.log" >&2
        return 1
    fi
    for tries in $(seq 1 100); do
        "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" && break
        sleep 0.05
    done
    pid=$(gh_pg_running "$dir") || { echo "pg.sh: the server exited" >&2; return 1; }
    url="postgres://postgres@127.0.0.1:$port/postgres"
    echo "$url" >"$dir/url"
    GH_PG_URL=$url
    GH_PG_PID=$pid
    export GH_PG_URL GH_PG_PID
}

# Removes the data directory (also one under /tmp) and the files in DIR.
gh_pg_cleanup() {
    local dir=$1 data
    data=$(gh_pg_data "$dir")
    if [[ $data == /tmp/gatehouse-pg-*/data ]]; then
        rm -rf "$(dirname "$data")"
    fi
    rm -rf "${dir:?}/data" "$dir/datadir" "$dir/url" "$dir/initdb.log"
}

gh_pg_stop() {
    local dir=$1 bin pid user data
    [[ -d $dir ]] || return 0
    if pid=$(gh_pg_running "$dir"); then
        bin=$(gh_pg_bin)
        data=$(gh_pg_data "$dir")
        user=$(stat -c %U "$data")
        [[ $user == "$(id -un)" ]] && user=
        gh_pg_as "$user" "$bin/pg_ctl" -D "$data" -m fast -w -t 20 stop >/dev/null 2>&1 ||
            kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    fi
    gh_pg_cleanup "$dir"
    rm -rf "${dir:?}"
}

gh_pg_main() {
    case ${1:-} in
    start) [[ -n ${2:-} ]] && gh_pg_start "$2" ;;
    stop) [[ -n ${2:-} ]] && gh_pg_stop "$2" ;;
    *)
        echo "usage: source scripts/pg.sh start DIR | bash scripts/pg.sh stop DIR" >&2
        return 2
        ;;
    esac
}

if (return 0 2>/dev/null); then
    gh_pg_main "$@"
else
    gh_pg_main "$@"
    exit $?
fi
