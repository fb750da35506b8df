// /runs: POST (the seed's on-demand run), GET one, list, PUT one (new params of a scheduled run),
// POST /runs/{id}/action?op=re-trigger|cancel (re-trigger takes fluxo's `replace=true|false`).
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
};

Result<RunWindow> ParseRunParams(const json::value* params, int64_t now_ms) {
  if (!params || !params->is_object()) {
    return BadRequest(1384, "params is required: {\"windowStartTime\", \"windowEndTime\"}");
  }
  const auto& p = params->as_object();
  for (const auto& kv : p) {
    std::string k(kv.key());
    if (k != "startTime" && k != "windowStartTime" && k != "windowEndTime" && k != "deltaColumn" &&
        k != "replace") {
      return BadRequest(1384, "params." + k +
                                  " is not a run parameter (startTime, windowStartTime, "
                                  "windowEndTime, deltaColumn, replace)");
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

Result<HttpResponse> CreateRun(Call& call) {
  ASSIGN_OR_RETURN(json::object body, BodyObject(call.http));
  auto flow_id = GetString(body, "flowId");
  if (!flow_id || flow_id->empty()) return BadRequest(1380, "flowId is required");
  ASSIGN_OR_RETURN(RunWindow w, ParseRunParams(body.if_contains("params"), call.now_ms()));
  Entity run;
  Status err = InTransaction(call, [&](MetaTxn& txn) -> Status {
    auto flow = txn.Get(call.scope, kFlows, *flow_id);
    if (!flow.ok()) {
      if (flow.status().code() == StatusCode::kNotFound) {
        return FlowError(404, 1101, "flowId: flow not found with id " + *flow_id, kFlows, *flow_id);
      }
      return flow.status();
    }
    const json::value* freq = FindPath(flow->doc, "scheduleParams.frequency");
    if (!freq || !freq->is_string() || Lower(std::string(freq->as_string())) != "once") {
      return BadRequest(1386,
                        "flowId: flow " + *flow_id + " runs on a schedule (frequency " +
                            (freq && freq->is_string() ? std::string(freq->as_string()) : "?") +
                            "); on-demand runs need a flow with frequency once");
    }
    if (GetString(flow->doc, "state") != std::optional<std::string>("enabled")) {
      return BadRequest(1380, "flowId: flow " + *flow_id + " is disabled; enable it first");
    }
    std::optional<std::string> delta;
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
      delta = existing ? existing : w.delta_column;
      if (!existing) {
        Entity updated = *flow;
        SetFlowDeltaColumn(updated, *delta, call.now_ms());
        StampUpdate(updated, call);
        Status s = txn.Update(call.scope, updated, flow->etag);
        if (!s.ok()) return StoreError(s, kFlows, flow->id);
      }
    }
    if (w.replace) RETURN_IF_ERROR(CheckReplaceable(txn, call.scope, flow->id, w));
    run = NewRun(*flow, body.at("params"), w, delta);
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

Result<HttpResponse> RunAction(Call& call) {
  const std::string* op = FindParam(call.query, "op");
  if (!op || op->empty())
    return BadRequest(kCodeBadRequest, "op is required: re-trigger or cancel");
  std::string o = Lower(*op);
  for (auto& c : o) {
    if (c == '_') c = '-';
  }
  if (o != "re-trigger" && o != "retrigger" && o != "cancel") {
    return BadRequest(kCodeBadRequest, "op " + *op + " is not a run action (re-trigger, cancel)");
  }
  bool replace = false;
  if (const std::string* r = FindParam(call.query, "replace")) {
    std::string v = Lower(*r);
    if (o == "cancel" || (v != "true" && v != "false")) {
      return BadRequest(kCodeBadRequest, o == "cancel"
                                             ? "replace applies to op=re-trigger only"
                                             : "replace must be true or false, not " + *r);
    }
    replace = v == "true";
  }
  const std::string& id = call.param(0);
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
