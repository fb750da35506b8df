#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server for tests and benchmarks.
#
#   postgres.sh start DIR   initdb in DIR/data, start on a free 127.0.0.1 port (socket in DIR),
#                           print the port. Superuser "postgres", password "postgres" (TCP needs
#                           scram-sha-256; the Unix socket in DIR trusts local users).
#   postgres.sh stop DIR    stop the server (fast shutdown); DIR is left for the caller to remove.
#
# As root, initdb and pg_ctl run as the "postgres" user (initdb refuses root), and DIR is chowned
# to it. Environment: PG_BIN (default /usr/lib/postgresql/15/bin); PG_OPTS, extra server options
# ("-c log_statement=all").
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
cmd=${1:-}
dir=${2:-}
if [[ -z "$cmd" || -z "$dir" ]]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 2
fi

as_pg() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

case "$cmd" in
  start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [[ $(id -u) -eq 0 ]]; then
      chown postgres "$dir"
      chmod 0755 "$dir"
      # Parent folders must be traversable by the postgres user (mktemp makes them 0700).
      parent=$(dirname "$dir")
      while [[ "$parent" != "/" ]]; do
        chmod o+x "$parent" 2>/dev/null || true
        parent=$(dirname "$parent")
      done
    fi
    echo postgres | as_pg tee "$dir/pwfile" >/dev/null
    as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    for attempt in 1 2 3; do
      port=$(free_port)
      if as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
          -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off ${PG_OPTS:-}" \
          start >"$dir/pg_ctl.log" 2>&1; then
        echo "$port" >"$dir/port"
        echo "$port"
        exit 0
      fi
    done
    cat "$dir/pg_ctl.log" "$dir/server.log" >&2 || true
    exit 1
    ;;
  stop)
    if [[ -d "$dir/data" ]]; then
      as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
    fi
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
