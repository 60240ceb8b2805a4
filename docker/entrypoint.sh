#!/bin/sh
# Container entrypoint. Before `serve`, make sure the model pack is in the models volume: `boostface models ensure`
# verifies the detector and recognizer of BOOSTFACE_PACK (default buffalo_m) and downloads the pack only when one is
# missing or damaged, so an empty volume is filled on the first start (as scripts/start.sh does). Offline: when the
# download fails but the volume already holds models, the server starts on them; with no model at all it stops here
# with instructions. BOOSTFACE_PACK= (empty) skips the check, for your own models (BOOSTFACE_DETECTOR/RECOGNIZER).
# Any other command (`models list`, `gallery list`, ...) runs as is.
set -eu
cli=/app/server/bin/boostface.js
models="${BOOSTFACE_MODELS:-/models}"
pack="${BOOSTFACE_PACK-buffalo_m}"

has_models() {
  for f in "$models"/*.onnx; do
    [ -f "$f" ] && return 0
  done
  return 1
}

if [ "${1:-}" = serve ] && [ -n "$pack" ]; then
  if ! node "$cli" models ensure "$pack"; then
    if has_models; then
      echo "entrypoint: could not fetch $pack; starting on the models already in $models" >&2
    else
      echo "entrypoint: $models holds no model and $pack could not be downloaded. Give the container network access" \
        "for its first start, or put the model files in the models volume (docs/models.md), then start it again." >&2
      exit 1
    fi
  fi
fi
exec node "$cli" "$@"
