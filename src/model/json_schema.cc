#include "model/json_schema.h"

#include <re2/re2.h>

#include <charconv>
#include <cmath>
#include <optional>
#include <vector>

namespace fluxo {
namespace {

constexpr size_t kMaxQuotedName = 64;

std::string Quote(std::string_view s) {
  std::string out = "\"";
  out.append(s.substr(0, kMaxQuotedName));
  if (s.size() > kMaxQuotedName) out += "...";
  out += "\"";
  return out;
}

// Parses a whole string as a finite number; nullopt otherwise (no whitespace, no "inf").
std::optional<double> StrictNumber(std::string_view s) {
  if (s.empty()) return std::nullopt;
  double d = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(d)) return std::nullopt;
  return d;
}

// The numeric value of `v` for minimum/maximum checks, honouring leniency.
std::optional<double> NumberOf(const json::value& v, bool lenient) {
  if (v.is_int64()) return static_cast<double>(v.as_int64());
  if (v.is_uint64()) return static_cast<double>(v.as_uint64());
  if (v.is_double()) return v.as_double();
  if (lenient && v.is_string()) return StrictNumber(v.as_string());
  return std::nullopt;
}

bool MatchesType(std::string_view type, const json::value& v, bool lenient) {
  if (type == "string") return v.is_string();
  if (type == "integer") {
    if (v.is_int64() || v.is_uint64()) return true;
    if (v.is_double()) return std::trunc(v.as_double()) == v.as_double();
    return lenient && v.is_string() && AsInt64Lenient(v).has_value();
  }
  if (type == "number") {
    if (v.is_number()) return true;
    return lenient && v.is_string() && StrictNumber(v.as_string()).has_value();
  }
  if (type == "boolean") {
    if (v.is_bool()) return true;
    return lenient && v.is_string() && AsBoolLenient(v).has_value();
  }
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "null") return v.is_null();
  return false;
}

std::string TypeNoun(std::string_view type) {
  if (type == "integer") return "an integer";
  if (type == "object") return "an object";
  if (type == "array") return "an array";
  if (type == "null") return "null";
  return "a " + std::string(type);
}

std::string FormatNumber(double d) {
  if (std::trunc(d) == d && std::fabs(d) < 1e15) return std::to_string(static_cast<int64_t>(d));
  std::string s = std::to_string(d);
  while (!s.empty() && s.back() == '0') s.pop_back();
  return s;
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string ValueForMessage(const json::value& v) { return ToJson(v).substr(0, kMaxQuotedName); }

Status Invalid(std::string m) { return Status::InvalidArgument(std::move(m)); }

// JSON Schema `pattern`: `text` must contain a match of `pattern` (RE2, linear time). A pattern
// RE2 cannot compile is refused when its spec is created (PatternProblem), so here it only fails.
Status CheckPattern(std::string_view text, std::string_view pattern, const std::string& path) {
  re2::RE2 re(re2::StringPiece(pattern.data(), pattern.size()), re2::RE2::Quiet);
  if (!re.ok()) return Invalid(path + " cannot be checked: its pattern does not compile");
  if (re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), re)) return Status::OK();
  return Invalid(path + " must match the pattern " + Quote(pattern));
}

Status Validate(const json::value& schema_v, const json::value& v, const std::string& path,
                const SchemaValidationOptions& options);

Status ValidateType(const json::object& schema, const json::value& v, const std::string& path,
                    bool lenient) {
  auto it = schema.find("type");
  if (it == schema.end()) return Status::OK();
  std::vector<std::string_view> types;
  if (it->value().is_string()) {
    types.push_back(it->value().as_string());
  } else if (it->value().is_array()) {
    for (const auto& t : it->value().as_array()) {
      if (t.is_string()) types.push_back(t.as_string());
    }
  }
  for (auto t : types) {
    if (MatchesType(t, v, lenient)) return Status::OK();
  }
  std::string nouns;
  for (size_t i = 0; i < types.size(); ++i) {
    if (i > 0) nouns += " or ";
    nouns += TypeNoun(types[i]);
  }
  return Invalid(path + " must be " + nouns);
}

Status ValidateObject(const json::object& schema, const json::object& obj, const std::string& path,
                      const SchemaValidationOptions& options) {
  const json::object* props = nullptr;
  if (auto it = schema.find("properties"); it != schema.end() && it->value().is_object()) {
    props = &it->value().as_object();
  }
  // Unknown keys first: a typo is reported as the typo.
  auto ap = schema.find("additionalProperties");
  if (ap != schema.end() && ap->value().is_bool() && !ap->value().as_bool()) {
    std::vector<std::string> unknown;
    for (const auto& kv : obj) {
      if (props == nullptr || !props->contains(kv.key())) {
        unknown.push_back(Quote(JoinFieldPath(path, kv.key())));
      }
    }
    if (!unknown.empty()) {
      std::string m = unknown.size() == 1 ? "unknown parameter " : "unknown parameters ";
      for (size_t i = 0; i < unknown.size(); ++i) m += (i ? ", " : "") + unknown[i];
      if (props == nullptr || props->empty()) {
        m += " (" + (path.empty() ? std::string("this object") : path) + " takes no parameters)";
      } else {
        m += " (known parameters of " + (path.empty() ? std::string("this object") : path) + ": ";
        bool first = true;
        for (const auto& kv : *props) {
          m += (first ? "" : ", ") + std::string(kv.key());
          first = false;
        }
        m += ")";
      }
      return Invalid(m);
    }
  }
  if (auto it = schema.find("required"); it != schema.end() && it->value().is_array()) {
    for (const auto& r : it->value().as_array()) {
      if (r.is_string() && !obj.contains(r.as_string())) {
        return Invalid(JoinFieldPath(path, r.as_string()) + " is required");
      }
    }
  }
  if (props != nullptr) {
    for (const auto& kv : *props) {
      auto found = obj.find(kv.key());
      if (found == obj.end()) continue;
      RETURN_IF_ERROR(Validate(kv.value(), found->value(), JoinFieldPath(path, kv.key()), options));
    }
  }
  return Status::OK();
}

