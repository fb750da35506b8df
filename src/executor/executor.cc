#include "executor/executor.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>

#include "base/ids.h"
#include "base/log.h"
#include "base/metrics.h"
#include "formats/parquet/compression.h"
#include "formats/parquet/parquet_sink.h"
#include "model/run_doc.h"
#include "model/specs.h"
#include "secrets/connection_secrets.h"

namespace fluxo {

namespace {

constexpr const char* kRuns = "runs";

json::object& Obj(json::object& o, const char* key) {
  if (!o.contains(key) || !o[key].is_object()) o[key] = json::object{};
  return o[key].as_object();
}

int64_t IntAt(const json::object& o, std::string_view path, int64_t def = 0) {
  const json::value* v = FindPath(o, path);
  return v ? AsInt64Lenient(*v).value_or(def) : def;
}

// A bounded queue between one reader and one encoder thread, so that waiting for the source
// (network, disk) overlaps with encoding and compression.
class BatchQueue {
 public:
  explicit BatchQueue(size_t capacity) : capacity_(capacity) {}
  // False when the consumer has given up.
  bool Push(RecordBatch b) {
    std::unique_lock<std::mutex> lock(mu_);
    not_full_.wait(lock, [&] { return q_.size() < capacity_ || closed_; });
    if (closed_) return false;
    q_.push_back(std::move(b));
    not_empty_.notify_one();
    return true;
  }
  // nullopt once the producer finished (Finish) and the queue is drained, or it was closed.
  std::optional<RecordBatch> Pop() {
    std::unique_lock<std::mutex> lock(mu_);
    not_empty_.wait(lock, [&] { return !q_.empty() || finished_ || closed_; });
    if (closed_ || q_.empty()) return std::nullopt;
    RecordBatch b = std::move(q_.front());
    q_.pop_front();
    not_full_.notify_one();
    return b;
  }
  void Finish() {
    std::lock_guard<std::mutex> lock(mu_);
    finished_ = true;
    not_empty_.notify_all();
  }
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    q_.clear();
    not_full_.notify_all();
    not_empty_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<RecordBatch> q_;
  size_t capacity_;
  bool finished_ = false;
  bool closed_ = false;
};

// Failed records: counted, the first few kept for the run's errors, and (with diagnostics on)
// written as JSON Lines to the batch's row_errors.
class RowErrorLog {
 public:
  void Attach(std::unique_ptr<ObjectWriter> w) { writer_ = std::move(w); }
  void Add(const RowError& e) {
    std::lock_guard<std::mutex> lock(mu_);
    ++count_;
    if (samples_.size() < 5) samples_.push_back(e);
    if (writer_ && write_status_.ok()) {
      json::object line{{"code", e.code},
                        {"message", e.message},
                        {"file", e.file},
                        {"line", e.line},
                        {"record", e.record}};
      write_status_ = writer_->Append(json::serialize(line) + "\n");
    }
  }
  int64_t count() {
    std::lock_guard<std::mutex> lock(mu_);
    return count_;
  }
  std::vector<RowError> samples() {
    std::lock_guard<std::mutex> lock(mu_);
    return samples_;
  }
  // Commits the diagnostics file when it has content; aborts it otherwise.
  Result<bool> Finish() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!writer_) return false;
    if (count_ == 0 || !write_status_.ok()) {
      writer_->Abort();
      writer_.reset();
      RETURN_IF_ERROR(write_status_);
      return false;
    }
    RETURN_IF_ERROR(writer_->Commit());
    writer_.reset();
    return true;
  }
  void Abort() {
    std::lock_guard<std::mutex> lock(mu_);
    if (writer_) writer_->Abort();
    writer_.reset();
  }

 private:
  std::mutex mu_;
  std::unique_ptr<ObjectWriter> writer_;
  Status write_status_;
  int64_t count_ = 0;
  std::vector<RowError> samples_;
};

std::string DefaultOwner() {
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  return std::string(host) + ":" + std::to_string(getpid()) + ":" + RandomHex(3);
}

}  // namespace

struct Executor::Claimed {
  Scope scope;
  std::string run_id;
  int64_t attempt = 0;
  bool takeover = false;  // a previous attempt died holding the lease
};

// One attempt of one run.
class Executor::RunExecution {
 public:
  RunExecution(Executor* ex, const Claimed& c) : ex_(ex), c_(c) {}
  void Run();

 private:
  enum class Outcome { kSuccess, kFailed, kCancelled, kHandedBack, kLeaseLost };

