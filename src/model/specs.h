// Connection specs and flow specs: the read-only catalog behind `GET /connectionSpecs` and
// `GET /flowSpecs`, and the validation of connection params against it.
//
// Where the specs come from: each source connector declares its ConnectionSpec in its own folder
// (src/connectors/<name>/, ParamSpec lists: model/param_spec.h), and the connector registry hands
// them to this catalog once at start (InstallConnectionSpecs, called by the first
// ConnectorRegistry made: connectors/registry.h), so model never depends on a driver. model
// itself declares the data lake (the target) and the flow specs (builtin_specs.cc); a flow spec
// accepts every installed source of its category. The JSON Schemas are generated. Ids are fixed
// (model/spec_ids.h).
//
// Thread safety: every function here is thread-safe; the catalog is immutable once installed,
// and returned pointers and references live for the whole program. Before installation the
// catalog holds only the data lake, and the flow specs accept no source.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "model/param_spec.h"

namespace fluxo {

// What a connection spec reads (or, for the lake, writes).
enum class SpecCategory {
  kDatabase,      // table-based source: windows over a delta column; flow spec CRMToAEP
  kCloudStorage,  // file-based source: files whose last-modified time is in the window;
                  // flow spec CloudStorageToAEP
  kRest,          // a REST API (the Generic REST spec and custom self-serve specs): the window
                  // is pushed as request parameters; flow spec RestStorageToAEP
  kDataLake,      // the target
};

// "database", "cloudStorage", "protocols" (REST), "dataLake": the `attributes.category` served.
const char* SpecCategoryName(SpecCategory category);

struct AuthSpec {
  std::string name;  // what `auth.specName` of a connection names, e.g. "Access Key"
  std::string type;  // e.g. "KeyBased", "ConnectionString"
  std::string description;
  std::vector<ParamSpec> params;  // `auth.params`
};

struct ConnectionSpec {
  std::string id;
  std::string name;
  std::string provider_id;
  std::string version;  // "1.0"
  std::string description;
  SpecCategory category = SpecCategory::kDatabase;
  // fluxo-internal: the connector that implements this spec ("postgres", "mysql", "sqlite", "s3",
  // "local", "lake"); served as attributes.fluxo.connector.
  std::string connector;
  std::vector<AuthSpec> auth_specs;      // empty for the lake (a target needs no base connection)
  std::vector<ParamSpec> source_params;  // a source connection's `params` (sourceSpec.spec)
  std::vector<ParamSpec> source_data;    // a source connection's `data` (sourceSpec.dataSpec)
  std::vector<ParamSpec> target_params;  // a target connection's `params` (targetSpec.spec)
  std::vector<ParamSpec> target_data;    // a target connection's `data` (targetSpec.dataSpec)
  std::vector<std::string> permitted_operations;
  // REST specs made through POST /connectionSpecs (model/custom_specs.h): the self-serve
  // sourceSpec.attributes the REST connector executes (urlParams, contentPath, ...), the org
  // that owns the spec, and the document served as it was given (plus audit fields). Empty for
  // built-in specs.
  json::object rest_attributes;
  std::string org;
  json::object document;

  bool is_source() const { return category != SpecCategory::kDataLake; }
  bool is_target() const { return category == SpecCategory::kDataLake; }
  bool table_based() const { return category == SpecCategory::kDatabase; }
  bool file_based() const { return category == SpecCategory::kCloudStorage; }
  bool rest_based() const { return category == SpecCategory::kRest; }
};

struct TransformationSpec {
  std::string name;  // "Copy", "Mapping"
  std::string description;
  std::vector<ParamSpec> params;  // a flow transformation's `params`
};

struct FlowSpec {
  std::string id;
  std::string name;
  std::string provider_id;
  std::string version;
  std::string description;
  SpecCategory source_category = SpecCategory::kDatabase;  // the kind of source it moves
  std::vector<std::string> source_connection_spec_ids;
  std::vector<std::string> target_connection_spec_ids;
  std::vector<TransformationSpec> transformation_specs;
  std::vector<std::string> frequencies;    // once, minute, hour, day, week
  int64_t min_interval_minute = 15;        // minimum `interval` when frequency is "minute"
  int64_t min_interval_other = 1;          // minimum `interval` for hour, day and week
  std::vector<ParamSpec> schedule_params;  // a flow's `scheduleParams` (scheduleSpec.spec)
  std::vector<ParamSpec> option_params;    // a flow's `options` (optionSpec.spec)
  std::vector<ParamSpec> run_params;       // a run's `params` (runSpec.spec)
  // RestStorageToAEP: also accepts every REST connection spec (custom ones included) besides
  // source_connection_spec_ids.
  bool accepts_any_rest_source = false;
  // Custom flow specs (POST /flowSpecs): the owning org and the document served. Empty for
  // built-in ones.
  std::string org;
  json::object document;

