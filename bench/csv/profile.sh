#!/usr/bin/env bash
# bench/csv/csv_profile.cc, built and run by bench/lib/profile.sh (build dir: BUILD_DIR, default
# build-csvbench, with files_connector_test built).
#
#   bench/csv/profile.sh DIR FILE [--declared] [--write OUT.parquet] [--level N] ...
#   BIN_ONLY=1 bench/csv/profile.sh        (only build; prints the binary's path)
exec "$(dirname "${BASH_SOURCE[0]}")/../lib/profile.sh" "$(dirname "${BASH_SOURCE[0]}")/csv_profile.cc" "$@"
