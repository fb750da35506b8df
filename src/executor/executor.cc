#include "executor/executor.h"

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <set>

#include "base/ids.h"
#include "base/log.h"
#include "base/metrics.h"
#include "dataprep/mapping_transform.h"
#include "executor/pipeline.h"
#include "executor/run_inputs.h"
#include "executor/run_source.h"
#include "executor/split_work.h"
#include "metastore/paging.h"
#include "model/flow_options.h"
#include "model/run_doc.h"
#include "model/run_state.h"
#include "model/specs.h"
#include "model/transformations.h"
#include "secrets/connection_secrets.h"

namespace fluxo {

namespace {

constexpr const char* kRuns = "runs";

std::string DefaultOwner() {
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  return std::string(host) + ":" + std::to_string(getpid()) + ":" + RandomHex(3);
}

void SleepWhile(int64_t ms, const std::function<bool()>& keep_waiting) {
  for (int64_t w = 0; w < ms && keep_waiting(); w += 50) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

std::string FailureCode(const Status& s) {
  if (!s.detail().empty()) return s.detail();
  return s.retryable() ? "CONNECTOR-2002-503" : "CONNECTOR-2001-400";
}

struct Executor::Claimed {
  Scope scope;
  std::string run_id;
  int64_t attempt = 0;
  bool takeover = false;              // a previous attempt died holding the lease
  std::optional<ClaimedSplit> split;  // a split of some run instead of a run
};

namespace {

// The flow's targets: one dataset id per target connection.
Result<std::vector<std::string>> TargetDatasets(MetaTxn& txn, const Scope& scope,
                                                const Entity& flow) {
  std::vector<std::string> ids;
  const json::value* tids = flow.doc.if_contains("targetConnectionIds");
  if (!tids || !tids->is_array())
    return Status::FailedPrecondition("flow " + flow.id + " has no target connection");
  for (const auto& t : tids->as_array()) {
    if (!t.is_string()) return Status::FailedPrecondition("flow " + flow.id + ": bad target id");
    ASSIGN_OR_RETURN(Entity tc, txn.Get(scope, "targetConnections", std::string(t.as_string())));
    const json::value* ds = FindPath(tc.doc, "params.dataSetId");
    if (!ds || !ds->is_string())
      return Status::FailedPrecondition("target connection " + tc.id + " names no dataset");
    ids.emplace_back(ds->as_string());
  }
  return ids;
}

}  // namespace

Status LoadRunInputs(MetaTxn& txn, const Scope& scope, const std::string& run_id,
                     ConnectorRegistry& connectors, const MasterKey& key,
                     const ExecutorOptions& options, RunInputs* in) {
  ASSIGN_OR_RETURN(in->run, txn.Get(scope, kRuns, run_id));
  std::string flow_id = RunTargetOf(in->run.doc).flow_id;
  auto flow = txn.Get(scope, "flows", flow_id);
  if (!flow.ok()) return Status::NotFound("flow " + flow_id + " of this run no longer exists");
  in->flow = std::move(flow).value();
  ASSIGN_OR_RETURN(in->dataset_ids, TargetDatasets(txn, scope, in->flow));
  FlowSource fs;
  RETURN_IF_ERROR(LoadFlowSource(
      txn, scope, in->flow, RunTargetOf(in->run.doc), connectors, key,
      // A distributed run plans run_splits splits (any worker may take
      // one); its holder still reads source_parallelism at once.
      SourceAccess{options.allow_paths, std::max(options.source_parallelism, options.run_splits)},
      &fs));
  in->connector = fs.connector;
  in->source = std::move(fs.config);
  in->options = fs.options;
  auto load_mapping = [&](const std::string& id, int64_t v) -> Result<json::object> {
    ASSIGN_OR_RETURN(Entity e, txn.Get(scope, dataprep::kMappingSetVersionKind,
                                       dataprep::MappingSetVersionId(id, v)));
    return std::move(e.doc);
  };
  ASSIGN_OR_RETURN(in->transform, dataprep::NewFlowTransform(in->flow.doc, load_mapping,
                                                             &SystemClock::Instance()));
  in->source.member_paths = in->transform->SourceFields();
  return Status::OK();
}

std::vector<RunError> SuccessWarnings(const RunCounts& counts,
                                      const std::optional<std::string>& partial,
                                      int64_t null_delta_rows, const SourceConfig& source,
                                      const std::vector<SourceWarning>& source_warnings) {
  std::vector<RunError> errors;
  if (partial) {
    errors.push_back(
        RunError{"INGEST-1212-400", "Partial ingestion: " + *partial, counts.failed_records});
  }
  if (null_delta_rows > 0) {
    // Counted in windows that do not select them: under include-in-first-window, the window
    // starting at 0 landed those present when it ran.
    std::string fate = source.null_delta_policy == NullDeltaPolicy::kIncludeInFirstWindow
                           ? ": nullDeltaPolicy include-in-first-window lands them only in the "
                             "window starting at 0, so those added after it ran are never ingested"
                           : ": they belong to no window and are never ingested";
    errors.push_back(RunError{kNullDeltaWarning,
                              std::to_string(null_delta_rows) +
                                  " rows have a NULL value in the delta column " +
                                  source.delta_column.value_or("?") + fate,
                              null_delta_rows});
  }
  for (const auto& w : source_warnings)
    errors.push_back(RunError{w.code, w.message, w.record_count});
  return errors;
}

Status UpdateFlowLastRun(MetaTxn& txn, const Scope& scope, const std::string& flow_id,
                         const std::string& run_id, const std::string& state, int64_t started_ms,
                         int64_t now_ms) {
  auto flow = txn.Get(scope, "flows", flow_id);
  if (!flow.ok())
    return flow.status().code() == StatusCode::kNotFound ? Status::OK() : flow.status();
  std::string expected = flow->etag;
  flow->doc["lastRunDetails"] = json::object{
      {"id", run_id}, {"state", state}, {"startedAtUTC", started_ms}, {"completedAtUTC", now_ms}};
  TouchEntity(*flow, now_ms);
  return txn.Update(scope, *flow, expected);
}

// One run on this worker: its attempts (with retries), the heartbeat that keeps its lease, and
// how it finishes. The attempt thread runs the pipeline stages; the heartbeat thread reads only
// `progress_` and stops attempts through `stop_` (it never touches a Source).
class Executor::RunExecution {
 public:
  RunExecution(Executor* ex, const Claimed& c) : ex_(ex), c_(c) {}
  void Run();

 private:
  enum class Outcome { kSuccess, kFailed, kCancelled, kHandedBack, kLeaseLost };

  Status AttemptWithRetries();
  Status Attempt(bool* transient);
  // The distributed path (split_work.h): plans the rows, executes splits of this run on
  // source_parallelism threads, and waits until whoever finished the last split ended the run.
  Status AttemptSplits(Source& source, const Plan& plan);
  bool UseSplits(const Plan& plan) const;
  Status Promote(Source& source, EncodeStage& encode,
                 const std::vector<std::vector<WrittenFile>>& files, const Schema& schema);
  Status PromoteEmpty(Source& source);
  Status CheckNotSuperseded(MetaTxn& txn) const;
  Status InCommit(MetaTxn& txn, size_t target, const std::string& new_batch_id);
  void RemoveReplacedFiles();
  Status MarkSucceeded(MetaTxn& txn, const std::vector<std::string>& batch_ids,
                       const std::optional<std::string>& partial,
                       const std::vector<std::string>& input_files,
                       const std::vector<SourceWarning>& source_warnings);
  void Heartbeat();
  void LogProgress(const RunCounts& c);
  // Applies `fn` to the run document in a transaction, if this attempt still owns the run.
  Status UpdateRun(const std::function<void(json::object&)>& fn);
  // Aborted when this attempt no longer holds the run (RunState::HeldBy).
  Status OwnsRun(const json::object& doc) const;
  void Conclude(const Status& result);
  void Finish(Outcome outcome, const std::string& code, const std::string& message);
  Status UpdateFlowLastRun(MetaTxn& txn, const std::string& state);
  bool ShouldStop() const { return cancel_requested_ || lease_lost_ || ex_->stopping_; }
  int64_t Now() const { return ex_->clock_->NowMillis(); }

  Executor* ex_;
  const Claimed c_;
  RunInputs in_;
  RunProgress progress_;  // written by the attempt's threads, read by the heartbeat
  StopSignal stop_;       // the heartbeat stops the attempt through it
  RowErrorLog row_errors_;
  std::string batch_for_log_;  // the first target's committed batch
  // The batches a replacing commit hid (attempt thread only); their files go after the commit.
  std::set<std::string> replaced_batches_;
  int64_t started_ms_ = 0;
  int64_t next_progress_log_ms_ = 0;  // heartbeat thread only
  std::atomic<bool> cancel_requested_{false};
  std::atomic<bool> lease_lost_{false};
  std::atomic<bool> heartbeat_stop_{false};
  // The attempt runs as split rows (AttemptSplits): the heartbeat keeps the lease only (the
  // counts live in the rows), and the run's end is written by the split path.
  std::atomic<bool> split_phase_{false};
  std::string ended_as_;  // the status a split worker ended the run with ("" while it runs)
};

Executor::Executor(MetaStore* meta, Lake* lake, ConnectorRegistry* connectors, const MasterKey* key,
                   ExecutorOptions options, const Clock* clock)
    : meta_(meta),
      lake_(lake),
      connectors_(connectors),
      key_(key),
      options_(std::move(options)),
      clock_(clock) {
  if (options_.owner.empty()) options_.owner = DefaultOwner();
}

Executor::~Executor() { Stop(); }

void Executor::Start() {
  for (int i = 0; i < options_.workers; ++i) threads_.emplace_back([this, i] { WorkerLoop(i); });
  threads_.emplace_back([this] { GcLoop(); });
}

void Executor::Stop() {
  stopping_ = true;
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void Executor::WorkerLoop(int index) {
  spdlog::info("worker {} of {} started", index, options_.owner);
  while (!stopping_) {
    int64_t seen = meta_->RunWrites();
    auto ran = RunOne();
    if (!ran.ok()) {
      spdlog::warn("worker {}: {}", index, ran.status().ToString());
    }
    if (!ran.ok() || !*ran) {
      // Idle: until a run write (of any process, with PostgreSQL) or poll_ms, in 50 ms slices
      // so that Stop() is prompt. A write seen since the claim started ends the wait at once.
      for (int64_t waited = 0; waited < options_.poll_ms && !stopping_; waited += 50) {
        if (meta_->WaitForRunWrites(seen, 50)) break;
      }
    }
  }
}

void Executor::GcLoop() {
  int64_t next = 0;
  while (!stopping_) {
    int64_t now = clock_->NowMillis();
    if (now >= next) {
      try {
        auto n = lake_->CollectGarbage(options_.lease_ms, RunAttemptLive);
        if (!n.ok()) spdlog::warn("lake gc: {}", n.status().ToString());
        int64_t from = 2 * options_.lease_ms;
        auto z = SweepSplitLeftovers(*lake_, *meta_, now, from,
                                     from + 2 * options_.gc_interval_ms + options_.lease_ms);
        if (!z.ok()) spdlog::warn("lake gc: split leftovers: {}", z.status().ToString());
      } catch (const std::exception& e) {
        spdlog::error("lake gc: unexpected error: {}", e.what());
      }
      next = now + options_.gc_interval_ms;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

Result<bool> Executor::RunOne() {
  ASSIGN_OR_RETURN(auto claimed, Claim());
  if (!claimed) return false;
  Execute(*claimed);
  // The run's buffers are free now: give glibc's whole free pages back to the system, or the
  // arenas keep them (bench/soak/README.md).
  malloc_trim(0);
  return true;
}

namespace {

// Runs whose worker died: inProgress under an expired lease (RunState::Claimable).
ListQuery ExpiredLeases(int64_t now_ms) {
  ListQuery q;
  q.limit = 10;
  q.filters = {Where(kRunStatusPath, FilterOp::kEq, run_status::kInProgress),
               Where(kRunLeaseExpiryPath, FilterOp::kLt, std::to_string(now_ms))};
  q.skip_locked = true;  // another node's claimer holds them: take others
  return q;
}

// Scheduled runs that are due, oldest first.
ListQuery DueRuns(int64_t now_ms) {
  ListQuery q;
  q.limit = 20;
  q.order_field = std::string(kRunDueAtPath);
  q.order_desc = false;
  q.filters = {Where(kRunStatusPath, FilterOp::kEq, run_status::kScheduled),
               Where(kRunDueAtPath, FilterOp::kLe, std::to_string(now_ms))};
  q.skip_locked = true;
  return q;
}

// One run of a flow at a time: true when another run of the flow holds a live lease.
Result<bool> FlowBusy(MetaTxn& txn, const Scope& scope, const Entity& run, int64_t now_ms) {
  ListQuery q;
  q.limit = 5;
  q.filters = {Where("flowId", FilterOp::kEq, RunTargetOf(run.doc).flow_id),
               Where(kRunStatusPath, FilterOp::kEq, run_status::kInProgress),
               Where(kRunLeaseExpiryPath, FilterOp::kGe, std::to_string(now_ms))};
  ASSIGN_OR_RETURN(EntityPage page, txn.List(scope, kRuns, q));
  for (const auto& p : page.items) {
    if (p.id != run.id) return true;
  }
  return false;
}

}  // namespace

Result<std::optional<Executor::Claimed>> Executor::Claim() {
  std::optional<Claimed> out;
  int64_t now_ms = clock_->NowMillis();
  Status s = meta_->Transact([&](MetaTxn& txn) -> Status {
    out.reset();
    // A split of a running distributed run comes before a new run: it finishes work under way.
    ASSIGN_OR_RETURN(auto split, ClaimSplit(txn, options_.owner, now_ms, options_.lease_ms));
    if (split) {
      out = Claimed{split->scope, split->run_id, split->run_attempt, false, std::move(split)};
      return Status::OK();
    }
    ASSIGN_OR_RETURN(auto candidates, txn.ListAcrossScopes(kRuns, ExpiredLeases(now_ms)));
    ASSIGN_OR_RETURN(auto scheduled, txn.ListAcrossScopes(kRuns, DueRuns(now_ms)));
    for (auto& r : scheduled) candidates.push_back(std::move(r));
    for (auto& cand : candidates) {
      Entity& run = cand.entity;
      // Claimers of one flow take turns here, so FlowBusy sees another node's fresh claim.
      RETURN_IF_ERROR(txn.LockForUpdate(cand.scope, "flows", RunTargetOf(run.doc).flow_id));
      ASSIGN_OR_RETURN(bool busy, FlowBusy(txn, cand.scope, run, now_ms));
      if (busy) continue;
      bool takeover = RunStatusOf(run.doc) == run_status::kInProgress;
      std::string expected = run.etag;
      Result<int64_t> attempt = ClaimRun(run.doc, options_.owner, now_ms, options_.lease_ms);
      if (!attempt.ok()) continue;
      TouchEntity(run, now_ms);
      RETURN_IF_ERROR(txn.Update(cand.scope, run, expected));
      out = Claimed{cand.scope, run.id, *attempt, takeover};
      return Status::OK();
    }
    return Status::OK();
  });
  if (!s.ok()) return s;
  if (out && !out->split) {
    static Counter& claims = GetCounter("fluxo_run_claims_total", "",
                                        "Runs this process claimed (take-overs included).");
    static Counter& expiries =
        GetCounter("fluxo_run_lease_expiries_total", "",
                   "Runs this process took over because their worker's lease expired.");
    claims.Add();
    if (out->takeover) expiries.Add();
  }
  return out;
}

void Executor::Execute(const Claimed& claimed) {
  ScopedRequestId rid("run-" + claimed.run_id.substr(0, 8));
  if (claimed.split) {
    try {
      ExecuteSplit(*claimed.split);
    } catch (const std::exception& e) {  // its lease expires and another worker redoes it
      spdlog::error("split {}: unexpected error: {}", claimed.split->id, e.what());
    }
    return;
  }
  spdlog::info("run {} claimed (attempt {}{})", claimed.run_id, claimed.attempt,
               claimed.takeover ? ", taking over from a dead worker" : "");
  // A malformed stored document must not take the worker down: fail the run instead.
  try {
    RunExecution(this, claimed).Run();
  } catch (const std::exception& e) {
    spdlog::error("run {}: unexpected error: {}", claimed.run_id, e.what());
    Status s = meta_->Transact([&](MetaTxn& txn) -> Status {
      ASSIGN_OR_RETURN(Entity run, txn.Get(claimed.scope, kRuns, claimed.run_id));
      if (RunStatusOf(run.doc) != run_status::kInProgress) return Status::OK();
      std::string expected = run.etag;
      RETURN_IF_ERROR(ReleaseRun(run.doc, run_status::kFailed));
      SetRunErrors(run.doc, {RunError{"FLUXO-5000-500", std::string("internal error: ") + e.what(),
                                      std::nullopt}});
      SetRunCompletedAt(run.doc, clock_->NowMillis());
      TouchEntity(run, clock_->NowMillis());
      return txn.Update(claimed.scope, run, expected);
    });
    if (!s.ok())
      spdlog::error("run {}: cannot record the failure: {}", claimed.run_id, s.ToString());
  }
}

// A split of a run held elsewhere (or by another thread of this process): the run's inputs, the
// transform bound to a freshly opened source, then SplitRunner::RunSplit.
void Executor::ExecuteSplit(const ClaimedSplit& c) {
  RunInputs in;
  Status loaded = meta_->Read([&](MetaTxn& txn) {
    return LoadRunInputs(txn, c.scope, c.run_id, *connectors_, *key_, options_, &in);
  });
  RunState st(loaded.ok() ? in.run.doc : json::object{});
  if (!loaded.ok() && loaded.code() != StatusCode::kNotFound) {
    (void)SplitRunner::End(*this, c.scope, c.run_id, c.run_attempt, run_status::kFailed,
                           {RunError{"FLUXO-1001-400", loaded.message(), std::nullopt}});
    return;
  }
  if (!loaded.ok() || st.status() != run_status::kInProgress ||
      st.lease().attempt != c.run_attempt) {
    // A row of an attempt that ended: garbage.
    Status d = meta_->Transact([&](MetaTxn& txn) -> Status {
      Status s = txn.Delete(c.scope, kSplitKind, c.id);
      return s.code() == StatusCode::kNotFound ? Status::OK() : s;
    });
    if (!d.ok()) spdlog::warn("split {}: {}", c.id, d.ToString());
    return;
  }
  auto fail = [&](const Status& s) {
    if (s.retryable()) {  // another worker (or this one, later) tries again
      (void)meta_->Transact(
          [&](MetaTxn& txn) { return HandBackSplit(txn, c, options_.owner, clock_->NowMillis()); });
      return;
    }
    (void)SplitRunner::End(*this, c.scope, c.run_id, c.run_attempt, run_status::kFailed,
                           {RunError{FailureCode(s), s.message(), std::nullopt}});
  };
  auto plan = SplitPlanOf(in.run.doc, c.scope);
  if (!plan.ok()) return fail(plan.status());
  SourceConfig cfg = in.source;
  cfg.late_commit.enabled = false;
  auto source = in.connector->NewSource(cfg);
  if (!source.ok()) return fail(source.status());
  Status opened = (*source)->Open();
  if (!opened.ok()) return fail(opened);
  auto output = in.transform->Bind((*source)->schema());
  if (!output.ok()) return fail(output.status());
  if (json::serialize(SchemaToJson(**output, 0)) != json::serialize(plan->schema)) {
    return fail(
        Status::FailedPrecondition("the source's columns changed since the run was planned"));
  }
  SplitRunner runner(*this, in, std::move(plan).value(), (*source)->schema(), *output);
  Status r = runner.RunSplit(c, [this] { return stopping_.load(); });
  if (!r.ok()) spdlog::warn("split {}: {}", c.id, r.ToString());
}

Status Executor::RunExecution::OwnsRun(const json::object& doc) const {
  if (!RunState(doc).HeldBy(ex_->options_.owner, c_.attempt)) {
    return Status::Aborted("run " + c_.run_id + " is no longer held by this worker");
  }
  return Status::OK();
}

Status Executor::RunExecution::UpdateRun(const std::function<void(json::object&)>& fn) {
  return ex_->meta_->Transact([&](MetaTxn& txn) -> Status {
    ASSIGN_OR_RETURN(Entity run, txn.Get(c_.scope, kRuns, c_.run_id));
    RETURN_IF_ERROR(OwnsRun(run.doc));
    std::string expected = run.etag;
    fn(run.doc);
    TouchEntity(run, Now());
    return txn.Update(c_.scope, run, expected);
  });
}

// Every heartbeat_ms: extends the lease, publishes the live metrics, notices op=cancel; stops
// the attempt on cancel, on a lost lease and on shutdown.
void Executor::RunExecution::Heartbeat() {
  next_progress_log_ms_ = Now() + 10000;
  while (!heartbeat_stop_) {
    SleepWhile(ex_->options_.heartbeat_ms, [&] { return !heartbeat_stop_; });
    if (heartbeat_stop_) break;
    std::optional<RunCounts> counts = progress_.Snapshot();
    if (split_phase_) {  // the splits' counts, wherever they run
      Status live = ex_->meta_->Read([&](MetaTxn& txn) -> Status {
        ASSIGN_OR_RETURN(counts, LiveSplitCounts(txn, c_.scope, c_.run_id, c_.attempt));
        return Status::OK();
      });
      if (!live.ok()) counts.reset();  // the last published counts stay
    }
    Status s = UpdateRun([&](json::object& doc) {
      if (RunState(doc).cancel_requested()) cancel_requested_ = true;
      ExtendRunLease(doc, Now() + ex_->options_.lease_ms);
      if (counts)
        SetRunProgress(doc, *counts, std::string(run_status::kInProgress), started_ms_,
                       std::nullopt);
    });
    if (s.code() == StatusCode::kAborted) {
      lease_lost_ = true;
    } else if (!s.ok()) {
      spdlog::warn("heartbeat of run {}: {}", c_.run_id, s.ToString());
    }
    if (ShouldStop()) stop_.Stop();
    if (counts) LogProgress(*counts);
  }
}

// A progress line every ~10 s on long runs.
void Executor::RunExecution::LogProgress(const RunCounts& c) {
  int64_t now = Now();
  if (now < next_progress_log_ms_) return;
  next_progress_log_ms_ = now + 10000;
  std::string of = c.estimated_records >= 0 ? " of ~" + std::to_string(c.estimated_records) : "";
  spdlog::info("run {} in progress: {}{} records read, {} written, {} bytes read, {:.0f} s",
               c_.run_id, c.input_records, of, c.output_records, c.input_bytes,
               static_cast<double>(now - started_ms_) / 1000.0);
}

Status Executor::RunExecution::UpdateFlowLastRun(MetaTxn& txn, const std::string& state) {
  return fluxo::UpdateFlowLastRun(txn, c_.scope, in_.flow.id, c_.run_id, state, started_ms_, Now());
}

// Attempts until one succeeds, fails for good, or the run is stopped. Transient failures are
// retried up to max_transient_retries times with capped exponential backoff and jitter.
Status Executor::RunExecution::AttemptWithRetries() {
  std::mt19937_64 rng(std::random_device{}());
  for (int retry = 0;; ++retry) {
    bool transient = false;
    Status result = Attempt(&transient);
    if (result.ok() || !transient || retry >= ex_->options_.max_transient_retries || ShouldStop())
      return result;
    int64_t backoff = std::min(ex_->options_.retry_cap_ms, ex_->options_.retry_base_ms << retry);
    backoff = backoff / 2 + static_cast<int64_t>(rng() % static_cast<uint64_t>(backoff / 2 + 1));
    spdlog::warn("run {}: transient error, retrying in {} ms: {}", c_.run_id, backoff,
                 result.ToString());
    SleepWhile(backoff, [&] { return !cancel_requested_ && !ex_->stopping_; });
  }
}

// One attempt: plan -> read -> transform -> encode -> commit (pipeline.h). `*transient` tells
// the caller a retry may help: the source's transient errors, never a failed commit.
Status Executor::RunExecution::Attempt(bool* transient) {
  *transient = false;
  progress_.Reset();
  row_errors_.Reset();  // a retried attempt reads the rows again
  auto made = in_.connector->NewSource(in_.source);
  if (!made.ok()) {
    *transient = made.status().retryable();
    return made.status();
  }
  std::unique_ptr<Source> source = std::move(made).value();
  stop_.Attach(source.get());
  struct Detach {
    StopSignal& s;
    ~Detach() { s.Detach(); }
  } detach{stop_};  // before `source` is destroyed

  Result<Plan> plan = PlanStage(*source, *in_.transform, *ex_->lake_, c_.scope, in_.dataset_ids);
  if (!plan.ok()) {
    *transient = plan.status().retryable();
    return plan.status();
  }
  if (plan->empty_window) return PromoteEmpty(*source);
  if (UseSplits(*plan)) return AttemptSplits(*source, *plan);
  int threads = std::max(
      1, std::min<int>(ex_->options_.source_parallelism, static_cast<int>(plan->splits.size())));
  EncodeTarget target{c_.scope,
                      c_.run_id,
                      in_.flow.id,
                      c_.attempt,
                      in_.dataset_ids,
                      ex_->options_.codec,
                      in_.options.error_diagnostics};
  ASSIGN_OR_RETURN(auto encode,
                   EncodeStage::Begin(*ex_->lake_, target, plan->schema, threads, row_errors_));
  Status read = ReadStage(*source, plan->splits, *in_.transform, *encode, threads, progress_,
                          row_errors_, stop_);
  if (ShouldStop()) {
    encode->Abort("run stopped before commit");
    return Status::Cancelled("run stopped");
  }
  if (!read.ok()) {
    encode->Abort(read.message());
    *transient = read.retryable();
    return read;
  }
  RunCounts read_counts = progress_.Snapshot();
  if (read_counts.input_records == 0 && read_counts.failed_records == 0) {
    encode->Discard();
    return PromoteEmpty(*source);
  }
  auto files = encode->Close(progress_);
  if (!files.ok()) {
    *transient = files.status().retryable();
    return files.status();
  }
  return Promote(*source, *encode, *files, *plan->schema);
}

bool Executor::RunExecution::UseSplits(const Plan& plan) const {
  return ex_->options_.run_splits >= 2 && plan.splits.size() >= 2;
}

Status Executor::RunExecution::AttemptSplits(Source& source, const Plan& plan) {
  ASSIGN_OR_RETURN(SplitPlan sp, SplitRunner::Start(*ex_, c_.scope, in_, c_.attempt, plan.splits,
                                                    *plan.schema, source));
  split_phase_ = true;
  SplitRunner runner(*ex_, in_, sp, source.schema(), plan.schema);
  const auto stop = [this] { return ShouldStop(); };
  const SplitClaimScope mine{c_.run_id};
  // One split of this run, if one is claimable now; false when none is.
  auto run_one = [&]() -> bool {
    std::optional<ClaimedSplit> claimed;
    Status s = ex_->meta_->Transact([&](MetaTxn& txn) -> Status {
      ASSIGN_OR_RETURN(claimed,
                       ClaimSplit(txn, ex_->options_.owner, Now(), ex_->options_.lease_ms, mine));
      return Status::OK();
    });
    if (!s.ok() || !claimed) return false;
    Status r = runner.RunSplit(*claimed, stop);
    if (!r.ok()) spdlog::warn("run {}: split {}: {}", c_.run_id, claimed->index, r.ToString());
    return true;
  };
  std::vector<std::thread> helpers;
  for (int i = 1; i < ex_->options_.source_parallelism; ++i)
    helpers.emplace_back([&] {
      while (!ShouldStop() && run_one()) {
      }
    });
  // Until the run attempt ends (its last split's finisher, or a failure, ended it), taking any
  // split of it that becomes claimable (a dead worker's).
  bool succeeded = false;
  while (true) {
    int64_t seen = ex_->meta_->RunWrites();
    std::string status;
    int64_t attempt = 0;
    Status r = ex_->meta_->Read([&](MetaTxn& txn) -> Status {
      ASSIGN_OR_RETURN(Entity run, txn.Get(c_.scope, kRuns, c_.run_id));
      RunState st(run.doc);
      status = st.status();
      attempt = st.lease().attempt;
      return Status::OK();
    });
    if (r.ok() && status != run_status::kInProgress) {
      succeeded = status == run_status::kSuccess;
      if (!succeeded) ended_as_ = status;
      break;
    }
    if (r.ok() && attempt != c_.attempt) {
      lease_lost_ = true;  // taken over: the next attempt replans
      break;
    }
    if (ShouldStop()) break;
    if (r.ok() && run_one()) continue;
    for (int64_t w = 0; w < ex_->options_.poll_ms && !ShouldStop(); w += 50) {
      if (ex_->meta_->WaitForRunWrites(seen, 50)) break;
    }
  }
  for (auto& t : helpers) t.join();
  heartbeat_stop_ = true;
  if (succeeded) return Status::OK();
  if (!ended_as_.empty()) return Status::Aborted("the run ended " + ended_as_);
  if (lease_lost_) return Status::Aborted("lease lost");
  return Status::Cancelled("run stopped");
}

// The failed-record rule, the diagnostics file, then the commit that also finishes the run.
Status Executor::RunExecution::Promote(Source& source, EncodeStage& encode,
                                       const std::vector<std::vector<WrittenFile>>& files,
                                       const Schema& schema) {
  RunCounts counts = progress_.Snapshot();
  auto partial = CheckFailedRecords(counts.failed_records, counts.input_records,
                                    in_.options.partial_ingestion_percent);
  if (!partial.ok()) {
    encode.Abort(partial.status().message());
    return partial.status();
  }
  auto has_row_errors = row_errors_.Finish();
  if (!has_row_errors.ok()) {
    encode.Abort(has_row_errors.status().message());
    return has_row_errors.status();
  }
  heartbeat_stop_ = true;  // the commit writes the run's final state
  BatchMetrics totals{counts.input_records, counts.output_records, counts.failed_records,
                      counts.input_bytes,   counts.input_files,    0};
  std::vector<std::string> inputs = source.InputFiles();
  auto in_each = [&](MetaTxn& txn, size_t i) {
    return InCommit(txn, i, encode.batches()[i].batch_id);
  };
  Status s = CommitStage(
      *ex_->lake_, encode, files, totals, schema, *has_row_errors,
      [&](MetaTxn& txn, const std::vector<std::string>& batch_ids) {
        return MarkSucceeded(txn, batch_ids, *partial, inputs, source.warnings());
      },
      in_each);
  if (s.ok() && !encode.batches().empty()) batch_for_log_ = encode.batches()[0].batch_id;
  if (s.ok()) RemoveReplacedFiles();
  return s;
}

// After a replacing commit: the hidden batches' files (best effort; readers no longer see them).
void Executor::RunExecution::RemoveReplacedFiles() {
  for (const auto& id : replaced_batches_) {
    Status s = ex_->lake_->RemoveInactiveFiles(c_.scope, id);
    if (!s.ok())
      spdlog::warn("run {}: files of replaced batch {}: {}", c_.run_id, id, s.ToString());
  }
  replaced_batches_.clear();
}

// An empty window: the run succeeds with 0 records and commits no batch (the datasets and their
// schemas are untouched).
Status Executor::RunExecution::PromoteEmpty(Source& source) {
  heartbeat_stop_ = true;  // the transaction below writes the run's final state
  std::vector<std::string> inputs = source.InputFiles();
  Status s = ex_->meta_->Transact([&](MetaTxn& txn) -> Status {
    for (size_t i = 0; i < in_.dataset_ids.size(); ++i) RETURN_IF_ERROR(InCommit(txn, i, ""));
    return MarkSucceeded(txn, {}, std::nullopt, inputs, source.warnings());
  });
  if (s.ok()) RemoveReplacedFiles();
  return s;
}

namespace {
// The batches that earlier successful runs of the flow landed for windows inside `run`'s, read in
// `txn`. Runs are read in pages by id.
Result<std::vector<std::string>> ReplacedBatchIds(MetaTxn& txn, const Scope& scope,
                                                  const Entity& run, const std::string& flow_id) {
  RunTarget t = RunTargetOf(run.doc);
  std::vector<std::string> ids;
  RETURN_IF_ERROR(
      ForEachById(txn, scope, kRuns,
                  {Where("flowId", FilterOp::kEq, flow_id),
                   Where(kRunStatusPath, FilterOp::kEq, run_status::kSuccess),
                   Where("fluxo.windowStart", FilterOp::kGe, std::to_string(t.window_start)),
                   Where("fluxo.windowEnd", FilterOp::kLe, std::to_string(t.window_end))},
                  500, [&](Entity& earlier) {
                    if (earlier.id != run.id)
                      for (const auto& b : RunBatchIds(earlier.doc)) ids.push_back(b);
                    return Status::OK();
                  }));
  return ids;
}
}  // namespace

Status ReplaceWindowInDataset(MetaTxn& txn, Lake& lake, const Scope& scope, const Entity& run,
                              const std::string& flow_id, const std::string& dataset_id,
                              const std::string& new_batch_id, std::set<std::string>* replaced) {
  ASSIGN_OR_RETURN(std::vector<std::string> old, ReplacedBatchIds(txn, scope, run, flow_id));
  replaced->insert(old.begin(), old.end());
  ASSIGN_OR_RETURN(int64_t hidden,
                   lake.ReplaceBatches(txn, scope, dataset_id, old, new_batch_id, run.id));
  if (hidden > 0)
    spdlog::info("run {} replaces {} batches of dataset {}", run.id, hidden, dataset_id);
  return Status::OK();
}

// A replacing run of the flow created after this one (a later createdAt), whose window
// overlaps this run's and which already succeeded, decided what that window holds: this older
// run would add its rows next to the replacement, so its commit fails instead (permanent error
// FLUXO-1223-400 naming that run). Runs of a flow execute one at a time (the flow is locked at
// claim), so the replacing run finished before this one was claimed and this check, in the
// commit's transaction, cannot race with it.
Status CheckNotSuperseded(MetaTxn& txn, const Scope& scope, const Entity& run_entity,
                          const std::string& flow_id) {
  RunTarget t = RunTargetOf(run_entity.doc);
  return ForEachById(
      txn, scope, kRuns,
      {Where("flowId", FilterOp::kEq, flow_id),
       Where(kRunStatusPath, FilterOp::kEq, run_status::kSuccess),
       Where("createdAt", FilterOp::kGt, std::to_string(run_entity.created_at)),
       Where("fluxo.windowStart", FilterOp::kLt, std::to_string(t.window_end)),
       Where("fluxo.windowEnd", FilterOp::kGt, std::to_string(t.window_start))},
      500, [&](Entity& run) {
        if (run.id == run_entity.id || !RunTargetOf(run.doc).replace) return Status::OK();
        RunTarget r = RunTargetOf(run.doc);
        return Status::FailedPrecondition(
                   "run " + run.id + ", created after this one, replaced the window [" +
                   std::to_string(r.window_start) + ", " + std::to_string(r.window_end) +
                   ") and succeeded first: this older run would add its rows next to it, so it "
                   "lands nothing (re-trigger it with replace=true to land this window again)")
            .WithDetail(kSupersededRunCode);
      });
}

Status Executor::RunExecution::CheckNotSuperseded(MetaTxn& txn) const {
  return fluxo::CheckNotSuperseded(txn, c_.scope, in_.run, in_.flow.id);
}

// Inside the transaction that commits target `target`'s batch `new_batch_id` ("" when the run
// landed none): refuses a superseded run, and a replacing run hides what it replaces.
Status Executor::RunExecution::InCommit(MetaTxn& txn, size_t target,
                                        const std::string& new_batch_id) {
  RETURN_IF_ERROR(CheckNotSuperseded(txn));
  if (!RunTargetOf(in_.run.doc).replace) return Status::OK();
  return ReplaceWindowInDataset(txn, *ex_->lake_, c_.scope, in_.run, in_.flow.id,
                                in_.dataset_ids[target], new_batch_id, &replaced_batches_);
}

// Inside the last commit's transaction: the run becomes `success` with its final metrics.
Status Executor::RunExecution::MarkSucceeded(MetaTxn& txn,
                                             const std::vector<std::string>& batch_ids,
                                             const std::optional<std::string>& partial,
                                             const std::vector<std::string>& input_files,
                                             const std::vector<SourceWarning>& source_warnings) {
  ASSIGN_OR_RETURN(Entity run, txn.Get(c_.scope, kRuns, c_.run_id));
  RETURN_IF_ERROR(OwnsRun(run.doc));
  std::string expected = run.etag;
  RETURN_IF_ERROR(ReleaseRun(run.doc, run_status::kSuccess));
  RunCounts counts = progress_.Snapshot();
  SetRunProgress(run.doc, counts, std::string(run_status::kSuccess), started_ms_, Now(), batch_ids);
  SetRunErrors(run.doc, SuccessWarnings(counts, partial, progress_.null_delta_rows(), in_.source,
                                        source_warnings));
  SetRunInputFacts(run.doc, progress_.null_delta_rows(), input_files);
  TouchEntity(run, Now());
  RETURN_IF_ERROR(txn.Update(c_.scope, run, expected));
  return UpdateFlowLastRun(txn, std::string(run_status::kSuccess));
}

// Records a run that did not succeed: failed (with `code` and `message`, then the first row
// errors), cancelled, or handed back to `scheduled`. Nothing when the lease was lost.
void Executor::RunExecution::Finish(Outcome outcome, const std::string& code,
                                    const std::string& message) {
  heartbeat_stop_ = true;
  if (outcome == Outcome::kLeaseLost) return;  // another worker owns the run now
  std::string status(outcome == Outcome::kHandedBack  ? run_status::kScheduled
                     : outcome == Outcome::kCancelled ? run_status::kCancelled
                                                      : run_status::kFailed);
  if (split_phase_) {
    std::vector<RunError> errors;
    if (outcome == Outcome::kFailed) errors.push_back(RunError{code, message, std::nullopt});
    Status s = SplitRunner::End(*ex_, c_.scope, c_.run_id, c_.attempt, status, errors);
    if (!s.ok()) spdlog::warn("run {}: cannot record the outcome: {}", c_.run_id, s.ToString());
    return;
  }
  Status s = ex_->meta_->Transact([&](MetaTxn& txn) -> Status {
    ASSIGN_OR_RETURN(Entity run, txn.Get(c_.scope, kRuns, c_.run_id));
    RETURN_IF_ERROR(OwnsRun(run.doc));
    std::string expected = run.etag;
    RETURN_IF_ERROR(ReleaseRun(run.doc, status));
    if (outcome != Outcome::kHandedBack) {
      SetRunProgress(run.doc, progress_.Snapshot(), status, started_ms_, Now());
      std::vector<RunError> errors;
      if (outcome == Outcome::kFailed) errors.push_back(RunError{code, message, std::nullopt});
      for (const auto& e : row_errors_.samples()) errors.push_back(RowErrorToRunError(e));
      SetRunErrors(run.doc, errors);
    }
    TouchEntity(run, Now());
    RETURN_IF_ERROR(txn.Update(c_.scope, run, expected));
    if (outcome == Outcome::kHandedBack) return Status::OK();
    return UpdateFlowLastRun(txn, status);
  });
  if (!s.ok()) spdlog::warn("run {}: cannot record the outcome: {}", c_.run_id, s.ToString());
}

// Logs the end of the run and records its outcome.
void Executor::RunExecution::Conclude(const Status& result) {
  static Counter& ok_runs = GetCounter("fluxo_runs_finished_total", "status=\"success\"",
                                       "Runs this process finished, by outcome.");
  static Counter& failed_runs = GetCounter("fluxo_runs_finished_total", "status=\"failed\"", "");
  static Counter& rows =
      GetCounter("fluxo_records_written_total", "", "Records this process wrote into the lake.");
  RunCounts c = progress_.Snapshot();
  auto summary = [&](const char* outcome) {
    spdlog::info(
        "run {} {}: flow {}, dataset {}, batch {}, {} records, {} bytes, {} files, {:.1f} s",
        c_.run_id, outcome, in_.flow.id, in_.dataset_ids.empty() ? "-" : in_.dataset_ids[0],
        batch_for_log_.empty() ? "-" : batch_for_log_, c.output_records, c.output_bytes,
        c.output_files, static_cast<double>(Now() - started_ms_) / 1000.0);
  };
  if (result.ok() && split_phase_) {
    spdlog::info("run {} succeeded (its splits' finisher committed it)", c_.run_id);
  } else if (!ended_as_.empty()) {
    spdlog::info("run {} ended {} by a split worker", c_.run_id, ended_as_);
  } else if (result.ok()) {
    ok_runs.Add();
    rows.Add(c.output_records);
    summary("succeeded");
  } else if (lease_lost_ || result.code() == StatusCode::kAborted) {
    spdlog::warn("run {}: lease lost; another worker owns it now", c_.run_id);
    Finish(Outcome::kLeaseLost, "", "");
  } else if (cancel_requested_) {
    summary("cancelled");
    Finish(Outcome::kCancelled, "", "");
  } else if (ex_->stopping_) {
    spdlog::info("run {} handed back (shutting down)", c_.run_id);
    Finish(Outcome::kHandedBack, "", "");
  } else {
    failed_runs.Add();
    spdlog::warn("run {} failed: {}", c_.run_id, result.ToString());
    summary("failed");
    Finish(Outcome::kFailed, FailureCode(result), result.message());
  }
}

void Executor::RunExecution::Run() {
  started_ms_ = Now();
  if (c_.takeover) {
    Status s = ex_->lake_->AbortLoadingBatchesOfRun(c_.scope, c_.run_id,
                                                    "a previous attempt of this run died");
    if (!s.ok()) spdlog::warn("run {}: cleaning the dead attempt: {}", c_.run_id, s.ToString());
  }
  Status loaded = ex_->meta_->Read([&](MetaTxn& txn) {
    return LoadRunInputs(txn, c_.scope, c_.run_id, *ex_->connectors_, *ex_->key_, ex_->options_,
                         &in_);
  });
  if (!loaded.ok()) {
    Finish(Outcome::kFailed, "FLUXO-1001-400", loaded.message());
    return;
  }
  in_.source.on_row_error = [this](const RowError& e) { row_errors_.Add(e); };
  started_ms_ = RunStartedAt(in_.run.doc).value_or(started_ms_);
  RunTarget t = RunTargetOf(in_.run.doc);
  spdlog::info("run {} started: flow {}, dataset {}, window [{}, {}), attempt {}", c_.run_id,
               in_.flow.id, in_.dataset_ids.empty() ? "-" : in_.dataset_ids[0], t.window_start,
               t.window_end, c_.attempt);
  std::thread heartbeat([this] { Heartbeat(); });
  Status result = AttemptWithRetries();
  heartbeat_stop_ = true;
  heartbeat.join();
  Conclude(result);
}

}  // namespace fluxo
