// The run pipeline: one attempt of a run's copy and promotion, as stages.
//
//   plan       PlanStage       the source opens, the transform binds, the lake checks the output
//                              schema against every target dataset, the source cuts splits
//   read       ReadStage       reader threads stream each split's RecordBatches...
//   transform                  ...through the flow's Transform (transform.h)...
//   encode     EncodeStage     ...into Parquet part files of one `loading` batch per target
//   commit     CommitStage     the failed-record rule, then one lake commit per target; the
//                              last commit's transaction also finishes the run
//
// Stage state lives apart from the stages (DuckDB's operator/state split): RunProgress holds the
// counters every thread updates and the heartbeat reads; StopSignal is how another thread stops
// an attempt. The executor (executor.cc) owns both for the life of a run and runs the stages in
// order (RunExecution::Attempt); nothing here knows about leases or the run document.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "connectors/source.h"
#include "executor/transform.h"
#include "lake/lake.h"
#include "model/run_doc.h"

namespace fluxo {

// The live counters of one run. Writers: the attempt's threads; reader: the heartbeat. Every
// member is atomic: thread-safe, and no one needs the Source to read them.
class RunProgress {
 public:
  // Zeroes the counters for a new attempt (what a failed attempt moved does not count).
  void Reset();
  // Copies the source's counters (called by the pipeline after each batch and at the end).
  void PublishSource(const SourceCounters& c);
  void AddOutputRecords(int64_t n) { output_records_ += n; }
  void AddOutputFile(int64_t bytes) {
    output_bytes_ += bytes;
    ++output_files_;
  }
  void AddTransformFailures(int64_t n) { transform_failed_ += n; }
  // Failed records: the source's plus the transform's.
  int64_t failed_records() const { return source_failed_ + transform_failed_; }
  int64_t null_delta_rows() const { return null_delta_rows_; }
  RunCounts Snapshot() const;

 private:
  std::atomic<int64_t> input_bytes_{0}, input_records_{0}, input_files_{0};
  std::atomic<int64_t> source_failed_{0}, transform_failed_{0}, null_delta_rows_{0};
  std::atomic<int64_t> estimated_records_{-1}, estimated_bytes_{-1};
  std::atomic<int64_t> output_records_{0}, output_bytes_{0}, output_files_{0};
};

// Stops a run's attempts from another thread (the heartbeat on cancel, lost lease or shutdown).
// Sticky: once stopped, every later attempt's source is cancelled as soon as it is attached.
// Thread-safe.
class StopSignal {
 public:
  // The attempt's source, cancelled by Stop(). REQUIRES: Detach() before `source` is destroyed.
  void Attach(Source* source) EXCLUDES(mu_);
  void Detach() EXCLUDES(mu_);
  void Stop() EXCLUDES(mu_);
  bool stopped() const { return stopped_.load(); }

 private:
  Mutex mu_;
  Source* source_ GUARDED_BY(mu_) = nullptr;
  std::atomic<bool> stopped_{false};
};

// How a kept row error reads among a failed run's errors: its code, and its message followed by
// " (<file> line <n>)" when it names a file. One rule for a run read by one process and for a
// distributed one (split_work.h).
RunError RowErrorToRunError(const RowError& e);

// Failed records: counted, the first few kept for the run's errors, and (with diagnostics on)
// written as JSON Lines to the first batch's meta/row_errors.jsonl (a split attempt: to its own
// part, merged at the commit). Thread-safe.
class RowErrorLog {
 public:
  // Starts writing lines to `w` (owned from now on).
  void Attach(std::unique_ptr<ObjectWriter> w) EXCLUDES(mu_);
  void Add(const RowError& e) EXCLUDES(mu_);
  int64_t count() EXCLUDES(mu_);
  std::vector<RowError> samples() EXCLUDES(mu_);
  // Commits the diagnostics file when it has content (true), aborts it otherwise (false).
  Result<bool> Finish() EXCLUDES(mu_);
  void Abort() EXCLUDES(mu_);
  // A new attempt: aborts the writer and forgets the count, the samples and a write error, so
  // what a failed attempt saw is neither counted nor reported again.
  void Reset() EXCLUDES(mu_);