  Status Load();
  Status Attempt(bool* transient);
  void Heartbeat();
  // Applies `fn` to the run document in a transaction, if this attempt still owns the run.
  Status UpdateRun(const std::function<void(json::object&)>& fn);
  Status OwnsRun(const json::object& doc) const;
  void Finish(Outcome outcome, const std::string& code, const std::string& message);
  json::object Metrics(const std::string& status) const;
  void FillActivities(json::object& doc, const std::string& status,
                      const std::vector<std::string>& batch_ids) const;
  Status UpdateFlowLastRun(MetaTxn& txn, const std::string& state);

  Executor* ex_;
  Claimed c_;
  Entity run_, flow_, source_conn_, base_conn_;
  std::vector<Entity> targets_;
  std::vector<std::string> dataset_ids_;
  const ConnectionSpec* spec_ = nullptr;
  Connector* connector_ = nullptr;
  std::unique_ptr<Source> source_;
  std::shared_ptr<const Schema> schema_;
  std::vector<BatchContext> batches_;
  RowErrorLog row_errors_;
  bool diagnostics_ = false;
  std::optional<double> partial_percent_;
  int64_t started_ms_ = 0;
  std::atomic<int64_t> output_records_{0};
  std::atomic<int64_t> output_bytes_{0};
  std::atomic<int64_t> output_files_{0};
  std::atomic<bool> cancel_requested_{false};
  std::atomic<bool> lease_lost_{false};
  std::atomic<bool> heartbeat_stop_{false};
  std::mutex source_mu_;  // guards source_ against Cancel() from the heartbeat
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
    auto ran = RunOne();
    if (!ran.ok()) {
      spdlog::warn("worker {}: {}", index, ran.status().ToString());
    }
    if (!ran.ok() || !*ran) {
      for (int64_t waited = 0; waited < options_.poll_ms && !stopping_; waited += 50) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
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
        auto n = lake_->CollectGarbage(options_.lease_ms);
        if (!n.ok()) spdlog::warn("lake gc: {}", n.status().ToString());
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
  return true;
}

Result<std::optional<Executor::Claimed>> Executor::Claim() {
  std::optional<Claimed> out;
  int64_t now_ms = clock_->NowMillis();
  Status s = meta_->Transact([&](MetaTxn& txn) -> Status {
    ListQuery expired;
    expired.limit = 10;
    expired.filters = {Filter{"metrics.statusSummary.status", -1, FilterOp::kEq, {"inProgress"}},
                       Filter{"fluxo.leaseExpiry", -1, FilterOp::kLt, {std::to_string(now_ms)}}};
    ASSIGN_OR_RETURN(auto candidates, txn.ListAcrossScopes(kRuns, expired));
    ListQuery due;
    due.limit = 20;
    due.order_field = "fluxo.dueAt";
    due.order_desc = false;
    due.filters = {Filter{"metrics.statusSummary.status", -1, FilterOp::kEq, {"scheduled"}},
                   Filter{"fluxo.dueAt", -1, FilterOp::kLe, {std::to_string(now_ms)}}};
    ASSIGN_OR_RETURN(auto scheduled, txn.ListAcrossScopes(kRuns, due));
    for (auto& r : scheduled) candidates.push_back(std::move(r));
    for (auto& cand : candidates) {
      Entity& run = cand.entity;
      std::string flow_id = GetString(run.doc, "flowId").value_or("");
      // One run of a flow at a time: skip when another run of the flow holds a live lease.
      ListQuery busy;
      busy.limit = 5;
      busy.filters = {Filter{"flowId", -1, FilterOp::kEq, {flow_id}},
                      Filter{"metrics.statusSummary.status", -1, FilterOp::kEq, {"inProgress"}},
                      Filter{"fluxo.leaseExpiry", -1, FilterOp::kGe, {std::to_string(now_ms)}}};
      ASSIGN_OR_RETURN(EntityPage page, txn.List(cand.scope, kRuns, busy));
      bool other = false;
      for (const auto& p : page.items) other = other || p.id != run.id;
      if (other) continue;
      bool takeover = RunStatusOf(run.doc) == "inProgress";
      std::string expected = run.etag;
      json::object& fx = Obj(run.doc, "fluxo");
      int64_t attempt = IntAt(run.doc, "fluxo.attempt") + 1;
      fx["attempt"] = attempt;
      fx["leaseOwner"] = options_.owner;
      fx["leaseExpiry"] = now_ms + options_.lease_ms;
      SetRunStatus(run.doc, "inProgress");
      json::object& dur = Obj(Obj(run.doc, "metrics"), "durationSummary");
      if (!dur.contains("startedAtUTC")) dur["startedAtUTC"] = now_ms;
      TouchEntity(run, now_ms);
      RETURN_IF_ERROR(txn.Update(cand.scope, run, expected));
      out = Claimed{cand.scope, run.id, attempt, takeover};
      return Status::OK();
    }
    return Status::OK();
  });
  if (!s.ok()) return s;
  return out;
}

void Executor::Execute(const Claimed& claimed) {
  ScopedRequestId rid("run-" + claimed.run_id.substr(0, 8));
  spdlog::info("run {} claimed (attempt {}{})", claimed.run_id, claimed.attempt,
               claimed.takeover ? ", taking over from a dead worker" : "");
  // A malformed stored document must not take the worker down: fail the run instead.
  try {
    RunExecution(this, claimed).Run();
  } catch (const std::exception& e) {
    spdlog::error("run {}: unexpected error: {}", claimed.run_id, e.what());
    Status s = meta_->Transact([&](MetaTxn& txn) -> Status {
      ASSIGN_OR_RETURN(Entity run, txn.Get(claimed.scope, kRuns, claimed.run_id));
      if (RunStatusOf(run.doc) != "inProgress") return Status::OK();
      std::string expected = run.etag;
      SetRunStatus(run.doc, "failed");
      json::object& m = Obj(run.doc, "metrics");
      Obj(m, "statusSummary")["errors"] = json::array{json::object{
          {"code", "FLUXO-5000-500"}, {"message", std::string("internal error: ") + e.what()}}};
      Obj(m, "durationSummary")["completedAtUTC"] = clock_->NowMillis();
      Obj(run.doc, "fluxo").erase("leaseOwner");
      TouchEntity(run, clock_->NowMillis());
      return txn.Update(claimed.scope, run, expected);
    });
    if (!s.ok())
      spdlog::error("run {}: cannot record the failure: {}", claimed.run_id, s.ToString());
  }
}

Status Executor::RunExecution::OwnsRun(const json::object& doc) const {
  const json::value* owner = FindPath(doc, "fluxo.leaseOwner");
  if (!owner || !owner->is_string() || owner->as_string() != ex_->options_.owner ||
      IntAt(doc, "fluxo.attempt") != c_.attempt || RunStatusOf(doc) != "inProgress") {
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
    TouchEntity(run, ex_->clock_->NowMillis());
    return txn.Update(c_.scope, run, expected);
  });
}

