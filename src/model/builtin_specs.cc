// The connection specs and flow specs fluxo ships, declared as data. Connectors (src/connectors)
// implement them; the JSON Schemas served are generated from these declarations (specs.cc).
#include "model/spec_ids.h"
#include "model/specs.h"

namespace fluxo {
namespace {

const std::vector<std::string> kSourceOperations = {"connection", "sourceConnection", "explore",
                                                    "test"};

// ---- Source params shared by the table-based specs (PostgreSQL, MySQL, SQLite).

std::vector<ParamSpec> TableSourceParams() {
  return {
      {.name = "tableName",
       .type = ParamType::kString,
       .required = true,
       .description = "The table or view to read, optionally schema-qualified (\"public.orders\").",
       .min_length = 1},
      {.name = "columns",
       .type = ParamType::kArray,
       .description = "The columns to read; absent or empty: all columns.",
       .items = {{.name = "column",
                  .type = ParamType::kObject,
                  .properties = {{.name = "name",
                                  .type = ParamType::kString,
                                  .required = true,
                                  .description = "Column name as in the source.",
                                  .min_length = 1},
                                 {.name = "type",
                                  .type = ParamType::kString,
                                  .description = "Declared type (informational)."},
                                 {.name = "meta",
                                  .type = ParamType::kObject,
                                  .description = "Free-form meta information for the column.",
                                  .additional_properties = true}},
                  .additional_properties = false}}},
      {.name = "dateFormat",
       .type = ParamType::kString,
       .default_value = json::value("yyyy-MM-dd HH:mm:ss"),
       .description = "Format of a text delta column (yyyy, MM, dd, HH, mm, ss, SSS). A "
                      "dateFormat in the flow's Copy deltaColumn takes precedence.",
       .min_length = 1},
      {.name = "timezone",
       .type = ParamType::kString,
       .default_value = json::value("UTC"),
       .description = "IANA time zone in which naive timestamps of the delta column are read. A "
                      "timezone in the flow's Copy deltaColumn takes precedence.",
       .min_length = 1},
  };
}

std::vector<ParamSpec> TableSourceData() {
  return {{.name = "format",
           .type = ParamType::kString,
           .default_value = json::value("tabular"),
           .description = "Table-based sources read rows: always \"tabular\".",
           .enum_values = {"tabular"}}};
}

// ---- Source params shared by the file-based specs (S3, local folder).

ParamSpec ColumnDelimiter(std::string description) {
  return {.name = "columnDelimiter",
          .type = ParamType::kString,
          .description = std::move(description),
          .min_length = 1,
          .max_length = 1};
}

std::vector<ParamSpec> FileSourceParams() {
  return {
      {.name = "path",
       .type = ParamType::kString,
       .required = true,
       .description = "A file, a folder or a wildcard pattern (\"sales/*.csv\"), relative to the "
                      "connection's root (bucket and folder, or rootPath).",
       .min_length = 1},
      {.name = "recursive",
       .type = ParamType::kBoolean,
       .default_value = json::value(false),
       .description = "Also read the sub-folders of a folder or wildcard path."},
      ColumnDelimiter("Column delimiter of delimited files (one character; default \",\"). AEP's "
                      "place for it, data.properties.columnDelimiter, is accepted too; when both "
                      "are given they must be equal."),
      {.name = "columns",
       .type = ParamType::kArray,
       .description = "Declared schema: the files' columns and their types (string, boolean, "
                      "int, long, double, date, timestamp, decimal(p,s)). Absent: inferred from "
                      "a sample of the first file.",
       .items = {{.name = "column",
                  .type = ParamType::kObject,
                  .properties = {{.name = "name",
                                  .type = ParamType::kString,
                                  .required = true,
                                  .description = "Column name (CSV header or JSON key).",
                                  .min_length = 1},
                                 {.name = "type",
                                  .type = ParamType::kString,
                                  .required = true,
                                  .description = "Column type."}},
                  .additional_properties = false}}},
  };
}

std::vector<ParamSpec> FileSourceData() {
  return {
      {.name = "format",
       .type = ParamType::kString,
       .required = true,
       .description = "Format of the files: delimited (CSV), json (one object per line) or "
                      "parquet.",
       .enum_values = {"delimited", "json", "parquet"}},
      {.name = "properties",
       .type = ParamType::kObject,
       .description = "Options of the format.",
       .properties = {{.name = "compressionType",
                       .type = ParamType::kString,
                       .default_value = json::value("none"),
                       .description = "Compression of each file (for delimited and json).",
                       .enum_values = {"gzip", "bzip2", "zstd", "deflate", "none"}},
                      ColumnDelimiter(
                          "Column delimiter of delimited files (one character; default \",\")."),
                      {.name = "encoding",
                       .type = ParamType::kString,
                       .default_value = json::value("UTF-8"),
                       .description = "Character encoding of delimited and json files.",
                       .enum_values = {"UTF-8"}}}},
  };
}

// ---- Connection specs.

ConnectionSpec Postgres() {
  return {
      .id = std::string(spec_ids::kPostgres),
      .name = "PostgreSQL",
      .provider_id = std::string(spec_ids::kAdobeProviderId),
      .version = "1.0",
      .description = "Reads tables and views of a PostgreSQL database.",
      .category = SpecCategory::kDatabase,
      .connector = "postgres",
      .auth_specs = {{
          .name = "Connection String Based Authentication",
          .type = "ConnectionString",
          .description = "Defines the auth params required to connect to PostgreSQL.",
          .params = {{.name = "connectionString",
                      .type = ParamType::kString,
                      .required = true,
                      .secret = true,
                      .connection_string = true,
                      .description =
                          "Server=HOST;Port=5432;Database=DB;UID=USER;Password=PASSWORD, "
                          "a libpq URI (postgresql://USER:PASSWORD@HOST:5432/DB) or libpq "
                          "keywords (host=HOST dbname=DB user=USER password=PASSWORD).",
                      .min_length = 1},
                     {.name = "sslMode",
                      .type = ParamType::kString,
                      .description = "TLS mode (libpq sslmode); overrides one given in the "
                                     "connection string.",
                      .enum_values = {"disable", "allow", "prefer", "require", "verify-ca",
                                      "verify-full"}},
                     {.name = "sslRootCert",
                      .type = ParamType::kString,
                      .description = "Path of the CA certificate file used by verify-ca and "
                                     "verify-full.",
                      .min_length = 1}},
      }},
      .source_params = TableSourceParams(),
      .source_data = TableSourceData(),
      .permitted_operations = kSourceOperations,
  };
}

ConnectionSpec MySql() {
  return {
      .id = std::string(spec_ids::kMySql),
      .name = "MySQL",
      .provider_id = std::string(spec_ids::kAdobeProviderId),
      .version = "1.0",
      .description = "Reads tables and views of a MySQL or MariaDB database.",
      .category = SpecCategory::kDatabase,
      .connector = "mysql",
      .auth_specs = {{
          .name = "Connection String Based Authentication",
          .type = "ConnectionString",
          .description = "Defines the auth params required to connect to MySQL or MariaDB.",
          .params = {{.name = "connectionString",
                      .type = ParamType::kString,
                      .required = true,
                      .secret = true,
                      .connection_string = true,
                      .description = "Server=HOST;Port=3306;Database=DB;UID=USER;PWD=PASSWORD "
                                     "or mysql://USER:PASSWORD@HOST:3306/DB.",
                      .min_length = 1},
                     {.name = "timezone",
                      .type = ParamType::kString,
                      .default_value = json::value("UTC"),
                      .description = "IANA time zone of the server's naive DATETIME values; also "
                                     "set as the session time zone.",
                      .min_length = 1},
                     {.name = "sslMode",
                      .type = ParamType::kString,
                      .description = "TLS mode of the client.",
                      .enum_values = {"disabled", "preferred", "required", "verify_ca",
                                      "verify_identity"}}},
      }},
      .source_params = TableSourceParams(),
      .source_data = TableSourceData(),
      .permitted_operations = kSourceOperations,
  };
}

ConnectionSpec Sqlite() {
  return {
      .id = std::string(spec_ids::kSqlite),
      .name = "SQLite",
      .provider_id = std::string(spec_ids::kFluxoProviderId),
      .version = "1.0",
      .description = "Reads tables and views of an SQLite database file (fluxo's own spec).",
      .category = SpecCategory::kDatabase,
      .connector = "sqlite",
      .auth_specs = {{
          .name = "Database File",
          .type = "FilePath",
          .description = "Names the database file; no credentials.",
          .params = {{.name = "path",
                      .type = ParamType::kString,
                      .required = true,
                      .description = "Path of the SQLite database file, inside a folder allowed "
                                     "with --allow-path. Opened read-only.",
                      .min_length = 1}},
      }},
      .source_params = TableSourceParams(),
      .source_data = TableSourceData(),
      .permitted_operations = kSourceOperations,
  };
}

ConnectionSpec S3() {
  return {
      .id = std::string(spec_ids::kS3),
      .name = "Amazon S3",
      .provider_id = std::string(spec_ids::kAdobeProviderId),
      .version = "1.0",
      .description = "Reads files from Amazon S3 or an S3-compatible object store.",
      .category = SpecCategory::kCloudStorage,
      .connector = "s3",
      .auth_specs = {{
          .name = "Access Key",
          .type = "KeyBased",
          .description = "Defines the auth params required to connect to an S3 bucket.",
          .params = {{.name = "s3AccessKey",
                      .type = ParamType::kString,
                      .required = true,
                      .description = "Access key id.",
                      .min_length = 1},
                     {.name = "s3SecretKey",
                      .type = ParamType::kString,
                      .required = true,
                      .secret = true,
                      .description = "Secret access key.",
                      .min_length = 1},
                     {.name = "endpoint",
                      .type = ParamType::kString,
                      .description = "Base URL of an S3-compatible service "
                                     "(\"http://127.0.0.1:4568\"); absent: AWS.",
                      .min_length = 1,
                      .format = "uri"},
                     {.name = "region",
                      .type = ParamType::kString,
                      .default_value = json::value("us-east-1"),
                      .description = "Region used to sign requests.",
                      .min_length = 1},
                     {.name = "pathStyle",
                      .type = ParamType::kBoolean,
                      .default_value = json::value(false),
                      .description =
                          "Address buckets as ENDPOINT/BUCKET (most S3-compatible services) "
                          "instead of BUCKET.ENDPOINT."},
                     {.name = "bucketName",
                      .type = ParamType::kString,
                      .description =
                          "Restricts the connection to this bucket; source paths are then "
                          "relative to it.",
                      .min_length = 1},
                     {.name = "folderPath",
                      .type = ParamType::kString,
                      .description = "Restricts the connection to this folder of bucketName.",
                      .min_length = 1}},
      }},
      .source_params = FileSourceParams(),
      .source_data = FileSourceData(),
      .permitted_operations = kSourceOperations,
  };
}

ConnectionSpec LocalFolder() {
  return {
      .id = std::string(spec_ids::kLocalFolder),
      .name = "Local Folder",
      .provider_id = std::string(spec_ids::kFluxoProviderId),
      .version = "1.0",
      .description = "Reads files from a folder of the machine fluxo runs on (fluxo's own spec).",
      .category = SpecCategory::kCloudStorage,
      .connector = "local",
      .auth_specs = {{
          .name = "Local Folder",
          .type = "FilePath",
          .description = "Names the root folder; no credentials.",
          .params = {{.name = "rootPath",
                      .type = ParamType::kString,
                      .required = true,
                      .description = "Folder the connection reads, inside a folder allowed with "
                                     "--allow-path; source paths are relative to it.",
                      .min_length = 1}},
      }},
      .source_params = FileSourceParams(),
      .source_data = FileSourceData(),
      .permitted_operations = kSourceOperations,
  };
}

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

FlowSpec CrmToAep() {
  return {
      .id = std::string(spec_ids::kCrmToAep),
      .name = "CRMToAEP",
      .provider_id = std::string(spec_ids::kAdobeProviderId),
      .version = "1.0",
      .description = "Moves rows of table-based sources into a data lake dataset.",
      .source_category = SpecCategory::kDatabase,
      .source_connection_spec_ids = {std::string(spec_ids::kPostgres),
                                     std::string(spec_ids::kMySql), std::string(spec_ids::kSqlite)},
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

FlowSpec CloudStorageToAep() {
  return {
      .id = std::string(spec_ids::kCloudStorageToAep),
      .name = "CloudStorageToAEP",
      .provider_id = std::string(spec_ids::kAdobeProviderId),
      .version = "1.0",
      .description =
          "Moves files of file-based sources, selected by last-modified time, into a "
          "data lake dataset.",
      .source_category = SpecCategory::kCloudStorage,
      .source_connection_spec_ids = {std::string(spec_ids::kS3),
                                     std::string(spec_ids::kLocalFolder)},
      .target_connection_spec_ids = {std::string(spec_ids::kDataLake)},
      .transformation_specs = {MappingTransformation()},
      .frequencies = {"once", "minute", "hour", "day", "week"},
      .schedule_params = ScheduleParams(),
      .option_params = OptionParams(),
      .run_params = RunParams(),
  };
}

}  // namespace

const std::vector<ConnectionSpec>& BuiltinConnectionSpecs() {
  static const std::vector<ConnectionSpec> specs = {Postgres(), MySql(),       Sqlite(),
                                                    S3(),       LocalFolder(), DataLake()};
  return specs;
}

const std::vector<FlowSpec>& BuiltinFlowSpecs() {
  static const std::vector<FlowSpec> specs = {CrmToAep(), CloudStorageToAep()};
  return specs;
}

}  // namespace fluxo
