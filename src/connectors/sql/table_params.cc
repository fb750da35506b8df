#include "connectors/sql/table_params.h"

namespace fluxo::connectors::sql {

std::vector<ParamSpec> TableSourceParamSpecs() {
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

std::vector<ParamSpec> TableSourceDataSpecs() {
  return {{.name = "format",
           .type = ParamType::kString,
           .default_value = json::value("tabular"),
           .description = "Table-based sources read rows: always \"tabular\".",
           .enum_values = {"tabular"}}};
}

namespace {

Result<std::optional<std::string>> OptionalString(const json::object& params, const char* name) {
  const json::value* v = params.if_contains(name);
  if (v == nullptr || v->is_null()) return std::optional<std::string>();
  if (!v->is_string())
    return Status::InvalidArgument(std::string("params.") + name + " must be a string");
  return std::optional<std::string>(std::string(v->get_string()));
}

Result<std::vector<std::string>> DecodeColumns(const json::object& params) {
  std::vector<std::string> names;
  const json::value* cols = params.if_contains("columns");
  if (cols == nullptr || cols->is_null()) return names;
  if (!cols->is_array()) return Status::InvalidArgument("params.columns must be an array");
  const json::array& arr = cols->get_array();
  for (size_t i = 0; i < arr.size(); ++i) {
    const json::value& v = arr[i];
    std::optional<std::string> name;
    if (v.is_string()) {
      name = std::string(v.get_string());
    } else if (const json::object* o = v.if_object()) {
      name = GetString(*o, "name");
    }
    if (!name || name->empty()) {
      return Status::InvalidArgument("params.columns[" + std::to_string(i) + "] needs a name");
    }
    names.push_back(std::move(*name));
  }
  return names;
}

}  // namespace

Result<TableSourceParams> DecodeTableSourceParams(const json::object& params) {
  TableSourceParams p;
  ASSIGN_OR_RETURN(std::optional<std::string> table, OptionalString(params, "tableName"));
  if (!table || table->empty()) return Status::InvalidArgument("params.tableName is required");
  p.table_name = std::move(*table);
  ASSIGN_OR_RETURN(p.columns, DecodeColumns(params));
  ASSIGN_OR_RETURN(p.date_format, OptionalString(params, "dateFormat"));
  ASSIGN_OR_RETURN(p.timezone, OptionalString(params, "timezone"));
  return p;
}

}  // namespace fluxo::connectors::sql