Status Executor::RunExecution::Load() {
  return ex_->meta_->Read([&](MetaTxn& txn) -> Status {
    ASSIGN_OR_RETURN(run_, txn.Get(c_.scope, kRuns, c_.run_id));
    std::string flow_id = GetString(run_.doc, "flowId").value_or("");
    auto flow = txn.Get(c_.scope, "flows", flow_id);
    if (!flow.ok()) return Status::NotFound("flow " + flow_id + " of this run no longer exists");
    flow_ = std::move(flow).value();
    const json::value* sids = flow_.doc.if_contains("sourceConnectionIds");
    if (!sids || !sids->is_array() || sids->as_array().empty()) {
      return Status::FailedPrecondition("flow " + flow_id + " has no source connection");
    }
    std::string sid(sids->as_array()[0].as_string());
    ASSIGN_OR_RETURN(source_conn_, txn.Get(c_.scope, "sourceConnections", sid));
    std::string bid = GetString(source_conn_.doc, "baseConnectionId").value_or("");
    ASSIGN_OR_RETURN(base_conn_, txn.Get(c_.scope, "connections", bid));
    for (const auto& t : flow_.doc.at("targetConnectionIds").as_array()) {
      ASSIGN_OR_RETURN(Entity tc,
                       txn.Get(c_.scope, "targetConnections", std::string(t.as_string())));
      const json::value* ds = FindPath(tc.doc, "params.dataSetId");
      if (!ds || !ds->is_string())
        return Status::FailedPrecondition("target connection " + tc.id + " names no dataset");
      dataset_ids_.emplace_back(ds->as_string());
      targets_.push_back(std::move(tc));
    }
    const json::value* spec_id = FindPath(base_conn_.doc, "connectionSpec.id");
    std::string spec = spec_id && spec_id->is_string() ? std::string(spec_id->as_string()) : "";
    spec_ = FindConnectionSpec(spec);
    connector_ = ex_->connectors_->Find(spec);
    if (!spec_ || !connector_) {
      return Status::FailedPrecondition("no connector for connection spec " + spec +
                                        " in this build");
    }
    if (const json::value* opts = flow_.doc.if_contains("options"); opts && opts->is_object()) {
      if (auto d = opts->as_object().if_contains("errorDiagnosticsEnabled")) {
        diagnostics_ = AsBoolLenient(*d).value_or(false);
      }
      if (auto p = opts->as_object().if_contains("partialIngestionPercent")) {
        partial_percent_ = AsDoubleLenient(*p);
      }
    }
    return Status::OK();
  });
}

