// Lake: datasets and batches on an ObjectStore, committed through the MetaStore.
//
// Layout: <org>/<sandbox>/datasets/<datasetId>/batches/<batchId>/part-NNNNN.parquet, plus
// meta/row_errors.jsonl (failed-record diagnostics) and _manifest.json.
//
// Life of a batch: BeginBatch records it as `loading` (so the garbage collector knows its files
// exist) before any file is written; the writer streams parts through PartFactory(); Commit runs
// ONE metastore transaction that marks the batch `success` with its files, metrics and schema
// (and whatever the caller adds to that transaction: finishing the run), and only then writes
// _manifest.json. Readers (data access) see a batch only when it is `success` AND its manifest
// exists; a commit that crashed before the manifest is repaired by CollectGarbage. Abort (or a
// crash, found later by CollectGarbage or by the next attempt) marks the batch `failed`, then
// removes the files: a batch Commit has taken is never touched. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "formats/record_batch.h"
#include "formats/sink.h"
#include "metastore/metastore.h"
#include "objstore/object_store.h"

namespace fluxo {

struct BatchContext {
  Scope scope;
  std::string dataset_id;
  std::string batch_id;
  std::string run_id;
  std::string prefix;  // object key prefix of the batch, ending in '/'
};

struct BatchMetrics {
  int64_t input_records = 0;
  int64_t output_records = 0;
  int64_t failed_records = 0;
  int64_t input_bytes = 0;
  int64_t input_files = 0;
  int64_t output_bytes = 0;
};

// The dataset schema as JSON: {"version": n, "columns": [{"name","type","nullable"}]}; the
// columns of a nested schema also carry "path" (the struct members of the dotted name).
json::object SchemaToJson(const Schema& schema, int64_t version);

// Checks `incoming` against the dataset's current schema (`current` may be null: first batch).
// Returns the schema to record: unchanged, or a new version that adds nullable columns.
// InvalidArgument naming the column and both types on an incompatible change, or when a column
// the dataset has is missing but not nullable.
Result<json::object> EvolveSchema(const json::value* current, const Schema& incoming);

// The dataset's current schema: its recorded `schema`, else its declared `columns` as version 1,
// else null (the first batch sets it).
json::value DatasetSchemaOf(const json::object& dataset);

class Lake {
 public:
  Lake(ObjectStore* objects, MetaStore* meta, const Clock* clock = &SystemClock::Instance());

  static std::string DatasetPrefix(const Scope& scope, const std::string& dataset_id);
  static std::string BatchPrefix(const Scope& scope, const std::string& dataset_id,
                                 const std::string& batch_id);

  // Records a `loading` batch of `dataset_id` for `run_id` (attempt `attempt`).
  Result<BatchContext> BeginBatch(const Scope& scope, const std::string& dataset_id,
                                  const std::string& run_id, const std::string& flow_id,
                                  int64_t attempt);

  // Output streams for the sink: part-00000.parquet, part-00001.parquet, ... With a `tag` (one
  // split attempt of a distributed run, executor/split_work.h): part-<tag>-00000.parquet, ...
  OutputFactory PartFactory(const BatchContext& ctx, const std::string& tag = "");
  // Deletes the batch's part files whose name begins with part-<tag_prefix> (what a dead split
  // attempt wrote; unfinished uploads included), data and row-error parts alike. The batch
  // record is untouched.
  Status RemoveParts(const BatchContext& ctx, const std::string& tag_prefix);
  // After a commit: deletes the batch's part files that `kept` (the committed files) does not
  // name, so a file of a dead split attempt never stays beside the batch, and every row-error
  // part (MergeRowErrors copied them into meta/row_errors.jsonl). Best effort.
  Status RemoveUncommittedParts(const BatchContext& ctx, const std::vector<WrittenFile>& kept);
  // Where row errors go (JSON Lines, meta/row_errors.jsonl). Caller commits or aborts the writer.
  Result<std::unique_ptr<ObjectWriter>> RowErrorsWriter(const BatchContext& ctx);

  // Row errors of a distributed run (executor/split_work.h): each split attempt writes its own
  // part, meta/parts/part-<tag>-row_errors.jsonl (so no two attempts share a file, and
  // RemoveParts(tag) removes it with the attempt's data parts). Readers never see a part.
  static std::string RowErrorsPartKey(const BatchContext& ctx, const std::string& tag);
  // Where those parts live inside a batch folder.
  static constexpr const char* kRowErrorsPartDir = "meta/parts/";
  Result<std::unique_ptr<ObjectWriter>> RowErrorsPartWriter(const BatchContext& ctx,
                                                            const std::string& tag);
  // Before the commit of a distributed run: writes meta/row_errors.jsonl as the concatenation of
  // `part_keys` in order, streamed in 1 MiB ranges (bounded memory whatever their size), so the
  // batch's diagnostics are one file, as a run read by one process writes it. False (nothing
  // written) when the parts hold no byte. `stopped` (polled between ranges and before the
  // object is committed): Aborted, nothing written. Errors: the object store's (NotFound when a
  // part is missing).
  Result<bool> MergeRowErrors(const BatchContext& ctx, const std::vector<std::string>& part_keys,
                              const std::function<bool()>& stopped = nullptr);

  // The schema rule, for a caller that wants to fail before writing: InvalidArgument naming the
  // dataset and the column when `schema` cannot be committed into `dataset_id` as it is now
  // (EvolveSchema). Commit applies the same rule again inside its transaction, which is the
  // check that counts (the dataset may evolve meanwhile).
  Status CheckSchema(const Scope& scope, const std::string& dataset_id, const Schema& schema);

