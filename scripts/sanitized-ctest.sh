#!/usr/bin/env bash
# Runs CTest in an instrumented build (the `sanitize` or `tsan` preset) so that any sanitizer report
# fails, including one from a `fluxo` process that an end-to-end test started and stopped without
# looking at its exit status. Every process writes its reports to a fresh folder (log_path); after
# CTest the folder must be empty, else its reports are printed and the script fails.
# Suppressions, each with its reason, are in tests/sanitizers/.
# Usage: scripts/sanitized-ctest.sh BUILD_DIR [CTEST_ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=$1
shift
logs="$root/$build/sanitizer-reports"
rm -rf "$logs"
mkdir -p "$logs"
common="log_path=$logs/report:print_stacktrace=1:abort_on_error=0"
export ASAN_OPTIONS="$common:detect_leaks=1:strict_string_checks=1:check_initialization_order=1"
export LSAN_OPTIONS="$common:suppressions=$root/tests/sanitizers/lsan.supp"
export UBSAN_OPTIONS="$common:halt_on_error=1"
export TSAN_OPTIONS="$common:halt_on_error=1:second_deadlock_stack=1:suppressions=$root/tests/sanitizers/tsan.supp"
status=0
(cd "$build" && ctest -j"${JOBS:-2}" --output-on-failure --timeout 900 "$@") || status=$?
reports=$(find "$logs" -type f | sort)
if [ -n "$reports" ]; then
  echo "sanitizer: $(echo "$reports" | wc -l) report(s) in $build:"
  for f in $reports; do
    echo "=== $f"
    head -80 "$f"
  done
  status=1
fi
exit $status
