#!/usr/bin/env bash
# The start command: install what is missing, make sure models are present (fetching the default pack
# where the network allows), then start BoostFace on embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh ffmpeg   # cameras are decoded by ffmpeg
export BOOSTFACE_DATA_DIR="${BOOSTFACE_DATA_DIR:-$PWD/data}"
export BOOSTFACE_MODELS="${BOOSTFACE_MODELS:-$BOOSTFACE_DATA_DIR/models}"
mkdir -p "$BOOSTFACE_MODELS"
node server/bin/boostface.js models ensure "${BOOSTFACE_PACK:-buffalo_m}" || echo "start: could not fetch models; using whatever is in $BOOSTFACE_MODELS" >&2
# Structured JSON logs by default; one readable line per record when a person watches the terminal.
if [ -t 2 ] && [ -z "${BOOSTFACE_LOG_FORMAT:-}" ]; then export BOOSTFACE_LOG_FORMAT=pretty; fi
exec node server/bin/boostface.js serve "$@"
