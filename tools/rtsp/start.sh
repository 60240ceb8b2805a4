#!/usr/bin/env bash
# A loopback RTSP camera for manual tries: feed.sh + rtsp_server.py; Ctrl-C stops both.
# Usage: start.sh VIDEO [RTSP_PORT=8554] [MOUNT=/stream] [UDP_PORT=5004]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
video="${1:?usage: start.sh VIDEO [RTSP_PORT] [MOUNT] [UDP_PORT]}"
rtsp_port="${2:-8554}"
mount="${3:-/stream}"
udp_port="${4:-5004}"
bash "$here/feed.sh" "$video" "$udp_port" &
feed=$!
/usr/bin/python3 "$here/rtsp_server.py" --port "$rtsp_port" --mount "$mount" --feed-port "$udp_port" &
server=$!
trap 'kill "$feed" "$server" 2>/dev/null; wait' EXIT INT TERM
wait -n "$feed" "$server"