json::object Executor::RunExecution::Metrics(const std::string& status) const {
  SourceCounters* c = source_ ? &source_->counters() : nullptr;
  int64_t failed = c ? c->failed_records.load() : 0;
  json::object m = run_.doc.at("metrics").as_object();
  m["sizeSummary"] = json::object{{"inputBytes", c ? c->input_bytes.load() : 0},
                                  {"outputBytes", output_bytes_.load()}};
  m["recordSummary"] = json::object{{"inputRecordCount", c ? c->input_records.load() : 0},
                                    {"outputRecordCount", output_records_.load()},
                                    {"failedRecordCount", failed}};
  m["fileSummary"] = json::object{{"inputFileCount", c ? c->input_files.load() : 0},
                                  {"outputFileCount", output_files_.load()}};
  Obj(m, "statusSummary")["status"] = status;
  Obj(m, "durationSummary")["startedAtUTC"] = started_ms_;
  return m;
}

void Executor::RunExecution::FillActivities(json::object& doc, const std::string& status,
                                            const std::vector<std::string>& batch_ids) const {
  const json::object& m = doc.at("metrics").as_object();
  if (auto a = doc.if_contains("activities"); a && a->is_array()) {
    for (auto& act : a->as_array()) {
      auto& o = act.as_object();
      std::string id = GetString(o, "id").value_or("");
      Obj(o, "statusSummary")["status"] = status;
      json::object& dur = Obj(o, "durationSummary");
      dur["startedAtUTC"] = started_ms_;
      if (status != "inProgress") dur["completedAtUTC"] = ex_->clock_->NowMillis();
      o["recordSummary"] = m.at("recordSummary");
      if (id == "copyActivity") {
        o["sizeSummary"] = m.at("sizeSummary");
        o["fileSummary"] = m.at("fileSummary");
      } else if (id == "promotionActivity" && !batch_ids.empty()) {
        if (auto ti = o.if_contains("targetInfo"); ti && ti->is_array()) {
          size_t i = 0;
          for (auto& t : ti->as_array()) {
            if (i < batch_ids.size()) {
              t.as_object()["reference"] =
                  json::object{{"type", "Batch"}, {"ids", json::array{json::value(batch_ids[i])}}};
            }
            ++i;
          }
        }
      }
    }
  }
}

void Executor::RunExecution::Heartbeat() {
  while (!heartbeat_stop_) {
    for (int64_t w = 0; w < ex_->options_.heartbeat_ms && !heartbeat_stop_; w += 50) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (heartbeat_stop_) break;
    Status s = UpdateRun([&](json::object& doc) {
      const json::value* cr = FindPath(doc, "fluxo.cancelRequested");
      if (cr && AsBoolLenient(*cr).value_or(false)) cancel_requested_ = true;
      Obj(doc, "fluxo")["leaseExpiry"] = ex_->clock_->NowMillis() + ex_->options_.lease_ms;
      doc["metrics"] = Metrics("inProgress");
      FillActivities(doc, "inProgress", {});
    });
    if (s.code() == StatusCode::kAborted) {
      lease_lost_ = true;
    } else if (!s.ok()) {
      spdlog::warn("heartbeat of run {}: {}", c_.run_id, s.ToString());
    }
    if (cancel_requested_ || lease_lost_ || ex_->stopping_) {
      std::lock_guard<std::mutex> lock(source_mu_);
      if (source_) source_->Cancel();
    }
  }
}

Status Executor::RunExecution::UpdateFlowLastRun(MetaTxn& txn, const std::string& state) {
  auto flow = txn.Get(c_.scope, "flows", flow_.id);
  if (!flow.ok())
    return flow.status().code() == StatusCode::kNotFound ? Status::OK() : flow.status();
  std::string expected = flow->etag;
  flow->doc["lastRunDetails"] = json::object{{"id", c_.run_id},
                                             {"state", state},
                                             {"startedAtUTC", started_ms_},
                                             {"completedAtUTC", ex_->clock_->NowMillis()}};
  TouchEntity(*flow, ex_->clock_->NowMillis());
  return txn.Update(c_.scope, *flow, expected);
}

