// The specs model itself owns: the data lake (the target) and the flow specs, and the catalog
// they form with the source connection specs that the connectors declare in their own folders
// (src/connectors/*/; installed at start through InstallConnectionSpecs). The JSON Schemas served
// are generated from these declarations (specs.cc).
#include <atomic>

#include "base/mutex.h"
#include "model/spec_ids.h"
#include "model/specs.h"

namespace fluxo {
namespace {

ConnectionSpec DataLake() {
  return {
      .id = std::string(spec_ids::kDataLake),
      .name = "Data Lake",
      .provider_id = std::string(spec_ids::kAdobeProviderId),
      .version = "1.0",
      .description = "Writes the batches of a flow into a dataset of the data lake (Parquet).",
      .category = SpecCategory::kDataLake,
      .connector = "lake",
      .target_params = {{.name = "dataSetId",
                         .type = ParamType::kString,
                         .required = true,
                         .description = "Id of the Catalog dataset the flow writes into.",
                         .min_length = 1}},
      .target_data = {{.name = "format",
                       .type = ParamType::kString,
                       .default_value = json::value("parquet_xdm"),
                       .description = "Format of the batches written.",
                       .enum_values = {"parquet_xdm"}},
                      {.name = "schema",
                       .type = ParamType::kObject,
                       .description = "Reference to the dataset's schema ({id, version}).",
                       .properties = {{.name = "id", .type = ParamType::kString},
                                      {.name = "version", .type = ParamType::kString}},
                       .additional_properties = true}},
      .permitted_operations = {"targetConnection"},
  };
}

// ---- Flow specs.

ParamSpec DeltaColumnParam(std::string description) {
  return {.name = "deltaColumn",
          .type = ParamType::kObject,
          .description = std::move(description),
          .properties = {{.name = "name",
                          .type = ParamType::kString,
                          .required = true,
                          .description = "Column whose value places a row in a window.",
                          .min_length = 1},
                         {.name = "dateFormat",
                          .type = ParamType::kString,
                          .description = "Format of a text delta column.",
                          .min_length = 1},
                         {.name = "timezone",
                          .type = ParamType::kString,
                          .description = "IANA time zone of naive timestamps.",
                          .min_length = 1}}};
}

TransformationSpec MappingTransformation() {
  return {.name = "Mapping",
          .description = "Defines the mapping from source fields to the target schema.",
          .params = {{.name = "mappingId", .type = ParamType::kString, .min_length = 1},
                     {.name = "mappingVersion", .type = ParamType::kInteger, .minimum = 0}}};
}

std::vector<ParamSpec> ScheduleParams() {
  return {{.name = "startTime",
           .type = ParamType::kInteger,
           .required = true,
           .description = "Time of the first scheduled run, epoch seconds.",
           .minimum = 0},
          {.name = "frequency",
           .type = ParamType::kString,
           .required = true,
           .enum_values = {"once", "minute", "hour", "day", "week"}},
          {.name = "interval",
           .type = ParamType::kInteger,
           .description = "Periods between two runs: at least 15 for minute, 1 otherwise; not "
                          "allowed with once.",
           .minimum = 1},
          {.name = "backfill",
           .type = ParamType::kBoolean,
           .default_value = json::value(true),
           .description = "Whether the first run also covers everything before startTime; not "
                          "allowed with once."}};
}

std::vector<ParamSpec> OptionParams() {
  return {{.name = "errorDiagnosticsEnabled",
           .type = ParamType::kBoolean,
           .default_value = json::value(false),
           .description = "Flag to enable detailed and sample error diagnostics summary."},
          {.name = "partialIngestionPercent",
           .type = ParamType::kNumber,
           .description = "Percentage which defines the threshold of errors allowed before the "
                          "run is marked as failed.",
           .exclusive_minimum = 0,
           .maximum = 100}};
}

std::vector<ParamSpec> RunParams() {
  return {{.name = "startTime",
           .type = ParamType::kInteger,
           .description = "When the run may begin, epoch seconds; absent or past: now.",
           .minimum = 0},
          {.name = "windowStartTime",
           .type = ParamType::kInteger,
           .required = true,
           .description = "Start of the window (inclusive), epoch seconds.",
           .minimum = 0},
          {.name = "windowEndTime",
           .type = ParamType::kInteger,
           .required = true,
           .description = "End of the window (exclusive), epoch seconds.",
           .minimum = 0},
          DeltaColumnParam("The flow's delta column; needed on the first run of a table-based "
                           "flow that has none yet, ignored by file-based flows.")};
}

FlowSpec CrmToAep(std::vector<std::string> source_ids) {
  return {
      .id = std::string(spec_ids::kCrmToAep),
      .name = "CRMToAEP",
      .provider_id = std::string(spec_ids::kAdobeProviderId),
      .version = "1.0",
      .description = "Moves rows of table-based sources into a data lake dataset.",
      .source_category = SpecCategory::kDatabase,
      .source_connection_spec_ids = std::move(source_ids),
      .target_connection_spec_ids = {std::string(spec_ids::kDataLake)},
      .transformation_specs =
          {{.name = "Copy",
            .description = "Copies rows whose delta column is inside the run's window.",
            .params = {DeltaColumnParam("Column that selects rows by window; may be given by "
                                        "the first run instead.")}},
           MappingTransformation()},
      .frequencies = {"once", "minute", "hour", "day", "week"},
      .schedule_params = ScheduleParams(),
      .option_params = OptionParams(),
      .run_params = RunParams(),
  };
}

FlowSpec CloudStorageToAep(std::vector<std::string> source_ids) {
  return {
      .id = std::string(spec_ids::kCloudStorageToAep),
      .name = "CloudStorageToAEP",
      .provider_id = std::string(spec_ids::kAdobeProviderId),
      .version = "1.0",
      .description =
          "Moves files of file-based sources, selected by last-modified time, into a "
          "data lake dataset.",
      .source_category = SpecCategory::kCloudStorage,
      .source_connection_spec_ids = std::move(source_ids),
      .target_connection_spec_ids = {std::string(spec_ids::kDataLake)},
      .transformation_specs = {MappingTransformation()},
      .frequencies = {"once", "minute", "hour", "day", "week"},
      .schedule_params = ScheduleParams(),
      .option_params = OptionParams(),
      .run_params = RunParams(),
  };
}

FlowSpec RestStorageToAep(std::vector<std::string> source_ids) {
  return {
      .id = std::string(spec_ids::kRestStorageToAep),
      .name = "RestStorageToAEP",
      .provider_id = std::string(spec_ids::kAdobeProviderId),
      .version = "1.0",
      .description =
          "Moves the records of REST API sources (the Generic REST spec and custom "
          "self-serve specs), for the run's window, into a data lake dataset.",
      .source_category = SpecCategory::kRest,
      .source_connection_spec_ids = std::move(source_ids),
      .target_connection_spec_ids = {std::string(spec_ids::kDataLake)},
      .transformation_specs = {MappingTransformation()},
      .frequencies = {"once", "minute", "hour", "day", "week"},
      .schedule_params = ScheduleParams(),
      .option_params = OptionParams(),
      .run_params = RunParams(),
      .accepts_any_rest_source = true,
  };
}

std::vector<std::string> IdsOf(const std::vector<ConnectionSpec>& specs, SpecCategory category) {
  std::vector<std::string> ids;
  for (const ConnectionSpec& s : specs) {
    if (s.category == category) ids.push_back(s.id);
  }
  return ids;
}

// The connection specs (sources in installation order, then the lake) and the flow specs, whose
// source lists name the installed sources of their category. Immutable once published.
struct Catalog {
  std::vector<ConnectionSpec> connection_specs;
  std::vector<FlowSpec> flow_specs;
};

Catalog* NewCatalog(std::vector<ConnectionSpec> sources) {
  auto* c = new Catalog;
  c->connection_specs = std::move(sources);
  c->connection_specs.push_back(DataLake());
  c->flow_specs = {CrmToAep(IdsOf(c->connection_specs, SpecCategory::kDatabase)),
                   CloudStorageToAep(IdsOf(c->connection_specs, SpecCategory::kCloudStorage)),
                   RestStorageToAep(IdsOf(c->connection_specs, SpecCategory::kRest))};
  return c;
}

// The installed catalog, published once; never freed (pointers into it live for the program).
std::atomic<const Catalog*> g_installed{nullptr};

const Catalog& CurrentCatalog() {
  if (const Catalog* c = g_installed.load(std::memory_order_acquire)) return *c;
  static const Catalog* const kUninstalled = NewCatalog({});
  return *kUninstalled;
}

}  // namespace

const std::vector<std::string>& SourceOperations() {
  static const std::vector<std::string> ops = {"connection", "sourceConnection", "explore", "test"};
  return ops;
}

void InstallConnectionSpecs(std::vector<ConnectionSpec> sources) {
  static Mutex mu;
  MutexLock lock(&mu);
  if (g_installed.load(std::memory_order_acquire) != nullptr) return;
  g_installed.store(NewCatalog(std::move(sources)), std::memory_order_release);
}

const std::vector<ConnectionSpec>& BuiltinConnectionSpecs() {
  return CurrentCatalog().connection_specs;
}

const std::vector<FlowSpec>& BuiltinFlowSpecs() { return CurrentCatalog().flow_specs; }

}  // namespace fluxo
