#include "model/param_spec.h"

#include "base/numeric.h"

namespace fluxo {
namespace {

constexpr std::string_view kDraft07 = "http://json-schema.org/draft-07/schema#";

json::object ObjectSchema(const std::vector<ParamSpec>& params, bool additional) {
  json::object schema;
  schema["type"] = "object";
  json::object props;
  json::array required;
  for (const ParamSpec& p : params) {
    props[p.name] = ParamToSchema(p);
    if (p.required) required.emplace_back(p.name);
  }
  schema["properties"] = std::move(props);
  if (!required.empty()) schema["required"] = std::move(required);
  schema["additionalProperties"] = additional;
  return schema;
}

json::value NormalizeValue(const ParamSpec& spec, const json::value& v) {
  switch (spec.type) {
    case ParamType::kInteger:
      if (auto i = AsInt64Lenient(v)) return *i;
      break;
    case ParamType::kNumber:
      if (v.is_string()) {
        if (auto d = AsDoubleLenient(v)) return *d;
      }
      break;
    case ParamType::kBoolean:
      if (auto b = AsBoolLenient(v)) return *b;
      break;
    case ParamType::kObject:
      if (v.is_object()) return NormalizeParams(spec.properties, v.as_object());
      break;
    case ParamType::kArray:
      if (v.is_array() && spec.items.size() == 1) {
        json::array out;
        for (const auto& item : v.as_array()) out.push_back(NormalizeValue(spec.items[0], item));
        return out;
      }
      break;
    case ParamType::kString: break;
  }
  return v;
}

}  // namespace

const char* ParamTypeName(ParamType type) {
  switch (type) {
    case ParamType::kString: return "string";
    case ParamType::kInteger: return "integer";
    case ParamType::kNumber: return "number";
    case ParamType::kBoolean: return "boolean";
    case ParamType::kObject: return "object";
    case ParamType::kArray: return "array";
  }
  return "string";
}

json::object ParamToSchema(const ParamSpec& p) {
  json::object s;
  if (p.type == ParamType::kObject) {
    s = ObjectSchema(p.properties, p.additional_properties);
  } else {
    s["type"] = ParamTypeName(p.type);
  }
  if (!p.description.empty()) s["description"] = p.description;
  if (p.secret) {
    s["format"] = "password";
  } else if (!p.format.empty()) {
    s["format"] = p.format;
  }
  if (!p.enum_values.empty()) {
    json::array e;
    for (const auto& v : p.enum_values) e.emplace_back(v);
    s["enum"] = std::move(e);
  }
  if (p.default_value) s["default"] = *p.default_value;
  if (p.min_length) s["minLength"] = *p.min_length;
  if (p.max_length) s["maxLength"] = *p.max_length;
  if (!p.pattern.empty()) s["pattern"] = p.pattern;
  auto number = [](double d) -> json::value {
    if (IsInt64Integral(d)) return static_cast<int64_t>(d);
    return d;
  };
  if (p.minimum) s["minimum"] = number(*p.minimum);
  if (p.exclusive_minimum) s["exclusiveMinimum"] = number(*p.exclusive_minimum);
  if (p.maximum) s["maximum"] = number(*p.maximum);
  if (p.type == ParamType::kArray && p.items.size() == 1) s["items"] = ParamToSchema(p.items[0]);
  return s;
}

json::object ParamsToSchema(const std::vector<ParamSpec>& params, std::string_view description) {
  json::object schema;
  schema["$schema"] = kDraft07;
  schema["type"] = "object";
  if (!description.empty()) schema["description"] = description;
  json::object body = ObjectSchema(params, /*additional=*/false);
  for (auto& kv : body) schema[kv.key()] = std::move(kv.value());
  return schema;
}

Status ValidateParams(const std::vector<ParamSpec>& specs, const json::object& params,
                      std::string_view field_prefix, const SchemaValidationOptions& options) {
  json::value schema = ParamsToSchema(specs, "");
  return ValidateJsonSchema(schema, json::value(params), field_prefix, options);
}

json::object NormalizeParams(const std::vector<ParamSpec>& specs, const json::object& params) {
  json::object out;
  for (const auto& kv : params) {
    const ParamSpec* spec = FindParam(specs, kv.key());
    out[kv.key()] = spec ? NormalizeValue(*spec, kv.value()) : kv.value();
  }
  for (const ParamSpec& spec : specs) {
    if (!out.contains(spec.name) && spec.default_value) out[spec.name] = *spec.default_value;
  }
  return out;
}

const ParamSpec* FindParam(const std::vector<ParamSpec>& specs, std::string_view name) {
  for (const ParamSpec& p : specs) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace fluxo
