#!/usr/bin/env bash
# A throwaway MariaDB server for tests and benchmarks.
#
#   mariadb.sh start DIR   mariadb-install-db into DIR/data, start mariadbd on a free 127.0.0.1
#                          port (socket DIR/mysql.sock), create user "fluxo"@"%" with password
#                          "fluxo-pw" and all privileges, print the port. root@localhost has no
#                          password over the socket (normal authentication).
#   mariadb.sh stop DIR    shut the server down; DIR is left for the caller to remove.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
if [[ -z "$cmd" || -z "$dir" ]]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 2
fi

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

user_args=()
if [[ $(id -u) -eq 0 ]]; then user_args=(--user=root); fi

case "$cmd" in
  start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    mariadb-install-db --no-defaults "${user_args[@]}" --auth-root-authentication-method=normal \
      --datadir="$dir/data" --skip-test-db >"$dir/install.log" 2>&1 \
      || { cat "$dir/install.log" >&2; exit 1; }
    for attempt in 1 2 3; do
      port=$(free_port)
      mariadbd --no-defaults "${user_args[@]}" --datadir="$dir/data" --socket="$dir/mysql.sock" \
        --port="$port" --bind-address=127.0.0.1 --pid-file="$dir/mariadbd.pid" \
        --log-error="$dir/error.log" --skip-log-bin --innodb-flush-log-at-trx-commit=0 \
        --innodb-buffer-pool-size=256M >/dev/null 2>&1 &
      pid=$!
      for _ in $(seq 1 300); do
        if mariadb-admin --no-defaults --socket="$dir/mysql.sock" -uroot ping >/dev/null 2>&1; then
          break
        fi
        if ! kill -0 "$pid" 2>/dev/null; then break; fi
        sleep 0.1
      done
      if mariadb-admin --no-defaults --socket="$dir/mysql.sock" -uroot ping >/dev/null 2>&1; then
        mariadb --no-defaults --socket="$dir/mysql.sock" -uroot -e \
          "CREATE USER 'fluxo'@'%' IDENTIFIED BY 'fluxo-pw'; GRANT ALL ON *.* TO 'fluxo'@'%';"
        echo "$pid" >"$dir/pid"
        echo "$port" >"$dir/port"
        echo "$port"
        exit 0
      fi
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    done
    cat "$dir/error.log" >&2 || true
    exit 1
    ;;
  stop)
    if [[ -S "$dir/mysql.sock" ]]; then
      mariadb-admin --no-defaults --socket="$dir/mysql.sock" -uroot shutdown >/dev/null 2>&1 || true
    fi
    if [[ -f "$dir/pid" ]]; then
      pid=$(cat "$dir/pid")
      for _ in $(seq 1 300); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
    fi
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
