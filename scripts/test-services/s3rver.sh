#!/usr/bin/env bash
# Starts or stops the npm s3rver (tests/node/node_modules/s3rver) for manual tests and benches.
#   scripts/test-services/s3rver.sh start DIR [BUCKET]   -> prints the endpoint, e.g. http://127.0.0.1:41234
#   scripts/test-services/s3rver.sh stop DIR
# DIR holds the data, the log, the pid and the port. Credentials: S3RVER / S3RVER.
# The C++ integration tests start their own instance (tests/integration_s3/s3rver.h).
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
cmd="${1:-}"
dir="${2:-}"
bucket="${3:-fluxo}"
[[ -n "$cmd" && -n "$dir" ]] || { echo "usage: $0 start|stop DIR [BUCKET]" >&2; exit 2; }
case "$cmd" in
  start)
    mkdir -p "$dir/data"
    NODE_OPTIONS=--openssl-legacy-provider nohup node "$here/tests/node/node_modules/s3rver/bin/s3rver.js" \
      --directory "$dir/data" --address 127.0.0.1 --port 0 --configure-bucket "$bucket" --silent \
      >"$dir/s3rver.log" 2>&1 &
    echo $! >"$dir/pid"
    for _ in $(seq 1 300); do
      if port=$(grep -o 'listening on [0-9.]*:[0-9]*' "$dir/s3rver.log" 2>/dev/null | sed 's/.*://'); then
        [[ -n "$port" ]] && { echo "$port" >"$dir/port"; echo "http://127.0.0.1:$port"; exit 0; }
      fi
      kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
      sleep 0.1
    done
    echo "s3rver did not start:" >&2; cat "$dir/s3rver.log" >&2; exit 1 ;;
  stop)
    [[ -f "$dir/pid" ]] && kill "$(cat "$dir/pid")" 2>/dev/null || true
    rm -f "$dir/pid" "$dir/port" ;;
  *) echo "usage: $0 start|stop DIR [BUCKET]" >&2; exit 2 ;;
esac
