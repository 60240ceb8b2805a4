#!/usr/bin/env bash
# The test command: install what is missing, type-check, run every test suite.
# Tests that need ../shared (models and data) fail when it is missing under CI=true and skip elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian packages the tests use: ffmpeg (camera ingest), GStreamer's RTSP server (tools/rtsp, loopback RTSP
# camera), redis-server (event bus across replicas), postgresql (sightings and alerts shared by several processes),
# chromium (browser end-to-end tests), Python venv support (tools/milvus and tools/reference venvs).
bash scripts/install.sh ffmpeg libjemalloc2 redis-server postgresql python3-venv python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-good gstreamer1.0-plugins-bad chromium
export BOOSTFACE_SHARED="${BOOSTFACE_SHARED:-$(cd .. && pwd)/shared}"
echo "test: typecheck" >&2
npm run typecheck --silent
echo "test: vitest (shared data: $BOOSTFACE_SHARED)" >&2
npx vitest run "$@"
echo "test: web component tests" >&2
npm test --silent -w web
echo "test: browser end-to-end (Chromium against a real server)" >&2
npm run test:e2e --silent -w web
