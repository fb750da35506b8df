#include "scheduler/scheduler.h"

#include <openssl/sha.h>

#include "base/ids.h"
#include "base/log.h"
#include "base/strings.h"
#include "model/flow_options.h"
#include "model/run_doc.h"
#include "model/transformations.h"
#include "model/window_time.h"

namespace fluxo {

std::optional<ScheduledWindow> NextScheduledWindow(const ScheduleTiming& s,
                                                   const std::optional<ScheduledWindow>& last) {
  if (s.period_s <= 0) return std::nullopt;
  if (!last) {
    std::optional<int64_t> fire = CheckedFireTime(s.t0, s.period_s, 0);
    if (!fire) return std::nullopt;
    int64_t end = std::max<int64_t>(0, *fire - s.lag_s);
    int64_t start = s.backfill ? 0 : std::max<int64_t>(0, end - s.period_s);
    if (end > start) return ScheduledWindow{start, end, *fire};
    return NextScheduledWindow(s, ScheduledWindow{start, end, *fire});
  }
  // The first fire time after last's: k = 0 when the schedule now starts later.
  int64_t k = last->fire_at < s.t0 ? 0 : (last->fire_at - s.t0) / s.period_s + 1;
  while (true) {
    std::optional<int64_t> fire = CheckedFireTime(s.t0, s.period_s, k++);
    if (!fire) return std::nullopt;
    if (*fire <= last->fire_at) continue;
    int64_t end = *fire - s.lag_s;
    if (end > last->end) return ScheduledWindow{last->end, end, *fire};
  }
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

// The flow's schedule, nullopt when it has none the scheduler can apply (missing params, unknown
// frequency, interval 0 or beyond its limit: model/window_time.h).
std::optional<ScheduleTiming> ScheduleOf(const Entity& flow, int64_t time_scale) {
  const json::value* sp_val = flow.doc.if_contains("scheduleParams");
  if (!sp_val || !sp_val->is_object()) return std::nullopt;
  const json::object& sp = sp_val->as_object();
  std::string freq = Lower(GetString(sp, "frequency").value_or(""));
  int64_t interval = sp.contains("interval") ? AsInt64Lenient(sp.at("interval")).value_or(0) : 0;
  std::optional<int64_t> period = CheckedPeriodSeconds(freq, interval);
  if (!period) return std::nullopt;
  ScheduleTiming s;
  s.t0 = sp.contains("startTime") ? AsInt64Lenient(sp.at("startTime")).value_or(0)
                                  : flow.created_at / 1000;
  if (EpochSecondsProblem("startTime", s.t0)) return std::nullopt;
  s.backfill = sp.contains("backfill") ? AsBoolLenient(sp.at("backfill")).value_or(true) : true;
  int64_t scale = std::max<int64_t>(1, time_scale);
  s.period_s = std::max<int64_t>(1, *period / scale);
  s.lag_s = FlowOptionsOf(flow.doc).late_arrival_s / scale;
  return s;
}

// The window of the flow's latest scheduled run (by window end), nullopt when it has none.
Result<std::optional<ScheduledWindow>> LastScheduledWindow(MetaStore& meta,
                                                           const ScopedEntity& flow) {
  std::optional<ScheduledWindow> last;
  RETURN_IF_ERROR(meta.Read([&](MetaTxn& txn) -> Status {
    ListQuery q;
    q.limit = 1;
    q.order_field = "fluxo.windowEnd";
    q.order_desc = true;
    q.filters = {Filter{"flowId", -1, FilterOp::kEq, {flow.entity.id}},
                 Filter{"fluxo.scheduled", -1, FilterOp::kEq, {"true"}}};
    ASSIGN_OR_RETURN(EntityPage page, txn.List(flow.scope, "runs", q));
    last.reset();
    if (page.items.empty()) return Status::OK();
    RunTarget t = RunTargetOf(page.items[0].doc);
    const json::value* due = FindPath(page.items[0].doc, "fluxo.dueAt");
    int64_t fire_at = due ? AsInt64Lenient(*due).value_or(0) / 1000 : t.window_end;
    last = ScheduledWindow{t.window_start, t.window_end, fire_at};
    return Status::OK();
  }));
  return last;
}

// The scheduled run of `flow` for window `w`, with its deterministic id and audit fields.
Entity NewScheduledRun(const ScopedEntity& flow, const ScheduledWindow& w,
                       const std::optional<std::string>& delta, int64_t now_ms) {
  Entity run;
  run.kind = "runs";
  run.id = ScheduledRunId(flow.entity.id, w.start);
  json::value params = json::object{{"windowStartTime", w.start}, {"windowEndTime", w.end}};
  RunSpecOfWindow spec{w.start, w.end, SecondsToMillis(w.fire_at), delta, true};
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
  std::optional<ScheduleTiming> s = ScheduleOf(flow.entity, options_.time_scale);
  if (!s) return 0;
  ASSIGN_OR_RETURN(std::optional<ScheduledWindow> last, LastScheduledWindow(*meta_, flow));
  // A malformed Copy gives no delta column here; the run then fails naming the field.
  auto copy = ParseCopyTransformation(flow.entity.doc);
  std::optional<std::string> delta = copy.ok() ? copy->delta_column : std::nullopt;
  int64_t created = 0;
  for (int made = 0; made < options_.max_runs_per_tick; ++made) {
    std::optional<ScheduledWindow> w = NextScheduledWindow(*s, last);
    if (!w || w->fire_at > now_ms / 1000) break;
    last = w;
    Entity run = NewScheduledRun(flow, *w, delta, now_ms);
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
