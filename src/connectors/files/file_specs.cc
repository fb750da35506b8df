// The connection specs of the two file connectors (S3, local folder), as served by
// GET /connectionSpecs, and the source params they share: declared here, next to the code that
// reads them (file_options.cc; model/param_spec.h generates the JSON Schemas).
#include "connectors/files/file_options.h"
#include "connectors/files/files_connector.h"
#include "model/spec_ids.h"
#include "model/specs.h"

namespace fluxo::connectors::files {
namespace {

ParamSpec ColumnDelimiter(std::string description) {
  return {.name = "columnDelimiter",
          .type = ParamType::kString,
          .description = std::move(description),
          .min_length = 1,
          .max_length = 1};
}

ConnectionSpec DeclareS3() {
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
                      .addresses_peer = true,
                      .description = "Base URL of an S3-compatible service "
                                     "(\"http://127.0.0.1:4568\"); absent: AWS.",
                      .min_length = 1,
                      .format = "uri"},
                     {.name = "region",
                      .type = ParamType::kString,
                      .default_value = json::value("us-east-1"),
                      .addresses_peer = true,
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
      .source_params = FileSourceParamSpecs(),
      .source_data = FileSourceDataSpecs(),
      .permitted_operations = SourceOperations(),
  };
}

ConnectionSpec DeclareLocalFolder() {
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
      .source_params = FileSourceParamSpecs(),
      .source_data = FileSourceDataSpecs(),
      .permitted_operations = SourceOperations(),
  };
}

}  // namespace

std::vector<ParamSpec> FileSourceParamSpecs() {
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

std::vector<ParamSpec> FileSourceDataSpecs() {
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

const ConnectionSpec& S3Spec() {
  static const ConnectionSpec spec = DeclareS3();
  return spec;
}

const ConnectionSpec& LocalFolderSpec() {
  static const ConnectionSpec spec = DeclareLocalFolder();
  return spec;
}

}  // namespace fluxo::connectors::files
