#include "model/run_doc.h"

namespace fluxo {

namespace {

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

}  // namespace fluxo
