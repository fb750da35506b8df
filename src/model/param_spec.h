// Declarative parameters, in the style of Fluent Bit's config maps: each connector declares the
// params of its auth spec and of its source (or target) connections as a list of ParamSpec. The
// JSON Schemas served in `GET /connectionSpecs` (authSpec[].spec, sourceSpec.spec,
// targetSpec.spec) are generated from these lists, and requests are validated against the
// generated schema, so what is served and what is enforced cannot drift apart.
//
// Unknown params are refused (generated schemas say "additionalProperties": false): AEP tends to
// ignore them, but a silently ignored "recusive": true is a bug the user finds days later. The
// error names every unknown param and lists the known ones.
//
// Thread-safe (pure functions over immutable data).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "model/json_schema.h"

namespace fluxo {

enum class ParamType { kString, kInteger, kNumber, kBoolean, kObject, kArray };

// The JSON Schema type name: "string", "integer", "number", "boolean", "object", "array".
const char* ParamTypeName(ParamType type);

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kString;
  bool required = false;
  // Served as "default"; NormalizeParams fills it in when the param is absent.
  std::optional<json::value> default_value;
  // A secret is served with "format": "password", encrypted at rest and masked on GET
  // (model/secrets.h). Only meaningful in auth params.
  bool secret = false;
  // The value is a database connection string (model/connection_string.h). When it is also
  // `secret`, masking keeps its non-secret parts and masks only its passwords, and validation
  // checks that it parses.
  bool connection_string = false;
  // The value decides where requests carrying the secrets go (an endpoint, a host, a region that
  // names one). A PATCH that changes it must give every secret of the auth spec again: a stored
  // secret is never sent to an address its owner did not give it with.
  bool addresses_peer = false;
  std::string description;
  std::vector<std::string> enum_values;     // strings only; empty: any value
  std::optional<int64_t> min_length;        // strings, in code points
  std::optional<int64_t> max_length;        // strings, in code points
  std::optional<double> minimum;            // integers and numbers, inclusive
  std::optional<double> exclusive_minimum;  // integers and numbers
  std::optional<double> maximum;            // integers and numbers, inclusive
  std::string format;  // JSON Schema "format" of a non-secret string ("uri"); not checked
  // JSON Schema "pattern" of a string: a regular expression it must contain a match of
  // (unanchored), in RE2 syntax (ECMA-262 without lookaround or backreferences). Empty: none.
  std::string pattern;
  // kObject: the nested params (validated recursively) and whether other keys are accepted.
  std::vector<ParamSpec> properties;
  bool additional_properties = false;
  // kArray: empty (items unchecked) or exactly one spec that every item must match (its name is
  // not used).
  std::vector<ParamSpec> items;
};

// The JSON Schema of one param (no "$schema").
json::object ParamToSchema(const ParamSpec& param);

// The JSON Schema of an object whose properties are `params`:
// {"$schema": draft-07, "type": "object", "description", "properties", "required" (when any),
//  "additionalProperties": false}.
json::object ParamsToSchema(const std::vector<ParamSpec>& params, std::string_view description);

// Validates `params` against ParamsToSchema(specs). `field_prefix` names the object in messages:
// with "auth.params" a missing connectionString is "auth.params.connectionString is required".
// Returns OK or InvalidArgument naming the first offending field.
Status ValidateParams(const std::vector<ParamSpec>& specs, const json::object& params,
                      std::string_view field_prefix, const SchemaValidationOptions& options = {});

// A copy of `params` (which passed ValidateParams with the same specs) with absent params that
// have a default filled in, and lenient scalars converted to their declared type ("15" -> 15,
// "TRUE" -> true), recursively through objects and arrays of objects. Keys without a spec are
// copied unchanged. This is the form connectors and the executor read.
json::object NormalizeParams(const std::vector<ParamSpec>& specs, const json::object& params);

// The spec named `name` in `specs`, or nullptr.
const ParamSpec* FindParam(const std::vector<ParamSpec>& specs, std::string_view name);

}  // namespace fluxo
