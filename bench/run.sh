#!/usr/bin/env bash
# `make bench`: every benchmark, one after another (each prints its own table; see bench/README.md).
# BENCHES="postgres csv" limits the list.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
for b in ${BENCHES:-parquet csv postgres mysql sqlite rest api}; do
  echo "=== bench/$b"
  "$here/$b/run.sh"
done