// One attempt of the copy and promotion. `transient` tells the caller a retry may help.
Status Executor::RunExecution::Attempt(bool* transient) {
  *transient = false;
  output_records_ = 0;
  output_bytes_ = 0;
  output_files_ = 0;
  SourceConfig cfg;
  cfg.connection.spec = spec_;
  ASSIGN_OR_RETURN(cfg.connection.auth_params,
                   OpenConnectionParams(*ex_->key_, base_conn_.id, base_conn_.secret));
  cfg.connection.allow_paths = ex_->options_.allow_paths;
  if (auto p = source_conn_.doc.if_contains("params"); p && p->is_object())
    cfg.params = p->as_object();
  if (auto d = source_conn_.doc.if_contains("data"); d && d->is_object()) cfg.data = d->as_object();
  if (auto dc = GetString(run_.doc.at("fluxo").as_object(), "deltaColumn")) cfg.delta_column = dc;
  if (auto f = GetString(cfg.params, "dateFormat")) cfg.date_format = *f;
  if (auto tz = GetString(cfg.params, "timezone")) cfg.timezone = *tz;
  // The flow's Copy transformation may say how to read its delta column; that takes precedence.
  if (auto ts = flow_.doc.if_contains("transformations"); ts && ts->is_array()) {
    for (const auto& t : ts->as_array()) {
      if (!t.is_object() || GetString(t.as_object(), "name") != std::optional<std::string>("Copy"))
        continue;
      const json::value* dc = FindPath(t.as_object(), "params.deltaColumn");
      if (!dc || !dc->is_object()) continue;
      if (auto f = GetString(dc->as_object(), "dateFormat")) cfg.date_format = *f;
      if (auto tz = GetString(dc->as_object(), "timezone")) cfg.timezone = *tz;
    }
  }
  cfg.window =
      SourceWindow{IntAt(run_.doc, "fluxo.windowStart"), IntAt(run_.doc, "fluxo.windowEnd")};
  cfg.parallelism = ex_->options_.source_parallelism;
  cfg.on_row_error = [this](const RowError& e) { row_errors_.Add(e); };

  {
    auto src = connector_->NewSource(cfg);
    if (!src.ok()) {
      *transient = src.status().retryable();
      return src.status();
    }
    std::lock_guard<std::mutex> lock(source_mu_);
    source_ = std::move(src).value();
    if (cancel_requested_ || ex_->stopping_) source_->Cancel();
  }
  Status opened = source_->Open();
  if (!opened.ok()) {
    *transient = opened.retryable();
    return opened;
  }
  schema_ = source_->schema();
  // Fail fast on an incompatible schema, before any row moves.
  RETURN_IF_ERROR(ex_->meta_->Read([&](MetaTxn& txn) -> Status {
    for (const auto& ds_id : dataset_ids_) {
      ASSIGN_OR_RETURN(Entity ds, txn.Get(c_.scope, "dataSets", ds_id));
      json::value current = DatasetSchemaOf(ds.doc);
      auto evolved = EvolveSchema(current.is_null() ? nullptr : &current, *schema_);
      if (!evolved.ok())
        return Status::InvalidArgument("dataset " + ds_id + ": " + evolved.status().message());
    }
    return Status::OK();
  }));
  ASSIGN_OR_RETURN(std::vector<Split> splits, source_->PlanSplits());

  parquet::ParquetWriterOptions pw;
  ASSIGN_OR_RETURN(pw.codec, parquet::ParseCodec(ex_->options_.codec));
  // Every encoder buffers a row group: they share a 96 MiB budget, so a run stays well inside
  // 300 MiB of memory whatever the parallelism (bench/postgres/README.md).
  int encoders = std::max(1, std::min<int>(cfg.parallelism, static_cast<int>(splits.size())));
  pw.row_group_bytes = std::max<int64_t>(int64_t{16} << 20, (int64_t{96} << 20) / encoders);
  batches_.clear();
  for (size_t i = 0; i < targets_.size(); ++i) {
    ASSIGN_OR_RETURN(BatchContext ctx, ex_->lake_->BeginBatch(c_.scope, dataset_ids_[i], c_.run_id,
                                                              flow_.id, c_.attempt));
    batches_.push_back(ctx);
  }
  if (diagnostics_ && !batches_.empty()) {
    ASSIGN_OR_RETURN(auto w, ex_->lake_->RowErrorsWriter(batches_[0]));
    row_errors_.Attach(std::move(w));
  }

  // Readers: up to `parallelism` threads take splits in order. Each thread encodes into its own
  // sinks (one per target), so decoding, encoding and compression all run in parallel; the part
  // files of a batch are numbered from one counter per batch.
  int nthreads = encoders;
  std::vector<std::shared_ptr<std::atomic<int>>> part_numbers;
  for (size_t i = 0; i < batches_.size(); ++i)
    part_numbers.push_back(std::make_shared<std::atomic<int>>(0));
  std::vector<std::vector<std::unique_ptr<RecordSink>>> sinks(nthreads);
  for (int t = 0; t < nthreads; ++t) {
    for (size_t i = 0; i < batches_.size(); ++i) {
      OutputFactory parts = ex_->lake_->PartFactory(batches_[i]);
      auto counter = part_numbers[i];
      SinkOptions so;
      so.write_empty_file = t == 0;  // an empty batch still gets one (0-row) file
      sinks[t].push_back(parquet::NewParquetSink(
          schema_, pw, [parts, counter](int) { return parts(counter->fetch_add(1)); }, so));
    }
  }
  std::atomic<size_t> next_split{0};
  std::mutex status_mu;
  Status pipeline_status;  // first error of any thread
  auto fail = [&](const Status& st) {
    std::lock_guard<std::mutex> lock(status_mu);
    if (pipeline_status.ok()) pipeline_status = st;
    source_->Cancel();  // the other threads stop too
  };
  // Per thread pair: the reader decodes batches from its splits into a queue, the encoder
  // writes them into that pair's sinks.
  std::vector<std::unique_ptr<BatchQueue>> queues;
  for (int t = 0; t < nthreads; ++t) queues.push_back(std::make_unique<BatchQueue>(1));
  std::vector<std::thread> readers;
  for (int t = 0; t < nthreads; ++t) {
    readers.emplace_back([&, t] {
      BatchQueue& q = *queues[t];
      while (true) {
        auto b = q.Pop();
        if (!b) return;
        for (auto& sink : sinks[t]) {
          Status w = sink->Write(*b);
          if (!w.ok()) {
            q.Close();
            return fail(w);
          }
        }
        output_records_ += b->num_rows();
      }
    });
    readers.emplace_back([&, t] {
      BatchQueue& q = *queues[t];
      auto read_splits = [&]() -> Status {
        while (true) {
          size_t i = next_split.fetch_add(1);
          if (i >= splits.size()) return Status::OK();
          ASSIGN_OR_RETURN(auto reader, source_->OpenReader(splits[i]));
          while (true) {
            ASSIGN_OR_RETURN(RecordBatch b, reader->Next());
            if (b.num_rows() == 0) break;
            if (!q.Push(std::move(b))) return Status::OK();  // the encoder failed and said why
          }
        }
      };
      Status st = read_splits();
      q.Finish();
      if (!st.ok()) fail(st);
    });
  }
  for (auto& r : readers) r.join();
  auto abort_all = [&](const std::string& why) {
    for (auto& per_thread : sinks) {
      for (auto& sink : per_thread) sink->Abort();
    }
    row_errors_.Abort();
    for (const auto& ctx : batches_) (void)ex_->lake_->Abort(ctx, why);
  };
  if (cancel_requested_ || lease_lost_ || ex_->stopping_) {
    abort_all("run stopped before commit");
    return Status::Cancelled("run stopped");
  }
  if (!pipeline_status.ok()) {
    abort_all(pipeline_status.message());
    *transient = pipeline_status.retryable();
    return pipeline_status;
  }
  std::vector<std::vector<WrittenFile>> files(batches_.size());
  for (auto& per_thread : sinks) {
    for (size_t i = 0; i < per_thread.size(); ++i) {
      std::vector<WrittenFile> written;
      Status s = per_thread[i]->Close(&written);
      if (!s.ok()) {
        abort_all(s.message());
        *transient = s.retryable();
        return s;
      }
      for (auto& f : written) {
        if (i == 0) {
          output_bytes_ += f.size_bytes;
          ++output_files_;
        }
        files[i].push_back(std::move(f));
      }
    }
  }
  for (auto& f : files) {
    std::sort(f.begin(), f.end(),
              [](const WrittenFile& a, const WrittenFile& b) { return a.name < b.name; });
  }

  // Failed records against options.partialIngestionPercent.
  SourceCounters& cnt = source_->counters();
  int64_t failed = cnt.failed_records.load();
  int64_t input = cnt.input_records.load();
  std::string partial_error;
  if (failed > 0) {
    double pct =
        input > 0 ? 100.0 * static_cast<double>(failed) / static_cast<double>(input) : 100.0;
    double allowed = partial_percent_.value_or(0.0);
    char buf[160];
    snprintf(buf, sizeof(buf),
             "%lld of %lld records failed (%.2f%%); partialIngestionPercent is %.2f",
             static_cast<long long>(failed), static_cast<long long>(input), pct, allowed);
    if (!partial_percent_ || pct > allowed) {
      abort_all(buf);
      return Status::InvalidArgument(std::string("INGEST-1213-400: ") + buf);
    }
    partial_error = buf;
  }
  ASSIGN_OR_RETURN(bool has_row_errors, row_errors_.Finish());

  // Promotion: commit each batch; the last commit finishes the run in the same transaction.
  heartbeat_stop_ = true;
  std::vector<std::string> batch_ids;
  for (const auto& b : batches_) batch_ids.push_back(b.batch_id);
  for (size_t i = 0; i < batches_.size(); ++i) {
    BatchMetrics bm{
        input, output_records_.load(), failed, cnt.input_bytes.load(), cnt.input_files.load(), 0};
    for (const auto& f : files[i]) bm.output_bytes += f.size_bytes;
    bool last = i + 1 == batches_.size();
    Status s = ex_->lake_->Commit(
        batches_[i], files[i], bm, *schema_, has_row_errors && i == 0, [&](MetaTxn& txn) -> Status {
          if (!last) return Status::OK();
          ASSIGN_OR_RETURN(Entity run, txn.Get(c_.scope, kRuns, c_.run_id));
          RETURN_IF_ERROR(OwnsRun(run.doc));
          std::string expected = run.etag;
          run.doc["metrics"] = Metrics("success");
          json::object& m = run.doc["metrics"].as_object();
          Obj(m, "durationSummary")["completedAtUTC"] = ex_->clock_->NowMillis();
          json::array errors;
          if (!partial_error.empty()) {
            errors.push_back(json::object{{"code", "INGEST-1212-400"},
                                          {"message", "Partial ingestion: " + partial_error},
                                          {"recordCount", failed}});
          }
          Obj(m, "statusSummary")["errors"] = std::move(errors);
          FillActivities(run.doc, "success", batch_ids);
          json::object& fx = Obj(run.doc, "fluxo");
          fx.erase("leaseOwner");
          fx.erase("leaseExpiry");
          fx["nullDeltaRows"] = cnt.null_delta_rows.load();
          auto inputs = source_->InputFiles();
          if (!inputs.empty()) {
            json::array list;
            for (const auto& f : inputs) list.push_back(json::value(f));
            fx["inputFiles"] = std::move(list);
          }
          TouchEntity(run, ex_->clock_->NowMillis());
          RETURN_IF_ERROR(txn.Update(c_.scope, run, expected));
          return UpdateFlowLastRun(txn, "success");
        });
    if (!s.ok()) {
      for (size_t j = i; j < batches_.size(); ++j)
        (void)ex_->lake_->Abort(batches_[j], s.message());
      return s;
    }
  }
  return Status::OK();
}

