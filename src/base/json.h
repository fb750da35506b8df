// Small helpers over Boost.JSON used by every layer (one JSON library everywhere).
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace fluxo {

namespace json = boost::json;

// Parses `text`; an error names the offset. A key repeated in one object keeps its last value.
Result<json::value> ParseJson(std::string_view text);
// The same for untrusted input (request bodies): a key repeated in one object is refused with
// InvalidArgument naming it by its dotted path ("duplicate key \"auth.params.path\""), since a
// client and fluxo could otherwise read different values from the same text.
Result<json::value> ParseJsonNoDuplicateKeys(std::string_view text);
std::string ToJson(const json::value& v);

// Reads an integer that may arrive as a JSON number or as a string of digits ("15"). Returns
// nullopt when `v` is neither.
std::optional<int64_t> AsInt64Lenient(const json::value& v);
// Reads a boolean that may arrive as true/false or "true"/"false" (any case).
std::optional<bool> AsBoolLenient(const json::value& v);
// Reads a number (integer or double, or a numeric string) as double.
std::optional<double> AsDoubleLenient(const json::value& v);

// The string at `key` of object `o`, or nullopt when absent or not a string.
std::optional<std::string> GetString(const json::object& o, std::string_view key);
// Follows a dotted path ("a.b.c") through objects; nullptr when any step is missing.
const json::value* FindPath(const json::value& root, std::string_view dotted);
// The same, starting from an object (no copy: the result points into `root`).
const json::value* FindPath(const json::object& root, std::string_view dotted);

}  // namespace fluxo
