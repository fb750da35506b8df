// What `fluxo runs create --wait` shows while a run is in progress. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "base/json.h"

namespace fluxo {

struct RunProgress {
  std::string status;      // scheduled, inProgress, success, failed, cancelled
  int64_t rows = 0;        // metrics.recordSummary.inputRecordCount
  int64_t bytes = 0;       // metrics.sizeSummary.inputBytes
  int64_t files = 0;       // metrics.fileSummary.inputFileCount
  int64_t est_rows = -1;   // metrics.recordSummary.estimatedInputRecordCount; -1: none
  int64_t est_bytes = -1;  // metrics.sizeSummary.estimatedInputBytes; -1: none
  bool Finished() const {
    return status == "success" || status == "failed" || status == "cancelled";
  }
  // 0..1 from the record estimate, else the byte estimate; -1 when there is none.
  double Fraction() const;
};

// Reads a run entity (GET /runs/{id} items[0]); absent fields stay at their defaults.
RunProgress ProgressOf(const json::value& run);

// "1.5 MiB", "512 B".
std::string HumanBytes(int64_t bytes);
// "0:07", "1:02:03".
std::string HumanDuration(double seconds);
// "12,345".
std::string Grouped(int64_t n);

// One terminal line of at most `width` columns (no newline):
//   "[#########-----------]  45%  12,345 rows  2,469 rows/s  1.2 MiB  0:05  ETA 0:06"
// With no estimate the bar is left out and so are the percentage and the ETA.
std::string ProgressBar(const RunProgress& p, double elapsed_s, int width);
// A plain line for logs and pipes: "inProgress 12,345 rows 2,469 rows/s 1.2 MiB 0:05 [ETA 0:06]".
std::string ProgressLine(const RunProgress& p, double elapsed_s);

}  // namespace fluxo
