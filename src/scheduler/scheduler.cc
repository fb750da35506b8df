#include "scheduler/scheduler.h"

#include <openssl/sha.h>

#include "base/ids.h"
#include "base/log.h"
#include "base/strings.h"
#include "model/run_doc.h"
#include "model/transformations.h"

namespace fluxo {

namespace {

int64_t UnitSeconds(const std::string& frequency) {
  if (frequency == "minute") return 60;
  if (frequency == "hour") return 3600;
  if (frequency == "day") return 86400;
  if (frequency == "week") return 7 * 86400;
  return 0;
}

}  // namespace

ScheduledWindow WindowOf(int64_t t0, int64_t p, bool backfill, int64_t k) {
  ScheduledWindow w;
  w.fire_at = t0 + k * p;
  w.end = w.fire_at;
  w.start = k == 0 ? (backfill ? 0 : t0 - p) : t0 + (k - 1) * p;
  return w;
}

std::string ScheduledRunId(const std::string& flow_id, int64_t window_start) {
  std::string in = flow_id + "/" + std::to_string(window_start);
  unsigned char h[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(in.data()), in.size(), h);
  std::string b(reinterpret_cast<const char*>(h), 16);
  b[6] = static_cast<char>((b[6] & 0x0f) | 0x50);  // version 5-style (name-based)
  b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);
  std::string x = HexEncode(b);
  return x.substr(0, 8) + "-" + x.substr(8, 4) + "-" + x.substr(12, 4) + "-" + x.substr(16, 4) +
         "-" + x.substr(20, 12);
}

