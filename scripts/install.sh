#!/usr/bin/env bash
# Install what is missing to build and run BoostFace: checks Node, installs npm packages from the
# lockfile, builds the server. Safe to run again; skips steps that are already done.
set -euo pipefail
cd "$(dirname "$0")/.."
export ONNXRUNTIME_NODE_INSTALL=skip   # onnxruntime-node's CUDA download fails offline; the CPU build is bundled

need_node="20.19.0"
have_node="$(node --version 2>/dev/null | sed 's/^v//')" || true
if [ -z "$have_node" ] || [ "$(printf '%s\n%s\n' "$need_node" "$have_node" | sort -V | head -1)" != "$need_node" ]; then
  echo "install: Node.js >= $need_node is required (found: ${have_node:-none})" >&2
  exit 2
fi

# Debian packages the product and its tests use (installed only when missing and we are root).
apt_needed=()
for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || apt_needed+=("$pkg"); done
if [ ${#apt_needed[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "install: apt packages: ${apt_needed[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_needed[@]}" >/dev/null
  else
    echo "install: please install these Debian packages: ${apt_needed[*]}" >&2
    exit 2
  fi
fi

# better-sqlite3 has no prebuilt binary reachable offline and compiles from source: it needs a C++ toolchain and the
# Node headers. Debian's nodejs ships the headers in /usr/include/node; point node-gyp there instead of downloading.
if ! command -v g++ >/dev/null || ! command -v make >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends g++ make python3 >/dev/null
  else echo "install: a C++ toolchain (g++, make) is required to build better-sqlite3" >&2; exit 2; fi
fi
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node.h ] && [ "$(node -p 'process.execPath')" = /usr/bin/node ]; then
  export npm_config_nodedir=/usr
fi

stamp=node_modules/.boostface-lock-sha
lock_sha="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sha" ]; then
  echo "install: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sha" > "$stamp"
fi

echo "install: build" >&2
npm run build --silent
