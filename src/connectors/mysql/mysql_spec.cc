// The connection spec of this connector, as served by GET /connectionSpecs: declared here, next
// to the code that reads it (model/param_spec.h generates the JSON Schemas).
#include "connectors/sql/table_params.h"
#include "model/spec_ids.h"
#include "model/specs.h"

namespace fluxo::connectors::mysql {
namespace {

ConnectionSpec Declare() {
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

}  // namespace fluxo::connectors::mysql
