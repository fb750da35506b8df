// Window time: the range of the epoch seconds fluxo accepts, and checked arithmetic for every
// place windows, due times and schedule fire times are computed.
//
// An epoch second is accepted from 0 (1970-01-01T00:00:00Z) to kMaxEpochSeconds
// (9999-12-31T23:59:59Z): the range every source can express as a literal, and small enough that
// `s * 1000` (ms) and `s + period` never overflow int64. A larger value that is within range once
// divided by 1000 is almost certainly milliseconds: the refusal says so.
//
// Schedule periods are bounded per frequency (kMaxScheduleIntervals) so that a period is at most
// ten years: run k's fire time t0 + k * period is checked anyway (CheckedFireTime).
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fluxo {

inline constexpr int64_t kMaxEpochSeconds = 253402300799;  // 9999-12-31T23:59:59Z

// Why `value` (given for the field `field`, in epoch seconds) is refused, or nullopt when it is
// within [0, kMaxEpochSeconds]. The message names the field, the range, and for a value that
// looks like milliseconds the hint "the API takes seconds" with the value in seconds.
std::optional<std::string> EpochSecondsProblem(std::string_view field, int64_t value);

// The seconds of one unit of `frequency` (minute 60, hour 3600, day 86400, week 604800);
// 0 for once or an unknown frequency.
int64_t FrequencyUnitSeconds(std::string_view frequency);

// The largest `interval` of each frequency: ten years of periods (minute 5256000, hour 87600,
// day 3650, week 521). 0 for once or an unknown frequency.
int64_t MaxScheduleInterval(std::string_view frequency);

// interval * unit seconds, nullopt when the product overflows or exceeds ten years.
std::optional<int64_t> CheckedPeriodSeconds(std::string_view frequency, int64_t interval);

// t0 + k * period (epoch seconds), nullopt when it overflows or leaves [0, kMaxEpochSeconds].
std::optional<int64_t> CheckedFireTime(int64_t t0, int64_t period_s, int64_t k);

// seconds * 1000, saturated to the int64 range (for values already checked, this is exact).
int64_t SecondsToMillis(int64_t seconds);

}  // namespace fluxo
