#include "model/window_time.h"

#include <limits>

namespace fluxo {

namespace {

constexpr int64_t kTenYearsSeconds = 3650 * int64_t{86400};

}  // namespace

std::optional<std::string> EpochSecondsProblem(std::string_view field, int64_t value) {
  if (value >= 0 && value <= kMaxEpochSeconds) return std::nullopt;
  std::string msg = std::string(field) + " " + std::to_string(value) +
                    " is out of range: epoch seconds from 0 to " +
                    std::to_string(kMaxEpochSeconds) + " (9999-12-31T23:59:59Z)";
  if (value > kMaxEpochSeconds && value / 1000 <= kMaxEpochSeconds) {
    msg += "; it looks like milliseconds: the API takes seconds (" + std::to_string(value / 1000) +
           ")";
  }
  return msg;
}

int64_t FrequencyUnitSeconds(std::string_view frequency) {
  if (frequency == "minute") return 60;
  if (frequency == "hour") return 3600;
  if (frequency == "day") return 86400;
  if (frequency == "week") return 7 * 86400;
  return 0;
}

int64_t MaxScheduleInterval(std::string_view frequency) {
  int64_t unit = FrequencyUnitSeconds(frequency);
  return unit == 0 ? 0 : kTenYearsSeconds / unit;
}

std::optional<int64_t> CheckedPeriodSeconds(std::string_view frequency, int64_t interval) {
  int64_t unit = FrequencyUnitSeconds(frequency);
  int64_t period = 0;
  if (unit == 0 || interval <= 0 || __builtin_mul_overflow(interval, unit, &period) ||
      period > kTenYearsSeconds) {
    return std::nullopt;
  }
  return period;
}

std::optional<int64_t> CheckedFireTime(int64_t t0, int64_t period_s, int64_t k) {
  int64_t offset = 0;
  int64_t t = 0;
  if (__builtin_mul_overflow(k, period_s, &offset) || __builtin_add_overflow(t0, offset, &t) ||
      t < 0 || t > kMaxEpochSeconds) {
    return std::nullopt;
  }
  return t;
}

int64_t SecondsToMillis(int64_t seconds) {
  int64_t ms = 0;
  if (!__builtin_mul_overflow(seconds, int64_t{1000}, &ms)) return ms;
  return seconds < 0 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
}

}  // namespace fluxo
