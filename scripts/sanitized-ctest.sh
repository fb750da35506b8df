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
# ThreadSanitizer of clang 14 maps its shadow at fixed addresses and aborts at start ("FATAL:
# ThreadSanitizer: unexpected memory mapping", exit 66) when the kernel places the binary or its
# libraries outside them: it does whenever vm.mmap_rnd_bits is above 28 (Ubuntu's kernels use 32;
# clang 18's runtime re-executes itself without ASLR instead). The tsan build's tests therefore run
# with address randomization off for CTest and every process it starts (setarch -R), where the
# kernel allows it (a container's seccomp profile may refuse personality()).
run=()
if grep -q '^FLUXO_SANITIZER:STRING=tsan$' "$build/CMakeCache.txt" 2>/dev/null; then
  if setarch "$(uname -m)" -R true 2>/dev/null; then
    run=(setarch "$(uname -m)" -R)
  else
    echo "sanitizer: setarch -R is refused here; TSan needs vm.mmap_rnd_bits <= 28" \
         "(now $(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo unknown))" >&2
  fi
fi
status=0
(cd "$build" && "${run[@]}" ctest -j"${JOBS:-2}" --output-on-failure --timeout 900 "$@") || status=$?
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
