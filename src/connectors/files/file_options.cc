#include "connectors/files/file_options.h"

#include <optional>
#include <vector>

#include "connectors/files/values.h"

namespace fluxo::connectors::files {

namespace {

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

Result<char> ParseDelimiter(const std::string& d) {
  if (d.size() == 1) return d[0];
  if (d == "\\t" || d == "tab") return '\t';
  return Status::InvalidArgument("columnDelimiter " + Quote(d) + " must be one character");
}

}  // namespace

Result<FileOptions> DecodeFileOptions(const SourceConfig& c) {
  FileOptions o;
  std::string format = GetString(c.data, "format").value_or("delimited");
  if (format == "delimited" || format == "csv") {
    o.format = Format::kDelimited;
  } else if (format == "json") {
    o.format = Format::kJson;
  } else if (format == "parquet") {
    o.format = Format::kParquet;
  } else {
    return Status::InvalidArgument("data.format " + Quote(format) +
                                   " is not one of delimited, json, parquet");
  }
  const json::value* props_v = c.data.if_contains("properties");
  const json::object* props = props_v != nullptr ? props_v->if_object() : nullptr;
  std::optional<std::string> p_delim = GetString(c.params, "columnDelimiter");
  std::optional<std::string> d_delim =
      props != nullptr ? GetString(*props, "columnDelimiter") : std::nullopt;
  if (p_delim && d_delim && *p_delim != *d_delim) {
    return Status::InvalidArgument("params.columnDelimiter " + Quote(*p_delim) +
                                   " and data.properties.columnDelimiter " + Quote(*d_delim) +
                                   " differ");
  }
  if (p_delim || d_delim) {
    ASSIGN_OR_RETURN(o.delimiter, ParseDelimiter(p_delim ? *p_delim : *d_delim));
    if (o.delimiter == '"' || o.delimiter == '\n' || o.delimiter == '\r') {
      return Status::InvalidArgument("columnDelimiter may not be a quote or a line break");
    }
  }
  if (props != nullptr) {
    if (auto ct = GetString(*props, "compressionType")) {
      ASSIGN_OR_RETURN(o.codec, ParseCodec(*ct));
    }
  }
  if (const json::value* m = c.params.if_contains("splitMinRangeBytes")) {
    std::optional<int64_t> v = AsInt64Lenient(*m);
    if (!v || *v <= 0) {
      return Status::InvalidArgument("params.splitMinRangeBytes must be a positive integer");
    }
    o.min_range_bytes = *v;
  }
  if (const json::value* cols = c.params.if_contains("columns")) {
    const json::array* arr = cols->if_array();
    if (arr == nullptr || arr->empty()) {
      return Status::InvalidArgument("params.columns must be a non-empty array of {name, type}");
    }
    std::vector<Field> fields;
    for (const json::value& v : *arr) {
      const json::object* obj = v.if_object();
      std::optional<std::string> name = obj ? GetString(*obj, "name") : std::nullopt;
      std::optional<std::string> type = obj ? GetString(*obj, "type") : std::nullopt;
      if (!name || name->empty() || !type) {
        return Status::InvalidArgument("params.columns entries need a name and a type");
      }
      ASSIGN_OR_RETURN(DataType t, ParseTypeName(*type));
      fields.push_back({*name, t, true});
    }
    auto schema = std::make_shared<const Schema>(std::move(fields));
    RETURN_IF_ERROR(schema->Validate().WithContext("params.columns"));
    o.declared = std::move(schema);
  }
  std::optional<std::string> path = GetString(c.params, "path");
  if (!path || path->empty()) return Status::InvalidArgument("params.path is required");
  o.path = *path;
  if (const json::value* r = c.params.if_contains("recursive")) {
    o.recursive = AsBoolLenient(*r).value_or(false);
  }
  return o;
}

}  // namespace fluxo::connectors::files
