// Split-level work: one run attempt read by workers of several processes (issue 12 item 3).
//
//   holder (the run's claimer)   plans the splits, records one `loading` batch per target and
//                                the plan (fluxo.splitPlan of the run), inserts one split row
//                                per split (metastore/split_queue.h), then executes splits of
//                                its run on source_parallelism threads and waits for the end
//   any worker of any process    claims a split row before a new run, reads it into part files
//                                part-s<index>a<splitAttempt>-NNNNN.parquet of the run's batches
//                                (pending: the batches are `loading`), records files and counts
//                                in the row. With errorDiagnosticsEnabled the attempt's failed
//                                records go to its own row-error part of the first batch,
//                                meta/parts/part-s<index>a<splitAttempt>-row_errors.jsonl
//                                (Lake::RowErrorsPartKey; none when no row failed), named in the
//                                row with its first 5 row errors
//   the last finisher            (the one whose finish finds every other row `done`, decided
//                                under MetaTxn::LockForUpdate on the run) judges the failed-record
//                                rule on the sum of every row's counts (a failure ends the run
//                                with the first 5 row errors in plan order), merges the rows'
//                                row-error parts in plan order into the batch's one
//                                meta/row_errors.jsonl (Lake::MergeRowErrors, streamed; its split
//                                heartbeat keeps the claim meanwhile and a lost claim stops it),
//                                then commits every batch with every row's files; the last
//                                commit's transaction checks the run attempt and its own split
//                                claim again, marks the run `success` and deletes the rows. Then
//                                it deletes every part file the commit does not name, and every
//                                row-error part. The run's metrics, errors and diagnostics file
//                                are then what a run read by one process has.
//
// Crashes: a split whose worker dies is claimed again once its lease expires (the new claimer
// first deletes the files of the split's earlier attempts, row-error parts included, and its
// finish replaces the dead attempt's counts in the row, so nothing is counted twice); the last
// split keeps its lease while its finisher merges and commits, so a finisher that dies before the
// commit is redone like any split (its redo merges again, over the same key). A zombie finisher
// (stalled past its lease while merging, then resumed after the redo committed) may replace the
// committed meta/row_errors.jsonl with its own merge, which differs only by its own split's
// attempt: the same window of a source that reads the same rows again gives the same lines.
// Split workers extend the run's lease when its holder stops doing so, so the death of the
// holder does not end the attempt. A run whose attempt ended (failed, cancelled, taken over)
// makes its split workers stop and delete what they wrote; the batches of a dead attempt are
// aborted by whoever ends it, or by the lake's garbage collector.
//
// Thread rules: a SplitRunner serves one run attempt in one process; RunSplit may run on several
// threads at once (each split has its own Source, progress, row errors and heartbeat thread).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "executor/executor.h"
#include "executor/pipeline.h"
#include "executor/run_inputs.h"
#include "lake/lake.h"
#include "metastore/split_queue.h"

namespace fluxo {

// The plan of a distributed attempt, kept in the run document as fluxo.splitPlan: what every
// split worker and the committer need that only the holder's planning source knew.
struct SplitPlan {
  int64_t attempt = 0;
  std::vector<BatchContext> batches;  // one per target dataset, in targetConnectionIds order
  json::object schema;                // the output schema (SchemaToJson, version 0)
  int splits = 0;
  int64_t null_delta_rows = 0;
  std::vector<SourceWarning> warnings;
  std::vector<std::string> input_files;
};

json::object SplitPlanToJson(const SplitPlan& plan);
// The plan of `run` (in `scope`); FailedPrecondition when it has none.
Result<SplitPlan> SplitPlanOf(const json::object& run, const Scope& scope);

class SplitRunner {
 public:
  // The holder's side: records the batches, the plan (in the run, which `owner` must still hold
  // at `attempt`) and the rows, in place of any row of an earlier attempt. On error nothing of
  // the plan is left (batches aborted). Returns the plan.
  static Result<SplitPlan> Start(Executor& ex, const Scope& scope, const RunInputs& in,
                                 int64_t attempt, const std::vector<Split>& splits,
                                 const Schema& output, Source& planned);

  // Ends a distributed attempt that did not succeed: the run becomes `status` (failed,
  // cancelled, or scheduled to hand it back) with `errors`, its rows are deleted and its batches
  // aborted. Aborted when the attempt is no longer the run's current inProgress one.
  static Status End(Executor& ex, const Scope& scope, const std::string& run_id, int64_t attempt,
                    std::string_view status, const std::vector<RunError>& errors);

