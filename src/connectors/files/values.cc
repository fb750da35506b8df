#include "connectors/files/values.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#include "base/date_format.h"

namespace fluxo::files {

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

bool IsValidUtf8(std::string_view str) {
  const auto* s = reinterpret_cast<const unsigned char*>(str.data());
  size_t n = str.size(), i = 0;
  while (i < n) {
    // ASCII fast path, 8 bytes at a time.
    while (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, s + i, 8);
      if (w & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= n) break;
    unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (int k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
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
  auto r = ParseIsoTimestampMicros(s);
  if (!r.ok()) return false;
  *micros = *r;
  return true;
}

bool ParseDecimal(std::string_view s, int precision, int scale, int128_t* unscaled) {
  if (s.empty()) return false;
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

}  // namespace fluxo::files
