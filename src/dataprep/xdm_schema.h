// Target schemas (the Schema Registry subset): a JSON Schema of nested objects, arrays and XDM's
// common types and formats, flattened to its leaf fields, and the check of mapping destinations
// against it. Pure functions, thread-safe.
//
//   {"title": "Person", "type": "object", "properties": {
//      "person": {"type": "object", "properties": {"name": {"type": "string"},
//                                                 "birthDate": {"type": "string", "format":
//                                                 "date"}}},
//      "tags": {"type": "array", "items": {"type": "string"}}}}
#pragma once

#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "dataprep/mapping.h"

namespace fluxo::dataprep {

struct XdmField {
  std::string path;    // "person.birthDate"
  std::string type;    // string, integer, number, boolean, array
  std::string format;  // "date", "date-time", "email", "uri", "uuid", ... ("" when none)
  std::string items;   // the item type of an array of primitives
  // "string (date)", "array of string": the name used in messages.
  std::string Describe() const;
};

// The leaf fields of `schema` (objects are walked, not listed). InvalidArgument naming the path
// for what fluxo does not support or cannot read: a root that is not {"type": "object",
// "properties": {...}}, a type outside string/integer/number/boolean/object/array, an array whose
// items are not a primitive type, a format outside date/date-time/email/uri/uuid/time, and `$ref`
// or `allOf` (XDM classes and field groups are not resolved here: give the fields inline).
Result<std::vector<XdmField>> FlattenXdmSchema(const json::object& schema);

// The destinationType (mapping.h) a value stored in `f` is cast to ("array<string>" for an
// array of strings).
std::string DestinationTypeOf(const XdmField& f);

// Fills each mapping's destinationType from its field (when it has none) and answers the
// issues of `mappings` against `fields`: a destinationType other than its field's, a destination
// that is not a leaf field of the schema, and an EXPRESSION whose type (known without the source's
// types) cannot be stored in the field's type. `schema_id` names the schema in messages.
std::vector<MappingIssue> CheckDestinations(std::vector<Mapping>* mappings,
                                            const std::vector<XdmField>& fields,
                                            const std::string& schema_id);

}  // namespace fluxo::dataprep
