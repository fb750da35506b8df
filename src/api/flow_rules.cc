#include "api/flow_rules.h"

#include "model/transformations.h"

namespace fluxo {

int64_t Schedule::PeriodSeconds() const {
  if (frequency == "minute") return interval * 60;
  if (frequency == "hour") return interval * 3600;
  if (frequency == "day") return interval * 86400;
  if (frequency == "week") return interval * 7 * 86400;
  return 0;
}

Result<Schedule> ParseSchedule(const json::value* sp, int64_t now_s, bool check_start_in_past) {
  if (!sp || !sp->is_object()) {
    return BadRequest(1369,
                      "scheduleParams is required: {\"startTime\", \"frequency\", \"interval\"}");
  }
  const auto& o = sp->as_object();
  Schedule s;
  auto freq = GetString(o, "frequency");
  if (!freq)
    return BadRequest(1361,
                      "scheduleParams.frequency is required (once, minute, hour, day or week)");
  for (auto& c : *freq) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (*freq != "once" && *freq != "minute" && *freq != "hour" && *freq != "day" &&
      *freq != "week") {
    return BadRequest(1361, "scheduleParams.frequency must be once, minute, hour, day or week");
  }
  s.frequency = *freq;
  if (auto st = o.if_contains("startTime")) {
    auto v = AsInt64Lenient(*st);
    if (!v || *v < 0) return BadRequest(1366, "scheduleParams.startTime must be epoch seconds");
    s.start_time = *v;
    if (check_start_in_past && s.start_time < now_s - 60) {
      return BadRequest(1360, "scheduleParams.startTime " + std::to_string(s.start_time) +
                                  " is in the past (now is " + std::to_string(now_s) + ")");
    }
  } else {
    s.start_time = now_s;
  }
  const json::value* interval = o.if_contains("interval");
  if (s.frequency == "once") {
    if (interval && !interval->is_null()) {
      return BadRequest(1362, "scheduleParams.interval cannot be set when frequency is once");
    }
    if (auto b = o.if_contains("backfill"); b && !b->is_null()) {
      return BadRequest(1364, "scheduleParams.backfill cannot be set when frequency is once");
    }
    return s;
  }
  if (!interval || interval->is_null()) {
    return BadRequest(1367, "scheduleParams.interval is required when frequency is " + s.frequency);
  }
  auto iv = AsInt64Lenient(*interval);
  int64_t min = s.frequency == "minute" ? 15 : 1;
  if (!iv || *iv < min) {
    return BadRequest(1363, "scheduleParams.interval must be an integer of at least " +
                                std::to_string(min) + " for frequency " + s.frequency);
  }
  s.interval = *iv;
  if (auto b = o.if_contains("backfill")) {
    auto bv = AsBoolLenient(*b);
    if (!bv) return BadRequest(1368, "scheduleParams.backfill must be a boolean");
    s.backfill = *bv;
  }
  return s;
}

Status ValidateFlowOptions(const json::value* options) {
  if (!options) return Status::OK();
  if (!options->is_object()) return BadRequest(kCodeBadRequest, "options must be an object");
  for (const auto& kv : options->as_object()) {
    std::string k(kv.key());
    if (k == "partialIngestionPercent") {
      auto d = AsDoubleLenient(kv.value());
      if (!d || *d < 0 || *d > 100) {
        return BadRequest(kCodeBadRequest,
                          "options.partialIngestionPercent must be a number from 0 to 100");
      }
    } else if (k == "errorDiagnosticsEnabled") {
      if (!AsBoolLenient(kv.value())) {
        return BadRequest(kCodeBadRequest, "options.errorDiagnosticsEnabled must be a boolean");
      }
    } else {
      return BadRequest(kCodeBadRequest, "options." + k +
                                             " is not a known option "
                                             "(partialIngestionPercent, errorDiagnosticsEnabled)");
    }
  }
  return Status::OK();
}

std::optional<std::string> FlowDeltaColumn(const json::object& flow) {
  auto copy = ParseCopyTransformation(flow);  // the one parser (model/transformations.h)
  return copy.ok() ? copy->delta_column : std::nullopt;
}

}  // namespace fluxo
