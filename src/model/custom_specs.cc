#include "model/custom_specs.h"

#include "model/json_schema.h"
#include "model/spec_ids.h"

namespace fluxo {
namespace {

Status Bad(std::string_view at, std::string_view why) {
  return Status::InvalidArgument(std::string(at) + " " + std::string(why));
}

Result<ParamType> TypeOf(const json::object& s, std::string_view at) {
  const json::value* t = s.if_contains("type");
  if (t == nullptr) return ParamType::kString;
  std::string_view name = t->is_string() ? std::string_view(t->get_string()) : "";
  if (name == "string") return ParamType::kString;
  if (name == "integer") return ParamType::kInteger;
  if (name == "number") return ParamType::kNumber;
  if (name == "boolean") return ParamType::kBoolean;
  if (name == "object") return ParamType::kObject;
  if (name == "array") return ParamType::kArray;
  return Bad(std::string(at) + ".type",
             "must be one of string, integer, number, boolean, object, array");
}

Result<ParamSpec> ParamFromSchema(const std::string& name, const json::value& v,
                                  const std::string& at);

Result<std::vector<ParamSpec>> PropertiesOf(const json::object& s, const std::string& at) {
  std::vector<ParamSpec> out;
  const json::value* props = s.if_contains("properties");
  if (props != nullptr && !props->is_object()) return Bad(at + ".properties", "must be an object");
  if (props != nullptr) {
    for (const auto& kv : props->get_object()) {
      std::string name(kv.key());
      ASSIGN_OR_RETURN(ParamSpec p, ParamFromSchema(name, kv.value(), at + ".properties." + name));
      out.push_back(std::move(p));
    }
  }
  if (const json::value* req = s.if_contains("required")) {
    if (!req->is_array()) return Bad(at + ".required", "must be an array of property names");
    const json::array& a = req->get_array();
    for (size_t i = 0; i < a.size(); ++i) {
      std::string ai = at + ".required[" + std::to_string(i) + "]";
      if (!a[i].is_string()) return Bad(ai, "must be a string");
      bool found = false;
      for (ParamSpec& p : out) {
        if (p.name == a[i].get_string()) p.required = found = true;
      }
      if (!found) return Bad(ai, "names no property of " + at + ".properties");
    }
  }
  return out;
}

Result<std::optional<double>> Number(const json::object& s, std::string_view key,
                                     const std::string& at) {
  const json::value* v = s.if_contains(key);
  if (v == nullptr) return std::optional<double>();
  if (!v->is_number()) return Bad(at + "." + std::string(key), "must be a number");
  return std::optional<double>(v->to_number<double>());
}

Result<ParamSpec> ParamFromSchema(const std::string& name, const json::value& v,
                                  const std::string& at) {
  if (!v.is_object()) return Bad(at, "must be a JSON Schema object");
  const json::object& s = v.get_object();
  ParamSpec p;
  p.name = name;
  ASSIGN_OR_RETURN(p.type, TypeOf(s, at));
  if (auto d = GetString(s, "description")) p.description = *d;
  if (auto f = GetString(s, "format")) {
    if (*f == "password") {
      p.secret = true;
    } else {
      p.format = *f;
    }
  }
  if (const json::value* d = s.if_contains("default")) p.default_value = *d;
  if (const json::value* pat = s.if_contains("pattern")) {
    if (!pat->is_string()) return Bad(at + ".pattern", "must be a string");
    if (auto why = PatternProblem(pat->get_string())) {
      return Bad(at + ".pattern",
                 "is not a supported regular expression (RE2: no lookaround or "
                 "backreferences): " +
                     *why);
    }
    if (p.type != ParamType::kString) return Bad(at + ".pattern", "applies to strings only");
    p.pattern = std::string(pat->get_string());
  }
  if (const json::value* e = s.if_contains("enum")) {
    if (!e->is_array()) return Bad(at + ".enum", "must be an array");
    for (const json::value& x : e->get_array()) {
      if (!x.is_string()) return Bad(at + ".enum", "must hold strings");
      p.enum_values.emplace_back(x.get_string());
    }
  }
  ASSIGN_OR_RETURN(std::optional<double> min_len, Number(s, "minLength", at));
  ASSIGN_OR_RETURN(std::optional<double> max_len, Number(s, "maxLength", at));
  if (min_len) p.min_length = static_cast<int64_t>(*min_len);
  if (max_len) p.max_length = static_cast<int64_t>(*max_len);
  ASSIGN_OR_RETURN(p.minimum, Number(s, "minimum", at));
  ASSIGN_OR_RETURN(p.maximum, Number(s, "maximum", at));
  ASSIGN_OR_RETURN(p.exclusive_minimum, Number(s, "exclusiveMinimum", at));
  if (p.type == ParamType::kObject) {
    ASSIGN_OR_RETURN(p.properties, PropertiesOf(s, at));
    const json::value* ap = s.if_contains("additionalProperties");
    p.additional_properties = ap == nullptr || !ap->is_bool() || ap->get_bool();
  }
  if (p.type == ParamType::kArray) {
    if (const json::value* items = s.if_contains("items")) {
      ASSIGN_OR_RETURN(ParamSpec item, ParamFromSchema("item", *items, at + ".items"));
      p.items.push_back(std::move(item));
    }
  }
  return p;
}

Result<std::string> RequiredString(const json::object& o, std::string_view key,
                                   const std::string& at) {
  const json::value* v = o.if_contains(key);
  std::string path = at.empty() ? std::string(key) : at + "." + std::string(key);
  if (v == nullptr || !v->is_string() || v->get_string().empty()) {
    return Bad(path, "is required and must be a non-empty string");
  }
  return std::string(v->get_string());
}

Result<std::vector<std::string>> IdList(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return out;
  if (!v->is_array()) return Bad(key, "must be an array of ids");
  const json::array& a = v->get_array();
  for (size_t i = 0; i < a.size(); ++i) {
    if (!a[i].is_string() || a[i].get_string().empty()) {
      return Bad(std::string(key) + "[" + std::to_string(i) + "]", "must be a non-empty string");
    }
    out.emplace_back(a[i].get_string());
  }
  return out;
}

}  // namespace

Result<std::vector<ParamSpec>> ParamsFromSchema(const json::value& schema, std::string_view at) {
  if (!schema.is_object()) return Bad(at, "must be a JSON Schema object");
  const json::object& s = schema.get_object();
  if (const json::value* t = s.if_contains("type");
      t && !(t->is_string() && t->get_string() == "object")) {
    return Bad(std::string(at) + ".type", "must be \"object\"");
  }
  return PropertiesOf(s, std::string(at));
}

Result<ConnectionSpec> CustomConnectionSpecFromJson(const json::object& doc, const std::string& id,
                                                    const std::string& org) {
  ConnectionSpec spec;
  spec.id = id;
  spec.org = org;
  ASSIGN_OR_RETURN(spec.name, RequiredString(doc, "name", ""));
  spec.provider_id = GetString(doc, "providerId").value_or(std::string(spec_ids::kFluxoProviderId));
  spec.version = GetString(doc, "version").value_or("1.0");
  spec.description = GetString(doc, "description").value_or("");
  spec.category = SpecCategory::kRest;
  spec.connector = "rest";
  const json::value* auth = doc.if_contains("authSpec");
  if (auth == nullptr || !auth->is_array() || auth->get_array().empty()) {
    return Bad("authSpec", "is required: an array of {name, type, spec}");
  }
  const json::array& a = auth->get_array();
  for (size_t i = 0; i < a.size(); ++i) {
    std::string at = "authSpec[" + std::to_string(i) + "]";
    if (!a[i].is_object()) return Bad(at, "must be an object {name, type, spec}");
    const json::object& o = a[i].get_object();
    AuthSpec as;
    ASSIGN_OR_RETURN(as.name, RequiredString(o, "name", at));
    ASSIGN_OR_RETURN(as.type, RequiredString(o, "type", at));
    const json::value* schema = o.if_contains("spec");
    if (schema == nullptr) return Bad(at + ".spec", "is required (a JSON Schema)");
    ASSIGN_OR_RETURN(as.params, ParamsFromSchema(*schema, at + ".spec"));
    if (auto d = FindPath(*schema, "description"); d && d->is_string()) {
      as.description = std::string(d->get_string());
    }
    for (const AuthSpec& other : spec.auth_specs) {
      if (other.name == as.name) return Bad(at + ".name", "repeats the name of another auth spec");
    }
    spec.auth_specs.push_back(std::move(as));
  }
  const json::value* source = doc.if_contains("sourceSpec");
  if (source == nullptr || !source->is_object()) {
    return Bad("sourceSpec", "is required: {spec, attributes}");
  }
  const json::object& so = source->get_object();
  if (const json::value* schema = so.if_contains("spec")) {
    ASSIGN_OR_RETURN(spec.source_params, ParamsFromSchema(*schema, "sourceSpec.spec"));
  }
  const json::value* attrs = so.if_contains("attributes");
  if (attrs == nullptr || !attrs->is_object()) {
    return Bad("sourceSpec.attributes", "is required: an object with urlParams, contentPath, ...");
  }
  spec.rest_attributes = attrs->get_object();
  spec.permitted_operations = {"connection", "sourceConnection", "test"};
  spec.document = doc;
  return spec;
}

Result<FlowSpec> CustomFlowSpecFromJson(const json::object& doc, const std::string& id,
                                        const std::string& org) {
  const FlowSpec* base = FindFlowSpec(spec_ids::kRestStorageToAep);
  if (base == nullptr) return Status::Internal("RestStorageToAEP is not installed");
  FlowSpec spec = *base;
  spec.id = id;
  spec.org = org;
  spec.accepts_any_rest_source = false;
  ASSIGN_OR_RETURN(spec.name, RequiredString(doc, "name", ""));
  spec.provider_id = GetString(doc, "providerId").value_or(std::string(spec_ids::kFluxoProviderId));
  spec.version = GetString(doc, "version").value_or("1.0");
  spec.description = GetString(doc, "description").value_or("");
  ASSIGN_OR_RETURN(spec.source_connection_spec_ids, IdList(doc, "sourceConnectionSpecIds"));
  if (spec.source_connection_spec_ids.empty()) {
    return Bad("sourceConnectionSpecIds", "is required: at least one connection spec id");
  }
  ASSIGN_OR_RETURN(std::vector<std::string> targets, IdList(doc, "targetConnectionSpecIds"));
  for (size_t i = 0; i < targets.size(); ++i) {
    if (targets[i] != spec_ids::kDataLake) {
      return Bad("targetConnectionSpecIds[" + std::to_string(i) + "]",
                 "must be the data lake " + std::string(spec_ids::kDataLake));
    }
  }
  if (const json::value* t = doc.if_contains("transformationSpecs")) {
    if (!t->is_array()) return Bad("transformationSpecs", "must be an array of {name, spec}");
    const json::array& a = t->get_array();
    for (size_t i = 0; i < a.size(); ++i) {
      const json::value* n = a[i].is_object() ? a[i].get_object().if_contains("name") : nullptr;
      if (n == nullptr || !n->is_string() || n->get_string() != "Mapping") {
        return Bad("transformationSpecs[" + std::to_string(i) + "].name",
                   "must be \"Mapping\" (the only transformation of REST flows)");
      }
    }
  }
  spec.document = doc;
  return spec;
}

}  // namespace fluxo
