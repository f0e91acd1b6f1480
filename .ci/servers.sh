# Starts the object-storage test servers on 127.0.0.1 and exports where they are:
#   NPIO_TEST_S3_ENDPOINT, NPIO_TEST_S3_BUCKET  an S3-compatible server (moto in server mode)
#   NPIO_TEST_HTTP                               .ci/range_server.py serving fixtures/ (Range)
# Source it from the repository's root (`. .ci/servers.sh`); `npio_stop_servers` stops both
# by their process ids (.ci/run calls it on exit). Needs `pip install "moto[server]"`.

npio_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

npio_wait_for() {  # URL: until it answers (any HTTP status), at most 30 s
  python3 - "$1" <<'PY'
import sys, time, urllib.error, urllib.request
for _ in range(300):
    try:
        urllib.request.urlopen(sys.argv[1], timeout=1)
        sys.exit(0)
    except urllib.error.HTTPError:
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(f"{sys.argv[1]} did not answer within 30 s")
PY
}

npio_stop_servers() {
  for pid in ${NPIO_SERVER_PIDS:-}; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  NPIO_SERVER_PIDS=""
  [ -n "${npio_servers_dir:-}" ] && rm -rf "$npio_servers_dir"
  return 0
}

npio_servers_dir="$(mktemp -d)"
s3_port="$(npio_free_port)"
moto_server -H 127.0.0.1 -p "$s3_port" >"$npio_servers_dir/moto.log" 2>&1 &
NPIO_SERVER_PIDS="$!"
python3 .ci/range_server.py fixtures "$npio_servers_dir/http.port" >"$npio_servers_dir/http.log" 2>&1 &
NPIO_SERVER_PIDS="$NPIO_SERVER_PIDS $!"
for _ in $(seq 300); do [ -s "$npio_servers_dir/http.port" ] && break; sleep 0.1; done
export NPIO_TEST_S3_ENDPOINT="http://127.0.0.1:$s3_port"
export NPIO_TEST_S3_BUCKET="npio-test"
export NPIO_TEST_HTTP="http://127.0.0.1:$(cat "$npio_servers_dir/http.port")"
npio_wait_for "$NPIO_TEST_S3_ENDPOINT" && npio_wait_for "$NPIO_TEST_HTTP/manifest.json" || {
  cat "$npio_servers_dir"/*.log; npio_stop_servers; return 1 2>/dev/null || exit 1; }
# The test bucket (moto takes unsigned requests).
python3 -c "import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], method='PUT'))" \
  "$NPIO_TEST_S3_ENDPOINT/$NPIO_TEST_S3_BUCKET"
echo "servers: S3 $NPIO_TEST_S3_ENDPOINT (bucket $NPIO_TEST_S3_BUCKET), HTTP $NPIO_TEST_HTTP; pids $NPIO_SERVER_PIDS"
