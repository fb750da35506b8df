#include "connectors/files/values.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "base/date_format.h"

namespace fluxo::connectors::files {

namespace {

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  }
  return true;
}

// Quick shape check before the full ISO parser (which builds an error message on failure).
bool LooksLikeDate(std::string_view s) {
  return s.size() >= 10 && std::isdigit(static_cast<unsigned char>(s[0])) && s[4] == '-' &&
         s[7] == '-';
}

inline bool Digits(const char* p, int n, int* v) {
  int x = 0;
  for (int i = 0; i < n; ++i) {
    const unsigned d = static_cast<unsigned>(static_cast<unsigned char>(p[i])) - '0';
    if (d > 9) return false;
    x = x * 10 + static_cast<int>(d);
  }
  *v = x;
  return true;
}

// The common shapes of ParseIsoTimestampMicros without building a Result:
// "YYYY-MM-DD[T| ]HH:MM:SS[.f{1,9}][Z]", year 1..9999. False means "not handled here" (the full
// parser then decides), so this accepts nothing the full parser rejects, with the same value.
bool FastTimestamp(std::string_view s, int64_t* micros) {
  const size_t n = s.size();
  if (n < 19) return false;
  const char* p = s.data();
  int y, mo, d, hh, mi, ss;
  if (p[4] != '-' || p[7] != '-' || (p[10] != ' ' && p[10] != 'T' && p[10] != 't') ||
      p[13] != ':' || p[16] != ':') {
    return false;
  }
  if (!Digits(p, 4, &y) || !Digits(p + 5, 2, &mo) || !Digits(p + 8, 2, &d) ||
      !Digits(p + 11, 2, &hh) || !Digits(p + 14, 2, &mi) || !Digits(p + 17, 2, &ss)) {
    return false;
  }
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || hh > 23 || mi > 59 || ss > 59) return false;
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > kDays[mo - 1] + (mo == 2 && leap ? 1 : 0)) return false;
  size_t pos = 19;
  int64_t frac = 0;
  if (pos < n && p[pos] == '.') {
    ++pos;
    const size_t start = pos;
    while (pos < n && pos - start < 10 && p[pos] >= '0' && p[pos] <= '9') ++pos;
    const size_t digits = pos - start;
    if (digits == 0 || digits > 9) return false;
    for (size_t i = 0; i < 6; ++i) frac = frac * 10 + (i < digits ? p[start + i] - '0' : 0);
  }
  if (pos < n && (p[pos] == 'Z' || p[pos] == 'z')) ++pos;
  if (pos != n) return false;
  const int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  *micros = (days * 86400 + hh * 3600 + mi * 60 + ss) * int64_t{1000000} + frac;
  return true;
}

}  // namespace

