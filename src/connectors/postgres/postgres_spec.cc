// The connection spec of this connector, as served by GET /connectionSpecs: declared here, next
// to the code that reads it (model/param_spec.h generates the JSON Schemas).
#include "connectors/sql/table_params.h"
#include "model/spec_ids.h"
#include "model/specs.h"

namespace fluxo::connectors::postgres {
namespace {

ConnectionSpec Declare() {
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

}  // namespace fluxo::connectors::postgres
