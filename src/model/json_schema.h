// A small JSON Schema (draft-07) validator over the subset that fluxo's generated schemas use.
//
// Supported keywords: type (a name or an array of names), required, properties,
// additionalProperties (boolean only), enum, minLength, maxLength (in code points), minimum,
// maximum, exclusiveMinimum (number), items (one schema). Every other keyword ($schema,
// description, default, format, title, if/then/else, ...) is ignored. A malformed schema is a
// programmer error; the validator then reports a plain InvalidArgument naming the path.
//
// Thread-safe (pure functions).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/json.h"
#include "base/status.h"

namespace fluxo {

struct SchemaValidationOptions {
  // When true, "integer" and "number" also accept numeric strings ("15", "2.5") and "boolean"
  // accepts "true"/"false" in any case (reference/CONTRACT.md: scheduleParams, run params and
  // options may carry numbers and booleans as strings). The value is not converted here; see
  // NormalizeParams in model/param_spec.h.
  bool lenient_scalars = false;
};

// Validates `instance` against `schema`. `path` names the instance in messages ("params",
// "auth.params"); children are named "path.key" and "path[3]". Returns OK or InvalidArgument with
// the first error found. Order of checks on an object: unknown keys (when additionalProperties is
// false) first, so a typo is reported as such rather than as a missing required key; then
// required keys in schema order; then each present property in schema order.
//
// Messages never quote a value of the instance, except the offending value of an `enum` check on
// a schema without `"format": "password"`. Unknown key names are quoted (cut to 64 bytes).
Status ValidateJsonSchema(const json::value& schema, const json::value& instance,
                          std::string_view path, const SchemaValidationOptions& options = {});

// "params" + "x" -> "params.x"; "" + "x" -> "x".
std::string JoinFieldPath(std::string_view prefix, std::string_view name);

// Why `pattern` (a JSON Schema "pattern") cannot be used, or nullopt when it can. Patterns are
// RE2 regular expressions (ECMA-262 minus lookaround and backreferences), matched unanchored.
std::optional<std::string> PatternProblem(std::string_view pattern);

}  // namespace fluxo
