#include "model/specs.h"

#include <algorithm>
#include <atomic>
#include <cctype>

#include "model/connection_string.h"

namespace fluxo {
namespace {

constexpr std::string_view kDraft07 = "http://json-schema.org/draft-07/schema#";

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

json::array StringArray(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
  return out;
}

json::object SpecAttributes(const ConnectionSpec& spec) {
  json::object ui;
  ui["isSource"] = spec.is_source();
  if (spec.is_target()) ui["isDestination"] = true;
  ui["category"] = SpecCategoryName(spec.category);
  ui["label"] = spec.name;
  ui["description"] = spec.description;
  return json::object{{"uiAttributes", std::move(ui)}};
}

json::object ConnectionSpecJson(const ConnectionSpec& spec) {
  json::object o;
  o["id"] = spec.id;
  o["name"] = spec.name;
  o["providerId"] = spec.provider_id;
  o["version"] = spec.version;
  o["description"] = spec.description;

  json::array auth;
  for (const AuthSpec& a : spec.auth_specs) {
    auth.push_back(json::object{
        {"name", a.name}, {"type", a.type}, {"spec", ParamsToSchema(a.params, a.description)}});
  }
  o["authSpec"] = std::move(auth);

  if (spec.is_source()) {
    const char* kind = spec.table_based()  ? "Database"
                       : spec.rest_based() ? "RestStorage"
                                           : "CloudStorage";
    json::object source;
    source["name"] = kind;
    source["type"] = kind;
    source["spec"] =
        ParamsToSchema(spec.source_params,
                       "Defines params required when this connection is used as a source "
                       "in a flow (a source connection's params).");
    source["dataSpec"] =
        ParamsToSchema(spec.source_data, "Defines a source connection's data object.");
    source["attributes"] = SpecAttributes(spec);
    o["sourceSpec"] = std::move(source);
  }
  if (spec.is_source() && !spec.rest_based()) {
    const char* explore = spec.table_based() ? "Tabular" : "FileSystem";
    json::array object_types;
    if (spec.table_based()) {
      object_types = {"root", "table"};
    } else {
      object_types = {"root", "folder", "file"};
    }
    o["exploreSpec"] = json::object{
        {"name", explore},
        {"type", explore},
        {"requestSpec",
         json::object{
             {"$schema", kDraft07},
             {"type", "object"},
             {"properties",
              json::object{{"objectType", json::object{{"type", "string"}, {"enum", object_types}}},
                           {"object", json::object{{"type", "string"}}}}}}}};
  }
  if (spec.is_target()) {
    json::object target;
    target["name"] = "DataLake";
    target["type"] = "DataLake";
    target["spec"] =
        ParamsToSchema(spec.target_params,
                       "Defines params required when this connection is used as a target "
                       "in a flow (a target connection's params).");
    target["dataSpec"] =
        ParamsToSchema(spec.target_data, "Defines a target connection's data object.");
    target["attributes"] = SpecAttributes(spec);
    o["targetSpec"] = std::move(target);
  }
  o["permittedOperations"] = StringArray(spec.permitted_operations);

  json::object attrs;
  attrs["category"] = SpecCategoryName(spec.category);
  attrs["isSource"] = spec.is_source();
  attrs["isDestination"] = spec.is_target();
  attrs["connectorName"] = spec.name;
  attrs["uiAttributes"] =
      json::object{{"apiFeatures", json::object{{"explorePaginationSupported", false}}}};
  json::object internal;
  internal["connector"] = spec.connector;
  internal["sourceKind"] = spec.table_based()  ? "table"
                           : spec.file_based() ? "file"
                           : spec.rest_based() ? "rest"
                                               : "none";
  attrs["fluxo"] = std::move(internal);
  o["attributes"] = std::move(attrs);
  return o;
}

json::object ScheduleSpecJson(const FlowSpec& spec) {
  json::object schema = ParamsToSchema(spec.schedule_params, "Defines a flow's scheduleParams.");
  // AEP's conditional rules, served for clients that read them; src/api enforces them with its
  // own error codes (1360..1369), fluxo's validator ignores if/then/else.
  auto interval_min = [](int64_t min) {
    return json::object{{"properties", json::object{{"interval", json::object{{"minimum", min}}}}}};
  };
  schema["if"] =
      json::object{{"properties", json::object{{"frequency", json::object{{"const", "once"}}}}}};
  schema["then"] = json::object{
      {"allOf",
       json::array{json::object{{"not", json::object{{"required", json::array{"interval"}}}}},
                   json::object{{"not", json::object{{"required", json::array{"backfill"}}}}}}}};
  json::object otherwise;
  otherwise["required"] = json::array{"interval"};
  otherwise["if"] =
      json::object{{"properties", json::object{{"frequency", json::object{{"const", "minute"}}}}}};
  otherwise["then"] = interval_min(spec.min_interval_minute);
  otherwise["else"] = interval_min(spec.min_interval_other);
  schema["else"] = std::move(otherwise);
  return schema;
}

json::object FlowSpecJson(const FlowSpec& spec) {
  json::object o;
  o["id"] = spec.id;
  o["name"] = spec.name;
  o["providerId"] = spec.provider_id;
  o["version"] = spec.version;
  o["description"] = spec.description;
  o["attributes"] = json::object{
      {"notification",
       json::object{{"category", "sources"}, {"flowRun", json::object{{"enabled", true}}}}},
      {"fluxo",
       json::object{{"sourceKind", spec.source_category == SpecCategory::kDatabase ? "table"
                                   : spec.source_category == SpecCategory::kRest   ? "rest"
                                                                                   : "file"}}}};
  o["sourceConnectionSpecIds"] = StringArray(spec.source_connection_spec_ids);
  o["targetConnectionSpecIds"] = StringArray(spec.target_connection_spec_ids);
  json::array transformations;
  for (const TransformationSpec& t : spec.transformation_specs) {
    transformations.push_back(
        json::object{{"name", t.name}, {"spec", ParamsToSchema(t.params, t.description)}});
  }
  o["transformationSpecs"] = std::move(transformations);
  o["scheduleSpec"] = json::object{
      {"name", "PeriodicSchedule"}, {"type", "Periodic"}, {"spec", ScheduleSpecJson(spec)}};
  o["optionSpec"] =
      json::object{{"name", "OptionSpec"},
                   {"spec", ParamsToSchema(spec.option_params, "Defines a flow's options.")}};
  o["runSpec"] =
      json::object{{"name", "ProviderParams"},
                   {"spec", ParamsToSchema(spec.run_params, "Defines the params of a flow run.")}};
  return o;
}

}  // namespace

const char* SpecCategoryName(SpecCategory category) {
  switch (category) {
    case SpecCategory::kDatabase: return "database";
    case SpecCategory::kCloudStorage: return "cloudStorage";
    case SpecCategory::kRest: return "protocols";
    case SpecCategory::kDataLake: return "dataLake";
  }
  return "database";
}

bool FlowSpec::accepts_source(std::string_view connection_spec_id) const {
  if (accepts_any_rest_source) {
    const ConnectionSpec* s = FindConnectionSpec(connection_spec_id);
    if (s != nullptr && s->rest_based()) return true;
  }
  return std::find(source_connection_spec_ids.begin(), source_connection_spec_ids.end(),
                   connection_spec_id) != source_connection_spec_ids.end();
}

bool FlowSpec::accepts_target(std::string_view connection_spec_id) const {
  return std::find(target_connection_spec_ids.begin(), target_connection_spec_ids.end(),
                   connection_spec_id) != target_connection_spec_ids.end();
}

namespace {
std::atomic<CustomSpecSource*> g_custom{nullptr};
}  // namespace

void SetCustomSpecSource(CustomSpecSource* source) { g_custom.store(source); }

const ConnectionSpec* FindConnectionSpec(std::string_view id) {
  for (const ConnectionSpec& s : BuiltinConnectionSpecs()) {
    if (s.id == id) return &s;
  }
  CustomSpecSource* custom = g_custom.load();
  return custom != nullptr && !id.empty() ? custom->FindConnectionSpec(id) : nullptr;
}

const FlowSpec* FindFlowSpec(std::string_view id) {
  for (const FlowSpec& s : BuiltinFlowSpecs()) {
    if (s.id == id) return &s;
  }
  CustomSpecSource* custom = g_custom.load();
  return custom != nullptr && !id.empty() ? custom->FindFlowSpec(id) : nullptr;
}

const FlowSpec* FindFlowSpecByName(std::string_view name) {
  for (const FlowSpec& s : BuiltinFlowSpecs()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

json::value ToJson(const ConnectionSpec& spec) {
  if (!spec.document.empty()) return spec.document;
  return ConnectionSpecJson(spec);
}
json::value ToJson(const FlowSpec& spec) {
  if (!spec.document.empty()) return spec.document;
  return FlowSpecJson(spec);
}

const AuthSpec* FindAuthSpec(const ConnectionSpec& spec, std::string_view spec_name) {
  for (const AuthSpec& a : spec.auth_specs) {
    if (EqualsIgnoreCase(a.name, spec_name)) return &a;
  }
  return nullptr;
}

// Numbers and booleans inside params objects may arrive as strings ("15", "true"), as AEP's
// documents write them (reference/CONTRACT.md, "Shapes"); connectors read them leniently.
constexpr SchemaValidationOptions kLenient{.lenient_scalars = true};

Status ValidateConnectionAuth(const ConnectionSpec& spec, std::string_view spec_name,
                              const json::object& params) {
  if (spec.auth_specs.empty()) {
    return Status::InvalidArgument("connection spec " + spec.id + " (" + spec.name +
                                   ") takes no base connection");
  }
  std::vector<std::string> names;
  for (const AuthSpec& a : spec.auth_specs) names.push_back("\"" + a.name + "\"");
  if (spec_name.empty()) {
    return Status::InvalidArgument("auth.specName is required (" + spec.name +
                                   " accepts: " + Join(names) + ")");
  }
  const AuthSpec* auth = FindAuthSpec(spec, spec_name);
  if (auth == nullptr) {
    return Status::InvalidArgument("auth.specName \"" + std::string(spec_name.substr(0, 100)) +
                                   "\" is not an auth spec of " + spec.name +
                                   " (accepted: " + Join(names) + ")");
  }
  RETURN_IF_ERROR(ValidateParams(auth->params, params, "auth.params", kLenient));
  for (const ParamSpec& p : auth->params) {
    if (!p.connection_string) continue;
    auto it = params.find(p.name);
    if (it == params.end() || !it->value().is_string()) continue;
    Status st = CheckConnectionString(it->value().as_string());
    if (!st.ok()) {
      return Status::InvalidArgument("auth.params." + p.name +
                                     " is not a valid connection string: " + st.message());
    }
  }
  return Status::OK();
}

Status ValidateSourceConnection(const ConnectionSpec& spec, const json::object& data,
                                const json::object& params) {
  if (!spec.is_source()) {
    return Status::FailedPrecondition("connection spec " + spec.id + " (" + spec.name +
                                      ") is not a source");
  }
  RETURN_IF_ERROR(ValidateParams(spec.source_data, data, "data"));
  RETURN_IF_ERROR(ValidateParams(spec.source_params, params, "params", kLenient));
  // The column delimiter has two places (fluxo's params, AEP's data.properties): they must agree.
  const json::value data_value(data);
  const json::value* a = FindPath(data_value, "properties.columnDelimiter");
  auto b = params.find("columnDelimiter");
  if (a != nullptr && b != params.end() && *a != b->value()) {
    return Status::InvalidArgument(
        "data.properties.columnDelimiter and params.columnDelimiter differ; give one");
  }
  return Status::OK();
}

Status ValidateTargetConnection(const ConnectionSpec& spec, const json::object& data,
                                const json::object& params) {
  if (!spec.is_target()) {
    return Status::FailedPrecondition("connection spec " + spec.id + " (" + spec.name +
                                      ") is not a target");
  }
  RETURN_IF_ERROR(ValidateParams(spec.target_data, data, "data"));
  return ValidateParams(spec.target_params, params, "params", kLenient);
}

}  // namespace fluxo
