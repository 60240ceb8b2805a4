#!/usr/bin/env bash
# Start a local Milvus-protocol server on 127.0.0.1 for integration tests (no Docker needed).
#
#   tools/milvus/start-server.sh [--port N] [--flavor lite|milvus23] [--foreground] DATA_DIR
#
# Prints "127.0.0.1:PORT" on stdout once the server answers GetVersion + CheckHealth (progress
# goes to stderr), so   addr="$(tools/milvus/start-server.sh /tmp/milvus-it)"   works.
# By default the server keeps running in the background (its own process group);
# DATA_DIR/server.pid and DATA_DIR/server.log are written; stop it with stop-server.sh DATA_DIR.
# With --foreground the script waits for readiness, prints the address, then waits on the server.
#
# Flavors:
#   lite      (default) milvus-lite 3.2.2 `milvus-lite server`: pure-Python Milvus-protocol server
#             (FAISS + Arrow). Starts in ~1-2 s. requirements.txt, venv $MILVUS_VENV or tools/milvus/.venv
#   milvus23  PyPI `milvus` 2.3.5 ("embedded Milvus"): the real Milvus 2.3.5 standalone binary with
#             embedded etcd + local storage. Starts in ~7 s (first start unpacks ~250 MB into
#             DATA_DIR/bin). requirements-milvus23.txt, venv $MILVUS_VENV or tools/milvus/.venv-milvus23
#
# Environment: MILVUS_PORT (default 19530; 0 = pick a free port), MILVUS_FLAVOR, MILVUS_VENV,
#   MILVUS_PYTHON (default python3), MILVUS_START_TIMEOUT (seconds; default 60 lite, 180 milvus23).
# Exit codes: 0 ready; 2 usage; 3 port busy; 4 venv/install failed; 5 server died or not ready in time.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
port="${MILVUS_PORT:-19530}"
flavor="${MILVUS_FLAVOR:-lite}"
foreground=0
data_dir=""

# alive PID: the process exists and is not a zombie (a just-killed server may not be reaped yet)
alive() { [ -r "/proc/$1/stat" ] && [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" != Z ]; }
die() { local code="$1"; shift; echo "start-server: error: $*" >&2; exit "$code"; }
usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --port) [ $# -ge 2 ] || usage; port="$2"; shift 2 ;;
    --port=*) port="${1#*=}"; shift ;;
    --flavor) [ $# -ge 2 ] || usage; flavor="$2"; shift 2 ;;
    --flavor=*) flavor="${1#*=}"; shift ;;
    --foreground) foreground=1; shift ;;
    -h|--help) usage ;;
    -*) echo "start-server: unknown option $1" >&2; usage ;;
    *) [ -z "$data_dir" ] || usage; data_dir="$1"; shift ;;
  esac
done
[ -n "$data_dir" ] || { echo "start-server: DATA_DIR is required" >&2; usage; }
[[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -le 65535 ] || die 2 "invalid port '$port'"

case "$flavor" in
  lite) req="$here/requirements.txt"; venv="${MILVUS_VENV:-$here/.venv}"; timeout_s="${MILVUS_START_TIMEOUT:-60}" ;;
  milvus23) req="$here/requirements-milvus23.txt"; venv="${MILVUS_VENV:-$here/.venv-milvus23}"; timeout_s="${MILVUS_START_TIMEOUT:-180}" ;;
  *) die 2 "unknown flavor '$flavor' (lite|milvus23)" ;;
esac
python="${MILVUS_PYTHON:-python3}"

# ---- venv (re)created when missing or when the requirements file changed -------------------
stamp="$venv/.boostface-requirements-sha256"
want_sha="$(sha256sum "$req" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want_sha" ]; then
  command -v "$python" >/dev/null 2>&1 || die 4 "'$python' not found (set MILVUS_PYTHON); Python >= 3.10 is needed"
  "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
    || die 4 "$("$python" --version 2>&1) is too old; milvus-lite needs Python >= 3.10"
  echo "start-server: creating venv $venv from $(basename "$req") (one-time, ~1 min)" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv" >&2 || die 4 "python -m venv failed (Debian: apt-get install python3-venv)"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" >&2 \
    || { rm -rf "$venv"; die 4 "pip install -r $req failed"; }
  echo "$want_sha" > "$stamp"
fi

# ---- port ------------------------------------------------------------------------------------
# A bind without SO_REUSEPORT fails if anything listens there. This matters: gRPC servers set
# SO_REUSEPORT, so a second milvus-lite on a busy port would "start" and share the port silently.
port="$("$venv/bin/python" - "$port" <<'PY'
import socket, sys
p = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # ignore TIME_WAIT leftovers, still fails on a listener
try:
    s.bind(("127.0.0.1", p))
except OSError as e:
    print(f"port {p} on 127.0.0.1 is busy: {e}", file=sys.stderr); sys.exit(3)
print(s.getsockname()[1])
s.close()
PY
)" || die 3 "choose another --port / MILVUS_PORT, or stop what listens there"
addr="127.0.0.1:$port"

