#include "dataprep/values.h"

#include <cctype>
#include <charconv>
#include <cmath>

namespace fluxo::dataprep {

namespace {

std::string_view Strip(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string FloatText(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), d);
  return std::string(buf, r.ptr);
}

std::string TimestampText(int64_t micros) {
  std::string s = FormatTimestamp(micros);  // "...T00:00:00.000000Z"
  size_t dot = s.find('.');
  if (dot != std::string::npos && s.compare(dot + 1, 6, "000000") == 0) s.erase(dot, 7);
  return s;
}

}  // namespace

std::string ToText(const Vec& v, int64_t i) {
  std::string s;
  AppendText(v, i, &s);
  return s;
}

void AppendText(const Vec& v, int64_t i, std::string* out) {
  switch (v.type) {
    case VType::kBool: out->append(v.Bool(i) ? "true" : "false"); return;
    case VType::kInt: {
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof(buf), v.Int(i));
      out->append(buf, r.ptr);
      return;
    }
    case VType::kFloat: out->append(FloatText(v.Float(i))); return;
    case VType::kDate: out->append(FormatDate(v.Days(i))); return;
    case VType::kTimestamp: out->append(TimestampText(v.Int(i))); return;
    case VType::kString: out->append(v.Str(i)); return;
    default: return;
  }
}

void AppendConverted(const Vec& v, int64_t i, VType to, ColumnBuilder& out) {
  if (v.IsNull(i)) return out.AppendNull();
  switch (to) {
    case VType::kBool: return out.AppendBool(v.Bool(i));
    case VType::kInt:
    case VType::kTimestamp: return out.AppendInt64(v.Int(i));
    case VType::kFloat: return out.AppendDouble(v.Float(i));
    case VType::kDate: return out.AppendDate(v.Days(i));
    case VType::kString: return out.AppendString(v.Str(i));
    default: return out.AppendNull();
  }
}

Column Materialize(const Vec& v, VType to, int64_t rows) {
  ColumnBuilder b(ToDataType(to), rows);
  for (int64_t i = 0; i < rows; ++i) AppendConverted(v, i, to, b);
  return b.Finish();
}

std::optional<VType> CommonType(VType a, VType b) {
  if (a == b) return a;
  if (a == VType::kNull) return b;
  if (b == VType::kNull) return a;
  if (a == VType::kAny || b == VType::kAny) return VType::kAny;
  if ((a == VType::kInt && b == VType::kFloat) || (a == VType::kFloat && b == VType::kInt))
    return VType::kFloat;
  return std::nullopt;
}

std::optional<int64_t> ParseInt(std::string_view s) {
  s = Strip(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  int64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> ParseFloat(std::string_view s) {
  s = Strip(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<bool> ParseBool(std::string_view s) {
  std::string l;
  for (char c : Strip(s)) l += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (l == "y" || l == "yes" || l == "on" || l == "true" || l == "1") return true;
  if (l == "n" || l == "no" || l == "off" || l == "false" || l == "0") return false;
  return std::nullopt;
}

}  // namespace fluxo::dataprep
