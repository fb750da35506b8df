#include "model/flow_options.h"

#include <cctype>
#include <string>

namespace fluxo {

std::optional<bool> ParseNullDeltaPolicy(const json::value& v) {
  if (!v.is_string()) return std::nullopt;
  std::string s(v.as_string());
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (s == kNullDeltaSkip) return false;
  if (s == kNullDeltaIncludeInFirstWindow) return true;
  return std::nullopt;
}

FlowOptions FlowOptionsOf(const json::object& flow) {
  FlowOptions o;
  const json::value* v = flow.if_contains("options");
  if (!v || !v->is_object()) return o;
  const json::object& opts = v->as_object();
  auto int_in = [&](const char* key, int64_t lo, int64_t hi, int64_t dflt) {
    const json::value* x = opts.if_contains(key);
    auto n = x ? AsInt64Lenient(*x) : std::nullopt;
    return n && *n >= lo && *n <= hi ? *n : dflt;
  };
  if (auto p = opts.if_contains("partialIngestionPercent")) {
    o.partial_ingestion_percent = AsDoubleLenient(*p);
  }
  if (auto d = opts.if_contains("errorDiagnosticsEnabled")) {
    o.error_diagnostics = AsBoolLenient(*d).value_or(false);
  }
  if (auto g = opts.if_contains("lateCommitGuard")) {
    o.late_commit_guard = AsBoolLenient(*g).value_or(true);
  }
  o.late_arrival_s = int_in("lateArrivalSeconds", 0, kMaxLateArrivalSeconds, 0);
  o.late_commit_wait_s =
      int_in("lateCommitWaitSeconds", 0, kMaxLateCommitWaitSeconds, kDefaultLateCommitWaitSeconds);
  if (auto p = opts.if_contains("nullDeltaPolicy")) {
    o.null_delta_in_first_window = ParseNullDeltaPolicy(*p).value_or(false);
  }
  return o;
}

}  // namespace fluxo