void Executor::RunExecution::Finish(Outcome outcome, const std::string& code,
                                    const std::string& message) {
  heartbeat_stop_ = true;
  if (outcome == Outcome::kLeaseLost) return;  // another worker owns the run now
  Status s = ex_->meta_->Transact([&](MetaTxn& txn) -> Status {
    ASSIGN_OR_RETURN(Entity run, txn.Get(c_.scope, kRuns, c_.run_id));
    RETURN_IF_ERROR(OwnsRun(run.doc));
    std::string expected = run.etag;
    json::object& fx = Obj(run.doc, "fluxo");
    fx.erase("leaseOwner");
    fx.erase("leaseExpiry");
    if (outcome == Outcome::kHandedBack) {
      SetRunStatus(run.doc, "scheduled");
    } else {
      std::string status = outcome == Outcome::kCancelled ? "cancelled" : "failed";
      run.doc["metrics"] = Metrics(status);
      json::object& m = run.doc["metrics"].as_object();
      Obj(m, "durationSummary")["completedAtUTC"] = ex_->clock_->NowMillis();
      json::array errors;
      if (outcome == Outcome::kFailed)
        errors.push_back(json::object{{"code", code}, {"message", message}});
      for (const auto& e : row_errors_.samples()) {
        errors.push_back(json::object{
            {"code", e.code},
            {"message",
             e.message +
                 (e.file.empty() ? "" : " (" + e.file + " line " + std::to_string(e.line) + ")")}});
      }
      Obj(m, "statusSummary")["errors"] = std::move(errors);
      FillActivities(run.doc, status, {});
    }
    TouchEntity(run, ex_->clock_->NowMillis());
    RETURN_IF_ERROR(txn.Update(c_.scope, run, expected));
    if (outcome == Outcome::kHandedBack) return Status::OK();
    return UpdateFlowLastRun(txn, outcome == Outcome::kCancelled ? "cancelled" : "failed");
  });
  if (!s.ok()) spdlog::warn("run {}: cannot record the outcome: {}", c_.run_id, s.ToString());
}

