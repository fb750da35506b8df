// The connection spec of this connector, as served by GET /connectionSpecs: declared here, next
// to the code that reads it (model/param_spec.h generates the JSON Schemas).
#include "connectors/sql/table_params.h"
#include "model/spec_ids.h"
#include "model/specs.h"

namespace fluxo::connectors::sqlite {
namespace {

ConnectionSpec Declare() {
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
      .source_params = sql::TableSourceParamSpecs(),
      .source_data = sql::TableSourceDataSpecs(),
      .permitted_operations = SourceOperations(),
  };
}

}  // namespace

const ConnectionSpec& Spec() {
  static const ConnectionSpec spec = Declare();
  return spec;
}

}  // namespace fluxo::connectors::sqlite
