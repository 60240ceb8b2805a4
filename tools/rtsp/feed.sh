#!/usr/bin/env bash
# Feeds a video to rtsp_server.py: looped forever at its native rate, re-encoded to H.264 (keyframe every 15 frames,
# so clients joining or reconnecting start within half a second) and sent as RTP to a loopback UDP port.
# Usage: feed.sh VIDEO [UDP_PORT=5004]
set -euo pipefail
video="${1:?usage: feed.sh VIDEO [UDP_PORT]}"
port="${2:-5004}"
exec ffmpeg -hide_banner -nostdin -loglevel error -re -stream_loop -1 -i "$video" \
  -map 0:v:0 -an -c:v libx264 -preset ultrafast -tune zerolatency -g 15 -bf 0 -pix_fmt yuv420p \
  -f rtp -sdp_file /dev/null "rtp://127.0.0.1:${port}?pkt_size=1200"
