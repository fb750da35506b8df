#include "api/flow_rules.h"

#include "model/flow_options.h"
#include "model/transformations.h"
#include "model/window_time.h"

namespace fluxo {

int64_t Schedule::PeriodSeconds() const {
  return CheckedPeriodSeconds(frequency, interval).value_or(0);
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
    if (!v) return BadRequest(1366, "scheduleParams.startTime must be epoch seconds");
    if (auto problem = EpochSecondsProblem("scheduleParams.startTime", *v))
      return BadRequest(1366, *problem);
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
  int64_t max = MaxScheduleInterval(s.frequency);  // ten years of periods
  if (!iv || *iv < min || *iv > max) {
    return BadRequest(1363, "scheduleParams.interval must be an integer from " +
                                std::to_string(min) + " to " + std::to_string(max) +
                                " for frequency " + s.frequency);
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
  auto integer_in = [](const json::value& v, int64_t lo, int64_t hi) {
    auto n = AsInt64Lenient(v);
    return n && *n >= lo && *n <= hi;
  };
  for (const auto& kv : options->as_object()) {
    std::string k(kv.key());
    if (k == "partialIngestionPercent") {
      auto d = AsDoubleLenient(kv.value());
      if (!d || *d < 0 || *d > 100) {
        return BadRequest(kCodeBadRequest,
                          "options.partialIngestionPercent must be a number from 0 to 100");
      }
    } else if (k == "errorDiagnosticsEnabled" || k == "lateCommitGuard") {
      if (!AsBoolLenient(kv.value())) {
        return BadRequest(kCodeBadRequest, "options." + k + " must be a boolean");
      }
    } else if (k == "lateArrivalSeconds") {
      if (!integer_in(kv.value(), 0, kMaxLateArrivalSeconds)) {
        return BadRequest(kCodeBadRequest,
                          "options.lateArrivalSeconds must be an integer from 0 to " +
                              std::to_string(kMaxLateArrivalSeconds) + " (seconds)");
      }
    } else if (k == "lateCommitWaitSeconds") {
      if (!integer_in(kv.value(), 0, kMaxLateCommitWaitSeconds)) {
        return BadRequest(kCodeBadRequest,
                          "options.lateCommitWaitSeconds must be an integer from 0 to " +
                              std::to_string(kMaxLateCommitWaitSeconds) + " (seconds)");
      }
    } else if (k == "nullDeltaPolicy") {
      if (!ParseNullDeltaPolicy(kv.value())) {
        return BadRequest(kCodeBadRequest, "options.nullDeltaPolicy must be \"" +
                                               std::string(kNullDeltaSkip) + "\" or \"" +
                                               std::string(kNullDeltaIncludeInFirstWindow) + "\"");
      }
    } else {
      return BadRequest(kCodeBadRequest,
                        "options." + k +
                            " is not a known option (partialIngestionPercent, "
                            "errorDiagnosticsEnabled, lateArrivalSeconds, lateCommitGuard, "
                            "lateCommitWaitSeconds, nullDeltaPolicy)");
    }
  }
  return Status::OK();
}

std::optional<std::string> FlowDeltaColumn(const json::object& flow) {
  auto copy = ParseCopyTransformation(flow);  // the one parser (model/transformations.h)
  return copy.ok() ? copy->delta_column : std::nullopt;
}

}  // namespace fluxo
