// A flow's `options`, read once for the engine (the API validates them: api/flow_rules.h).
//
//   partialIngestionPercent  failed-record threshold in percent; absent: any failed record fails
//   errorDiagnosticsEnabled  write failed records into the batch's meta/row_errors.jsonl
//   lateArrivalSeconds       scheduled windows end this many seconds before their fire time
//                            (0..kMaxLateArrivalSeconds; default 0)
//   lateCommitGuard          PostgreSQL and MySQL/MariaDB sources wait, before reading a window,
//                            until no transaction that started before the window's end is still
//                            open (default true)
//   lateCommitWaitSeconds    how long that wait may last before the window is read anyway and
//                            the run reports FLUXO-1222-200 (0..kMaxLateCommitWaitSeconds;
//                            default kDefaultLateCommitWaitSeconds)
//   nullDeltaPolicy          rows of a table source whose delta value is NULL: "skip" (default;
//                            in no window, counted in the warning FLUXO-1221-200) or
//                            "include-in-first-window" (the window that starts at 0, the epoch,
//                            also selects them, so they land once)
//
// Values arrive as received (numbers or numeric strings, booleans or "true"/"false"); a value
// the API would refuse is read as its default here. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/json.h"

namespace fluxo {

inline constexpr int64_t kMaxLateArrivalSeconds = 7 * 86400;
inline constexpr int64_t kMaxLateCommitWaitSeconds = 3600;
inline constexpr int64_t kDefaultLateCommitWaitSeconds = 30;

inline constexpr std::string_view kNullDeltaSkip = "skip";
inline constexpr std::string_view kNullDeltaIncludeInFirstWindow = "include-in-first-window";

// The value of options.nullDeltaPolicy: true for include-in-first-window, false for skip (both
// in any case); nullopt for anything else (another string, a number, ...).
std::optional<bool> ParseNullDeltaPolicy(const json::value& v);

struct FlowOptions {
  std::optional<double> partial_ingestion_percent;
  bool error_diagnostics = false;
  int64_t late_arrival_s = 0;
  bool late_commit_guard = true;
  int64_t late_commit_wait_s = kDefaultLateCommitWaitSeconds;
  bool null_delta_in_first_window = false;  // nullDeltaPolicy include-in-first-window
};

// The options of the flow document `flow` (its `options` object; defaults when absent).
FlowOptions FlowOptionsOf(const json::object& flow);

}  // namespace fluxo
