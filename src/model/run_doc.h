// The run document: the JSON shape of a flow run (CONTRACT.md "Runs"), shared by the API (which
// creates runs on request), the scheduler (which creates them on time) and the executor (which
// moves them through their states).
//
// fluxo keeps what the engine needs in the run's `fluxo` object:
//   windowStart, windowEnd   the half-open window, epoch seconds
//   dueAt                    epoch ms; the run is due from then on (its startTime, or its
//                            creation when that is later); due runs are taken in this order
//   deltaColumn              table sources: the column the window applies to
//   attempt                  attempts started so far
//   leaseOwner, leaseExpiry  the worker running it and until when (epoch ms)
//   scheduled                true when the scheduler created it
//   cancelRequested          set by op=cancel on a running run
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/json.h"

namespace fluxo {

struct RunSpecOfWindow {
  int64_t window_start = 0;  // epoch s
  int64_t window_end = 0;    // epoch s
  int64_t due_at_ms = 0;     // epoch ms
  std::optional<std::string> delta_column;
  bool scheduled = false;
};

// The document of a new `scheduled` run of flow `flow_id` (`flow` is the flow's document).
// `params` are echoed as submitted. Audit fields are not set here.
json::object NewRunDocument(const std::string& flow_id, const json::object& flow,
                            const json::value& params, const RunSpecOfWindow& w);

// The run's status (metrics.statusSummary.status), "" when absent.
std::string RunStatusOf(const json::object& run);

// Sets metrics.statusSummary.status and the status of every activity.
void SetRunStatus(json::object& run, const std::string& status);

}  // namespace fluxo
