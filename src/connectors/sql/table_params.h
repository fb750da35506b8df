// The source params every table-based spec declares (PostgreSQL, MySQL, SQLite), and their
// decoded form. Each connector folder puts these in its ConnectionSpec (`source_params`,
// `source_data`) and decodes a source connection's params once, with DecodeTableSourceParams.
// Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "model/param_spec.h"

namespace fluxo::connectors::sql {

// tableName (required), columns [{name, type, meta}], dateFormat, timezone.
std::vector<ParamSpec> TableSourceParamSpecs();
// data.format: always "tabular".
std::vector<ParamSpec> TableSourceDataSpecs();

// A table source connection's params, decoded.
struct TableSourceParams {
  std::string table_name;            // params.tableName, as typed (ParseQualifiedName splits it)
  std::vector<std::string> columns;  // params.columns[].name in order; empty: every column
  std::optional<std::string> date_format;  // params.dateFormat, when given
  std::optional<std::string> timezone;     // params.timezone, when given
};

// Decodes `params` (a source connection's, normalized or not). InvalidArgument naming the field:
// "params.tableName is required", "params.columns must be an array", "params.columns[2] needs a
// name". An item of columns may also be a plain string (the name).
Result<TableSourceParams> DecodeTableSourceParams(const json::object& params);

}  // namespace fluxo::connectors::sql
