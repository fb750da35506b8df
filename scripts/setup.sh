#!/usr/bin/env bash
# Installs every dependency fluxo needs to build, run and test, on Debian 12.
# Idempotent: installs only what is missing and does nothing when everything is present.
# Works as root or through sudo. Network: Debian's archive and the npm registry only.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)

DEB_PACKAGES=(
  build-essential cmake ccache pkg-config git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libpq-dev libmariadb-dev libcurl4-openssl-dev libpugixml-dev libssl-dev
  libthrift-dev thrift-compiler libzstd-dev libsnappy-dev zlib1g-dev libbz2-dev
  libhowardhinnant-date-dev libspdlog-dev libfmt-dev libcli11-dev libre2-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev clang-format
  postgresql postgresql-client mariadb-server mariadb-client sqlite3
  nodejs npm curl jq wrk procps
  chromium
)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    # A package may be satisfied by a different provider (nodejs ships npm on some setups).
    if [ "$p" = npm ] && command -v npm >/dev/null; then continue; fi
    if [ "$p" = nodejs ] && command -v node >/dev/null; then continue; fi
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  # Services must not be started by the package scripts: tests start their own servers.
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
    "${sudo_cmd[@]}" chmod +x "$policy"
    created_policy=1
  fi
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if [ "$created_policy" = 1 ]; then "${sudo_cmd[@]}" rm -f "$policy"; fi
fi

# Node packages for the tests (an independent Parquet reader, an S3 endpoint).
if [ ! -d "$here/tests/node/node_modules/@duckdb/node-api" ] || [ ! -d "$here/tests/node/node_modules/s3rver" ]; then
  echo "setup: installing npm packages in tests/node"
  (cd "$here/tests/node" && npm install --no-audit --no-fund --loglevel=error)
fi

# The console's front-end libraries (embedded in the binary at build time: src/web) and the
# browser tests' driver and accessibility checker (playwright-core drives Debian's chromium).
for dir_pkgs in "web:preact htm" "tests/browser:playwright-core axe-core"; do
  dir=${dir_pkgs%%:*}
  for pkg in ${dir_pkgs#*:}; do
    if [ ! -d "$here/$dir/node_modules/$pkg" ]; then
      echo "setup: installing npm packages in $dir"
      (cd "$here/$dir" && npm install --no-audit --no-fund --loglevel=error)
      break
    fi
  done
done
