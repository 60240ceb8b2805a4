#!/usr/bin/env bash
# Stop a server started by start-server.sh:   tools/milvus/stop-server.sh DATA_DIR [--kill]
# Sends SIGINT (the graceful-shutdown signal of both milvus-lite and the milvus-server wrapper) to the
# server's process group, waits up to 15 s, then SIGKILLs what is left. --kill: SIGKILL at once.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: stop-server.sh DATA_DIR [--kill]" >&2; exit 2; }
pid_file="$1/server.pid"
# alive PID: exists and is not a zombie
alive() { [ -r "/proc/$1/stat" ] && [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" != Z ]; }
group_alive() { kill -0 -- "-$1" 2>/dev/null; }
[ -f "$pid_file" ] || { echo "stop-server: no $pid_file (not running?)" >&2; exit 0; }
pid="$(cat "$pid_file")"
sig=INT; [ "${2:-}" = "--kill" ] && sig=KILL
if alive "$pid" || group_alive "$pid"; then
  kill -"$sig" -- "-$pid" 2>/dev/null || kill -"$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do { alive "$pid" || group_alive "$pid"; } || break; sleep 0.1; done
  if alive "$pid"; then
    echo "stop-server: pid $pid still alive after 15 s, sending SIGKILL" >&2
  fi
  # the group may outlive its leader (milvus23: the milvus binary is the wrapper's child)
  group_alive "$pid" && kill -KILL -- "-$pid" 2>/dev/null || true
fi
rm -f "$pid_file"
echo "stop-server: stopped pid $pid" >&2
