#!/usr/bin/env bash
# Create (or refresh when requirements.txt changed) the venv with the docker/ validation tools and print its path.
#   tools/compose/setup.sh            # -> tools/compose/.venv (or $COMPOSE_TOOLS_VENV)
# Exit codes: 4 = no usable python3 (>= 3.10 with venv) or pip failed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
req="$here/requirements.txt"
venv="${COMPOSE_TOOLS_VENV:-$here/.venv}"
python="${COMPOSE_TOOLS_PYTHON:-python3}"
die() { echo "compose-tools: $2" >&2; exit "$1"; }

stamp="$venv/.boostface-requirements-sha256"
want_sha="$(sha256sum "$req" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want_sha" ]; then
  command -v "$python" >/dev/null 2>&1 || die 4 "'$python' not found (set COMPOSE_TOOLS_PYTHON); Python >= 3.10 is needed"
  "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
    || die 4 "$("$python" --version 2>&1) is too old; Python >= 3.10 is needed"
  echo "compose-tools: creating venv $venv (one-time, ~15 s)" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv" >&2 || die 4 "python -m venv failed (Debian: apt-get install python3-venv)"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" >&2 \
    || { rm -rf "$venv"; die 4 "pip install -r $req failed"; }
  echo "$want_sha" > "$stamp"
fi
echo "$venv"