Result<DataType> ParseTypeName(std::string_view name) {
  std::string n(name);
  std::transform(n.begin(), n.end(), n.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (n == "string" || n == "text" || n == "varchar") return DataType::String();
  if (n == "boolean" || n == "bool") return DataType::Boolean();
  if (n == "int" || n == "int32" || n == "integer") return DataType::Int32();
  if (n == "long" || n == "int64" || n == "bigint") return DataType::Int64();
  if (n == "double" || n == "float" || n == "float64" || n == "number") return DataType::Float64();
  if (n == "date") return DataType::Date();
  if (n == "timestamp" || n == "datetime" || n == "date-time") return DataType::Timestamp();
  if (n.rfind("decimal(", 0) == 0 && n.back() == ')') {
    int p = 0, s = 0;
    if (std::sscanf(n.c_str(), "decimal(%d,%d)", &p, &s) == 2 && p >= 1 && p <= 38 && s >= 0 &&
        s <= p) {
      return DataType::Decimal(p, s);
    }
  }
  return Status::InvalidArgument("unknown column type '" + std::string(name) +
                                 "' (string, boolean, int, long, double, date, timestamp, "
                                 "decimal(p,s))");
}

bool ParseBool(std::string_view s, bool* out) {
  if (IEquals(s, "true") || IEquals(s, "t") || IEquals(s, "yes") || s == "1") {
    *out = true;
    return true;
  }
  if (IEquals(s, "false") || IEquals(s, "f") || IEquals(s, "no") || s == "0") {
    *out = false;
    return true;
  }
  return false;
}

bool ParseInt64(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  // Fast path: an optional sign and 1 to 18 digits cannot overflow. Anything else (longer
  // numbers, stray characters) takes the from_chars path below, which decides.
  {
    const size_t n = s.size();
    size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    if (n > i && n - i <= 18) {
      uint64_t v = 0;
      bool ok = true;
      for (; i < n; ++i) {
        const unsigned d = static_cast<unsigned>(static_cast<unsigned char>(s[i])) - '0';
        if (d > 9) {
          ok = false;
          break;
        }
        v = v * 10 + d;
      }
      if (ok) {
        *out = s[0] == '-' ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
        return true;
      }
    }
  }
  const char* b = s.data();
  const char* e = b + s.size();
  if (*b == '+') ++b;
  auto r = std::from_chars(b, e, *out);
  return r.ec == std::errc() && r.ptr == e && b != e;
}

bool ParseInt32(std::string_view s, int32_t* out) {
  int64_t v;
  if (!ParseInt64(s, &v) || v < INT32_MIN || v > INT32_MAX) return false;
  *out = static_cast<int32_t>(v);
  return true;
}

bool ParseDouble(std::string_view s, double* out) {
  if (s.empty()) return false;
  // Fast path (Clinger): "[sign]digits[.digits]" with at most 15 digits is m / 10^k with m and
  // 10^k exact doubles, so one division rounds correctly, as from_chars does. Anything else
  // (exponents, inf, nan, more digits) takes the from_chars path below.
  {
    static constexpr double kPow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                        1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    const size_t n = s.size();
    size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    const size_t int_start = i;
    uint64_t m = 0;
    for (; i < n; ++i) {
      const unsigned d = static_cast<unsigned>(static_cast<unsigned char>(s[i])) - '0';
      if (d > 9) break;
      m = m * 10 + d;
    }
    size_t digits = i - int_start;
    size_t frac = 0;
    bool ok = digits > 0;
    if (ok && i < n) {
      if (s[i] == '.') {
        const size_t frac_start = ++i;
        for (; i < n; ++i) {
          const unsigned d = static_cast<unsigned>(static_cast<unsigned char>(s[i])) - '0';
          if (d > 9) break;
          m = m * 10 + d;
        }
        frac = i - frac_start;
        digits += frac;
        ok = frac > 0 && i == n;
      } else {
        ok = false;
      }
    }
    if (ok && digits <= 15) {
      const double v = static_cast<double>(m) / kPow10[frac];
      *out = s[0] == '-' ? -v : v;
      return true;
    }
  }
  const char* b = s.data();
  const char* e = b + s.size();
  if (*b == '+') ++b;
  auto r = std::from_chars(b, e, *out);
  return r.ec == std::errc() && r.ptr == e && b != e;
}

bool ParseDate(std::string_view s, int32_t* days) {
  if (s.size() != 10 || !LooksLikeDate(s)) return false;
  int v[3] = {0, 0, 0};
  const int pos[3] = {0, 5, 8}, len[3] = {4, 2, 2};
  for (int k = 0; k < 3; ++k) {
    for (int i = 0; i < len[k]; ++i) {
      char c = s[pos[k] + i];
      if (c < '0' || c > '9') return false;
      v[k] = v[k] * 10 + (c - '0');
    }
  }
  if (v[1] < 1 || v[1] > 12 || v[2] < 1) return false;
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (v[0] % 4 == 0 && v[0] % 100 != 0) || v[0] % 400 == 0;
  int max_day = kDays[v[1] - 1] + (v[1] == 2 && leap ? 1 : 0);
  if (v[2] > max_day) return false;
  *days = DaysFromCivil(v[0], static_cast<unsigned>(v[1]), static_cast<unsigned>(v[2]));
  return true;
}

bool ParseTimestamp(std::string_view s, int64_t* micros) {
  if (!LooksLikeDate(s)) return false;
  if (FastTimestamp(s, micros)) return true;
  auto r = ParseIsoTimestampMicros(s);
  if (!r.ok()) return false;
  *micros = *r;
  return true;
}

bool ParseDecimal(std::string_view s, int precision, int scale, int128_t* unscaled) {
  if (s.empty()) return false;
  // Fast path: "[sign]digits[.digits]" of at most 19 characters after the sign (at most 19
  // digits: no uint64 overflow) with no more fractional digits than the scale. Anything else
  // takes the general loop below, which decides.
  {
    const size_t n = s.size();
    size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    if (n - i <= 19) {
      const size_t int_start = i;
      uint64_t v = 0;
      int int_digits = 0, frac_digits = 0;
      for (; i < n; ++i) {
        const unsigned d = static_cast<unsigned>(static_cast<unsigned char>(s[i])) - '0';
        if (d > 9) break;
        if (int_digits > 0 || d != 0) ++int_digits;
        v = v * 10 + d;
      }
      bool ok = i > int_start;
      if (ok && i < n) {
        if (s[i] == '.') {
          const size_t frac_start = ++i;
          for (; i < n; ++i) {
            const unsigned d = static_cast<unsigned>(static_cast<unsigned char>(s[i])) - '0';
            if (d > 9) break;
            v = v * 10 + d;
          }
          frac_digits = static_cast<int>(i - frac_start);
          ok = frac_digits > 0 && i == n && frac_digits <= scale;
        } else {
          ok = false;
        }
      }
      if (ok && int_digits <= precision - scale) {
        int128_t r = static_cast<int128_t>(v);
        for (int k = frac_digits; k < scale; ++k) r *= 10;
        *unscaled = s[0] == '-' ? -r : r;
        return true;
      }
    }
  }
  size_t i = 0;
  bool neg = false;
  if (s[0] == '-' || s[0] == '+') {
    neg = s[0] == '-';
    ++i;
  }
  int128_t v = 0;
  int int_digits = 0, frac_digits = 0;
  bool dot = false, any = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '.' && !dot) {
      dot = true;
      continue;
    }
    if (c < '0' || c > '9') return false;
    any = true;
    if (dot) {
      if (frac_digits == scale) {
        if (c != '0') return false;  // more fractional digits than the scale allows
        continue;
      }
      ++frac_digits;
    } else {
      if (int_digits > 0 || c != '0') ++int_digits;
      // Refused here, not after the loop: at most `precision` (<= 38) digits reach `v`, so
      // v * 10 never overflows __int128 however long the text is.
      if (int_digits > precision - scale) return false;
    }
    v = v * 10 + (c - '0');
  }
  if (!any || int_digits > precision - scale) return false;
  for (; frac_digits < scale; ++frac_digits) v *= 10;
  *unscaled = neg ? -v : v;
  return true;
}

void TypeInference::Offer(std::string_view v) {
  any_ = true;
  if (can_bool_) {
    can_bool_ = IEquals(v, "true") || IEquals(v, "false");
  }
  int64_t i;
  if (can_int_) can_int_ = ParseInt64(v, &i);
  double d;
  if (can_double_ && !can_int_) can_double_ = ParseDouble(v, &d);
  int32_t days;
  if (can_date_) can_date_ = ParseDate(v, &days);
  int64_t ts;
  if (can_ts_ && !can_date_) can_ts_ = ParseTimestamp(v, &ts);
}

DataType TypeInference::Result() const {
  if (!any_) return DataType::String();
  if (can_bool_) return DataType::Boolean();
  if (can_int_) return DataType::Int64();
  if (can_double_) return DataType::Float64();
  if (can_date_) return DataType::Date();
  if (can_ts_) return DataType::Timestamp();
  return DataType::String();
}

}  // namespace fluxo::connectors::files
