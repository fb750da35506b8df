// /runs: POST (the seed's on-demand run, or fluxo's dry run with params.dryRun), GET one, list,
// PUT one (new params of a scheduled run), POST /runs/{id}/action?op=re-trigger|cancel|verify
// (re-trigger takes fluxo's `replace=true|false`).
//
// Dry runs and verification read the source: the metastore reads happen on the I/O thread, the
// source is opened and counted on the API worker pool (Deferred), with the SourceConfig the
// executor builds for a run (executor/run_source.h LoadFlowSource), so both use the run's
// predicate.
//
// A run keeps its `params` as submitted; the typed window and start time the engine uses live in
// the run's `fluxo` object ({windowStart, windowEnd, dueAt, deltaColumn, attempt}). Creating the
// first run of a table-based flow writes its deltaColumn into the flow's Copy transformation in
// the same transaction.
#include <tuple>

#include "api/etag.h"
#include "api/flow_rules.h"
#include "api/resources.h"
#include "base/ids.h"
#include "base/metrics.h"
#include "connectors/sql/sql_common.h"
#include "executor/run_source.h"
#include "model/run_doc.h"
#include "model/run_state.h"
#include "model/specs.h"
#include "model/window_time.h"

namespace fluxo {

namespace {

constexpr const char* kRuns = "runs";
constexpr const char* kFlows = "flows";

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct RunWindow {
  int64_t start = 0;      // windowStartTime, epoch s
  int64_t end = 0;        // windowEndTime, epoch s
  int64_t due_at_ms = 0;  // when the run may begin, epoch ms
  std::optional<std::string> delta_column;
  bool replace = false;  // params.replace (fluxo)
  bool dry_run = false;  // params.dryRun (fluxo): answer what the run would read; create nothing
  int64_t preview_rows = 10;  // params.previewRows (fluxo, dry runs): 1..kMaxPreviewRows
};

constexpr int64_t kMaxPreviewRows = 100;

Result<RunWindow> ParseRunParams(const json::value* params, int64_t now_ms) {
  if (!params || !params->is_object()) {
    return BadRequest(1384, "params is required: {\"windowStartTime\", \"windowEndTime\"}");
  }
  const auto& p = params->as_object();
  for (const auto& kv : p) {
    std::string k(kv.key());
    if (k != "startTime" && k != "windowStartTime" && k != "windowEndTime" && k != "deltaColumn" &&
        k != "replace" && k != "dryRun" && k != "previewRows") {
      return BadRequest(1384, "params." + k +
                                  " is not a run parameter (startTime, windowStartTime, "
                                  "windowEndTime, deltaColumn, replace, dryRun, previewRows)");
    }
  }
  RunWindow w;
  auto epoch = [&](const char* name, bool required, int64_t* out) -> Status {
    const json::value* v = p.if_contains(name);
    if (!v || v->is_null()) {
      if (required)
        return BadRequest(1384, std::string("params.") + name + " is required (epoch seconds)");
      return Status::OK();
    }
    auto n = AsInt64Lenient(*v);
    if (!n) return BadRequest(1384, std::string("params.") + name + " must be epoch seconds");
    if (auto problem = EpochSecondsProblem(std::string("params.") + name, *n))
      return BadRequest(1384, *problem);
    *out = *n;
    return Status::OK();
  };
  if (Status e = epoch("windowStartTime", true, &w.start); !e.ok()) return e;
  if (Status e = epoch("windowEndTime", true, &w.end); !e.ok()) return e;
  int64_t start_s = 0;
  if (Status e = epoch("startTime", false, &start_s); !e.ok()) return e;
  w.due_at_ms = std::max(SecondsToMillis(start_s), now_ms);
  if (w.end <= w.start) {
    return BadRequest(1381, "params.windowEndTime " + std::to_string(w.end) +
                                " must be after params.windowStartTime " + std::to_string(w.start));
  }
  if (const json::value* dc = p.if_contains("deltaColumn")) {
    const json::value* name = dc->is_object() ? dc->as_object().if_contains("name") : nullptr;
    if (!name || !name->is_string() || name->as_string().empty()) {
      return BadRequest(1384, "params.deltaColumn.name must be a non-empty string");
    }
    w.delta_column = std::string(name->as_string());
  }
  if (const json::value* r = p.if_contains("replace")) {
    auto b = AsBoolLenient(*r);
    if (!b) return BadRequest(1384, "params.replace must be a boolean");
    w.replace = *b;
  }
  if (const json::value* d = p.if_contains("dryRun")) {
    auto b = d->is_bool() ? std::optional<bool>(d->as_bool()) : AsBoolLenient(*d);
    if (!b) return BadRequest(1384, "params.dryRun must be a boolean");
    w.dry_run = *b;
  }
  if (const json::value* n = p.if_contains("previewRows")) {
    auto rows = n->is_bool() ? std::nullopt : AsInt64Lenient(*n);
    if (!rows || *rows < 1 || *rows > kMaxPreviewRows) {
      return BadRequest(1384, "params.previewRows must be an integer from 1 to " +
                                  std::to_string(kMaxPreviewRows));
    }
    if (!w.dry_run) {
      return BadRequest(1384, "params.previewRows applies to dry runs only (params.dryRun: true)");
    }
    w.preview_rows = *rows;
  }
  return w;
}

// A replacing run hides what earlier successful runs of the flow landed for windows inside its
// own; one whose window overlaps without being inside would lose rows outside the new window,
// so it is refused (1384) naming that run.
Status CheckReplaceable(MetaTxn& txn, const Scope& scope, const std::string& flow_id,
                        const RunWindow& w) {
  ListQuery q;
  q.limit = 1;
  q.filters = {
      Filter{"flowId", -1, FilterOp::kEq, {flow_id}},
      Filter{std::string(kRunStatusPath), -1, FilterOp::kEq, {std::string(run_status::kSuccess)}},
      Filter{"fluxo.windowStart", -1, FilterOp::kLt, {std::to_string(w.end)}},
      Filter{"fluxo.windowEnd", -1, FilterOp::kGt, {std::to_string(w.start)}}};
  for (auto [path, op, v] : {std::tuple{"fluxo.windowStart", FilterOp::kLt, w.start},
                             std::tuple{"fluxo.windowEnd", FilterOp::kGt, w.end}}) {
    ListQuery partial = q;
    partial.filters.push_back(Filter{path, -1, op, {std::to_string(v)}});
    ASSIGN_OR_RETURN(EntityPage page, txn.List(scope, kRuns, partial));
    if (page.items.empty()) continue;
    RunTarget t = RunTargetOf(page.items[0].doc);
    return BadRequest(1384, "params.replace: run " + page.items[0].id + " landed [" +
                                std::to_string(t.window_start) + ", " +
                                std::to_string(t.window_end) + "), which overlaps [" +
                                std::to_string(w.start) + ", " + std::to_string(w.end) +
                                ") without being inside it; replace a window that covers it");
  }
  return Status::OK();
}

// A new run entity of `flow` for window `w` (document from model/run_doc.h).
Entity NewRun(const Entity& flow, const json::value& params, const RunWindow& w,
              const std::optional<std::string>& delta_column) {
  Entity run;
  run.kind = kRuns;
  run.id = NewUuid();
  run.doc =
      NewRunDocument(flow.id, flow.doc, params,
                     RunSpecOfWindow{w.start, w.end, w.due_at_ms, delta_column, false, w.replace});
  return run;
}

bool TableBased(const Entity& flow) {
  const json::value* id = FindPath(flow.doc, "flowSpec.id");
  const FlowSpec* spec =
      id && id->is_string() ? FindFlowSpec(std::string(id->as_string())) : nullptr;
  return spec && spec->source_category == SpecCategory::kDatabase;
}

// Writes `column` into the flow's Copy transformation (adding one when missing).
void SetFlowDeltaColumn(Entity& flow, const std::string& column, int64_t now_ms) {
  json::array ts;
  if (auto t = flow.doc.if_contains("transformations"); t && t->is_array()) ts = t->as_array();
  bool found = false;
  for (auto& t : ts) {
    if (!t.is_object() || GetString(t.as_object(), "name") != std::optional<std::string>("Copy"))
      continue;
    auto& o = t.as_object();
    if (!o.contains("params") || !o["params"].is_object()) o["params"] = json::object{};
    o["params"].as_object()["deltaColumn"] = json::object{{"name", column}};
    found = true;
  }
  if (!found) {
    ts.push_back(json::object{{"name", "Copy"}, {"params", {{"deltaColumn", {{"name", column}}}}}});
  }
  flow.doc["transformations"] = std::move(ts);
  json::object lo = flow.doc.contains("lastOperation") && flow.doc.at("lastOperation").is_object()
                        ? flow.doc.at("lastOperation").as_object()
                        : json::object{};
  lo["updated"] = now_ms;
  lo["operation"] = "update";
  lo["reason"] = "deltaColumn " + column + " set by the first run";
  flow.doc["lastOperation"] = std::move(lo);
}

// The answer of a source failure met while reading for a dry run or a verification: 503 (1500)
// when a retry can help, else 400 (1410), with the source's message (which names the table,
// column or file as the user gave it, never a secret).
Status SourceFailure(const Status& s, const std::string& what, const std::string& kind,
                     const std::string& id) {
  bool transient = s.retryable();
  return FlowError(transient ? 503 : 400, transient ? kCodeServerError : kCodeBadRequest,
                   what + ": " + s.message(), kind, id);
}

// The flow's source bound to `target`'s window, for reading from the API (dry run, verify): one
// reader (no parallel splits), and no late-commit wait (it reads what is committed now).
Result<FlowSource> ApiFlowSource(Call& call, MetaTxn& txn, const Entity& flow,
                                 const RunTarget& target) {
  if (!call.deps.connectors || !call.deps.master_key) {
    return FlowError(503, kCodeServerError, "this server cannot read sources (no connectors)");
  }
  FlowSource fs;
  Status s = LoadFlowSource(txn, call.scope, flow, target, *call.deps.connectors,
                            *call.deps.master_key, SourceAccess{call.deps.allow_paths, 1}, &fs);
  if (!s.ok()) {
    if (s.code() == StatusCode::kNotFound || s.code() == StatusCode::kFailedPrecondition ||
        s.code() == StatusCode::kInvalidArgument) {
      return FlowError(400, kCodeBadRequest, "flow " + flow.id + ": " + s.message(), kFlows,
                       flow.id);
    }
    return s;
  }
  fs.config.late_commit.enabled = false;
  fs.config.parallelism = 1;
  return fs;
}

json::array ColumnsJson(const Schema& schema) {
  json::array out;
  for (const Field& f : schema.fields()) {
    out.push_back(json::object{{"name", f.name}, {"type", f.type.ToString()}});
  }
  return out;
}

// The dry run of `w` over `fs` (on the worker pool): Open, then the files and their bytes (file
// sources), or the first rows and the count (tables; REST sources: the first rows only, since
// counting would read every page).
Result<HttpResponse> DryRunAnswer(FlowSource fs, const std::string& flow_id, const RunWindow& w,
                                  std::optional<std::string> delta) {
  fs.config.batch_rows = w.preview_rows;
  auto made = fs.connector->NewSource(fs.config);
  if (!made.ok()) return SourceFailure(made.status(), "dry run", kFlows, flow_id);
  std::unique_ptr<Source> src = std::move(made).value();
  if (Status o = src->Open(); !o.ok()) return SourceFailure(o, "dry run", kFlows, flow_id);
  json::object out;
  out["dryRun"] = true;
  out["flowId"] = flow_id;
  out["windowStartTime"] = w.start;
  out["windowEndTime"] = w.end;
  if (delta) out["deltaColumn"] = json::object{{"name", *delta}};
  if (src->schema()) out["columns"] = ColumnsJson(*src->schema());
  const ConnectionSpec* spec = fs.config.connection.spec;
  if (spec && spec->file_based()) {
    json::array files;
    int64_t total = 0;
    for (const SourceFile& f : src->InputFileDetails()) {
      files.push_back(
          json::object{{"path", f.path}, {"size", f.bytes}, {"lastModified", f.modified_ms}});
      total += f.bytes;
    }
    out["fileCount"] = static_cast<int64_t>(files.size());
    out["totalBytes"] = total;
    out["files"] = std::move(files);
    return JsonResponse(200, out);
  }
  auto batches = ReadFirstRows(*src, w.preview_rows);
  if (!batches.ok()) return SourceFailure(batches.status(), "dry run", kFlows, flow_id);
  json::array rows;
  for (const RecordBatch& b : *batches) {
    int64_t left = w.preview_rows - static_cast<int64_t>(rows.size());
    if (left <= 0) break;
    for (auto& r : connectors::sql::BatchRowsToJson(b, left)) rows.push_back(std::move(r));
  }
  out["rows"] = std::move(rows);
  if (spec && spec->table_based()) {
    // A fresh source: the preview's reader may have stopped mid-window.
    auto counter = fs.connector->NewSource(fs.config);
    if (!counter.ok()) return SourceFailure(counter.status(), "dry run", kFlows, flow_id);
    std::unique_ptr<Source> c = std::move(counter).value();
    if (Status o = c->Open(); !o.ok()) return SourceFailure(o, "dry run", kFlows, flow_id);
    auto n = c->CountWindow();
    if (!n.ok()) return SourceFailure(n.status(), "dry run", kFlows, flow_id);
    out["recordCount"] = *n;
  }
  return JsonResponse(200, out);
}

// The checks POST /runs makes of flow `flow_id` before a run or a dry run of window `w`: it
// exists (404 1101), runs once (1386), is enabled (1380), and a table flow's deltaColumn agrees
// with the run's (1382) or is given by it (1383). Sets `*delta` to the column the run uses.
Result<Entity> OnDemandFlow(const Call& call, MetaTxn& txn, const std::string& flow_id,
                            const RunWindow& w, std::optional<std::string>* delta) {
  auto flow = txn.Get(call.scope, kFlows, flow_id);
  if (!flow.ok()) {
    if (flow.status().code() == StatusCode::kNotFound) {
      return FlowError(404, 1101, "flowId: flow not found with id " + flow_id, kFlows, flow_id);
    }
    return flow.status();
  }
  const json::value* freq = FindPath(flow->doc, "scheduleParams.frequency");
  if (!freq || !freq->is_string() || Lower(std::string(freq->as_string())) != "once") {
    return BadRequest(1386, "flowId: flow " + flow_id + " runs on a schedule (frequency " +
                                (freq && freq->is_string() ? std::string(freq->as_string()) : "?") +
                                "); on-demand runs and dry runs need a flow with frequency once");
  }
  if (GetString(flow->doc, "state") != std::optional<std::string>("enabled")) {
    return BadRequest(1380, "flowId: flow " + flow_id + " is disabled; enable it first");
  }
  delta->reset();
  if (TableBased(*flow)) {
    auto existing = FlowDeltaColumn(flow->doc);
    if (existing && w.delta_column && *existing != *w.delta_column) {
      return BadRequest(1382, "params.deltaColumn.name " + *w.delta_column +
                                  " differs from the flow's deltaColumn " + *existing +
                                  " (set by its first run; it cannot change)");
    }
    if (!existing && !w.delta_column) {
      return BadRequest(1383, "params.deltaColumn is required: the flow has no deltaColumn yet");
    }
    *delta = existing ? existing : w.delta_column;
  }
  return std::move(flow).value();
}

// POST /runs with params.dryRun: the checks of a real run (flow, schedule, state, deltaColumn,
// replace), read-only, then DryRunAnswer on the worker pool. Creates no run, no batch, and does
// not write the flow's deltaColumn.
Result<HttpResponse> DryRun(Call& call, const std::string& flow_id, const RunWindow& w) {
  FlowSource fs;
  std::optional<std::string> delta;
  Status err = call.deps.store->Read([&](MetaTxn& txn) -> Status {
    ASSIGN_OR_RETURN(Entity flow, OnDemandFlow(call, txn, flow_id, w, &delta));
    if (w.replace) RETURN_IF_ERROR(CheckReplaceable(txn, call.scope, flow.id, w));
    ASSIGN_OR_RETURN(
        fs, ApiFlowSource(call, txn, flow, RunTarget{flow_id, w.start, w.end, delta, w.replace}));
    return Status::OK();
  });
  if (!err.ok()) return err;
  return Deferred(
      call, [fs = std::move(fs), flow_id, w, delta] { return DryRunAnswer(fs, flow_id, w, delta); },
      "dry runs");
}

Result<HttpResponse> CreateRun(Call& call) {
  ASSIGN_OR_RETURN(json::object body, BodyObject(call.http));
  auto flow_id = GetString(body, "flowId");
  if (!flow_id || flow_id->empty()) return BadRequest(1380, "flowId is required");
  ASSIGN_OR_RETURN(RunWindow w, ParseRunParams(body.if_contains("params"), call.now_ms()));
  if (w.dry_run) return DryRun(call, *flow_id, w);
  Entity run;
  Status err = InTransaction(call, [&](MetaTxn& txn) -> Status {
    std::optional<std::string> delta;
    ASSIGN_OR_RETURN(Entity flow, OnDemandFlow(call, txn, *flow_id, w, &delta));
    if (TableBased(flow)) {
      if (!FlowDeltaColumn(flow.doc)) {
        Entity updated = flow;
        SetFlowDeltaColumn(updated, *delta, call.now_ms());
        StampUpdate(updated, call);
        Status s = txn.Update(call.scope, updated, flow.etag);
        if (!s.ok()) return StoreError(s, kFlows, flow.id);
      }
    }
    if (w.replace) RETURN_IF_ERROR(CheckReplaceable(txn, call.scope, flow.id, w));
    run = NewRun(flow, body.at("params"), w, delta);
    StampCreate(run, call);
    Status s = txn.Insert(call.scope, run);
    if (!s.ok()) return StoreError(s, kRuns, run.id);
    return Status::OK();
  });
  if (!err.ok()) return err;
  HttpResponse res = JsonResponse(201, json::object{{"items", json::array{IdEtag(run)}}});
  res.headers.emplace_back("Location", "/data/foundation/flowservice/runs/" + run.id);
  return res;
}

// The record counts a verification compares the source with: what the run landed (its
// outputRecordCount when it succeeded; a failed or cancelled run committed nothing) and what it
// failed (failedRecordCount).
struct LandedCounts {
  int64_t landed = 0;
  int64_t failed = 0;
};
LandedCounts LandedOf(const json::object& run) {
  LandedCounts c;
  auto count = [&](const char* path) {
    const json::value* v = FindPath(run, path);
    return v ? AsInt64Lenient(*v).value_or(0) : 0;
  };
  if (RunStatusOf(run) == run_status::kSuccess) {
    c.landed = count("metrics.recordSummary.outputRecordCount");
  }
  c.failed = count("metrics.recordSummary.failedRecordCount");
  return c;
}

// The verification metrics (registered with the routes, so /metrics lists them from the start).
struct VerifyCounters {
  Counter& clean;
  Counter& drifted;
  Counter& drift_records;
};
VerifyCounters& Verifications() {
  static VerifyCounters c{
      GetCounter("fluxo_run_verifications_total", "result=\"clean\"",
                 "Run verifications (op=verify) by result: clean (drift 0) or drift."),
      GetCounter("fluxo_run_verifications_total", "result=\"drift\"", ""),
      GetCounter("fluxo_run_drift_records_total", "",
                 "Records verifications found missing from (or extra in) their runs: the sum of "
                 "|drift|.")};
  return c;
}

// On the worker pool: counts the window again, stores fluxo.verification on the run (compare-and-
// set on its etag, retried when the run changed meanwhile) and answers {id, etag, verification}.
Result<HttpResponse> VerifyAnswer(const ApiDeps* deps, Scope scope, Principal who,
                                  std::string run_id, FlowSource fs, LandedCounts counts) {
  VerifyCounters& m = Verifications();
  auto made = fs.connector->NewSource(fs.config);
  if (!made.ok()) return SourceFailure(made.status(), "verify: counting the window", kRuns, run_id);
  std::unique_ptr<Source> src = std::move(made).value();
  if (Status o = src->Open(); !o.ok()) {
    return SourceFailure(o, "verify: counting the window", kRuns, run_id);
  }
  auto n = src->CountWindow();
  if (!n.ok()) return SourceFailure(n.status(), "verify: counting the window", kRuns, run_id);
  int64_t now = deps->clock->NowMillis();
  int64_t drift = *n - counts.landed - counts.failed;
  json::object v{{"sourceRecordCount", *n},
                 {"landedRecordCount", counts.landed},
                 {"failedRecordCount", counts.failed},
                 {"drift", drift},
                 {"verifiedAt", now}};
  Entity updated;
  Status api_error;
  Status s = deps->store->Transact([&](MetaTxn& txn) -> Status {
    auto cur = txn.Get(scope, kRuns, run_id);
    if (!cur.ok()) {
      api_error = StoreError(cur.status(), kRuns, run_id);
      return Status::Cancelled("rolled back");
    }
    updated = *cur;
    json::object& fx = updated.doc["fluxo"].is_object() ? updated.doc["fluxo"].as_object()
                                                        : updated.doc["fluxo"].emplace_object();
    fx["verification"] = v;
    updated.updated_at = now;
    updated.etag = NewEtag(now);
    updated.doc["updatedAt"] = now;
    updated.doc["updatedBy"] = who.client_id + "@AdobeID";
    updated.doc["updatedClient"] = who.client_id;
    updated.doc["etag"] = updated.etag;
    updated.doc["version"] = updated.etag;
    return txn.Update(scope, updated, cur->etag);
  });
  if (!api_error.ok()) return api_error;
  if (!s.ok()) return StoreError(s, kRuns, run_id);
  (drift == 0 ? m.clean : m.drifted).Add();
  m.drift_records.Add(drift < 0 ? -drift : drift);
  json::object out = IdEtag(updated);
  out["verification"] = std::move(v);
  return JsonResponse(200, out);
}

// op=verify: a finished run's window counted again at the source (see VerifyAnswer).
Result<HttpResponse> VerifyRun(Call& call, const std::string& id) {
  FlowSource fs;
  LandedCounts counts;
  Status err = call.deps.store->Read([&](MetaTxn& txn) -> Status {
    auto cur = txn.Get(call.scope, kRuns, id);
    if (!cur.ok()) return StoreError(cur.status(), kRuns, id);
    std::string status = RunStatusOf(cur->doc);
    if (!IsFinalRunStatus(status)) {
      return FlowError(400, 1422,
                       "run " + id + " is " + status +
                           "; only a finished run (success, failed or cancelled) can be verified",
                       kRuns, id);
    }
    RunTarget target = RunTargetOf(cur->doc);
    auto flow = txn.Get(call.scope, kFlows, target.flow_id);
    if (!flow.ok()) return StoreError(flow.status(), kFlows, target.flow_id);
    ASSIGN_OR_RETURN(fs, ApiFlowSource(call, txn, *flow, target));
    counts = LandedOf(cur->doc);
    return Status::OK();
  });
  if (!err.ok()) return err;
  return Deferred(
      call,
      [deps = &call.deps, scope = call.scope, who = call.principal, id, fs = std::move(fs),
       counts] { return VerifyAnswer(deps, scope, who, id, fs, counts); },
      "run verifications");
}

Result<HttpResponse> RunAction(Call& call) {
  const std::string* op = FindParam(call.query, "op");
  if (!op || op->empty())
    return BadRequest(kCodeBadRequest, "op is required: re-trigger, cancel or verify");
  std::string o = Lower(*op);
  for (auto& c : o) {
    if (c == '_') c = '-';
  }
  if (o != "re-trigger" && o != "retrigger" && o != "cancel" && o != "verify") {
    return BadRequest(kCodeBadRequest,
                      "op " + *op + " is not a run action (re-trigger, cancel, verify)");
  }
  bool replace = false;
  if (const std::string* r = FindParam(call.query, "replace")) {
    std::string v = Lower(*r);
    bool retrigger = o != "cancel" && o != "verify";
    if (!retrigger || (v != "true" && v != "false")) {
      return BadRequest(kCodeBadRequest, !retrigger ? "replace applies to op=re-trigger only"
                                                    : "replace must be true or false, not " + *r);
    }
    replace = v == "true";
  }
  const std::string& id = call.param(0);
  if (o == "verify") return VerifyRun(call, id);
  Entity answer;
  Status err = InTransaction(call, [&](MetaTxn& txn) -> Status {
    auto cur = txn.Get(call.scope, kRuns, id);
    if (!cur.ok()) return StoreError(cur.status(), kRuns, id);
    std::string status = RunStatusOf(cur->doc);
    if (o == "cancel") {
      answer = *cur;
      // RunState rules (model/run_state.h): a scheduled run is cancelled at once; an inProgress
      // one is flagged and the worker holding it stops and marks it cancelled.
      if (!RequestRunCancel(answer.doc, call.now_ms()).ok()) {
        return FlowError(400, 1422,
                         "run " + id + " is " + status +
                             "; only scheduled or inProgress runs "
                             "can be cancelled",
                         kRuns, id);
      }
      StampUpdate(answer, call);
      Status s = txn.Update(call.scope, answer, cur->etag);
      if (!s.ok()) return StoreError(s, kRuns, id);
      return Status::OK();
    }
    // Re-trigger: the flow must be enabled, and the run failed or successful with no records.
    auto flow_id = GetString(cur->doc, "flowId").value_or("");
    auto flow = txn.Get(call.scope, kFlows, flow_id);
    if (!flow.ok()) return StoreError(flow.status(), kFlows, flow_id);
    if (GetString(flow->doc, "state") != std::optional<std::string>("enabled")) {
      return FlowError(400, 1388,
                       "flow " + flow_id + " is disabled; enable it to re-trigger run " + id,
                       kFlows, flow_id);
    }
    const json::value* out = FindPath(cur->doc, "metrics.recordSummary.outputRecordCount");
    bool zero = !out || AsInt64Lenient(*out).value_or(0) == 0;
    if (!(status == "failed" || (status == "success" && (zero || replace)))) {
      return FlowError(400, 1387,
                       "run " + id + " is " + status +
                           "; only a failed run or a successful run with no records can be "
                           "re-triggered (or a successful one with replace=true, which replaces "
                           "what it landed)",
                       kRuns, id);
    }
    const json::object& fx = cur->doc.at("fluxo").as_object();
    RunWindow w;
    w.start = fx.at("windowStart").as_int64();
    w.end = fx.at("windowEnd").as_int64();
    w.due_at_ms = call.now_ms();
    w.replace = replace;
    if (replace) RETURN_IF_ERROR(CheckReplaceable(txn, call.scope, flow_id, w));
    std::optional<std::string> delta;
    if (auto d = GetString(fx, "deltaColumn")) delta = d;
    answer = NewRun(*flow, cur->doc.at("params"), w, delta);
    answer.doc["fluxo"].as_object()["retriggeredFrom"] = id;
    StampCreate(answer, call);
    Status s = txn.Insert(call.scope, answer);
    if (!s.ok()) return StoreError(s, kRuns, answer.id);
    return Status::OK();
  });
  if (!err.ok()) return err;
  return JsonResponse(200, IdEtag(answer));
}

// PUT /runs/{id} (AEP's updateRun, body UpdateFlowRunRequest; If-Match required): a run that is
// still `scheduled` and was created by POST /runs (or a re-trigger) takes new `params`, checked
// as POST /runs checks them; its window, due time and providerRefId follow. `flowId` and
// `flowSpec` may be sent but must be the run's own (1414). The other fields of the request
// (providerRefId, metrics, activities, ...) are fluxo's to compute: 400 1410. A run in another
// state, or one the flow's schedule created: 400 1422. Answers the updated run (FlowRunItemDTO).
Status CheckRunUpdateBody(const json::object& body, const json::object& run) {
  for (const auto& kv : body) {
    std::string k(kv.key());
    if (k == "params") continue;
    if (k == "flowId") {
      if (GetString(body, "flowId") != GetString(run, "flowId"))
        return BadRequest(1414, "flowId of a run cannot be changed");
      continue;
    }
    if (k == "flowSpec") {
      const json::value* want = FindPath(body, "flowSpec.id");
      const json::value* have = FindPath(run, "flowSpec.id");
      if (want != nullptr && (have == nullptr || *want != *have))
        return BadRequest(1414, "flowSpec of a run cannot be changed");
      continue;
    }
    return BadRequest(kCodeBadRequest, k + " is computed by fluxo; PUT /runs/{id} changes only "
                                           "the params of a scheduled run");
  }
  return Status::OK();
}

Result<HttpResponse> UpdateRun(Call& call) {
  ASSIGN_OR_RETURN(json::object body, BodyObject(call.http));
  ASSIGN_OR_RETURN(RunWindow w, ParseRunParams(body.if_contains("params"), call.now_ms()));
  if (w.dry_run) return BadRequest(1384, "params.dryRun applies to POST /runs only");
  const std::string& id = call.param(0);
  Entity updated;
  Status err = InTransaction(call, [&](MetaTxn& txn) -> Status {
    ASSIGN_OR_RETURN(Entity cur, GetEntity(call, txn, kRuns, id));
    const std::string* q = FindParam(call.query, "if-match");
    RETURN_IF_ERROR(CheckIfMatch(call.http.Header("if-match"),
                                 q ? std::optional<std::string>(*q) : std::nullopt, cur.etag, kRuns,
                                 id));
    RETURN_IF_ERROR(CheckRunUpdateBody(body, cur.doc));
    std::string status = RunStatusOf(cur.doc);
    json::object fx = cur.doc.at("fluxo").as_object();
    const json::value* by_schedule = fx.if_contains("scheduled");
    if (status != run_status::kScheduled ||
        (by_schedule && AsBoolLenient(*by_schedule).value_or(false))) {
      return FlowError(400, 1422,
                       "run " + id + " is " + status +
                           (status == run_status::kScheduled ? " by the flow's schedule" : "") +
                           "; only a scheduled run created by POST /runs can be updated",
                       kRuns, id);
    }
    std::optional<std::string> delta;
    if (auto d = GetString(fx, "deltaColumn")) delta = d;
    if (w.delta_column && delta && *w.delta_column != *delta) {
      return BadRequest(1382, "params.deltaColumn.name " + *w.delta_column +
                                  " differs from the run's deltaColumn " + *delta);
    }
    std::string flow_id = GetString(cur.doc, "flowId").value_or("");
    ASSIGN_OR_RETURN(Entity flow, GetEntity(call, txn, kFlows, flow_id));
    if (w.replace) RETURN_IF_ERROR(CheckReplaceable(txn, call.scope, flow_id, w));
    json::object fresh = NewRun(flow, body.at("params"), w, delta).doc;
    updated = cur;
    for (const char* k : {"params", "providerRefId", "activities"}) updated.doc[k] = fresh[k];
    const json::object& nfx = fresh.at("fluxo").as_object();
    for (const char* k : {"windowStart", "windowEnd", "dueAt"}) fx[k] = nfx.at(k);
    if (w.replace) {
      fx["replace"] = true;
    } else {
      fx.erase("replace");
    }
    updated.doc["fluxo"] = std::move(fx);
    StampUpdate(updated, call);
    Status s = txn.Update(call.scope, updated, cur.etag);
    if (!s.ok()) return StoreError(s, kRuns, id);
    return Status::OK();
  });
  if (!err.ok()) return err;
  HttpResponse res = JsonResponse(200, updated.doc);
  res.headers.emplace_back("Location", "/data/foundation/flowservice/runs/" + id);
  return res;
}

}  // namespace

void RegisterRunRoutes(Router& r, const std::string& base) {
  Verifications();
  ListOptions opts;
  opts.scope = kRuns;
  opts.filter_paths = {"id",
                       "flowId",
                       "createdAt",
                       "updatedAt",
                       "metrics.statusSummary.status",
                       "metrics.durationSummary.startedAtUTC",
                       "metrics.durationSummary.completedAtUTC",
                       "providerRefId",
                       "flowSpec.id",
                       "fluxo.windowStart",
                       "fluxo.windowEnd"};
  opts.order_fields = {"createdAt", "updatedAt", "id", "metrics.durationSummary.startedAtUTC"};
  r.Add("POST", base + "/runs", CreateRun);
  r.Add("GET", base + "/runs",
        [opts](Call& call) { return ListEntities(call, kRuns, opts, "/runs"); });
  r.Add("GET", base + "/runs/{id}", [](Call& call) -> Result<HttpResponse> {
    Entity e;
    Status s = call.deps.store->Read([&](MetaTxn& txn) -> Status {
      ASSIGN_OR_RETURN(e, txn.Get(call.scope, kRuns, call.param(0)));
      return Status::OK();
    });
    if (!s.ok()) return StoreError(s, kRuns, call.param(0));
    return JsonResponse(200, json::object{{"items", json::array{std::move(e.doc)}}});
  });
  r.Add("PUT", base + "/runs/{id}", UpdateRun);
  r.Add("POST", base + "/runs/{id}/action", RunAction);
}

}  // namespace fluxo
