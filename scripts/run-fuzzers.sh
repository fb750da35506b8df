#!/usr/bin/env bash
# Runs every libFuzzer target of build-sanitize/ (the `sanitize` preset) for a bounded time from its seed
# corpus in tests/fuzz/corpus/NAME (inputs it finds go to a scratch copy, never into the repo).
# FUZZ_JOBS targets (default 2, one per core) run at once; each prints its summary when it ends.
# A crash, leak, timeout or sanitizer report fails the script; the input that caused it is copied to
# tests/fuzz/regressions/NAME/ so it becomes a regression test of `make test` once committed.
# Usage: scripts/run-fuzzers.sh [SECONDS_PER_TARGET (default 30)] [BUILD_DIR (default build-sanitize)]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
build=${2:-build-sanitize}
jobs=${FUZZ_JOBS:-2}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# Runs one target; its output goes to $scratch/NAME/log, its verdict to $scratch/NAME/failed.
fuzz_one() {
  local bin=$1 name
  name=$(basename "$bin")
  mkdir -p "$scratch/$name/corpus" "$scratch/$name/artifacts"
  cp -r "tests/fuzz/corpus/$name/." "$scratch/$name/corpus/" 2>/dev/null || true
  if ! ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="$scratch/$name/artifacts/" -print_final_stats=1 \
      "$scratch/$name/corpus" > "$scratch/$name/log" 2>&1; then
    {
      echo "fuzz: $name FAILED; last lines:"
      tail -40 "$scratch/$name/log"
    } > "$scratch/$name/summary"
    touch "$scratch/$name/failed"
    mkdir -p "tests/fuzz/regressions/$name"
    cp "$scratch/$name/artifacts/"* "tests/fuzz/regressions/$name/" 2>/dev/null || true
  else
    {
      echo "fuzz: $name ran ${secs}s"
      grep -E "stat::number_of_executed_units|cov:" "$scratch/$name/log" | tail -2 | sed "s/^/  /" || true
    } > "$scratch/$name/summary"
  fi
  cat "$scratch/$name/summary"
}

running=0
for bin in "$build"/tests/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  fuzz_one "$bin" &
  running=$((running + 1))
done
wait
if compgen -G "$scratch/*/failed" > /dev/null; then
  exit 1
fi
