#include "scheduler/scheduler.h"

#include <openssl/sha.h>

#include "base/ids.h"
#include "base/log.h"
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

Result<int64_t> Scheduler::Tick() {
  int64_t created = 0;
  int64_t now_ms = clock_->NowMillis();
  int64_t now_s = now_ms / 1000;
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
      const json::value* sp_val = f.entity.doc.if_contains("scheduleParams");
      if (!sp_val || !sp_val->is_object()) continue;
      const json::object& sp_doc = sp_val->as_object();
      std::string freq = GetString(sp_doc, "frequency").value_or("");
      for (auto& c : freq) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      int64_t interval =
          sp_doc.contains("interval") ? AsInt64Lenient(sp_doc.at("interval")).value_or(0) : 0;
      int64_t t0 = sp_doc.contains("startTime") ? AsInt64Lenient(sp_doc.at("startTime")).value_or(0)
                                                : f.entity.created_at / 1000;
      bool backfill =
          sp_doc.contains("backfill") ? AsBoolLenient(sp_doc.at("backfill")).value_or(true) : true;
      int64_t period = UnitSeconds(freq) * interval / std::max<int64_t>(1, options_.time_scale);
      if (period <= 0) continue;
      // Resume after the latest scheduled run of the flow.
      int64_t k = 0;
      RETURN_IF_ERROR(meta_->Read([&](MetaTxn& txn) -> Status {
        ListQuery last;
        last.limit = 1;
        last.order_field = "fluxo.windowEnd";
        last.order_desc = true;
        last.filters = {Filter{"flowId", -1, FilterOp::kEq, {f.entity.id}},
                        Filter{"fluxo.scheduled", -1, FilterOp::kEq, {"true"}}};
        ASSIGN_OR_RETURN(EntityPage page, txn.List(f.scope, "runs", last));
        if (!page.items.empty()) {
          const json::value* end = FindPath(page.items[0].doc, "fluxo.windowEnd");
          int64_t e = end ? AsInt64Lenient(*end).value_or(t0) : t0;
          k = (e - t0) / period + 1;
        }
        return Status::OK();
      }));
      // A malformed Copy gives no delta column here; the run then fails naming the field.
      auto copy = ParseCopyTransformation(f.entity.doc);
      std::optional<std::string> delta = copy.ok() ? copy->delta_column : std::nullopt;
      for (int made = 0; made < options_.max_runs_per_tick; ++made, ++k) {
        ScheduledWindow w = WindowOf(t0, period, backfill, k);
        if (w.fire_at > now_s) break;
        Entity run;
        run.kind = "runs";
        run.id = ScheduledRunId(f.entity.id, w.start);
        json::value params = json::object{{"windowStartTime", w.start}, {"windowEndTime", w.end}};
        RunSpecOfWindow spec{w.start, w.end, w.fire_at * 1000, delta, true};
        run.doc = NewRunDocument(f.entity.id, f.entity.doc, params, spec);
        run.created_at = run.updated_at = now_ms;
        run.etag = NewEtag(now_ms);
        run.doc["id"] = run.id;
        run.doc["createdAt"] = now_ms;
        run.doc["updatedAt"] = now_ms;
        run.doc["createdBy"] = "scheduler";
        run.doc["updatedBy"] = "scheduler";
        run.doc["createdClient"] = "fluxo-scheduler";
        run.doc["updatedClient"] = "fluxo-scheduler";
        run.doc["sandboxName"] = f.scope.sandbox;
        for (const char* k2 : {"sandboxId", "imsOrgId"}) {
          if (auto v = f.entity.doc.if_contains(k2)) run.doc[k2] = *v;
        }
        run.doc["etag"] = run.etag;
        run.doc["version"] = run.etag;
        Status s = meta_->Transact([&](MetaTxn& txn) { return txn.Insert(f.scope, run); });
        if (s.code() == StatusCode::kAlreadyExists) continue;  // another scheduler made it
        RETURN_IF_ERROR(s);
        ++created;
      }
    }
    if (flows.size() < static_cast<size_t>(q.limit)) break;
    after = flows.back().entity.id;
  }
  return created;
}

}  // namespace fluxo
