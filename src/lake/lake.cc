#include "lake/lake.h"

#include <fmt/format.h>

#include <set>

#include "base/fault.h"
#include "base/ids.h"
#include "base/log.h"
#include "formats/output_stream.h"

namespace fluxo {

namespace {

constexpr const char* kBatches = "batches";
constexpr const char* kDataSets = "dataSets";

// Catalog entities carry `updated` beside the Flow Service's `updatedAt`.
void Touch(Entity& e, int64_t now_ms) {
  TouchEntity(e, now_ms);
  e.doc["updated"] = now_ms;
}

}  // namespace

namespace {

// A column of the recorded schema. In a nested schema (record_batch.h) `path` gives the struct
// members the dotted name stands for: {"name": "person.id", "path": ["person", "id"], ...}.
json::object ColumnJson(const Schema& schema, const Field& f, bool nullable) {
  json::object c{{"name", f.name}, {"type", f.type.ToString()}, {"nullable", nullable}};
  if (schema.nested()) {
    json::array path;
    for (size_t start = 0;;) {
      size_t dot = f.name.find('.', start);
      path.emplace_back(f.name.substr(start, dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    c["path"] = std::move(path);
  }
  return c;
}

}  // namespace

json::object SchemaToJson(const Schema& schema, int64_t version) {
  json::array cols;
  for (const auto& f : schema.fields()) cols.push_back(ColumnJson(schema, f, f.nullable));
  return json::object{{"version", version}, {"columns", std::move(cols)}};
}

Result<json::object> EvolveSchema(const json::value* current, const Schema& incoming) {
  if (!current || !current->is_object() || !current->as_object().contains("columns")) {
    return SchemaToJson(incoming, 1);
  }
  const json::object& cur = current->as_object();
  int64_t version = cur.contains("version") ? AsInt64Lenient(cur.at("version")).value_or(1) : 1;
  json::array cols = cur.at("columns").as_array();
  bool added = false;
  // Every column the dataset has: same type, or absent from the batch when nullable.
  for (const auto& c : cols) {
    const auto& o = c.as_object();
    std::string name(o.at("name").as_string());
    std::string type(o.at("type").as_string());
    int idx = incoming.FieldIndex(name);
    if (idx < 0) {
      bool nullable = !o.contains("nullable") || o.at("nullable").as_bool();
      if (!nullable) {
        return Status::InvalidArgument("column " + name + " (" + type +
                                       ", not nullable) of the dataset is missing from the input");
      }
      continue;
    }
    std::string in_type = incoming.field(idx).type.ToString();
    if (in_type != type) {
      return Status::InvalidArgument("column " + name + " has type " + in_type +
                                     " in the input but " + type + " in the dataset");
    }
  }
  // Columns new to the dataset are added as nullable (a new schema version).
  for (const auto& f : incoming.fields()) {
    bool known = false;
    for (const auto& c : cols) {
      if (c.as_object().at("name").as_string() == f.name) known = true;
    }
    if (!known) {
      cols.push_back(ColumnJson(incoming, f, true));
      added = true;
    }
  }
  return json::object{{"version", added ? version + 1 : version}, {"columns", std::move(cols)}};
}

json::value DatasetSchemaOf(const json::object& ds) {
  if (auto s = ds.if_contains("schema"); s && s->is_object()) return *s;
  if (auto c = ds.if_contains("columns"); c && c->is_array() && !c->as_array().empty()) {
    return json::object{{"version", 1}, {"columns", *c}};
  }
  return nullptr;
}

Lake::Lake(ObjectStore* objects, MetaStore* meta, const Clock* clock)
    : objects_(objects), meta_(meta), clock_(clock) {}

std::string Lake::DatasetPrefix(const Scope& scope, const std::string& dataset_id) {
  return scope.org + "/" + scope.sandbox + "/datasets/" + dataset_id + "/";
}

std::string Lake::BatchPrefix(const Scope& scope, const std::string& dataset_id,
                              const std::string& batch_id) {
  return DatasetPrefix(scope, dataset_id) + "batches/" + batch_id + "/";
}

Result<BatchContext> Lake::BeginBatch(const Scope& scope, const std::string& dataset_id,
                                      const std::string& run_id, const std::string& flow_id,
                                      int64_t attempt) {
  BatchContext ctx{scope, dataset_id, NewCatalogId(), run_id, ""};
  ctx.prefix = BatchPrefix(scope, dataset_id, ctx.batch_id);
  int64_t now = clock_->NowMillis();
  Entity e;
  e.kind = kBatches;
  e.id = ctx.batch_id;
  e.created_at = e.updated_at = now;
  e.etag = NewEtag(now);
  e.doc = json::object{
      {"id", e.id},
      {"status", "loading"},
      {"dataSetId", dataset_id},
      {"relatedObjects", json::array{json::object{{"type", "dataSet"}, {"id", dataset_id}}}},
      {"runId", run_id},
      {"flowId", flow_id},
      {"attempt", attempt},
      {"created", now},
      {"updated", now},
      {"createdAt", now},
      {"updatedAt", now},
      {"imsOrg", scope.org},
      {"sandboxName", scope.sandbox},
      {"etag", e.etag},
      {"version", e.etag}};
  e.refs = {};
  RETURN_IF_ERROR(meta_->Transact([&](MetaTxn& txn) { return txn.Insert(scope, e); }));
  return ctx;
}

OutputFactory Lake::PartFactory(const BatchContext& ctx, const std::string& tag) {
  std::string prefix = ctx.prefix + "part-" + (tag.empty() ? "" : tag + "-");
  ObjectStore* objects = objects_;
  return [prefix, objects](int index) -> Result<std::unique_ptr<OutputStream>> {
    ASSIGN_OR_RETURN(auto w, objects->NewWriter(fmt::format("{}{:05d}.parquet", prefix, index)));
    return WrapObjectWriter(std::move(w));
  };
}

Status Lake::RemoveParts(const BatchContext& ctx, const std::string& tag_prefix) {
  Status data = DeletePrefix(ctx.prefix + "part-" + tag_prefix);
  Status errors = DeletePrefix(ctx.prefix + kRowErrorsPartDir + "part-" + tag_prefix);
  return data.ok() ? errors : data;
}

std::string Lake::RowErrorsPartKey(const BatchContext& ctx, const std::string& tag) {
  return ctx.prefix + kRowErrorsPartDir + "part-" + tag + "-row_errors.jsonl";
}

Result<std::unique_ptr<ObjectWriter>> Lake::RowErrorsPartWriter(const BatchContext& ctx,
                                                                const std::string& tag) {
  return objects_->NewWriter(RowErrorsPartKey(ctx, tag));
}

Result<bool> Lake::MergeRowErrors(const BatchContext& ctx, const std::vector<std::string>& parts,
                                  const std::function<bool()>& stopped) {
  constexpr int64_t kChunk = int64_t{1} << 20;
  std::unique_ptr<ObjectWriter> w;
  for (const auto& key : parts) {
    ASSIGN_OR_RETURN(ObjectInfo info, objects_->Head(key));
    for (int64_t at = 0; at < info.size; at += kChunk) {
      if (stopped && stopped()) {
        if (w) w->Abort();
        return Status::Aborted("merging the row errors of batch " + ctx.batch_id + " stopped");
      }
      ASSIGN_OR_RETURN(std::string chunk, objects_->Get(key, ByteRange{at, kChunk}));
      if (!w) {
        ASSIGN_OR_RETURN(w, RowErrorsWriter(ctx));
      }
      Status s = w->Append(chunk);
      if (!s.ok()) {
        w->Abort();
        return s;
      }
    }
  }
  if (!w) return false;  // no part has a line
  if (stopped && stopped()) {
    w->Abort();
    return Status::Aborted("merging the row errors of batch " + ctx.batch_id + " stopped");
  }
  RETURN_IF_ERROR(w->Commit());
  return true;
}

Status Lake::RemoveUncommittedParts(const BatchContext& ctx, const std::vector<WrittenFile>& kept) {
  std::set<std::string> keep;
  for (const auto& f : kept) keep.insert(f.name);
  ASSIGN_OR_RETURN(auto objects, objects_->ListAll(ctx.prefix + "part-"));
  Status first = objects_->DeleteIncomplete(ctx.prefix + "part-");
  for (const auto& o : objects) {
    if (keep.count(o.key)) continue;
    Status s = objects_->Delete(o.key);
    if (!s.ok() && s.code() != StatusCode::kNotFound && first.ok()) first = s;
  }
  // Row-error parts: merged into meta/row_errors.jsonl before the commit, so none is kept.
  Status parts = DeletePrefix(ctx.prefix + kRowErrorsPartDir + "part-");
  return first.ok() ? parts : first;
}

Result<std::unique_ptr<ObjectWriter>> Lake::RowErrorsWriter(const BatchContext& ctx) {
  return objects_->NewWriter(ctx.prefix + "meta/row_errors.jsonl");
}

Status Lake::CheckSchema(const Scope& scope, const std::string& dataset_id, const Schema& schema) {
  return meta_->Read([&](MetaTxn& txn) -> Status {
    ASSIGN_OR_RETURN(Entity ds, txn.Get(scope, kDataSets, dataset_id));
    json::value current = DatasetSchemaOf(ds.doc);
    auto evolved = EvolveSchema(current.is_null() ? nullptr : &current, schema);
    if (!evolved.ok())
      return Status::InvalidArgument("dataset " + dataset_id + ": " + evolved.status().message());
    return Status::OK();
  });
}

Status Lake::Commit(const BatchContext& ctx, const std::vector<WrittenFile>& files,
                    const BatchMetrics& m, const Schema& schema, bool has_row_errors,
                    const std::function<Status(MetaTxn&)>& extra) {
  Entity committed;
  MaybeCrashAt("before-commit");
  RETURN_IF_ERROR(meta_->Transact([&](MetaTxn& txn) -> Status {
    ASSIGN_OR_RETURN(Entity batch, txn.Get(ctx.scope, kBatches, ctx.batch_id));
    if (GetString(batch.doc, "status") != std::optional<std::string>("loading")) {
      return Status::Aborted("batch " + ctx.batch_id +
                             " is no longer loading (aborted by another worker)");
    }
    ASSIGN_OR_RETURN(Entity ds, txn.Get(ctx.scope, kDataSets, ctx.dataset_id));
    json::value current = DatasetSchemaOf(ds.doc);
    ASSIGN_OR_RETURN(json::object evolved,
                     EvolveSchema(current.is_null() ? nullptr : &current, schema));
    int64_t now = clock_->NowMillis();
    const json::value* old_schema = ds.doc.if_contains("schema");
    if (!old_schema || json::serialize(*old_schema) != json::serialize(evolved)) {
      std::string expected = ds.etag;
      ds.doc["schema"] = evolved;
      ds.doc["schemaVersion"] = evolved.at("version");
      ds.doc["state"] = "ENABLED";
      Touch(ds, now);
      RETURN_IF_ERROR(txn.Update(ctx.scope, ds, expected));
    }
    json::array fl;
    for (size_t i = 0; i < files.size(); ++i) {
      std::string name = files[i].name.substr(files[i].name.rfind('/') + 1);
      fl.push_back(json::object{{"fileId", ctx.batch_id + "-" + std::to_string(i)},
                                {"name", name},
                                {"key", files[i].name},
                                {"size", files[i].size_bytes},
                                {"records", files[i].num_rows}});
    }
    std::string expected = batch.etag;
    batch.doc["status"] = "success";
    batch.doc["files"] = std::move(fl);
    batch.doc["schemaVersion"] = evolved.at("version");
    batch.doc["completed"] = now;
    batch.doc["hasRowErrors"] = has_row_errors;
    batch.doc["metrics"] = json::object{
        {"inputRecordCount", m.input_records},   {"outputRecordCount", m.output_records},
        {"failedRecordCount", m.failed_records}, {"inputByteSize", m.input_bytes},
        {"inputFileCount", m.input_files},       {"outputByteSize", m.output_bytes}};
    Touch(batch, now);
    RETURN_IF_ERROR(txn.Update(ctx.scope, batch, expected));
    if (extra) RETURN_IF_ERROR(extra(txn));
    committed = batch;
    return Status::OK();
  }));
  // The batch is committed; the manifest makes it visible. If this fails (crash, disk), the
  // garbage collector writes it later from the committed record.
  MaybeCrashAt("before-manifest");
  Status s = WriteManifest(committed);
  if (!s.ok())
    spdlog::warn("batch {} committed but its manifest failed: {}", ctx.batch_id, s.ToString());
  return Status::OK();
}

Result<bool> Lake::EnsureVisible(const Entity& batch) const {
  if (GetString(batch.doc, "status") != std::optional<std::string>("success")) return false;
  std::string key = BatchPrefix(Scope{GetString(batch.doc, "imsOrg").value_or(""),
                                      GetString(batch.doc, "sandboxName").value_or("")},
                                GetString(batch.doc, "dataSetId").value_or(""), batch.id) +
                    "_manifest.json";
  if (objects_->Head(key).ok()) return true;
  RETURN_IF_ERROR(WriteManifest(batch));
  return true;
}

Status Lake::WriteManifest(const Entity& batch) const {
  std::string ds = GetString(batch.doc, "dataSetId").value_or("");
  std::string org = GetString(batch.doc, "imsOrg").value_or("");
  std::string sb = GetString(batch.doc, "sandboxName").value_or("");
  json::object manifest{
      {"batchId", batch.id},
      {"dataSetId", ds},
      {"runId", batch.doc.contains("runId") ? batch.doc.at("runId") : json::value()},
      {"committedAt", batch.doc.contains("completed") ? batch.doc.at("completed") : json::value()},
      {"schemaVersion",
       batch.doc.contains("schemaVersion") ? batch.doc.at("schemaVersion") : json::value()},
      {"files", batch.doc.contains("files") ? batch.doc.at("files") : json::array()},
      {"metrics", batch.doc.contains("metrics") ? batch.doc.at("metrics") : json::object()}};
  std::string key = BatchPrefix(Scope{org, sb}, ds, batch.id) + "_manifest.json";
  return objects_->Put(key, json::serialize(manifest) + "\n");
}

Status Lake::DeletePrefix(const std::string& prefix) {
  ASSIGN_OR_RETURN(auto objects, objects_->ListAll(prefix));
  Status first = objects_->DeleteIncomplete(prefix);
  for (const auto& o : objects) {
    Status s = objects_->Delete(o.key);
    if (!s.ok() && s.code() != StatusCode::kNotFound && first.ok()) first = s;
  }
  return first;
}

Status Lake::Abort(const BatchContext& ctx, const std::string& reason) {
  return AbortUnless(ctx, reason, nullptr).status();
}

// The order is what keeps a committed batch whole: the batch is marked `failed` (cleanup
// pending) in one transaction first, and only then are its objects deleted. Commit refuses a
// batch that is no longer `loading` in its own transaction, and both update the record under
// its etag, so either the commit wins (this deletes nothing) or the abort does (the commit
// fails). Deleting first, as before, let a worker commit between the deletion and the mark: a
// `success` batch naming files that were gone.
Result<bool> Lake::AbortUnless(const BatchContext& ctx, const std::string& reason,
                               const std::function<Result<bool>(MetaTxn&)>& keep) {
  bool remove = false;
  RETURN_IF_ERROR(meta_->Transact([&](MetaTxn& txn) -> Status {
    remove = false;
    auto batch = txn.Get(ctx.scope, kBatches, ctx.batch_id);
    if (!batch.ok()) {
      if (batch.status().code() != StatusCode::kNotFound) return batch.status();
      remove = true;  // no record: nothing can commit these objects
      return Status::OK();
    }
    std::optional<std::string> status = GetString(batch->doc, "status");
    if (status == std::optional<std::string>("failed")) {
      remove = true;  // a repeated abort, or the collector's retry of a pending cleanup
      return Status::OK();
    }
    if (status != std::optional<std::string>("loading")) return Status::OK();  // committed
    if (keep) {
      ASSIGN_OR_RETURN(bool kept, keep(txn));
      if (kept) return Status::OK();
    }
    std::string expected = batch->etag;
    int64_t now = clock_->NowMillis();
    batch->doc["status"] = "failed";
    batch->doc["errors"] =
        json::array{json::object{{"code", "FLUXO-ABORTED"}, {"message", reason}}};
    batch->doc["completed"] = now;
    // Cleared below once every object is gone; a crash or a failed deletion leaves it, and
    // CollectGarbage deletes again.
    batch->doc[kCleanupField] = "pending";
    Touch(*batch, now);
    RETURN_IF_ERROR(txn.Update(ctx.scope, *batch, expected));
    remove = true;
    return Status::OK();
  }));
  if (!remove) return false;
  Status del = DeletePrefix(ctx.prefix);
  // Files that could not be removed (a read-only lake, an outage) are removed by a later
  // CollectGarbage: the mark stays until a deletion of the whole prefix succeeds.
  Status s = meta_->Transact([&](MetaTxn& txn) -> Status {
    auto batch = txn.Get(ctx.scope, kBatches, ctx.batch_id);
    if (!batch.ok())
      return batch.status().code() == StatusCode::kNotFound ? Status::OK() : batch.status();
    if (GetString(batch->doc, "status") != std::optional<std::string>("failed")) {
      return Status::OK();
    }
    if (batch->doc.contains(kCleanupField) == !del.ok()) return Status::OK();
    std::string expected = batch->etag;
    if (del.ok()) {
      batch->doc.erase(kCleanupField);
    } else {
      batch->doc[kCleanupField] = "pending";
    }
    Touch(*batch, clock_->NowMillis());
    return txn.Update(ctx.scope, *batch, expected);
  });
  RETURN_IF_ERROR(s);
  RETURN_IF_ERROR(del);
  return true;
}

Result<int64_t> Lake::ReplaceBatches(MetaTxn& txn, const Scope& scope,
                                     const std::string& dataset_id,
                                     const std::vector<std::string>& old_batch_ids,
                                     const std::string& new_batch_id, const std::string& run_id) {
  int64_t now = clock_->NowMillis();
  json::array hidden;
  for (const auto& id : old_batch_ids) {
    if (id == new_batch_id) continue;
    auto old = txn.Get(scope, kBatches, id);
    if (!old.ok()) {
      if (old.status().code() == StatusCode::kNotFound) continue;
      return old.status();
    }
    if (GetString(old->doc, "dataSetId") != std::optional<std::string>(dataset_id) ||
        GetString(old->doc, "status") != std::optional<std::string>("success")) {
      continue;
    }
    std::string expected = old->etag;
    old->doc["status"] = "inactive";
    old->doc[kCleanupField] = "pending";  // its files go next (RemoveInactiveFiles, or the GC)
    old->doc["replacedBy"] = new_batch_id.empty()
                                 ? json::object{{"runId", run_id}}
                                 : json::object{{"batchId", new_batch_id}, {"runId", run_id}};
    Touch(*old, now);
    RETURN_IF_ERROR(txn.Update(scope, *old, expected));
    hidden.push_back(json::value(id));
  }
  if (!new_batch_id.empty() && !hidden.empty()) {
    ASSIGN_OR_RETURN(Entity batch, txn.Get(scope, kBatches, new_batch_id));
    std::string expected = batch.etag;
    int64_t n = static_cast<int64_t>(hidden.size());
    batch.doc["replay"] =
        json::object{{"predecessors", std::move(hidden)},
                     {"reason", "run " + run_id + " replaced the window's earlier batches"}};
    Touch(batch, now);
    RETURN_IF_ERROR(txn.Update(scope, batch, expected));
    return n;
  }
  return static_cast<int64_t>(hidden.size());
}

Status Lake::RemoveInactiveFiles(const Scope& scope, const std::string& batch_id) {
  Entity batch;
  RETURN_IF_ERROR(meta_->Read([&](MetaTxn& txn) -> Status {
    ASSIGN_OR_RETURN(batch, txn.Get(scope, kBatches, batch_id));
    return Status::OK();
  }));
  if (GetString(batch.doc, "status") != std::optional<std::string>("inactive")) return Status::OK();
  std::string prefix = BatchPrefix(scope, GetString(batch.doc, "dataSetId").value_or(""), batch_id);
  Status m = objects_->Delete(prefix + "_manifest.json");
  if (!m.ok() && m.code() != StatusCode::kNotFound) return m;
  RETURN_IF_ERROR(DeletePrefix(prefix));
  if (!batch.doc.contains(kCleanupField)) return Status::OK();
  return meta_->Transact([&](MetaTxn& txn) -> Status {
    auto cur = txn.Get(scope, kBatches, batch_id);
    if (!cur.ok())
      return cur.status().code() == StatusCode::kNotFound ? Status::OK() : cur.status();
    if (!cur->doc.contains(kCleanupField)) return Status::OK();
    std::string expected = cur->etag;
    cur->doc.erase(kCleanupField);
    Touch(*cur, clock_->NowMillis());
    return txn.Update(scope, *cur, expected);
  });
}

Status Lake::DeleteBatch(const Scope& scope, const std::string& batch_id, const std::string& by) {
  RETURN_IF_ERROR(meta_->Transact([&](MetaTxn& txn) -> Status {
    ASSIGN_OR_RETURN(Entity batch, txn.Get(scope, kBatches, batch_id));
    std::string status = GetString(batch.doc, "status").value_or("");
    if (status == "inactive") return Status::OK();
    if (status != "success" && status != "failed") {
      return Status::FailedPrecondition("batch " + batch_id + " is " + status +
                                        ": it can be deleted once its run has finished");
    }
    std::string expected = batch.etag;
    int64_t now = clock_->NowMillis();
    batch.doc["status"] = "inactive";
    batch.doc["deleted"] = json::object{{"at", now}, {"by", by}, {"status", status}};
    batch.doc[kCleanupField] = "pending";  // cleared by RemoveInactiveFiles, else the GC's pass
    Touch(batch, now);
    return txn.Update(scope, batch, expected);
  }));
  Status removed = RemoveInactiveFiles(scope, batch_id);
  if (!removed.ok()) {
    spdlog::warn("batch {} deleted; removing its files failed (retried later): {}", batch_id,
                 removed.ToString());
  }
  return Status::OK();
}

Status Lake::Discard(const BatchContext& ctx) {
  RETURN_IF_ERROR(DeletePrefix(ctx.prefix));
  return meta_->Transact([&](MetaTxn& txn) -> Status {
    auto batch = txn.Get(ctx.scope, kBatches, ctx.batch_id);
    if (!batch.ok())
      return batch.status().code() == StatusCode::kNotFound ? Status::OK() : batch.status();
    if (GetString(batch->doc, "status") != std::optional<std::string>("loading"))
      return Status::OK();
    return txn.Delete(ctx.scope, kBatches, ctx.batch_id);
  });
}

Status Lake::AbortLoadingBatchesOfRun(const Scope& scope, const std::string& run_id,
                                      const std::string& reason) {
  ListQuery q;
  q.limit = 1000;
  q.filters = {Filter{"runId", -1, FilterOp::kEq, {run_id}},
               Filter{"status", -1, FilterOp::kEq, {"loading"}}};
  EntityPage page;
  RETURN_IF_ERROR(meta_->Read([&](MetaTxn& txn) -> Status {
    ASSIGN_OR_RETURN(page, txn.List(scope, kBatches, q));
    return Status::OK();
  }));
  for (const auto& b : page.items) {
    BatchContext ctx{scope, GetString(b.doc, "dataSetId").value_or(""), b.id, run_id, ""};
    ctx.prefix = BatchPrefix(scope, ctx.dataset_id, b.id);
    RETURN_IF_ERROR(Abort(ctx, reason));
  }
  return Status::OK();
}

Result<int64_t> Lake::CollectGarbage(int64_t min_age_ms, const AttemptLiveness& live) {
  int64_t now = clock_->NowMillis();
  ASSIGN_OR_RETURN(int64_t aborted, AbortDeadBatches(now, min_age_ms, live));
  RETURN_IF_ERROR(RemoveLeftoverFiles());
  RETURN_IF_ERROR(RepairManifests(now));
  return aborted;
}

Status Lake::RemoveLeftoverFiles() {
  ListQuery q;
  q.limit = 200;
  q.order_desc = false;
  q.filters = {Filter{"status", -1, FilterOp::kEq, {"failed"}},
               Filter{kCleanupField, -1, FilterOp::kEq, {"pending"}}};
  std::vector<ScopedEntity> failed, inactive;
  RETURN_IF_ERROR(meta_->Read([&](MetaTxn& txn) -> Status {
    ASSIGN_OR_RETURN(failed, txn.ListAcrossScopes(kBatches, q));
    q.filters[0].values = {"inactive"};
    ASSIGN_OR_RETURN(inactive, txn.ListAcrossScopes(kBatches, q));
    return Status::OK();
  }));
  // Replaced batches whose files the replacing worker did not remove (it died after its commit).
  for (const auto& se : inactive) {
    Status s = RemoveInactiveFiles(se.scope, se.entity.id);
    if (!s.ok()) {
      spdlog::warn("gc: files of replaced batch {} still cannot be removed: {}", se.entity.id,
                   s.message());
    } else {
      spdlog::info("gc: removed the files of replaced batch {}", se.entity.id);
    }
  }
  for (const auto& se : failed) {
    BatchContext ctx{se.scope, GetString(se.entity.doc, "dataSetId").value_or(""), se.entity.id,
                     GetString(se.entity.doc, "runId").value_or(""), ""};
    ctx.prefix = BatchPrefix(se.scope, ctx.dataset_id, se.entity.id);
    Status s = Abort(ctx, "");
    if (!s.ok()) {
      spdlog::warn("gc: files of failed batch {} still cannot be removed: {}", se.entity.id,
                   s.message());
    } else {
      spdlog::info("gc: removed the leftover files of failed batch {}", se.entity.id);
    }
  }
  return Status::OK();
}

Result<int64_t> Lake::AbortDeadBatches(int64_t now, int64_t min_age_ms,
                                       const AttemptLiveness& live) {
  ListQuery q;
  q.limit = 1000;
  q.order_desc = false;
  q.filters = {Filter{"status", -1, FilterOp::kEq, {"loading"}},
               Filter{"createdAt", -1, FilterOp::kLe, {std::to_string(now - min_age_ms)}}};
  std::vector<ScopedEntity> loading;
  RETURN_IF_ERROR(meta_->Read([&](MetaTxn& txn) -> Status {
    ASSIGN_OR_RETURN(loading, txn.ListAcrossScopes(kBatches, q));
    return Status::OK();
  }));
  int64_t aborted = 0;
  for (const auto& se : loading) {
    std::string run_id = GetString(se.entity.doc, "runId").value_or("");
    const json::value* battempt = se.entity.doc.if_contains("attempt");
    std::optional<int64_t> attempt = battempt ? AsInt64Lenient(*battempt) : std::nullopt;
    BatchContext ctx{se.scope, GetString(se.entity.doc, "dataSetId").value_or(""), se.entity.id,
                     run_id, ""};
    ctx.prefix = BatchPrefix(se.scope, ctx.dataset_id, se.entity.id);
    // The run is read in the transaction that marks the batch failed, not from the listing: the
    // attempt may have committed the batch (and finished the run) since.
    auto alive = [&](MetaTxn& txn) -> Result<bool> {
      auto run = txn.Get(se.scope, "runs", run_id);
      if (!run.ok()) {
        if (run.status().code() == StatusCode::kNotFound) return false;
        return run.status();
      }
      return attempt && live && live(run->doc, *attempt, clock_->NowMillis());
    };
    auto removed =
        AbortUnless(ctx, "the attempt that wrote this batch died before committing", alive);
    if (removed.status().code() == StatusCode::kFailedPrecondition) {
      continue;  // the batch changed under the mark (its commit won): the next pass looks again
    }
    RETURN_IF_ERROR(removed.status());
    if (!*removed) continue;
    spdlog::info("gc: removed the files of batch {} (run {} attempt is gone)", se.entity.id,
                 run_id);
    ++aborted;
  }
  return aborted;
}

Status Lake::RepairManifests(int64_t now) {
  ListQuery sq;
  sq.limit = 200;
  sq.filters = {Filter{"status", -1, FilterOp::kEq, {"success"}},
                Filter{"updatedAt", -1, FilterOp::kGe, {std::to_string(now - 24 * 3600 * 1000LL)}}};
  std::vector<ScopedEntity> recent;
  RETURN_IF_ERROR(meta_->Read([&](MetaTxn& txn) -> Status {
    ASSIGN_OR_RETURN(recent, txn.ListAcrossScopes(kBatches, sq));
    return Status::OK();
  }));
  for (const auto& se : recent) {
    std::string key =
        BatchPrefix(se.scope, GetString(se.entity.doc, "dataSetId").value_or(""), se.entity.id) +
        "_manifest.json";
    if (objects_->Head(key).status().code() == StatusCode::kNotFound) {
      spdlog::info("gc: writing the missing manifest of committed batch {}", se.entity.id);
      RETURN_IF_ERROR(WriteManifest(se.entity));
    }
  }
  return Status::OK();
}

}  // namespace fluxo