# ---- start -----------------------------------------------------------------------------------
mkdir -p "$data_dir"
data_dir="$(cd "$data_dir" && pwd)"
pid_file="$data_dir/server.pid"
log="$data_dir/server.log"
if [ -f "$pid_file" ] && alive "$(cat "$pid_file")"; then
  die 3 "a server from this DATA_DIR is still running (pid $(cat "$pid_file")); run stop-server.sh $data_dir"
fi
case "$flavor" in
  lite) cmd=("$venv/bin/milvus-lite" server --data-dir "$data_dir/lite" --host 127.0.0.1 --port "$port") ;;
  # the embedded server's other internal ports (etcd, coords, metrics) are picked free automatically
  # session ttl 30 s -> 5 s: a restart on an existing DATA_DIR otherwise waits ~35 s for the old
  # etcd sessions to expire
  milvus23) cmd=("$venv/bin/milvus-server" --data "$data_dir" --proxy-port "$port" --extra-config common.session.ttl=5) ;;
esac
echo "start-server: starting $flavor on $addr (data: $data_dir, log: $log)" >&2
t0=$(date +%s%N)
# setsid: own process group, so stop-server.sh can stop the wrapper and its children together.
# All stdio redirected, or "$(start-server.sh ...)" would wait for the server to exit.
# The exec shim restores SIGINT to default: bash starts background jobs with SIGINT ignored, and
# Python then never raises KeyboardInterrupt, so milvus-lite could not shut down gracefully.
PYTHONUNBUFFERED=1 setsid "$venv/bin/python" -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "${cmd[@]}" </dev/null >"$log" 2>&1 &
server_pid=$!
echo "$server_pid" > "$pid_file"

# ---- readiness: GetVersion + CheckHealth over gRPC, while the server process is alive ----------
if ! version="$("$venv/bin/python" - "$addr" "$server_pid" "$timeout_s" "$flavor" <<'PY'
import glob, sys, time, grpc
from pymilvus.grpc_gen import milvus_pb2, milvus_pb2_grpc
addr, pid, timeout, flavor = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
start = time.time()
deadline, last = start + timeout, "no answer yet"

def group_alive(comm=None):
    """Non-zombie processes of process group `pid` (named `comm` if given) exist."""
    for f in glob.glob("/proc/[0-9]*/stat"):
        try:
            head, tail = open(f).read().rsplit(")", 1)
        except OSError:
            continue
        fields = tail.split()  # state ppid pgrp ...
        if int(fields[2]) == pid and fields[0] != "Z" and (comm is None or head.split("(", 1)[1] == comm):
            return True
    return False

while time.time() < deadline:
    # the leader may be a zombie: this script's bash is its parent and has not reaped it yet
    if not group_alive():
        print(f"server process {pid} exited during start-up", file=sys.stderr); sys.exit(5)
    # milvus23: the Python wrapper outlives a crashed `milvus` child (e.g. etcd port 2380 busy)
    if flavor == "milvus23" and time.time() - start > 5 and not group_alive("milvus"):
        print("the milvus binary exited during start-up (see DATA_DIR/logs/milvus-std*.log)", file=sys.stderr); sys.exit(5)
    try:
        with grpc.insecure_channel(addr) as ch:
            grpc.channel_ready_future(ch).result(timeout=1)
            stub = milvus_pb2_grpc.MilvusServiceStub(ch)
            v = stub.GetVersion(milvus_pb2.GetVersionRequest(), timeout=5)
            h = stub.CheckHealth(milvus_pb2.CheckHealthRequest(), timeout=5)
            if h.isHealthy:
                print(v.version); sys.exit(0)
            last = f"unhealthy: {list(h.reasons)}"
    except Exception as e:  # not listening yet / still initialising
        last = type(e).__name__
    time.sleep(0.25)
print(f"not ready after {timeout:.0f}s ({last})", file=sys.stderr); sys.exit(5)
PY
)"; then
  kill -TERM -- "-$server_pid" 2>/dev/null || true
  sleep 1; kill -KILL -- "-$server_pid" 2>/dev/null || true
  rm -f "$pid_file"
  for f in "$log" "$data_dir/logs/milvus-stderr.log"; do
    [ -s "$f" ] || continue
    echo "start-server: ---- last lines of $f ----" >&2
    tail -n 30 "$f" >&2 || true
  done
  [ -f "$data_dir/logs/milvus-stdout.log" ] && grep -E '\[(ERROR|FATAL)\]' "$data_dir/logs/milvus-stdout.log" | tail -n 5 | cut -c1-400 >&2 || true
  die 5 "Milvus ($flavor) did not become ready on $addr"
fi
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "start-server: ready: $addr (server $version, pid $server_pid) in ${ms} ms" >&2
echo "$addr"
if [ "$foreground" = 1 ]; then
  trap 'kill -TERM -- "-$server_pid" 2>/dev/null || true' INT TERM
  wait "$server_pid" || true
  rm -f "$pid_file"
fi
