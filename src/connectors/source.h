// Sources: how a run reads its input.
//
// A Connector (one per connection spec, registered explicitly in registry.cc) makes a Source for
// one run: bound to the decrypted connection params, the source connection's params and the
// run's window. The executor then:
//   1. Open()        connects, resolves the table or the file list, and fixes the output Schema;
//   2. PlanSplits()  cuts the window into independent splits (key or time ranges, file lists);
//   3. OpenReader()  per split, possibly on several threads at once, and calls Next() until it
//                    returns an empty batch (end) or an error;
//   4. Cancel()      from any thread, to stop early: readers then return Cancelled promptly.
//
// Errors: InvalidArgument / NotFound / FailedPrecondition are permanent (bad config, missing
// table or column, type the delta column cannot have) and fail the run at once with the
// message; Unavailable / DeadlineExceeded / Aborted are transient (Status::retryable()) and the
// executor retries the run with backoff. Messages name the table, column, file and row at fault
// and never contain a secret.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "formats/record_batch.h"

namespace fluxo {

struct ConnectionSpec;

// Half-open [start_s, end_s) in UTC epoch seconds.
struct SourceWindow {
  int64_t start_s = 0;
  int64_t end_s = 0;
};

// A record a source could not read (file sources: wrong column count, unparseable value,
// invalid UTF-8, broken JSON line). Counted as failed, and written to the batch's row_errors
// when the flow enables diagnostics.
struct RowError {
  std::string code;     // e.g. "INGEST-1201" (bad value), "INGEST-1202" (column count)
  std::string message;  // names the column and the value
  std::string file;     // input file or table
  int64_t line = 0;     // 1-based line (files) or row number (tables); 0 when unknown
  std::string record;   // the raw record, truncated to a few KiB
};

// Everything a connector needs for a connection `test` or `explore`.
struct ConnectionConfig {
  const ConnectionSpec* spec = nullptr;
  json::object auth_params;    // decrypted auth.params
  std::string auth_spec_name;  // auth.specName: the auth spec of `spec` the connection uses
  // Folders local sources (SQLite files, local folders) may read; empty: none.
  std::vector<std::string> allow_paths;
  int connect_timeout_s = 10;
};

// The late-commit guard of table sources that can see open transactions (PostgreSQL,
// MySQL/MariaDB): before reading a window, Open() waits until no transaction that started before
// the window's end is still open, for at most `max_wait_ms`; then it reads anyway and reports
// the warning kLateCommitWarning naming how many were still open. Flow options lateCommitGuard
// and lateCommitWaitSeconds (model/flow_options.h).
struct LateCommitGuard {
  bool enabled = false;
  int64_t max_wait_ms = 0;
  int64_t poll_ms = 100;
};
inline constexpr const char* kLateCommitWarning = "FLUXO-1222-200";
// A selected file that fails a rule (a symlink in a watched folder) and was not read.
inline constexpr const char* kSkippedFileWarning = "INGEST-1205-400";

// What a table source does with rows whose delta value is NULL (flow option nullDeltaPolicy,
// model/flow_options.h). kSkip: they are in no window (counted in SourceCounters::null_delta_rows,
// reported as FLUXO-1221-200). kIncludeInFirstWindow: the window that starts at 0 (the epoch)
// also selects them, so a backfill from 0 lands them once; other windows skip them.
enum class NullDeltaPolicy { kSkip, kIncludeInFirstWindow };

// Something a run should report although it succeeds (in its statusSummary.errors).
struct SourceWarning {
  std::string code;  // e.g. kLateCommitWarning
  std::string message;
  std::optional<int64_t> record_count;
};

struct SourceConfig {
  ConnectionConfig connection;
  json::object params;                      // the source connection's params (tableName, path, ...)
  json::object data;                        // the source connection's data (format, properties)
  std::optional<std::string> delta_column;  // table sources: the flow's Copy deltaColumn
  std::string date_format;                  // for text delta columns ("" -> ISO 8601, which
                                            // also accepts yyyy-MM-dd HH:mm:ss)
  std::string timezone = "UTC";             // for naive timestamp delta columns
  SourceWindow window;
  LateCommitGuard late_commit;  // table sources that implement it; others ignore it
  NullDeltaPolicy null_delta_policy = NullDeltaPolicy::kSkip;  // table sources with a delta column
  // The source fields the flow's transform reads (Transform::SourceFields). A source with nested
  // records (JSON files) that has no field of such a name with a dot in it gives the value at
  // that member path ("person.address.city": member city of object address of object person)
  // as a column of its own, named by it (connectors/files/README.md); others ignore it.
  std::vector<std::string> member_paths;
  int parallelism = 2;             // splits read at once (--source-parallelism)
  int64_t batch_rows = 64 * 1024;  // rows per RecordBatch a reader yields (upper bound)
  // Called (from reader threads, serialized by the caller's sink) for each failed record.
  std::function<void(const RowError&)> on_row_error;
};

// True when the window of `config` selects the rows whose delta value is NULL (the policy is
// kIncludeInFirstWindow and the window starts at 0). Such a window does not count them in
// null_delta_rows.
inline bool SelectsNullDelta(const SourceConfig& config) {
  return config.null_delta_policy == NullDeltaPolicy::kIncludeInFirstWindow &&
         config.window.start_s == 0;
}

// A file a file source selected for its window.
struct SourceFile {
  std::string path;  // as the run reports it (relative to the connection's root)
  int64_t bytes = 0;
  int64_t modified_ms = 0;  // last-modified time, epoch ms
};

// Live counters a source updates while reading; read by the executor for run metrics.
struct SourceCounters {
  std::atomic<int64_t> input_bytes{0};
  std::atomic<int64_t> input_records{0};  // records read, including failed ones
  std::atomic<int64_t> failed_records{0};
  std::atomic<int64_t> input_files{0};
  std::atomic<int64_t> null_delta_rows{0};  // rows skipped because the delta value is NULL
  // What the source expects to read in all, for a progress bar; -1 when it cannot tell. Set
  // once by Open() or PlanSplits() (table sources: records from statistics or a count; file
  // sources: the listed files' bytes). Published in the run as
  // metrics.recordSummary.estimatedInputRecordCount and metrics.sizeSummary.estimatedInputBytes.
  std::atomic<int64_t> estimated_records{-1};
  std::atomic<int64_t> estimated_bytes{-1};
};

// A unit of work: serializable so any worker can take it.
struct Split {
  std::string description;  // for logs: "rows id in [0, 500000)" or "3 files"
  json::value state;        // connector-specific
};

class SourceReader {
 public:
  virtual ~SourceReader() = default;
  // The next batch; an empty batch (num_rows() == 0) means the split is done.
  virtual Result<RecordBatch> Next() = 0;
};

class Source {
 public:
  virtual ~Source() = default;
  virtual Status Open() = 0;
  // The output schema; valid after Open().
  virtual std::shared_ptr<const Schema> schema() const = 0;
  virtual Result<std::vector<Split>> PlanSplits() = 0;
  virtual Result<std::unique_ptr<SourceReader>> OpenReader(const Split& split) = 0;
  // Thread-safe; idempotent.
  virtual void Cancel() { cancelled_.store(true); }
  bool cancelled() const { return cancelled_.load(); }
  SourceCounters& counters() { return counters_; }
  // The input files (file sources) for the run record; empty for tables.
  virtual std::vector<std::string> InputFiles() const { return {}; }
  // The same files with their sizes and times (after Open()); empty for tables.
  virtual std::vector<SourceFile> InputFileDetails() const { return {}; }
  // Counts the records of the window again, with the predicate a run uses (after Open(), in
  // place of PlanSplits/OpenReader; for POST /runs/{id}/action?op=verify and dry runs).
  // Records that fail to read count too (a run counts them as failed), so for a window that did
  // not change, CountWindow() == a run's outputRecordCount + failedRecordCount. The default reads
  // every split once and counts (SQLite, files, REST: one pass, memory bounded by one batch);
  // PostgreSQL and MySQL/MariaDB count in the server (`SELECT count(*) ... WHERE` the window's
  // predicate, values bound). Errors as a run's read; Cancelled after Cancel().
  virtual Result<int64_t> CountWindow();
  // What the run should report as warnings. Written only by Open(); read after it returned.
  const std::vector<SourceWarning>& warnings() const { return warnings_; }