  // `in`: the run's inputs with `in.transform` bound to `input` (the source schema), producing
  // `output`. All borrowed: they outlive the runner.
  SplitRunner(Executor& ex, const RunInputs& in, SplitPlan plan,
              std::shared_ptr<const Schema> input, std::shared_ptr<const Schema> output);

  // Executes claim `c`: reads the split into its files, records them in its row and, when it is
  // the last, commits the run. `should_stop` (polled every heartbeat) stops it early: the split
  // is handed back. OK also when the split was abandoned because the run attempt moved on;
  // errors only when the run could not be ended as it should.
  Status RunSplit(const ClaimedSplit& c, const std::function<bool()>& should_stop);

 private:
  // What one split attempt produced.
  struct Outcome {
    std::vector<std::vector<WrittenFile>> files;  // per batch
    RunCounts counts;
    std::vector<RowError> row_errors;  // the first few
    std::string row_errors_key;        // this attempt's row-error part; "" when it has none
    int64_t started_ms = 0;
  };
  // `live`: the split's counters, reset for each retry, read by the heartbeat meanwhile.
  Status ReadSplit(const ClaimedSplit& c, StopSignal& stop, RunProgress& live, Outcome* out);
  // Records the outcome in the row; true when this was the last open split (the caller commits).
  Result<bool> FinishSplit(const ClaimedSplit& c, const Outcome& out);
  // The last finisher: merges the row-error parts (Lake::MergeRowErrors, stopped when
  // `claim_lost` says so), then commits every batch; the last commit finishes the run.
  Status CommitRun(const ClaimedSplit& c, const std::function<bool()>& claim_lost);
  // Inside a commit transaction: the run attempt is current and `c` still holds its row.
  Status VerifyCommit(MetaTxn& txn, const ClaimedSplit& c);
  Status MarkSucceeded(MetaTxn& txn, const ClaimedSplit& c, const RunCounts& counts,
                       const std::vector<std::string>& batch_ids,
                       const std::optional<std::string>& partial, const json::object& summary);
  // Records `live` in the split's row at each beat (the run's live progress, LiveSplitCounts).
  void Heartbeat(const ClaimedSplit& c, StopSignal& stop, const RunProgress& live,
                 const std::atomic<bool>& done, const std::function<bool()>& should_stop,
                 std::atomic<bool>* run_ended);
  // Deletes the files of claim `c`'s attempt, or of every attempt of its split.
  void RemoveFiles(const ClaimedSplit& c, bool all_attempts);
  int64_t Now() const;

  Executor& ex_;
  const RunInputs& in_;
  const SplitPlan plan_;
  std::shared_ptr<const Schema> input_;
  std::shared_ptr<const Schema> output_;
};

// A zombie split writer (a process whose claim's lease expired, so that its split was redone, but
// which kept writing) can finish a part file in a batch folder after the commit removed every file
// the batch does not name, and die before removing it itself. Readers never see such a file (they
// read the batch's files), but nothing else would delete it. This lists again each `success`
// batch of split parts (part-s...) committed between now - to_age_ms and now - from_age_ms and
// deletes every part file (and unfinished upload) the batch does not name. The executor's garbage
// collector calls it every gc interval, from two leases after a commit (a zombie's heartbeat
// notices within a lease that its claim is gone and removes what it wrote, if it lives) to two gc
// intervals and a lease later, so each batch is listed about twice. A zombie that stalls longer
// than that, writes once more and dies leaves its file (not swept again). Returns the number of
// files deleted.
Result<int64_t> SweepSplitLeftovers(Lake& lake, MetaStore& meta, int64_t now_ms,
                                    int64_t from_age_ms, int64_t to_age_ms);

// The counts of attempt `run_attempt` of the run so far: the recorded counts of its finished
// splits plus the live counts (their last heartbeat) of the others. Its holder publishes them as
// the run's metrics while the splits execute, on whichever process they run.
Result<RunCounts> LiveSplitCounts(MetaTxn& txn, const Scope& scope, const std::string& run_id,
                                  int64_t run_attempt);

// "s<index, 4 digits>a": the file-name tag prefix of every attempt of split `index`; the tag of
// one attempt appends its number.
std::string SplitTagPrefix(int index);

}  // namespace fluxo
