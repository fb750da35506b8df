#include "connectors/sqlite/sqlite_types.h"

#include <cctype>
#include <string>

namespace fluxo::connectors::sqlite {
namespace {

std::string Upper(std::string_view s) {
  std::string u(s);
  for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

bool Has(const std::string& s, const char* what) { return s.find(what) != std::string::npos; }

// "(p,s)" or "(p)" after DECIMAL/NUMERIC; nullopt when absent or malformed.
std::optional<DataType> DecimalArgs(const std::string& u) {
  size_t open = u.find('(');
  if (open == std::string::npos) return std::nullopt;
  size_t close = u.find(')', open);
  if (close == std::string::npos) return std::nullopt;
  std::string inner = u.substr(open + 1, close - open - 1);
  int p = -1, s = 0;
  size_t i = 0;
  auto skip = [&] {
    while (i < inner.size() && inner[i] == ' ') ++i;
  };
  auto num = [&](int* out) {
    skip();
    size_t start = i;
    int v = 0;
    while (i < inner.size() && std::isdigit(static_cast<unsigned char>(inner[i])) &&
           i - start < 3) {
      v = v * 10 + (inner[i++] - '0');
    }
    skip();
    if (i == start) return false;
    *out = v;
    return true;
  };
  if (!num(&p)) return std::nullopt;
  if (i < inner.size() && inner[i] == ',') {
    ++i;
    if (!num(&s)) return std::nullopt;
  }
  if (i != inner.size() || p < 1 || p > 38 || s > p) return std::nullopt;
  return DataType::Decimal(p, s);
}

}  // namespace

DataType FluxoTypeOfDeclared(std::string_view declared) {
  std::string u = Upper(declared);
  bool decimal_name = Has(u, "DECIMAL") || Has(u, "NUMERIC");
  if (decimal_name) {
    if (auto d = DecimalArgs(u)) return *d;
  }
  if (Has(u, "BOOL")) return DataType::Boolean();
  if (Has(u, "INT")) return DataType::Int64();
  if (Has(u, "CHAR") || Has(u, "CLOB") || Has(u, "TEXT")) return DataType::String();
  if (Has(u, "BLOB")) return DataType::Binary();
  if (Has(u, "REAL") || Has(u, "FLOA") || Has(u, "DOUB")) return DataType::Float64();
  if (Has(u, "DATETIME") || Has(u, "TIMESTAMP")) return DataType::Timestamp();
  if (Has(u, "DATE")) return DataType::Date();
  if (decimal_name) return DataType::Float64();
  return DataType::String();
}

Result<int128_t> ParseDecimalExact(std::string_view text, int precision, int scale) {
  auto bad = [&](const std::string& why) { return Status::InvalidArgument(why); };
  size_t i = 0;
  bool neg = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) neg = text[i++] == '-';
  // Collect the significant digits and the position of the decimal point.
  std::string digits;
  int frac_digits = 0;
  bool any = false, dot = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      any = true;
      if (!(digits.empty() && c == '0')) digits.push_back(c);  // drop leading zeros
      if (dot) ++frac_digits;
      if (digits.size() > 60) return bad("is too long for a decimal");
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (!any) return bad("is not a number");
  int exp = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) eneg = text[i++] == '-';
    size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 4) {
      exp = exp * 10 + (text[i++] - '0');
    }
    if (i == start) return bad("is not a number");
    if (eneg) exp = -exp;
  }
  if (i != text.size()) return bad("is not a number");
  // value = digits * 10^(exp - frac_digits); unscaled = digits * 10^(exp - frac_digits + scale).
  int shift = exp - frac_digits + scale;
  while (shift < 0 && !digits.empty()) {
    if (digits.back() != '0')
      return bad("has more than " + std::to_string(scale) + " decimal places");
    digits.pop_back();
    ++shift;
  }
  if (digits.empty()) return int128_t{0};
  if (static_cast<int>(digits.size()) + shift > precision) {
    return bad("does not fit decimal(" + std::to_string(precision) + "," + std::to_string(scale) +
               ")");
  }
  int128_t v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  for (int k = 0; k < shift; ++k) v *= 10;
  return neg ? -v : v;
}

const char* ExploreTypeName(const DataType& t) {
  switch (t.id) {
    case TypeId::kBoolean: return "boolean";
    case TypeId::kInt32:
    case TypeId::kInt64: return "integer";
    case TypeId::kFloat64: return "double";
    case TypeId::kDecimal: return "decimal";
    case TypeId::kString: return "string";
    case TypeId::kBinary: return "binary";
    case TypeId::kDate: return "date";
    case TypeId::kTimestamp: return "date-time";
  }
  return "string";
}

}  // namespace fluxo::connectors::sqlite