Status Validate(const json::value& schema_v, const json::value& v, const std::string& path,
                const SchemaValidationOptions& options) {
  if (schema_v.is_bool()) {
    if (schema_v.as_bool()) return Status::OK();
    return Invalid(path + " is not allowed");
  }
  if (!schema_v.is_object()) return Invalid("the schema of " + path + " is not an object");
  const json::object& schema = schema_v.as_object();
  const bool lenient = options.lenient_scalars;
  RETURN_IF_ERROR(ValidateType(schema, v, path, lenient));

  if (auto it = schema.find("enum"); it != schema.end() && it->value().is_array()) {
    const json::array& allowed = it->value().as_array();
    bool match = false;
    for (const auto& a : allowed) {
      if (a == v) match = true;
    }
    if (!match) {
      std::string m = path + " must be one of: ";
      for (size_t i = 0; i < allowed.size(); ++i) {
        if (i > 0) m += ", ";
        m += allowed[i].is_string() ? std::string(allowed[i].as_string()) : ToJson(allowed[i]);
      }
      auto fmt = schema.find("format");
      bool secret = fmt != schema.end() && fmt->value() == "password";
      if (!secret) m += " (got " + ValueForMessage(v) + ")";
      return Invalid(m);
    }
  }

  if (v.is_string()) {
    size_t n = CodePoints(v.as_string());
    if (auto it = schema.find("minLength"); it != schema.end()) {
      if (auto min = AsInt64Lenient(it->value()); min && static_cast<int64_t>(n) < *min) {
        if (*min == 1) return Invalid(path + " must not be empty");
        return Invalid(path + " must be at least " + std::to_string(*min) + " characters long");
      }
    }
    if (auto it = schema.find("maxLength"); it != schema.end()) {
      if (auto max = AsInt64Lenient(it->value()); max && static_cast<int64_t>(n) > *max) {
        return Invalid(path + " must be at most " + std::to_string(*max) + " characters long");
      }
    }
    if (auto it = schema.find("pattern"); it != schema.end() && it->value().is_string()) {
      if (Status s = CheckPattern(v.as_string(), it->value().as_string(), path); !s.ok()) return s;
    }
  }

  bool numeric_schema = false;
  if (auto t = schema.find("type"); t != schema.end()) {
    numeric_schema = t->value() == "integer" || t->value() == "number";
  }
  if (v.is_number() || (numeric_schema && lenient)) {
    if (std::optional<double> d = NumberOf(v, lenient)) {
      if (auto it = schema.find("minimum"); it != schema.end() && it->value().is_number()) {
        double min = json::value_to<double>(it->value());
        if (*d < min) return Invalid(path + " must be at least " + FormatNumber(min));
      }
      if (auto it = schema.find("exclusiveMinimum");
          it != schema.end() && it->value().is_number()) {
        double min = json::value_to<double>(it->value());
        if (*d <= min) return Invalid(path + " must be greater than " + FormatNumber(min));
      }
      if (auto it = schema.find("maximum"); it != schema.end() && it->value().is_number()) {
        double max = json::value_to<double>(it->value());
        if (*d > max) return Invalid(path + " must be at most " + FormatNumber(max));
      }
    }
  }

  if (v.is_object()) RETURN_IF_ERROR(ValidateObject(schema, v.as_object(), path, options));

  if (v.is_array()) {
    if (auto it = schema.find("items"); it != schema.end()) {
      const json::array& arr = v.as_array();
      for (size_t i = 0; i < arr.size(); ++i) {
        RETURN_IF_ERROR(
            Validate(it->value(), arr[i], path + "[" + std::to_string(i) + "]", options));
      }
    }
  }
  return Status::OK();
}

}  // namespace

std::string JoinFieldPath(std::string_view prefix, std::string_view name) {
  if (prefix.empty()) return std::string(name);
  std::string out(prefix);
  out += '.';
  out.append(name);
  return out;
}

Status ValidateJsonSchema(const json::value& schema, const json::value& instance,
                          std::string_view path, const SchemaValidationOptions& options) {
  std::string p(path);
  if (p.empty()) p = "value";
  // Top-level: an empty path would make messages like " must be an object"; children of an
  // unnamed root are still named by their key alone.
  if (path.empty() && instance.is_object()) p.clear();
  return Validate(schema, instance, p, options);
}

std::optional<std::string> PatternProblem(std::string_view pattern) {
  re2::RE2 re(re2::StringPiece(pattern.data(), pattern.size()), re2::RE2::Quiet);
  if (re.ok()) return std::nullopt;
  return re.error();
}

}  // namespace fluxo
