#include "dataprep/xdm_schema.h"

#include <map>

namespace fluxo::dataprep {

std::string XdmField::Describe() const {
  if (type == "array") return "array of " + items;
  return format.empty() ? type : type + " (" + format + ")";
}

namespace {

bool IsPrimitive(const std::string& t) {
  return t == "string" || t == "integer" || t == "number" || t == "boolean";
}

bool KnownFormat(const std::string& f) {
  return f.empty() || f == "date" || f == "date-time" || f == "email" || f == "uri" ||
         f == "uuid" || f == "time";
}

Status Walk(const json::object& node, const std::string& path, std::vector<XdmField>* out) {
  std::string at = path.empty() ? "the schema" : path;
  for (const char* unsupported : {"$ref", "allOf", "anyOf", "oneOf"}) {
    if (node.contains(unsupported))
      return Status::InvalidArgument(at + ": " + unsupported +
                                     " is not supported (XDM classes and field groups are not "
                                     "resolved): give the fields inline as properties");
  }
  std::string type = GetString(node, "type").value_or("");
  if (type == "object") {
    const json::value* props = node.if_contains("properties");
    if (!props || !props->is_object() || props->as_object().empty())
      return Status::InvalidArgument(at + ": an object needs a non-empty properties object");
    for (const auto& kv : props->as_object()) {
      std::string child = path.empty() ? std::string(kv.key()) : path + "." + std::string(kv.key());
      if (!kv.value().is_object()) return Status::InvalidArgument(child + " must be an object");
      RETURN_IF_ERROR(Walk(kv.value().as_object(), child, out));
    }
    return Status::OK();
  }
  if (path.empty()) return Status::InvalidArgument("the schema's type must be object");
  XdmField f{path, type, GetString(node, "format").value_or(""), ""};
  if (type == "array") {
    const json::value* items = node.if_contains("items");
    f.items = items && items->is_object() ? GetString(items->as_object(), "type").value_or("") : "";
    if (!IsPrimitive(f.items))
      return Status::InvalidArgument(path +
                                     ": only arrays of string, integer, number or boolean "
                                     "are supported");
  } else if (!IsPrimitive(type)) {
    return Status::InvalidArgument(
        path + ": type " + (type.empty() ? "(none)" : type) +
        " is not one of string, integer, number, boolean, object, array");
  }
  if (!KnownFormat(f.format) || (!f.format.empty() && type != "string"))
    return Status::InvalidArgument(path + ": format " + f.format +
                                   " is not supported (date, date-time, time, email, uri, uuid "
                                   "on strings)");
  out->push_back(std::move(f));
  return Status::OK();
}

// Whether a value of `t` can be stored in `f` (kAny and kNull: not known yet, accepted).
bool Storable(VType t, const XdmField& f) {
  switch (t) {
    case VType::kAny:
    case VType::kNull: return true;
    case VType::kString: return f.type == "string" || f.type == "array";  // arrays: JSON text
    case VType::kBool: return f.type == "boolean";
    case VType::kInt: return f.type == "integer" || f.type == "number";
    case VType::kFloat: return f.type == "number";
    case VType::kDate: return f.type == "string" && f.format == "date";
    case VType::kTimestamp: return f.type == "string" && f.format == "date-time";
  }
  return false;
}

}  // namespace

Result<std::vector<XdmField>> FlattenXdmSchema(const json::object& schema) {
  std::vector<XdmField> out;
  RETURN_IF_ERROR(Walk(schema, "", &out));
  return out;
}

std::string DestinationTypeOf(const XdmField& f) {
  if (f.type == "array") return "array<" + f.items + ">";
  if (f.type == "string" && (f.format == "date" || f.format == "date-time")) return f.format;
  return f.type;
}

std::vector<MappingIssue> CheckDestinations(std::vector<Mapping>* mappings,
                                            const std::vector<XdmField>& fields,
                                            const std::string& schema_id) {
  std::map<std::string, const XdmField*> by_path;
  for (const auto& f : fields) by_path[f.path] = &f;
  FieldResolver any = [](const std::string&) { return VType::kAny; };
  std::vector<MappingIssue> issues;
  for (size_t k = 0; k < mappings->size(); ++k) {
    Mapping& m = (*mappings)[k];
    int i = static_cast<int>(k);
    auto it = by_path.find(m.destination);
    if (it == by_path.end()) {
      issues.push_back({i, "destination", m.destination, 0,
                        "'" + m.destination + "' is not a field of schema " + schema_id});
      continue;
    }
    std::string want = DestinationTypeOf(*it->second);
    if (m.destination_type.empty()) {
      m.destination_type = want;
    } else if (m.destination_type != want) {
      issues.push_back({i, "destinationType", m.destination_type, 0,
                        "field '" + m.destination + "' of schema " + schema_id + " is " +
                            it->second->Describe()});
      continue;
    }
    if (m.source_type != "EXPRESSION") continue;
    ExprError err;
    auto e = Expression::Compile(m.source, any, &err);
    if (!e.ok() || Storable((*e)->type(), *it->second)) continue;
    issues.push_back({i, "destination", m.destination, 0,
                      std::string("the expression answers ") + VTypeName((*e)->type()) +
                          " but field '" + m.destination + "' of schema " + schema_id + " is " +
                          it->second->Describe()});
  }
  return issues;
}

}  // namespace fluxo::dataprep
