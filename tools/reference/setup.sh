#!/usr/bin/env bash
# Creates the Python venv for the BoostFace reference pipeline (insightface 0.7.3 + onnxruntime CPU).
#   bash tools/reference/setup.sh            # venv at tools/reference/.venv
#   BOOSTFACE_REF_VENV=/path/venv bash tools/reference/setup.sh
#   BOOSTFACE_REF_PYTHON=python3.11 ...      # interpreter used to create the venv (default python3)
# Idempotent: a stamp file inside the venv records the sha256 of requirements.txt; when it matches
# and the key imports work, nothing is installed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REQ="$HERE/requirements.txt"
VENV="${BOOSTFACE_REF_VENV:-$HERE/.venv}"
PY="${BOOSTFACE_REF_PYTHON:-python3}"
STAMP="$VENV/.boostface-reference-stamp"

log() { echo "[reference/setup] $*" >&2; }

HASH="$(sha256sum "$REQ" | cut -d' ' -f1)"

check_imports() {
  NO_ALBUMENTATIONS_UPDATE=1 "$VENV/bin/python" -c \
    'import insightface, onnxruntime, cv2, numpy, skimage; from insightface.model_zoo.scrfd import SCRFD; from insightface.utils.face_align import norm_crop' \
    >/dev/null 2>&1
}

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$HASH" ]] && check_imports; then
  log "up to date: $VENV (requirements sha256 ${HASH:0:12})"
  exit 0
fi

start=$(date +%s)
if [[ ! -x "$VENV/bin/python" ]]; then
  log "creating venv $VENV with $("$PY" --version 2>&1)"
  "$PY" -m venv "$VENV"
else
  log "reusing venv $VENV (requirements changed or stamp missing)"
fi
rm -f "$STAMP"

PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)

log "step 1/3: build tools (numpy, Cython, setuptools, wheel)"
BUILD_REQS=$(grep -E '#[[:space:]]*build[[:space:]]*$' "$REQ" | sed -E 's/[[:space:]]*#.*$//')
# shellcheck disable=SC2086
"${PIP[@]}" install --progress-bar off $BUILD_REQS

log "step 2/3: all pinned requirements (insightface sdist built with --no-build-isolation)"
"${PIP[@]}" install --progress-bar off --no-build-isolation -r "$REQ"

log "step 3/3: checking imports"
if ! check_imports; then
  log "ERROR: imports failed after install"; exit 1
fi
NO_ALBUMENTATIONS_UPDATE=1 "$VENV/bin/python" -c \
  'import insightface, onnxruntime, cv2, numpy, skimage; print("insightface", insightface.__version__, "| onnxruntime", onnxruntime.__version__, "| opencv", cv2.__version__, "| numpy", numpy.__version__, "| scikit-image", skimage.__version__)' >&2

echo "$HASH" > "$STAMP"
log "done in $(( $(date +%s) - start ))s: $VENV"
