// Checked conversions between numeric types.
#pragma once

#include <cmath>
#include <cstdint>

namespace fluxo {

// True when `d` is a whole number an int64 holds, [-2^63, 2^63), so static_cast<int64_t>(d) is
// defined; outside that range (and for NaN) the cast is undefined behaviour.
inline bool IsInt64Integral(double d) {
  return d >= -9223372036854775808.0 && d < 9223372036854775808.0 && std::trunc(d) == d;
}

}  // namespace fluxo
