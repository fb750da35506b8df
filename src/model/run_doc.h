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
//   replace                  true when the run replaces what earlier runs of the flow landed
//                            for windows inside its own (params.replace, re-trigger ?replace=true)
//   cancelRequested          set by op=cancel on a running run
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/json.h"

namespace fluxo {

struct RunSpecOfWindow {
  int64_t window_start = 0;  // epoch s
  int64_t window_end = 0;    // epoch s
  int64_t due_at_ms = 0;     // epoch ms
  std::optional<std::string> delta_column;
  bool scheduled = false;
  bool replace = false;
};

// The document of a new `scheduled` run of flow `flow_id` (`flow` is the flow's document).
// `params` are echoed as submitted. Audit fields are not set here.
json::object NewRunDocument(const std::string& flow_id, const json::object& flow,
                            const json::value& params, const RunSpecOfWindow& w);

// The run's status (metrics.statusSummary.status), "" when absent.
std::string RunStatusOf(const json::object& run);

// Sets metrics.statusSummary.status and the status of every activity.
void SetRunStatus(json::object& run, const std::string& status);

// The engine's reading of a stored run: its flow, window and delta column.
struct RunTarget {
  std::string flow_id;
  int64_t window_start = 0;  // epoch s (fluxo.windowStart)
  int64_t window_end = 0;    // epoch s (fluxo.windowEnd)
  std::optional<std::string> delta_column;
  bool replace = false;  // fluxo.replace
};
RunTarget RunTargetOf(const json::object& run);

// The batch ids the run's promotion activity names (targetInfo[].reference.ids), every target.
std::vector<std::string> RunBatchIds(const json::object& run);

// metrics.durationSummary.startedAtUTC (epoch ms), nullopt when absent.
std::optional<int64_t> RunStartedAt(const json::object& run);

// What a run has moved so far (or in all), for its metrics. Estimates are -1 when unknown.
struct RunCounts {
  int64_t input_records = 0;
  int64_t output_records = 0;
  int64_t failed_records = 0;
  int64_t input_bytes = 0;
  int64_t output_bytes = 0;
  int64_t input_files = 0;
  int64_t output_files = 0;
  int64_t estimated_records = -1;  // published as recordSummary.estimatedInputRecordCount
  int64_t estimated_bytes = -1;    // published as sizeSummary.estimatedInputBytes
};

// Writes the run's metrics: the size, record and file summaries from `counts` (estimates only
// when known, >= 0), statusSummary.status = `status`, durationSummary.startedAtUTC =
// `started_ms`, completedAtUTC = `completed_ms` when given; errors are left as they are. Then
// mirrors status, times and summaries into the activities: the copy activity gets every summary,
// the promotion activity the record summary and, when `batch_ids` is not empty, the batch of each
// target (in targetConnectionIds order).
void SetRunProgress(json::object& run, const RunCounts& counts, const std::string& status,
                    int64_t started_ms, std::optional<int64_t> completed_ms,
                    const std::vector<std::string>& batch_ids = {});

// Sets metrics.durationSummary.completedAtUTC (epoch ms).
void SetRunCompletedAt(json::object& run, int64_t completed_ms);

// One entry of metrics.statusSummary.errors.
struct RunError {
  std::string code;  // AEP-style ("INGEST-1212-400", "CONNECTOR-2001-400")
  std::string message;
  std::optional<int64_t> record_count;  // recordCount, when the error counts records
};
// Warnings of a successful run (statusSummary.errors of a `success` run; CONTRACT "Runs and
// windows"): rows whose delta value is NULL (never selected: in no window), and the late-commit
// guard's timeout (connectors/source.h kLateCommitWarning, "FLUXO-1222-200").
inline constexpr const char* kNullDeltaWarning = "FLUXO-1221-200";
// The failure of a run whose window a newer replacing run landed first (executor).
inline constexpr const char* kSupersededRunCode = "FLUXO-1223-400";

// Replaces metrics.statusSummary.errors.
void SetRunErrors(json::object& run, const std::vector<RunError>& errors);

// Engine facts of a finished run, kept in its `fluxo` object: rows skipped for a NULL delta value
// (nullDeltaRows) and the input files read (inputFiles, omitted when empty).
void SetRunInputFacts(json::object& run, int64_t null_delta_rows,
                      const std::vector<std::string>& input_files);

}  // namespace fluxo
