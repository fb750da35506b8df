#include "executor/split_work.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "base/log.h"
#include "base/metrics.h"
#include "metastore/paging.h"
#include "model/run_state.h"

namespace fluxo {

namespace {

constexpr const char* kRuns = "runs";
constexpr const char* kPlanKey = "splitPlan";

// Split transitions of this process, by the state a split moved into (CONTRACT: /metrics).
Counter& SplitCounter(const char* state) {
  return GetCounter("fluxo_split_transitions_total", fmt::format("state=\"{}\"", state),
                    "Split attempts of distributed runs this process moved into each state: "
                    "claimed, redone (claimed after its worker died), done, committed (the last "
                    "split, which committed the run), failed, handedBack, abandoned (the run "
                    "attempt ended first).");
}

int64_t IntOf(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() ? 0 : AsInt64Lenient(it->value()).value_or(0);
}

json::object* FluxoOf(json::object& run) {
  json::value& f = run["fluxo"];
  if (!f.is_object()) f = json::object{};
  return &f.as_object();
}

json::array FilesToJson(const std::vector<WrittenFile>& files) {
  json::array a;
  for (const auto& f : files)
    a.push_back(json::object{{"name", f.name}, {"size", f.size_bytes}, {"records", f.num_rows}});
  return a;
}

json::object CountsToJson(const RunCounts& c) {
  return json::object{{"inputRecords", c.input_records},   {"outputRecords", c.output_records},
                      {"failedRecords", c.failed_records}, {"inputBytes", c.input_bytes},
                      {"outputBytes", c.output_bytes},     {"inputFiles", c.input_files},
                      {"outputFiles", c.output_files}};
}

void AddCounts(const json::object& j, RunCounts* c) {
  c->input_records += IntOf(j, "inputRecords");
  c->output_records += IntOf(j, "outputRecords");
  c->failed_records += IntOf(j, "failedRecords");
  c->input_bytes += IntOf(j, "inputBytes");
  c->output_bytes += IntOf(j, "outputBytes");
  c->input_files += IntOf(j, "inputFiles");
  c->output_files += IntOf(j, "outputFiles");
}

// The run attempt is the run's current one and still in progress; Aborted otherwise.
Result<Entity> CurrentRun(MetaTxn& txn, const Scope& scope, const std::string& run_id,
                          int64_t attempt) {
  auto run = txn.Get(scope, kRuns, run_id);
  if (!run.ok()) {
    if (run.status().code() == StatusCode::kNotFound)
      return Status::Aborted("run " + run_id + " no longer exists");
    return run.status();
  }
  RunState st(run->doc);
  if (st.status() != run_status::kInProgress || st.lease().attempt != attempt)
    return Status::Aborted("attempt " + std::to_string(attempt) + " of run " + run_id +
                           " has ended");
  return run;
}

const json::object* ObjectAt(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_object() ? &it->value().as_object() : nullptr;
}

}  // namespace

Result<RunCounts> LiveSplitCounts(MetaTxn& txn, const Scope& scope, const std::string& run_id,
                                  int64_t run_attempt) {
  ASSIGN_OR_RETURN(std::vector<Entity> rows, SplitRowsOfRun(txn, scope, run_id));
  RunCounts counts;
  for (const auto& r : rows) {
    if (IntOf(r.doc, "runAttempt") != run_attempt) continue;
    const json::object* cj = ObjectAt(r.doc, "counts");  // recorded when the split finished
    if (cj == nullptr) cj = ObjectAt(r.doc, "progress");
    if (cj != nullptr) AddCounts(*cj, &counts);
  }
  return counts;
}

std::string SplitTagPrefix(int index) { return fmt::format("s{:04d}a", index); }

json::object SplitPlanToJson(const SplitPlan& p) {
  json::array batches, warnings, inputs;
  for (const auto& b : p.batches)
    batches.push_back(json::object{{"dataSetId", b.dataset_id}, {"batchId", b.batch_id}});
  for (const auto& w : p.warnings) {
    json::object o{{"code", w.code}, {"message", w.message}};
    if (w.record_count) o["recordCount"] = *w.record_count;
    warnings.push_back(std::move(o));
  }
  for (const auto& f : p.input_files) inputs.push_back(json::value(f));
  return json::object{{"attempt", p.attempt},
                      {"batches", std::move(batches)},
                      {"schema", p.schema},
                      {"splits", p.splits},
                      {"nullDeltaRows", p.null_delta_rows},
                      {"warnings", std::move(warnings)},
                      {"inputFiles", std::move(inputs)}};
}

Result<SplitPlan> SplitPlanOf(const json::object& run, const Scope& scope) {
  const json::value* v = FindPath(run, "fluxo.splitPlan");
  if (!v || !v->is_object()) return Status::FailedPrecondition("the run has no split plan");
  const json::object& o = v->as_object();
  SplitPlan p;
  p.attempt = IntOf(o, "attempt");
  p.splits = static_cast<int>(IntOf(o, "splits"));
  p.null_delta_rows = IntOf(o, "nullDeltaRows");
  if (const json::object* s = ObjectAt(o, "schema")) p.schema = *s;
  auto array_at = [&](const char* key) -> const json::array* {
    auto it = o.find(key);
    return it != o.end() && it->value().is_array() ? &it->value().as_array() : nullptr;
  };
  if (const json::array* a = array_at("batches")) {
    for (const auto& b : *a) {
      if (!b.is_object()) continue;
      BatchContext ctx{scope, GetString(b.as_object(), "dataSetId").value_or(""),
                       GetString(b.as_object(), "batchId").value_or(""),
                       GetString(run, "id").value_or(""), ""};
      ctx.prefix = Lake::BatchPrefix(scope, ctx.dataset_id, ctx.batch_id);
      p.batches.push_back(std::move(ctx));
    }
  }
  if (const json::array* a = array_at("warnings")) {
    for (const auto& w : *a) {
      if (!w.is_object()) continue;
      SourceWarning sw{GetString(w.as_object(), "code").value_or(""),
                       GetString(w.as_object(), "message").value_or(""), std::nullopt};
      if (w.as_object().contains("recordCount"))
        sw.record_count = IntOf(w.as_object(), "recordCount");
      p.warnings.push_back(std::move(sw));
    }
  }
  if (const json::array* a = array_at("inputFiles")) {
    for (const auto& f : *a)
      if (f.is_string()) p.input_files.emplace_back(f.as_string());
  }
  if (p.batches.empty() || p.splits <= 0)
    return Status::FailedPrecondition("the run's split plan names no batch or no split");
  return p;
}

Result<SplitPlan> SplitRunner::Start(Executor& ex, const Scope& scope, const RunInputs& in,
                                     int64_t attempt, const std::vector<Split>& splits,
                                     const Schema& output, Source& planned) {
  SplitPlan plan;
  plan.attempt = attempt;
  plan.schema = SchemaToJson(output, 0);
  plan.splits = static_cast<int>(splits.size());
  plan.null_delta_rows = planned.counters().null_delta_rows.load();
  plan.warnings = planned.warnings();
  plan.input_files = planned.InputFiles();
  auto abort_all = [&](const Status& why) {
    for (const auto& b : plan.batches) (void)ex.lake_->Abort(b, why.message());
    return why;
  };
  for (const auto& ds : in.dataset_ids) {
    auto ctx = ex.lake_->BeginBatch(scope, ds, in.run.id, in.flow.id, attempt);
    if (!ctx.ok()) return abort_all(ctx.status());
    plan.batches.push_back(*ctx);
  }
  int64_t now = ex.clock_->NowMillis();
  Status s = ex.meta_->Transact([&](MetaTxn& txn) -> Status {
    ASSIGN_OR_RETURN(Entity run, txn.Get(scope, kRuns, in.run.id));
    if (!RunState(run.doc).HeldBy(ex.options_.owner, attempt))
      return Status::Aborted("run " + in.run.id + " is no longer held by this worker");
    RETURN_IF_ERROR(DeleteSplitRowsOfRun(txn, scope, in.run.id));
    std::string expected = run.etag;
    (*FluxoOf(run.doc))[kPlanKey] = SplitPlanToJson(plan);
    TouchEntity(run, now);
    RETURN_IF_ERROR(txn.Update(scope, run, expected));
    for (size_t i = 0; i < splits.size(); ++i) {
      json::value split =
          json::object{{"description", splits[i].description}, {"state", splits[i].state}};
      RETURN_IF_ERROR(txn.Insert(
          scope, NewSplitRow(in.run.id, attempt, static_cast<int>(i), plan.splits, split, now)));
    }
    return Status::OK();
  });
  if (!s.ok()) return abort_all(s);
  spdlog::info("run {}: attempt {} planned in {} splits for any worker", in.run.id, attempt,
               plan.splits);
  return plan;
}

Status SplitRunner::End(Executor& ex, const Scope& scope, const std::string& run_id,
                        int64_t attempt, std::string_view status,
                        const std::vector<RunError>& errors) {
  std::vector<BatchContext> batches;
  int64_t now = ex.clock_->NowMillis();
  Status s = ex.meta_->Transact([&](MetaTxn& txn) -> Status {
    RETURN_IF_ERROR(txn.LockForUpdate(scope, kRuns, run_id));
    ASSIGN_OR_RETURN(Entity run, CurrentRun(txn, scope, run_id, attempt));
    auto plan = SplitPlanOf(run.doc, scope);
    batches = plan.ok() ? plan->batches : std::vector<BatchContext>{};
    std::string expected = run.etag;
    RETURN_IF_ERROR(ReleaseRun(run.doc, status));
    FluxoOf(run.doc)->erase(kPlanKey);
    int64_t started = RunStartedAt(run.doc).value_or(now);
    if (status != run_status::kScheduled) {
      SetRunProgress(run.doc, RunCounts{}, std::string(status), started, now);
      SetRunErrors(run.doc, errors);
    }
    TouchEntity(run, now);
    RETURN_IF_ERROR(txn.Update(scope, run, expected));
    RETURN_IF_ERROR(DeleteSplitRowsOfRun(txn, scope, run_id));
    if (status == run_status::kScheduled) return Status::OK();
    return UpdateFlowLastRun(txn, scope, RunTargetOf(run.doc).flow_id, run_id, std::string(status),
                             started, now);
  });
  if (!s.ok()) return s;
  std::string reason = "the run ended " + std::string(status) + " before its batch was committed";
  for (const auto& b : batches) {
    Status a = ex.lake_->Abort(b, reason);
    if (!a.ok()) spdlog::warn("run {}: batch {}: {}", run_id, b.batch_id, a.ToString());
  }
  spdlog::info("run {} attempt {} ended {} (split run)", run_id, attempt, status);
  return Status::OK();
}

SplitRunner::SplitRunner(Executor& ex, const RunInputs& in, SplitPlan plan,
                         std::shared_ptr<const Schema> input, std::shared_ptr<const Schema> output)
    : ex_(ex),
      in_(in),
      plan_(std::move(plan)),
      input_(std::move(input)),
      output_(std::move(output)) {}

int64_t SplitRunner::Now() const { return ex_.clock_->NowMillis(); }

void SplitRunner::RemoveFiles(const ClaimedSplit& c, bool all_attempts) {
  std::string tag =
      SplitTagPrefix(c.index) + (all_attempts ? "" : std::to_string(c.split_attempt) + "-");
  for (const auto& b : plan_.batches) {
    Status s = ex_.lake_->RemoveParts(b, tag);
    if (!s.ok()) spdlog::warn("split {}: removing part-{}*: {}", c.id, tag, s.ToString());
  }
}

Status SplitRunner::RunSplit(const ClaimedSplit& c, const std::function<bool()>& should_stop) {
  SplitCounter(c.redo ? "redone" : "claimed").Add();
  spdlog::info("split {} of run {} claimed (attempt {}{})", c.index, c.run_id, c.split_attempt,
               c.redo ? ", redoing a dead attempt" : "");
  if (c.redo) RemoveFiles(c, true);
  StopSignal stop;
  RunProgress live;
  std::atomic<bool> done{false}, run_ended{false};
  std::thread heartbeat([&] { Heartbeat(c, stop, live, done, should_stop, &run_ended); });
  Outcome out;
  Status read = ReadSplit(c, stop, live, &out);
  Result<bool> last = false;
  if (read.ok()) last = FinishSplit(c, out);
  if (read.ok() && last.ok() && *last) {
    // The last split: its row stays held (`committing`), and the heartbeat keeps its lease
    // while the row errors are merged and the batches committed. It stops the merge when the
    // claim is lost (a finisher stalled past its lease is redone by another worker).
    SplitCounter("done").Add();
    Status s = CommitRun(c, [&run_ended] { return run_ended.load(); });
    done = true;
    heartbeat.join();
    return s;
  }
  done = true;
  heartbeat.join();
  // Recorded: the files are the row's now, whatever the heartbeat saw since (a heartbeat after
  // the finish finds the row no longer held, and must not make us delete them).
  if (read.ok() && last.ok()) {
    SplitCounter("done").Add();
    return Status::OK();
  }
  if ((!read.ok() && (run_ended || read.code() == StatusCode::kAborted)) ||
      (!last.ok() && last.status().code() == StatusCode::kAborted)) {
    SplitCounter("abandoned").Add();
    RemoveFiles(c, false);
    return Status::OK();
  }
  if (!read.ok() && stop.stopped()) {
    SplitCounter("handedBack").Add();
    RemoveFiles(c, false);
    return ex_.meta_->Transact(
        [&](MetaTxn& txn) { return HandBackSplit(txn, c, ex_.options_.owner, Now()); });
  }
  if (!read.ok()) {
    SplitCounter("failed").Add();
    spdlog::warn("split {} of run {} failed: {}", c.index, c.run_id, read.ToString());
    std::vector<RunError> errors{RunError{FailureCode(read), read.message(), std::nullopt}};
    for (const auto& e : out.row_errors) errors.push_back(RowErrorToRunError(e));
    Status s = End(ex_, c.scope, c.run_id, c.run_attempt, run_status::kFailed, errors);
    return s.code() == StatusCode::kAborted ? Status::OK() : s;
  }
  return last.status();  // not recorded: the lease expires and another worker redoes it
}

// Reads the split into part files, retrying transient source errors like a run's attempt.
Status SplitRunner::ReadSplit(const ClaimedSplit& c, StopSignal& stop, RunProgress& progress,
                              Outcome* out) {
  std::mt19937_64 rng(std::random_device{}());
  const ExecutorOptions& o = ex_.options_;
  Split split;
  if (c.split.is_object()) {
    split.description = GetString(c.split.as_object(), "description").value_or("");
    if (auto it = c.split.as_object().find("state"); it != c.split.as_object().end())
      split.state = it->value();
  }
  std::string tag = SplitTagPrefix(c.index) + std::to_string(c.split_attempt);
  for (int retry = 0;; ++retry) {
    out->started_ms = Now();
    RowErrorLog log;
    SourceConfig cfg = in_.source;
    cfg.late_commit.enabled = false;  // the holder's plan waited for the window's writers
    cfg.on_row_error = [&log](const RowError& e) { log.Add(e); };
    progress.Reset();
    Status s = [&]() -> Status {
      ASSIGN_OR_RETURN(std::unique_ptr<Source> source, in_.connector->NewSource(cfg));
      stop.Attach(source.get());
      struct Detach {
        StopSignal& s;
        ~Detach() { s.Detach(); }
      } detach{stop};
      RETURN_IF_ERROR(source->Open());
      if (!(*source->schema() == *input_))
        return Status::FailedPrecondition("the source's columns changed since the run was planned");
      ASSIGN_OR_RETURN(auto encode,
                       EncodeStage::Attach(*ex_.lake_, plan_.batches, output_, o.codec, tag,
                                           c.index == 0, in_.options.error_diagnostics, log));
      Status r = ReadStage(*source, {split}, *in_.transform, *encode, 1, progress, log, stop);
      if (!r.ok() || stop.stopped()) {
        encode->Abort(r.message());
        return stop.stopped() ? Status::Cancelled("split stopped") : r;
      }
      ASSIGN_OR_RETURN(out->files, encode->Close(progress));
      // This attempt's row-error part (no file when no row failed).
      Result<bool> has_errors = log.Finish();
      if (!has_errors.ok()) {
        encode->Abort(has_errors.status().message());
        return has_errors.status();
      }
      out->row_errors_key =
          *has_errors ? Lake::RowErrorsPartKey(plan_.batches[0], tag) : std::string();
      encode->HandOver();
      return Status::OK();
    }();
    out->counts = progress.Snapshot();
    out->row_errors = log.samples();
    if (s.ok() || !s.retryable() || retry >= o.max_transient_retries || stop.stopped()) return s;
    int64_t backoff = std::min(o.retry_cap_ms, o.retry_base_ms << retry);
    backoff = backoff / 2 + static_cast<int64_t>(rng() % static_cast<uint64_t>(backoff / 2 + 1));
    spdlog::warn("split {} of run {}: transient error, retrying in {} ms: {}", c.index, c.run_id,
                 backoff, s.ToString());
    for (int64_t w = 0; w < backoff && !stop.stopped(); w += 50)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

Result<bool> SplitRunner::FinishSplit(const ClaimedSplit& c, const Outcome& out) {
  bool last = false;
  int64_t now = Now();
  Status s = ex_.meta_->Transact([&](MetaTxn& txn) -> Status {
    last = false;
    RETURN_IF_ERROR(txn.LockForUpdate(c.scope, kRuns, c.run_id));  // finishers take turns
    RETURN_IF_ERROR(CurrentRun(txn, c.scope, c.run_id, c.run_attempt).status());
    ASSIGN_OR_RETURN(Entity row, HeldSplit(txn, c, ex_.options_.owner));
    ASSIGN_OR_RETURN(std::vector<Entity> rows, SplitRowsOfRun(txn, c.scope, c.run_id));
    int open = 0;
    for (const auto& r : rows) {
      if (r.id == c.id || IntOf(r.doc, "runAttempt") != c.run_attempt) continue;
      if (GetString(r.doc, "state") != std::optional<std::string>(split_state::kDone)) ++open;
    }
    json::array files;
    for (const auto& f : out.files) files.push_back(FilesToJson(f));
    json::array errors;
    for (const auto& e : out.row_errors) {
      errors.push_back(json::object{
          {"code", e.code}, {"message", e.message}, {"file", e.file}, {"line", e.line}});
    }
    row.doc["executor"] = ex_.options_.owner;
    row.doc["files"] = std::move(files);
    row.doc["counts"] = CountsToJson(out.counts);
    row.doc["rowErrors"] = std::move(errors);
    row.doc["rowErrorsKey"] = out.row_errors_key;  // "" when this attempt wrote no part
    row.doc["durationMs"] = now - out.started_ms;
    if (open == 0) {
      row.doc["committing"] = true;  // keeps its lease: a finisher that dies is redone
      last = true;
    } else {
      row.doc["state"] = split_state::kDone;
      row.doc["leaseOwner"] = "";
      row.doc["leaseExpiry"] = 0;
    }
    return UpdateSplitRow(txn, c.scope, std::move(row), now);
  });
  if (!s.ok()) return s;
  return last;
}

Status SplitRunner::VerifyCommit(MetaTxn& txn, const ClaimedSplit& c) {
  RETURN_IF_ERROR(txn.LockForUpdate(c.scope, kRuns, c.run_id));
  RETURN_IF_ERROR(CurrentRun(txn, c.scope, c.run_id, c.run_attempt).status());
  RETURN_IF_ERROR(CheckNotSuperseded(txn, c.scope, in_.run, in_.flow.id));
  ASSIGN_OR_RETURN(Entity mine, HeldSplit(txn, c, ex_.options_.owner));
  ASSIGN_OR_RETURN(std::vector<Entity> rows, SplitRowsOfRun(txn, c.scope, c.run_id));
  int done = 0;
  for (const auto& r : rows) {
    if (IntOf(r.doc, "runAttempt") != c.run_attempt) continue;
    if (r.id == c.id || GetString(r.doc, "state") == std::optional<std::string>(split_state::kDone))
      ++done;
  }
  if (done != plan_.splits)
    return Status::Aborted("run " + c.run_id + ": " + std::to_string(done) + " of " +
                           std::to_string(plan_.splits) + " splits are done");
  return Status::OK();
}

Status SplitRunner::MarkSucceeded(MetaTxn& txn, const ClaimedSplit& c, const RunCounts& counts,
                                  const std::vector<std::string>& batch_ids,
                                  const std::optional<std::string>& partial,
                                  const json::object& summary) {
  int64_t now = Now();
  ASSIGN_OR_RETURN(Entity run, txn.Get(c.scope, kRuns, c.run_id));
  std::string expected = run.etag;
  RETURN_IF_ERROR(ReleaseRun(run.doc, run_status::kSuccess));
  int64_t started = RunStartedAt(run.doc).value_or(now);
  SetRunProgress(run.doc, counts, std::string(run_status::kSuccess), started, now, batch_ids);
  SetRunErrors(run.doc,
               SuccessWarnings(counts, partial, plan_.null_delta_rows, in_.source, plan_.warnings));
  SetRunInputFacts(run.doc, plan_.null_delta_rows, plan_.input_files);
  FluxoOf(run.doc)->erase(kPlanKey);
  json::value& metrics = run.doc["metrics"];
  if (!metrics.is_object()) metrics = json::object{};
  metrics.as_object()["splitSummary"] = summary;
  TouchEntity(run, now);
  RETURN_IF_ERROR(txn.Update(c.scope, run, expected));
  RETURN_IF_ERROR(DeleteSplitRowsOfRun(txn, c.scope, c.run_id));
  return UpdateFlowLastRun(txn, c.scope, in_.flow.id, c.run_id, std::string(run_status::kSuccess),
                           started, now);
}

// The last finisher: every row's files into the run's batches, in one commit per target; the
// last one's transaction also finishes the run (Lake::Commit's `extra`).
Status SplitRunner::CommitRun(const ClaimedSplit& c, const std::function<bool()>& claim_lost) {
  std::vector<Entity> rows;
  RETURN_IF_ERROR(ex_.meta_->Read([&](MetaTxn& txn) -> Status {
    ASSIGN_OR_RETURN(rows, SplitRowsOfRun(txn, c.scope, c.run_id));
    return Status::OK();
  }));
  // Plan order: the row errors (samples and the merged file) read as one process reading the
  // splits one after the other would have written them.
  std::sort(rows.begin(), rows.end(), [](const Entity& a, const Entity& b) {
    return IntOf(a.doc, "index") < IntOf(b.doc, "index");
  });
  std::vector<std::string> error_parts;
  std::vector<std::vector<WrittenFile>> files(plan_.batches.size());
  RunCounts counts;
  std::map<std::string, int64_t> by_executor;
  json::array items;
  std::vector<RunError> samples;
  for (const auto& r : rows) {
    if (IntOf(r.doc, "runAttempt") != c.run_attempt) continue;
    if (const json::object* cj = ObjectAt(r.doc, "counts")) AddCounts(*cj, &counts);
    std::string executor = GetString(r.doc, "executor").value_or("");
    ++by_executor[executor];
    json::object item{{"index", IntOf(r.doc, "index")},
                      {"executor", executor},
                      {"attempt", IntOf(r.doc, "splitAttempt")},
                      {"durationMs", IntOf(r.doc, "durationMs")}};
    if (const json::object* cj = ObjectAt(r.doc, "counts"))
      item["outputRecords"] = IntOf(*cj, "outputRecords");
    items.push_back(std::move(item));
    auto fit = r.doc.find("files");
    if (fit != r.doc.end() && fit->value().is_array()) {
      const json::array& per_batch = fit->value().as_array();
      for (size_t i = 0; i < per_batch.size() && i < files.size(); ++i) {
        if (!per_batch[i].is_array()) continue;
        for (const auto& f : per_batch[i].as_array()) {
          if (!f.is_object()) continue;
          files[i].push_back(WrittenFile{GetString(f.as_object(), "name").value_or(""),
                                         IntOf(f.as_object(), "size"),
                                         IntOf(f.as_object(), "records")});
        }
      }
    }
    if (auto eit = r.doc.find("rowErrors"); eit != r.doc.end() && eit->value().is_array()) {
      for (const auto& e : eit->value().as_array()) {
        if (!e.is_object() || samples.size() >= 5) continue;  // the first 5, as RowErrorLog
        const json::object& eo = e.as_object();
        samples.push_back(RowErrorToRunError(
            RowError{GetString(eo, "code").value_or(""), GetString(eo, "message").value_or(""),
                     GetString(eo, "file").value_or(""), IntOf(eo, "line"), ""}));
      }
    }
    std::string part = GetString(r.doc, "rowErrorsKey").value_or("");
    if (!part.empty()) error_parts.push_back(std::move(part));
  }
  // Splits may share a file (byte ranges): the files read are the plan's, not the splits' sum.
  if (!plan_.input_files.empty())
    counts.input_files = static_cast<int64_t>(plan_.input_files.size());
  json::object execs;
  for (const auto& [k, n] : by_executor) execs[k] = n;
  json::object summary{{"splitCount", plan_.splits},
                       {"executorCount", static_cast<int64_t>(by_executor.size())},
                       {"byExecutor", std::move(execs)},
                       {"splits", std::move(items)}};
  for (auto& f : files) {
    std::sort(f.begin(), f.end(),
              [](const WrittenFile& a, const WrittenFile& b) { return a.name < b.name; });
  }
  auto partial = CheckFailedRecords(counts.failed_records, counts.input_records,
                                    in_.options.partial_ingestion_percent);
  if (!partial.ok()) {
    std::vector<RunError> errors{
        RunError{FailureCode(partial.status()), partial.status().message(), std::nullopt}};
    errors.insert(errors.end(), samples.begin(), samples.end());
    return End(ex_, c.scope, c.run_id, c.run_attempt, run_status::kFailed, errors);
  }
  // The diagnostics file, as a run read by one process has it: one meta/row_errors.jsonl of the
  // first batch, written before the commit that names it (hasRowErrors).
  bool has_row_errors = false;
  if (!error_parts.empty() && !plan_.batches.empty()) {
    Result<bool> merged = ex_.lake_->MergeRowErrors(plan_.batches[0], error_parts, claim_lost);
    if (!merged.ok() && merged.status().code() == StatusCode::kAborted) {
      spdlog::info("split {} of run {}: not committing: {}", c.index, c.run_id,
                   merged.status().message());
      SplitCounter("abandoned").Add();
      return Status::OK();
    }
    if (!merged.ok()) {
      std::vector<RunError> errors{
          RunError{FailureCode(merged.status()), merged.status().message(), std::nullopt}};
      Status e = End(ex_, c.scope, c.run_id, c.run_attempt, run_status::kFailed, errors);
      return e.code() == StatusCode::kAborted ? Status::OK() : e;
    }
    has_row_errors = *merged;
  }
  Status s;
  std::vector<std::string> batch_ids;
  std::set<std::string> replaced;  // batches a replacing run hid
  // Inside the commit of target i's batch `id` ("" when none): a replacing run hides the
  // window's earlier batches.
  const bool replace = RunTargetOf(in_.run.doc).replace;
  auto replace_in = [&](MetaTxn& txn, size_t i, const std::string& id) -> Status {
    if (!replace) return Status::OK();  // (a retried transaction adds the same ids again)
    return ReplaceWindowInDataset(txn, *ex_.lake_, c.scope, in_.run, in_.flow.id,
                                  plan_.batches[i].dataset_id, id, &replaced);
  };
  if (counts.input_records == 0 && counts.failed_records == 0) {  // an empty window
    s = ex_.meta_->Transact([&](MetaTxn& txn) -> Status {
      RETURN_IF_ERROR(VerifyCommit(txn, c));
      for (size_t i = 0; i < plan_.batches.size(); ++i) RETURN_IF_ERROR(replace_in(txn, i, ""));
      return MarkSucceeded(txn, c, counts, {}, *partial, summary);
    });
    if (s.ok()) {
      for (const auto& b : plan_.batches) (void)ex_.lake_->Discard(b);
    }
  } else {
    for (const auto& b : plan_.batches) batch_ids.push_back(b.batch_id);
    for (size_t i = 0; i < plan_.batches.size() && s.ok(); ++i) {
      BatchMetrics bm{counts.input_records, counts.output_records, counts.failed_records,
                      counts.input_bytes,   counts.input_files,    0};
      for (const auto& f : files[i]) bm.output_bytes += f.size_bytes;
      bool last = i + 1 == plan_.batches.size();
      s = ex_.lake_->Commit(plan_.batches[i], files[i], bm, *output_, has_row_errors && i == 0,
                            [&](MetaTxn& txn) -> Status {
                              RETURN_IF_ERROR(VerifyCommit(txn, c));
                              RETURN_IF_ERROR(replace_in(txn, i, plan_.batches[i].batch_id));
                              return last ? MarkSucceeded(txn, c, counts, batch_ids, *partial,
                                                          summary)
                                          : Status::OK();
                            });
    }
  }
  if (s.code() == StatusCode::kAborted) {
    spdlog::info("split {} of run {}: not committing: {}", c.index, c.run_id, s.message());
    SplitCounter("abandoned").Add();
    return Status::OK();
  }
  if (!s.ok()) {
    std::vector<RunError> errors{RunError{FailureCode(s), s.message(), std::nullopt}};
    Status e = End(ex_, c.scope, c.run_id, c.run_attempt, run_status::kFailed, errors);
    return e.code() == StatusCode::kAborted ? Status::OK() : e;
  }
  for (size_t i = 0; i < plan_.batches.size() && !batch_ids.empty(); ++i) {
    Status r = ex_.lake_->RemoveUncommittedParts(plan_.batches[i], files[i]);
    if (!r.ok()) spdlog::warn("run {}: stray part files: {}", c.run_id, r.ToString());
  }
  for (const auto& id : replaced) {  // best effort: the GC retries what is still pending
    Status r = ex_.lake_->RemoveInactiveFiles(c.scope, id);
    if (!r.ok()) spdlog::warn("run {}: files of replaced batch {}: {}", c.run_id, id, r.ToString());
  }
  SplitCounter("committed").Add();
  GetCounter("fluxo_runs_finished_total", "status=\"success\"", "").Add();
  GetCounter("fluxo_records_written_total", "", "").Add(counts.output_records);
  spdlog::info("run {} succeeded: {} splits by {} workers, {} records, batch {}", c.run_id,
               plan_.splits, by_executor.size(), counts.output_records,
               batch_ids.empty() ? "-" : batch_ids[0]);
  return Status::OK();
}

// Every heartbeat_ms until `done`: extends the split's lease (and the run's, when its holder
// stopped extending it), and stops the split when the run attempt ended or was cancelled, or
// `should_stop` says so.
void SplitRunner::Heartbeat(const ClaimedSplit& c, StopSignal& stop, const RunProgress& live,
                            const std::atomic<bool>& done, const std::function<bool()>& should_stop,
                            std::atomic<bool>* run_ended) {
  const ExecutorOptions& o = ex_.options_;
  while (!done) {
    for (int64_t w = 0; w < o.heartbeat_ms && !done; w += 20)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (done) break;
    int64_t now = Now();
    Status s = ex_.meta_->Transact([&](MetaTxn& txn) -> Status {
      RETURN_IF_ERROR(txn.LockForUpdate(c.scope, kRuns, c.run_id));
      ASSIGN_OR_RETURN(Entity run, CurrentRun(txn, c.scope, c.run_id, c.run_attempt));
      RunState st(run.doc);
      if (st.cancel_requested()) return Status::Aborted("the run was cancelled");
      RETURN_IF_ERROR(
          ExtendSplitLease(txn, c, o.owner, now + o.lease_ms, now, CountsToJson(live.Snapshot())));
      if (st.lease().expiry_ms < now + o.lease_ms / 2) {  // the holder is late or gone
        std::string expected = run.etag;
        ExtendRunLease(run.doc, now + o.lease_ms);
        TouchEntity(run, now);
        RETURN_IF_ERROR(txn.Update(c.scope, run, expected));
      }
      return Status::OK();
    });
    if (s.code() == StatusCode::kAborted) {
      *run_ended = true;
      stop.Stop();
    } else if (!s.ok()) {
      spdlog::warn("heartbeat of split {} of run {}: {}", c.index, c.run_id, s.ToString());
    }
    if (should_stop()) stop.Stop();
  }
}

Result<int64_t> SweepSplitLeftovers(Lake& lake, MetaStore& meta, int64_t now_ms,
                                    int64_t from_age_ms, int64_t to_age_ms) {
  ListQuery q;
  q.limit = 1000;
  q.filters = {Where("status", FilterOp::kEq, "success"),
               Where("updatedAt", FilterOp::kGe, std::to_string(now_ms - to_age_ms)),
               Where("updatedAt", FilterOp::kLt, std::to_string(now_ms - from_age_ms))};
  std::vector<ScopedEntity> recent;
  RETURN_IF_ERROR(meta.Read([&](MetaTxn& txn) -> Status {
    ASSIGN_OR_RETURN(recent, txn.ListAcrossScopes("batches", q));
    return Status::OK();
  }));
  int64_t removed = 0;
  for (const auto& b : recent) {
    const json::value* files = b.entity.doc.if_contains("files");
    if (files == nullptr || !files->is_array()) continue;
    std::set<std::string> kept;
    bool split_parts = false;
    for (const auto& f : files->as_array()) {
      if (!f.is_object()) continue;
      std::string key = GetString(f.as_object(), "key").value_or("");
      split_parts |= key.find("/part-s") != std::string::npos;
      kept.insert(std::move(key));
    }
    if (!split_parts) continue;  // a holder-only batch: no other process wrote into it
    std::string prefix =
        Lake::BatchPrefix(b.scope, GetString(b.entity.doc, "dataSetId").value_or(""), b.entity.id);
    ASSIGN_OR_RETURN(auto objects, lake.objects()->ListAll(prefix + "part-"));
    for (const auto& o : objects) {
      if (kept.count(o.key)) continue;
      Status s = lake.objects()->Delete(o.key);
      if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
      spdlog::info(
          "gc: removed {} of batch {}, written after its commit by a split attempt that "
          "had lost its claim",
          o.key.substr(o.key.rfind('/') + 1), b.entity.id);
      ++removed;
    }
    RETURN_IF_ERROR(lake.objects()->DeleteIncomplete(prefix + "part-"));
    // Row-error parts: the commit merged the ones it names into meta/row_errors.jsonl and
    // removed them all, so any left is a zombie's.
    const std::string parts = prefix + Lake::kRowErrorsPartDir;
    ASSIGN_OR_RETURN(auto error_parts, lake.objects()->ListAll(parts));
    for (const auto& o : error_parts) {
      Status s = lake.objects()->Delete(o.key);
      if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
      spdlog::info("gc: removed {} of batch {}, a row-error part written after its commit",
                   o.key.substr(o.key.rfind('/') + 1), b.entity.id);
      ++removed;
    }
    RETURN_IF_ERROR(lake.objects()->DeleteIncomplete(parts));
  }
  return removed;
}

}  // namespace fluxo