Scheduler::Scheduler(MetaStore* meta, SchedulerOptions options, const Clock* clock)
    : meta_(meta), options_(options), clock_(clock) {}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::Start() {
  thread_ = std::thread([this] {
    while (!stopping_) {
      try {
        auto n = Tick();
        if (!n.ok()) spdlog::warn("scheduler: {}", n.status().ToString());
      } catch (const std::exception& e) {
        spdlog::error("scheduler: unexpected error: {}", e.what());
      }
      for (int64_t w = 0; w < options_.tick_ms && !stopping_; w += 50) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  });
}

void Scheduler::Stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

namespace {

// A flow's schedule as the scheduler reads it.
struct FlowSchedule {
  int64_t t0 = 0;      // epoch s: scheduleParams.startTime, else the flow's creation
  int64_t period = 0;  // s, already divided by the time scale
  bool backfill = true;
};

// nullopt when the flow has no usable schedule (missing params, unknown frequency, interval 0).
std::optional<FlowSchedule> ScheduleOf(const Entity& flow, int64_t time_scale) {
  const json::value* sp_val = flow.doc.if_contains("scheduleParams");
  if (!sp_val || !sp_val->is_object()) return std::nullopt;
  const json::object& sp = sp_val->as_object();
  std::string freq = Lower(GetString(sp, "frequency").value_or(""));
  int64_t interval = sp.contains("interval") ? AsInt64Lenient(sp.at("interval")).value_or(0) : 0;
  FlowSchedule s;
  s.t0 = sp.contains("startTime") ? AsInt64Lenient(sp.at("startTime")).value_or(0)
                                  : flow.created_at / 1000;
  s.backfill = sp.contains("backfill") ? AsBoolLenient(sp.at("backfill")).value_or(true) : true;
  s.period = UnitSeconds(freq) * interval / std::max<int64_t>(1, time_scale);
  if (s.period <= 0) return std::nullopt;
  return s;
}

// The index k of the flow's next run: one past its latest scheduled run, 0 when it has none.
Result<int64_t> NextRunIndex(MetaStore& meta, const ScopedEntity& flow, const FlowSchedule& s) {
  int64_t k = 0;
  RETURN_IF_ERROR(meta.Read([&](MetaTxn& txn) -> Status {
    ListQuery last;
    last.limit = 1;
    last.order_field = "fluxo.windowEnd";
    last.order_desc = true;
    last.filters = {Filter{"flowId", -1, FilterOp::kEq, {flow.entity.id}},
                    Filter{"fluxo.scheduled", -1, FilterOp::kEq, {"true"}}};
    ASSIGN_OR_RETURN(EntityPage page, txn.List(flow.scope, "runs", last));
    k = 0;
    if (!page.items.empty()) {
      const json::value* end = FindPath(page.items[0].doc, "fluxo.windowEnd");
      int64_t e = end ? AsInt64Lenient(*end).value_or(s.t0) : s.t0;
      k = (e - s.t0) / s.period + 1;
    }
    return Status::OK();
  }));
  return k;
}

// The scheduled run of `flow` for window `w`, with its deterministic id and audit fields.
Entity NewScheduledRun(const ScopedEntity& flow, const ScheduledWindow& w,
                       const std::optional<std::string>& delta, int64_t now_ms) {
  Entity run;
  run.kind = "runs";
  run.id = ScheduledRunId(flow.entity.id, w.start);
  json::value params = json::object{{"windowStartTime", w.start}, {"windowEndTime", w.end}};
  RunSpecOfWindow spec{w.start, w.end, w.fire_at * 1000, delta, true};
  run.doc = NewRunDocument(flow.entity.id, flow.entity.doc, params, spec);
  run.created_at = run.updated_at = now_ms;
  run.etag = NewEtag(now_ms);
  run.doc["id"] = run.id;
  run.doc["createdAt"] = now_ms;
  run.doc["updatedAt"] = now_ms;
  run.doc["createdBy"] = "scheduler";
  run.doc["updatedBy"] = "scheduler";
  run.doc["createdClient"] = "fluxo-scheduler";
  run.doc["updatedClient"] = "fluxo-scheduler";
  run.doc["sandboxName"] = flow.scope.sandbox;
  for (const char* k : {"sandboxId", "imsOrgId"}) {
    if (auto v = flow.entity.doc.if_contains(k)) run.doc[k] = *v;
  }
  run.doc["etag"] = run.etag;
  run.doc["version"] = run.etag;
  return run;
}

}  // namespace

Result<int64_t> Scheduler::FireDueRuns(const ScopedEntity& flow, int64_t now_ms) {
  std::optional<FlowSchedule> s = ScheduleOf(flow.entity, options_.time_scale);
  if (!s) return 0;
  ASSIGN_OR_RETURN(int64_t k, NextRunIndex(*meta_, flow, *s));
  // A malformed Copy gives no delta column here; the run then fails naming the field.
  auto copy = ParseCopyTransformation(flow.entity.doc);
  std::optional<std::string> delta = copy.ok() ? copy->delta_column : std::nullopt;
  int64_t created = 0;
  for (int made = 0; made < options_.max_runs_per_tick; ++made, ++k) {
    ScheduledWindow w = WindowOf(s->t0, s->period, s->backfill, k);
    if (w.fire_at > now_ms / 1000) break;
    Entity run = NewScheduledRun(flow, w, delta, now_ms);
    Status st = meta_->Transact([&](MetaTxn& txn) { return txn.Insert(flow.scope, run); });
    if (st.code() == StatusCode::kAlreadyExists) continue;  // another scheduler made it
    RETURN_IF_ERROR(st);
    ++created;
  }
  return created;
}

Result<int64_t> Scheduler::Tick() {
  int64_t created = 0;
  int64_t now_ms = clock_->NowMillis();
  // Every enabled scheduled flow, in pages by id.
  std::string after;
  while (true) {
    ListQuery q;
    q.limit = 200;
    q.order_field = "id";
    q.order_desc = false;
    q.filters = {Filter{"state", -1, FilterOp::kEq, {"enabled"}},
                 Filter{"scheduleParams.frequency", -1, FilterOp::kNe, {"once"}}};
    if (!after.empty()) q.filters.push_back(Filter{"id", -1, FilterOp::kGt, {after}});
    std::vector<ScopedEntity> flows;
    RETURN_IF_ERROR(meta_->Read([&](MetaTxn& txn) -> Status {
      ASSIGN_OR_RETURN(flows, txn.ListAcrossScopes("flows", q));
      return Status::OK();
    }));
    for (const auto& f : flows) {
      ASSIGN_OR_RETURN(int64_t n, FireDueRuns(f, now_ms));
      created += n;
    }
    if (flows.size() < static_cast<size_t>(q.limit)) break;
    after = flows.back().entity.id;
  }
  return created;
}

}  // namespace fluxo