  bool accepts_source(std::string_view connection_spec_id) const;
  bool accepts_target(std::string_view connection_spec_id) const;
};

// The permittedOperations of a source spec: connection, sourceConnection, explore, test.
const std::vector<std::string>& SourceOperations();

// Installs the source connection specs, in the order served (registry order: PostgreSQL, MySQL,
// SQLite, S3, local folder). The first call wins; later calls are ignored, so that pointers
// already handed out stay valid. REQUIRES: each spec is a source with a unique id.
void InstallConnectionSpecs(std::vector<ConnectionSpec> sources);

// Custom specs (POST /connectionSpecs, POST /flowSpecs) live in the metastore; the API installs
// one CustomSpecSource per process so that FindConnectionSpec / FindFlowSpec also find them
// (built-in ids first). Implementations are thread-safe, and every pointer they return lives for
// the whole program (an updated spec is a new object; the old one stays valid).
class CustomSpecSource {
 public:
  virtual ~CustomSpecSource() = default;
  virtual const ConnectionSpec* FindConnectionSpec(std::string_view id) = 0;
  virtual const FlowSpec* FindFlowSpec(std::string_view id) = 0;
};
// REQUIRES: `source` outlives every later Find* call (it is never uninstalled; nullptr removes).
void SetCustomSpecSource(CustomSpecSource* source);

// Every connection spec: the installed sources in their order, then the data lake.
const std::vector<ConnectionSpec>& BuiltinConnectionSpecs();
// The connection spec with `id` (exact, lower-case): a built-in one, else a custom one (any
// org: callers serving a request check spec->org), or nullptr.
const ConnectionSpec* FindConnectionSpec(std::string_view id);

// Every built-in flow spec (CRMToAEP, CloudStorageToAEP).
const std::vector<FlowSpec>& BuiltinFlowSpecs();
// The flow spec with `id` (built-in, else custom of any org), or nullptr.
const FlowSpec* FindFlowSpec(std::string_view id);
// The flow spec named `name` ("CRMToAEP"), or nullptr.
const FlowSpec* FindFlowSpecByName(std::string_view name);

// The AEP-shaped documents served by the API: id, name, providerId, version, description,
// authSpec [{name, type, spec}], sourceSpec {name, type, spec, dataSpec, attributes} (sources),
// targetSpec {name, type, spec, dataSpec, attributes} (the lake), exploreSpec (sources),
// permittedOperations, attributes {category, isSource, isDestination, connectorName, fluxo}.
// `dataSpec` is fluxo's addition: the JSON Schema of the connection's `data` object.
json::value ToJson(const ConnectionSpec& spec);
// id, name, providerId, version, description, attributes, sourceConnectionSpecIds,
// targetConnectionSpecIds, transformationSpecs [{name, spec}], scheduleSpec {name, type, spec},
// optionSpec {name, spec}, runSpec {name, spec}.
json::value ToJson(const FlowSpec& spec);

// The auth spec of `spec` named `spec_name` (case-insensitive), or nullptr.
const AuthSpec* FindAuthSpec(const ConnectionSpec& spec, std::string_view spec_name);

// Validates a base connection's `auth`: `spec_name` names one of spec's auth specs (else
// "auth.specName ..." naming the accepted ones), `params` match its params ("auth.params.X ..."),
// and every connection-string param parses (model/connection_string.h; the message never quotes
// the string). Strict types: "5432" is not an integer here.
Status ValidateConnectionAuth(const ConnectionSpec& spec, std::string_view spec_name,
                              const json::object& params);

// Validates a source connection's `data` and `params` (pass an empty object for an absent one)
// against spec.source_data / spec.source_params; errors name "data.X" / "params.X".
// FailedPrecondition when `spec` is not a source.
Status ValidateSourceConnection(const ConnectionSpec& spec, const json::object& data,
                                const json::object& params);

// Same for a target connection (spec.target_data / spec.target_params).
Status ValidateTargetConnection(const ConnectionSpec& spec, const json::object& data,
                                const json::object& params);

}  // namespace fluxo