 protected:
  std::atomic<bool> cancelled_{false};
  SourceCounters counters_;
  std::vector<SourceWarning> warnings_;
};

// The first `max_rows` records of the window in read order (after Open(); PlanSplits and
// OpenReader are called here): for dry runs. Reads no more splits and batches than it needs;
// failed records are skipped as a run skips them.
Result<std::vector<RecordBatch>> ReadFirstRows(Source& source, int64_t max_rows);

class Connector {
 public:
  virtual ~Connector() = default;
  virtual std::string name() const = 0;     // "sqlite", "postgres", ... (spec()->connector)
  virtual std::string spec_id() const = 0;  // the connection spec it implements (spec()->id)
  // The connection spec it implements, declared in the connector's folder; lives for the whole
  // program. nullptr for a connector without a served spec (a test fake).
  virtual const ConnectionSpec* spec() const { return nullptr; }
  virtual Result<std::unique_ptr<Source>> NewSource(const SourceConfig& config) = 0;
  // Connects and answers OK, or a clear error (wrong password, unreachable host, ...).
  virtual Status Test(const ConnectionConfig& config) = 0;
  // objectType root|table|folder|file; `object` names a table or path. Answers the JSON the
  // API serves (tables with columns and types, or files).
  virtual Result<json::value> Explore(const ConnectionConfig& config,
                                      const std::string& object_type,
                                      const std::string& object) = 0;
};

}  // namespace fluxo
