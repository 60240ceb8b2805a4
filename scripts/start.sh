#!/usr/bin/env bash
# The start command: install what is missing, make sure models are present (fetching the default pack
# where the network allows), then start BoostFace on embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh ffmpeg libjemalloc2   # cameras are decoded by ffmpeg; jemalloc: see below
export BOOSTFACE_DATA_DIR="${BOOSTFACE_DATA_DIR:-$PWD/data}"
export BOOSTFACE_MODELS="${BOOSTFACE_MODELS:-$BOOSTFACE_DATA_DIR/models}"
mkdir -p "$BOOSTFACE_MODELS"
node server/bin/boostface.js models ensure "${BOOSTFACE_PACK:-buffalo_m}" || echo "start: could not fetch models; using whatever is in $BOOSTFACE_MODELS" >&2
# Structured JSON logs by default; one readable line per record when a person watches the terminal.
if [ -t 2 ] && [ -z "${BOOSTFACE_LOG_FORMAT:-}" ]; then export BOOSTFACE_LOG_FORMAT=pretty; fi
# jemalloc in place of glibc's malloc: with glibc, resident memory creeps up over hours of frames (docs/performance.md,
# "Memory over time"). BOOSTFACE_JEMALLOC=0 keeps the default allocator.
# (The dynamic linker complains on stderr when it cannot find the library: then nothing is preloaded.)
if [ "${BOOSTFACE_JEMALLOC:-1}" != 0 ] && [ -z "$(LD_PRELOAD=libjemalloc.so.2 /bin/sh -c : 2>&1)" ]; then
  case "${LD_PRELOAD:-}" in *jemalloc*) ;; *) export LD_PRELOAD="libjemalloc.so.2${LD_PRELOAD:+ $LD_PRELOAD}" ;; esac
fi
exec node server/bin/boostface.js serve "$@"
