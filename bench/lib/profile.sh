#!/usr/bin/env bash
# Builds a one-thread profile driver (bench/csv/csv_profile.cc, bench/json/json_profile.cc)
# against the libraries of a CMake build dir (default build-csvbench, which must have built
# files_connector_test) and runs it with the remaining args. Used by bench/{csv,json}/profile.sh.
#
#   bench/lib/profile.sh SOURCE.cc [ARGS...]
#   BIN_ONLY=1 bench/lib/profile.sh SOURCE.cc     (only build; prints the binary's path)
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SRC=$(realpath "$1")
shift
BUILD_DIR=${BUILD_DIR:-$REPO/build-csvbench}
[[ "$BUILD_DIR" = /* ]] || BUILD_DIR=$REPO/$BUILD_DIR
BIN=$BUILD_DIR/$(basename "$SRC" .cc)
LINK=$BUILD_DIR/tests/unit/connectors/files/CMakeFiles/files_connector_test.dir/link.txt
[[ -f "$LINK" ]] || { echo "build files_connector_test in $BUILD_DIR first" >&2; exit 1; }
if [[ ! -x "$BIN" || "$SRC" -nt "$BIN" || "$BUILD_DIR/src/connectors/libfluxo_connectors.a" -nt "$BIN" ]]; then
  # The test's link line, minus its objects and GoogleTest, with its relative paths (../ as many
  # times as the test's folder is deep) made absolute.
  libs=$(sed -e 's/^.*-o files_connector_test //' "$LINK" | tr ' ' '\n' | grep -v gtest | grep -v gmock \
    | sed -e "s#^\(\.\./\)\+#$BUILD_DIR/#" | tr '\n' ' ')
  # shellcheck disable=SC2086
  c++ -std=c++20 -O2 -g -DNDEBUG -I"$REPO/src" -I"$BUILD_DIR/src" -I"$BUILD_DIR/src/formats" \
    "$SRC" -o "$BIN" $libs -lpthread
fi
if [[ "${BIN_ONLY:-0}" == 1 ]]; then echo "$BIN"; exit 0; fi
exec "$BIN" "$@"
