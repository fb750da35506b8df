#include "model/transformations.h"

namespace fluxo {

namespace {

// Reads `key` of `delta` (at `at`) into `out`: absent stays absent, a string is kept (an empty
// one counts as absent when `empty_is_absent`), any other JSON type is an error naming the field.
Status ReadString(const json::object& delta, const char* key, const std::string& at,
                  bool empty_is_absent, std::optional<std::string>* out) {
  const json::value* v = delta.if_contains(key);
  if (!v || v->is_null()) return Status::OK();
  if (!v->is_string()) return Status::InvalidArgument(at + "." + key + " must be a string");
  if (empty_is_absent && v->as_string().empty()) return Status::OK();
  *out = std::string(v->as_string());
  return Status::OK();
}

}  // namespace

Result<CopyTransformation> ParseCopyTransformation(const json::object& flow) {
  CopyTransformation copy;
  const json::value* ts = flow.if_contains("transformations");
  if (!ts || !ts->is_array()) return copy;
  size_t index = 0;
  for (const auto& t : ts->as_array()) {
    std::string at = "transformations[" + std::to_string(index++) + "]";
    if (!t.is_object() || GetString(t.as_object(), "name") != std::optional<std::string>("Copy"))
      continue;
    const json::value* delta = FindPath(t.as_object(), "params.deltaColumn");
    if (!delta || delta->is_null()) return copy;
    at += ".params.deltaColumn";
    if (!delta->is_object()) return Status::InvalidArgument(at + " must be an object");
    const json::object& d = delta->as_object();
    RETURN_IF_ERROR(ReadString(d, "name", at, /*empty_is_absent=*/true, &copy.delta_column));
    RETURN_IF_ERROR(ReadString(d, "dateFormat", at, /*empty_is_absent=*/false, &copy.date_format));
    RETURN_IF_ERROR(ReadString(d, "timezone", at, /*empty_is_absent=*/false, &copy.timezone));
    return copy;
  }
  return copy;
}

}  // namespace fluxo
