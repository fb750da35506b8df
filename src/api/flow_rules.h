// Validation rules of flows and runs that carry Flow Service codes (CONTRACT.md):
//
//   1360 scheduleParams.startTime in the past       1365 deltaColumn on a `once` flow at creation
//   1361 frequency missing or not once|minute|hour|day|week
//   1362 interval with frequency once               1366 startTime not epoch seconds
//   1363 interval below the minimum (15 for minute, 1 otherwise) or not an integer
//   1364 backfill with frequency once               1367 interval missing for a scheduled flow
//   1368 backfill not a boolean                     1369 scheduleParams missing or not an object
//   1381 run windowEndTime not after windowStartTime
//   1384 run params missing or invalid
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "api/api_error.h"
#include "base/json.h"

namespace fluxo {

struct Schedule {
  int64_t start_time = 0;  // epoch seconds
  std::string frequency;   // once, minute, hour, day, week
  int64_t interval = 0;    // 0 for once
  bool backfill = true;
  // Seconds between two runs (0 for once).
  int64_t PeriodSeconds() const;
};

// Validates `scheduleParams`. `now_s` is the current time; a start earlier than now - 60 s is
// refused only when `check_start_in_past` (on create, or when a patch changes startTime).
Result<Schedule> ParseSchedule(const json::value* schedule_params, int64_t now_s,
                               bool check_start_in_past);

// Flow `options` (model/flow_options.h): partialIngestionPercent (0..100, number or numeric
// string), errorDiagnosticsEnabled and lateCommitGuard (boolean or "true"/"false"),
// lateArrivalSeconds, lateCommitWaitSeconds (integers in range), nullDeltaPolicy ("skip" or
// "include-in-first-window"). Errors (1410) name the field.
Status ValidateFlowOptions(const json::value* options);

// The deltaColumn name in the flow's Copy transformation, if any.
std::optional<std::string> FlowDeltaColumn(const json::object& flow_doc);

}  // namespace fluxo