void Executor::RunExecution::Run() {
  started_ms_ = ex_->clock_->NowMillis();
  if (c_.takeover) {
    Status s = ex_->lake_->AbortLoadingBatchesOfRun(c_.scope, c_.run_id,
                                                    "a previous attempt of this run died");
    if (!s.ok()) spdlog::warn("run {}: cleaning the dead attempt: {}", c_.run_id, s.ToString());
  }
  Status loaded = Load();
  if (!loaded.ok()) {
    Finish(Outcome::kFailed, "FLUXO-1001-400", loaded.message());
    return;
  }
  if (const json::value* st = FindPath(run_.doc, "metrics.durationSummary.startedAtUTC")) {
    started_ms_ = AsInt64Lenient(*st).value_or(started_ms_);
  }
  std::thread heartbeat([this] { Heartbeat(); });
  Status result;
  std::mt19937_64 rng(std::random_device{}());
  for (int retry = 0;; ++retry) {
    bool transient = false;
    result = Attempt(&transient);
    if (result.ok() || !transient || retry >= ex_->options_.max_transient_retries ||
        cancel_requested_ || lease_lost_ || ex_->stopping_) {
      break;
    }
    int64_t backoff = std::min(ex_->options_.retry_cap_ms, ex_->options_.retry_base_ms << retry);
    backoff = backoff / 2 + static_cast<int64_t>(rng() % static_cast<uint64_t>(backoff / 2 + 1));
    spdlog::warn("run {}: transient error, retrying in {} ms: {}", c_.run_id, backoff,
                 result.ToString());
    for (int64_t w = 0; w < backoff && !cancel_requested_ && !ex_->stopping_; w += 50) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::lock_guard<std::mutex> lock(source_mu_);
    source_.reset();
  }
  heartbeat_stop_ = true;
  heartbeat.join();
  static Counter& ok_runs = GetCounter("fluxo_runs_finished_total", "status=\"success\"",
                                       "Runs this process finished, by outcome.");
  static Counter& failed_runs = GetCounter("fluxo_runs_finished_total", "status=\"failed\"", "");
  static Counter& rows =
      GetCounter("fluxo_records_written_total", "", "Records this process wrote into the lake.");
  if (result.ok()) {
    ok_runs.Add();
    rows.Add(output_records_.load());
    spdlog::info("run {} succeeded: {} records", c_.run_id, output_records_.load());
    return;
  }
  if (lease_lost_ || result.code() == StatusCode::kAborted) {
    spdlog::warn("run {}: lease lost; another worker owns it now", c_.run_id);
    Finish(Outcome::kLeaseLost, "", "");
  } else if (cancel_requested_) {
    spdlog::info("run {} cancelled", c_.run_id);
    Finish(Outcome::kCancelled, "", "");
  } else if (ex_->stopping_) {
    spdlog::info("run {} handed back (shutting down)", c_.run_id);
    Finish(Outcome::kHandedBack, "", "");
  } else {
    std::string code = result.message().rfind("INGEST-", 0) == 0 ? result.message().substr(0, 15)
                       : result.retryable()                      ? "CONNECTOR-2002-503"
                                                                 : "CONNECTOR-2001-400";
    failed_runs.Add();
    spdlog::warn("run {} failed: {}", c_.run_id, result.ToString());
    Finish(Outcome::kFailed, code, result.message());
  }
}

}  // namespace fluxo