 private:
  Mutex mu_;
  std::unique_ptr<ObjectWriter> writer_ GUARDED_BY(mu_);
  Status write_status_ GUARDED_BY(mu_);
  int64_t count_ GUARDED_BY(mu_) = 0;
  std::vector<RowError> samples_ GUARDED_BY(mu_);
};

// What the plan stage fixed for the rest of the attempt.
struct Plan {
  std::shared_ptr<const Schema> schema;  // the transform's output: what is encoded and recorded
  std::vector<Split> splits;
  // Nothing to read: the source has no column (a file source whose window holds no file, or
  // only empty ones) or no split. The run then succeeds with 0 records and no batch; schema is
  // null and no dataset schema is checked or touched.
  bool empty_window = false;
};

// plan: opens `source`, binds `transform` to its schema, checks the output schema against every
// dataset of `dataset_ids` (Lake::CheckSchema, so an incompatible input fails before any row
// moves; Lake::Commit applies the same rule again in its transaction, where it cannot race) and
// plans the splits. A source with no column is an empty window at once (nothing is bound or
// checked); one with no split is an empty window after planning (Plan::empty_window). Errors are
// the source's (retryable when transient), or InvalidArgument naming the dataset and the column.
Result<Plan> PlanStage(Source& source, Transform& transform, Lake& lake, const Scope& scope,
                       const std::vector<std::string>& dataset_ids);

// Where an attempt writes: one `loading` batch per target dataset.
struct EncodeTarget {
  Scope scope;
  std::string run_id;
  std::string flow_id;
  int64_t attempt = 0;
  std::vector<std::string> dataset_ids;  // in targetConnectionIds order
  std::string codec = "zstd";            // parquet::ParseCodec names
  bool diagnostics = false;              // write row errors into the first batch
};

// encode: the batches and the Parquet sinks of one attempt. Thread `t` (0 <= t < threads) writes
// only through Write(t, ...): each thread owns its sinks, so encoding and compression run in
// parallel; the part files of a batch are numbered from one counter per batch. Not thread-safe
// otherwise: Begin, Close and Abort run on the attempt thread while no Write is in flight.
class EncodeStage {
 public:
  // Records the batches (`loading`) and opens `threads` sinks per batch. Encoders share a
  // 64 MiB row-group budget (at least 16 MiB each), so a run stays well inside 300 MiB whatever
  // its parallelism (bench/csv, 2 threads: peak 245 MiB, 300 with 96 MiB).
  static Result<std::unique_ptr<EncodeStage>> Begin(Lake& lake, const EncodeTarget& target,
                                                    std::shared_ptr<const Schema> schema,
                                                    int threads, RowErrorLog& row_errors);
  // One split attempt of a distributed run (split_work.h): sinks into the run's existing
  // `loading` batches, writing part-<tag>-NNNNN.parquet. The batches belong to the run, not to
  // this stage: Abort and the destructor remove only this stage's files (Lake::RemoveParts), and
  // Discard is not for it. `empty_file`: write one 0-row file when no row came (split 0 does,
  // so a batch always carries its schema).
  // `diagnostics`: `row_errors` writes this attempt's own row-error part of the first batch
  // (Lake::RowErrorsPartWriter with `tag`); the caller Finish()es it before HandOver().
  static Result<std::unique_ptr<EncodeStage>> Attach(Lake& lake,
                                                     const std::vector<BatchContext>& batches,
                                                     std::shared_ptr<const Schema> schema,
                                                     const std::string& codec,
                                                     const std::string& tag, bool empty_file,
                                                     bool diagnostics, RowErrorLog& row_errors);
  ~EncodeStage();

  Status Write(int thread, const RecordBatch& batch);
  // Closes every sink. On OK, the files of each batch (sorted by name), in batch order, and each
  // of batch 0's files counted into `progress`. On error, everything is aborted (Abort).
  Result<std::vector<std::vector<WrittenFile>>> Close(RunProgress& progress);
  // Discards the sinks, the row errors and every batch (files removed, batches `failed`).
  void Abort(const std::string& reason);
  // An empty window read nothing: the sinks, the row errors and the batches go away without a
  // trace (files and batch records deleted: Lake::Discard), so the run commits no batch.
  void Discard();

  const std::vector<BatchContext>& batches() const { return batches_; }
  std::vector<std::string> batch_ids() const;
  // The commit stage takes the batches over: from now on nothing here aborts them (not even the
  // destructor, which otherwise aborts an attempt that ended early).
  void HandOver() { done_ = true; }

 private:
  EncodeStage(Lake& lake, RowErrorLog& row_errors) : lake_(lake), row_errors_(row_errors) {}
  // Opens `threads` sinks per batch; part names carry `tag_` when set.
  Status OpenSinks(std::shared_ptr<const Schema> schema, const std::string& codec, int threads,
                   bool empty_file);

  Lake& lake_;
  std::string tag_;  // set by Attach: the batches are the run's, the tagged files this stage's
  RowErrorLog& row_errors_;
  std::vector<BatchContext> batches_;
  std::vector<std::vector<std::unique_ptr<RecordSink>>> sinks_;  // [thread][batch]
  bool done_ = false;
};

// read + transform: up to `threads` reader threads take the splits in order; each hands its
// batches over a one-batch queue to its own encoder thread, which applies the transform and
// writes through EncodeStage::Write(t). Returns the first error of any thread (the source is then
// cancelled so the others stop), or Cancelled when `stop` fired. Source counters are published
// into `progress` after every batch and once at the end.
Status ReadStage(Source& source, const std::vector<Split>& splits, const Transform& transform,
                 EncodeStage& encode, int threads, RunProgress& progress, RowErrorLog& row_errors,
                 const StopSignal& stop);

// The failed-record rule (options.partialIngestionPercent): no failed record, nullopt; within
// the allowed percentage, the partial-ingestion text for the run's INGEST-1212-400 warning;
// over it (or no percentage set), InvalidArgument with detail INGEST-1213-400.
Result<std::optional<std::string>> CheckFailedRecords(int64_t failed, int64_t input,
                                                      std::optional<double> allowed_percent);

// commit: commits each batch with its files; `in_each(txn, i)` (when set) runs in batch i's
// transaction (a replacing run hides the batches it replaces in dataset i: replacement and
// commit are one), and `finish_run(txn, batch_ids)` in the LAST batch's transaction (it marks
// the run successful: commit and finish are one). On error, the batches not committed yet are
// aborted and the error is returned (never retried: an earlier target may be committed already).
Status CommitStage(
    Lake& lake, EncodeStage& encode, const std::vector<std::vector<WrittenFile>>& files,
    const BatchMetrics& totals, const Schema& schema, bool has_row_errors,
    const std::function<Status(MetaTxn&, const std::vector<std::string>&)>& finish_run,
    const std::function<Status(MetaTxn&, size_t)>& in_each = nullptr);

}  // namespace fluxo