  // Commits the batch (see the file comment). `files` are the sink's written files (names are
  // object keys). `schema` is the batch's schema; the dataset's schema evolves in the same
  // transaction, and an incompatible change fails the commit with InvalidArgument. `extra` runs
  // inside the same transaction (e.g. marks the run successful); its error rolls everything back.
  Status Commit(const BatchContext& ctx, const std::vector<WrittenFile>& files,
                const BatchMetrics& metrics, const Schema& schema, bool has_row_errors,
                const std::function<Status(MetaTxn&)>& extra);

  // Marks a `loading` batch `failed` with `reason` (a `failed` batch keeps its reason) and
  // `cleanup: "pending"` in one transaction, then deletes its objects and clears the mark. When
  // some object cannot be deleted the mark stays and the deletion's error is returned;
  // CollectGarbage retries it until it succeeds. A batch that is neither `loading` nor `failed`
  // (committed: `success`, `inactive`) is left whole: nothing is deleted. Idempotent.
  Status Abort(const BatchContext& ctx, const std::string& reason);

  // Window replacement, inside the caller's transaction (the one that commits the replacing
  // batch, or finishes a replacing run that landed nothing): every `success` batch among
  // `old_batch_ids` that belongs to `dataset_id` becomes `inactive` (readers see only `success`
  // batches, so it is no longer visible) with `replacedBy` = `new_batch_id` (or the run
  // `run_id` when the replacing run landed no batch); the new batch, when there is one, records
  // them as AEP Catalog's `replay: {predecessors, reason}`. Returns how many were hidden. One
  // transaction: a crash leaves either the old batches visible or the new one, never both.
  Result<int64_t> ReplaceBatches(MetaTxn& txn, const Scope& scope, const std::string& dataset_id,
                                 const std::vector<std::string>& old_batch_ids,
                                 const std::string& new_batch_id, const std::string& run_id);

  // After the replacing transaction committed: removes an `inactive` batch's objects (the
  // manifest first, so a reader of the folder stops seeing it at once), then clears the batch's
  // `cleanup: "pending"` mark that ReplaceBatches set. A crash in between leaves the mark, and
  // CollectGarbage removes the files later. Nothing for another status.
  Status RemoveInactiveFiles(const Scope& scope, const std::string& batch_id);

  // Catalog's batch delete: hides the batch at once, in one transaction (a `success` or `failed`
  // batch becomes `inactive` with `deleted: {at, by}`; readers take only `success` batches, and
  // the record stays so a restart never brings it back) and marked cleanup pending, then removes
  // its objects (RemoveInactiveFiles; a failure there is logged and CollectGarbage retries it,
  // the data is already invisible). Idempotent on an `inactive` batch. Errors: NotFound;
  // FailedPrecondition for a `loading` batch (its run may still commit it).
  Status DeleteBatch(const Scope& scope, const std::string& batch_id, const std::string& by);

  // Removes a `loading` batch that will never be committed because it has nothing in it (an empty
  // window): its objects, then its record. A crash in between leaves a `loading` record that
  // CollectGarbage aborts. Nothing when the batch is no longer `loading`.
  Status Discard(const BatchContext& ctx);

  // Aborts every `loading` batch of `run_id` (the leftovers of a dead attempt).
  Status AbortLoadingBatchesOfRun(const Scope& scope, const std::string& run_id,
                                  const std::string& reason);

  // Whether attempt `attempt` of the run whose document is `run` is still alive at `now_ms` (so
  // the batch it writes may yet commit). The lake does not know run states or leases: the
  // executor hands it RunAttemptLive (model/run_state.h).
  using AttemptLiveness =
      std::function<bool(const json::object& run, int64_t attempt, int64_t now_ms)>;

  // Garbage collection, safe to run at any time from any process:
  //  - `loading` batches older than `min_age_ms` whose run is missing, or whose attempt `live`
  //    says is not alive, are aborted (files removed);
  //  - `failed` batches whose files could not all be deleted (cleanup pending) are deleted again
  //    (temp part files included);
  //  - `inactive` (replaced) batches still marked cleanup pending get RemoveInactiveFiles (the
  //    replacing worker died between its commit and the deletion);
  //  - `success` batches whose manifest is missing get it written.
  // Returns the number of batches aborted.
  Result<int64_t> CollectGarbage(int64_t min_age_ms, const AttemptLiveness& live);

  // Whether `batch` (a stored batch entity) is visible to readers: true when it is `success` and
  // its manifest exists. A committed batch whose manifest is not written yet (the committing
  // worker writes it just after its transaction, or died in between) gets it written here first,
  // with the same content, so a client that saw its run succeed can read the batch at once.
  // Errors: the object store's.
  Result<bool> EnsureVisible(const Entity& batch) const;

  // The manifest key of a batch.
  static std::string ManifestKey(const BatchContext& ctx) { return ctx.prefix + "_manifest.json"; }
  ObjectStore* objects() const { return objects_; }

 private:
  Status WriteManifest(const Entity& batch) const;
  // Abort, unless `keep` (called inside the transaction that would mark the batch failed)
  // answers true. True when the batch's objects were deleted.
  Result<bool> AbortUnless(const BatchContext& ctx, const std::string& reason,
                           const std::function<Result<bool>(MetaTxn&)>& keep);
  // CollectGarbage's halves: `loading` batches of dead attempts; lost manifests (last 24 h).
  Result<int64_t> AbortDeadBatches(int64_t now, int64_t min_age_ms, const AttemptLiveness& live);
  Status RepairManifests(int64_t now);
  Status RemoveLeftoverFiles();
  // The batch field that marks files left behind by Abort.
  static constexpr const char* kCleanupField = "cleanup";
  Status DeletePrefix(const std::string& prefix);

  ObjectStore* objects_;
  MetaStore* meta_;
  const Clock* clock_;
};

}  // namespace fluxo
