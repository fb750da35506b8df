#!/usr/bin/env bash
# bench/json/json_profile.cc, built and run by bench/lib/profile.sh (build dir: BUILD_DIR, default
# build-csvbench, with files_connector_test built).
#
#   bench/json/profile.sh DIR FILE [--write OUT.parquet] [--batch-rows N]
#   BIN_ONLY=1 bench/json/profile.sh       (only build; prints the binary's path)
exec "$(dirname "${BASH_SOURCE[0]}")/../lib/profile.sh" "$(dirname "${BASH_SOURCE[0]}")/json_profile.cc" "$@"
