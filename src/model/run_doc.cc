#include "model/run_doc.h"

namespace fluxo {

namespace {

json::object& Obj(json::object& o, std::string_view key) {
  if (!o.contains(key) || !o[key].is_object()) o[key] = json::object{};
  return o[key].as_object();
}

int64_t IntAt(const json::object& o, std::string_view path) {
  const json::value* v = FindPath(o, path);
  return v ? AsInt64Lenient(*v).value_or(0) : 0;
}

json::object ZeroRecords() {
  return {{"inputRecordCount", 0}, {"outputRecordCount", 0}, {"failedRecordCount", 0}};
}

}  // namespace

json::object NewRunDocument(const std::string& flow_id, const json::object& flow,
                            const json::value& params, const RunSpecOfWindow& w) {
  json::array targets;
  if (auto t = flow.if_contains("targetConnectionIds"); t && t->is_array()) {
    for (const auto& id : t->as_array()) {
      targets.push_back(json::object{{"id", id},
                                     {"type", "TargetConnection"},
                                     {"reference", {{"type", "Batch"}, {"ids", json::array{}}}}});
    }
  }
  json::object window{{"windowStart", w.window_start * 1000}, {"windowEnd", w.window_end * 1000}};
  json::array activities{
      json::object{{"id", "copyActivity"},
                   {"name", "Copy Activity"},
                   {"durationSummary", {{"extensions", window}}},
                   {"sizeSummary", {{"inputBytes", 0}, {"outputBytes", 0}}},
                   {"recordSummary", ZeroRecords()},
                   {"fileSummary", {{"inputFileCount", 0}, {"outputFileCount", 0}}},
                   {"statusSummary", {{"status", "scheduled"}}}},
      json::object{{"id", "promotionActivity"},
                   {"name", "Promotion Activity"},
                   {"durationSummary", json::object{}},
                   {"recordSummary", ZeroRecords()},
                   {"targetInfo", std::move(targets)},
                   {"statusSummary", {{"status", "scheduled"}}}}};
  json::object fx{{"windowStart", w.window_start},
                  {"windowEnd", w.window_end},
                  {"dueAt", w.due_at_ms},
                  {"attempt", 0}};
  if (w.delta_column) fx["deltaColumn"] = *w.delta_column;
  if (w.scheduled) fx["scheduled"] = true;
  if (w.replace) fx["replace"] = true;
  json::object metrics{{"durationSummary", json::object{}},
                       {"sizeSummary", {{"inputBytes", 0}, {"outputBytes", 0}}},
                       {"recordSummary", ZeroRecords()},
                       {"fileSummary", {{"inputFileCount", 0}, {"outputFileCount", 0}}},
                       {"statusSummary", {{"status", "scheduled"}, {"errors", json::array{}}}}};
  return json::object{
      {"flowId", flow_id},
      {"flowSpec", flow.contains("flowSpec") ? flow.at("flowSpec") : json::value()},
      {"providerRefId", flow_id.substr(0, 8) + "-" + std::to_string(w.window_start)},
      {"params", params},
      {"metrics", std::move(metrics)},
      {"activities", std::move(activities)},
      {"fluxo", std::move(fx)}};
}

std::string RunStatusOf(const json::object& run) {
  const json::value* s = FindPath(run, "metrics.statusSummary.status");
  return s && s->is_string() ? std::string(s->as_string()) : "";
}

void SetRunStatus(json::object& run, const std::string& status) {
  run["metrics"].as_object()["statusSummary"].as_object()["status"] = status;
  if (auto a = run.if_contains("activities"); a && a->is_array()) {
    for (auto& act : a->as_array()) {
      if (act.is_object()) act.as_object()["statusSummary"].as_object()["status"] = status;
    }
  }
}

RunTarget RunTargetOf(const json::object& run) {
  RunTarget t;
  t.flow_id = GetString(run, "flowId").value_or("");
  t.window_start = IntAt(run, "fluxo.windowStart");
  t.window_end = IntAt(run, "fluxo.windowEnd");
  if (auto fx = run.if_contains("fluxo"); fx && fx->is_object()) {
    t.delta_column = GetString(fx->as_object(), "deltaColumn");
    const json::value* r = fx->as_object().if_contains("replace");
    t.replace = r && AsBoolLenient(*r).value_or(false);
  }
  return t;
}

std::vector<std::string> RunBatchIds(const json::object& run) {
  std::vector<std::string> ids;
  const json::value* acts = run.if_contains("activities");
  if (!acts || !acts->is_array()) return ids;
  for (const auto& a : acts->as_array()) {
    if (!a.is_object() ||
        GetString(a.as_object(), "id") != std::optional<std::string>("promotionActivity")) {
      continue;
    }
    const json::value* ti = a.as_object().if_contains("targetInfo");
    if (!ti || !ti->is_array()) continue;
    for (const auto& t : ti->as_array()) {
      const json::value* b = t.is_object() ? FindPath(t.as_object(), "reference.ids") : nullptr;
      if (!b || !b->is_array()) continue;
      for (const auto& id : b->as_array()) {
        if (id.is_string()) ids.emplace_back(id.as_string());
      }
    }
  }
  return ids;
}

std::optional<int64_t> RunStartedAt(const json::object& run) {
  const json::value* v = FindPath(run, "metrics.durationSummary.startedAtUTC");
  return v ? AsInt64Lenient(*v) : std::nullopt;
}

namespace {

void FillActivities(json::object& run, const std::string& status, int64_t started_ms,
                    std::optional<int64_t> completed_ms,
                    const std::vector<std::string>& batch_ids) {
  const json::object& m = run.at("metrics").as_object();
  auto a = run.if_contains("activities");
  if (!a || !a->is_array()) return;
  for (auto& act : a->as_array()) {
    if (!act.is_object()) continue;
    auto& o = act.as_object();
    std::string id = GetString(o, "id").value_or("");
    Obj(o, "statusSummary")["status"] = status;
    json::object& dur = Obj(o, "durationSummary");
    dur["startedAtUTC"] = started_ms;
    if (completed_ms) dur["completedAtUTC"] = *completed_ms;
    o["recordSummary"] = m.at("recordSummary");
    if (id == "copyActivity") {
      o["sizeSummary"] = m.at("sizeSummary");
      o["fileSummary"] = m.at("fileSummary");
    } else if (id == "promotionActivity" && !batch_ids.empty()) {
      auto ti = o.if_contains("targetInfo");
      if (!ti || !ti->is_array()) continue;
      size_t i = 0;
      for (auto& t : ti->as_array()) {
        if (i < batch_ids.size() && t.is_object()) {
          t.as_object()["reference"] =
              json::object{{"type", "Batch"}, {"ids", json::array{json::value(batch_ids[i])}}};
        }
        ++i;
      }
    }
  }
}

}  // namespace

void SetRunProgress(json::object& run, const RunCounts& c, const std::string& status,
                    int64_t started_ms, std::optional<int64_t> completed_ms,
                    const std::vector<std::string>& batch_ids) {
  json::object& m = Obj(run, "metrics");
  json::object size{{"inputBytes", c.input_bytes}, {"outputBytes", c.output_bytes}};
  if (c.estimated_bytes >= 0) size["estimatedInputBytes"] = c.estimated_bytes;
  json::object records{{"inputRecordCount", c.input_records},
                       {"outputRecordCount", c.output_records},
                       {"failedRecordCount", c.failed_records}};
  if (c.estimated_records >= 0) records["estimatedInputRecordCount"] = c.estimated_records;
  m["sizeSummary"] = std::move(size);
  m["recordSummary"] = std::move(records);
  m["fileSummary"] =
      json::object{{"inputFileCount", c.input_files}, {"outputFileCount", c.output_files}};
  Obj(m, "statusSummary")["status"] = status;
  json::object& dur = Obj(m, "durationSummary");
  dur["startedAtUTC"] = started_ms;
  if (completed_ms) dur["completedAtUTC"] = *completed_ms;
  FillActivities(run, status, started_ms, completed_ms, batch_ids);
}

void SetRunCompletedAt(json::object& run, int64_t completed_ms) {
  Obj(Obj(run, "metrics"), "durationSummary")["completedAtUTC"] = completed_ms;
}

void SetRunErrors(json::object& run, const std::vector<RunError>& errors) {
  json::array out;
  for (const auto& e : errors) {
    json::object o{{"code", e.code}, {"message", e.message}};
    if (e.record_count) o["recordCount"] = *e.record_count;
    out.push_back(std::move(o));
  }
  Obj(Obj(run, "metrics"), "statusSummary")["errors"] = std::move(out);
}

void SetRunInputFacts(json::object& run, int64_t null_delta_rows,
                      const std::vector<std::string>& input_files) {
  json::object& fx = Obj(run, "fluxo");
  fx["nullDeltaRows"] = null_delta_rows;
  if (input_files.empty()) return;
  json::array list;
  for (const auto& f : input_files) list.push_back(json::value(f));
  fx["inputFiles"] = std::move(list);
}

}  // namespace fluxo
