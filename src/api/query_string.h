// Query strings: the raw text after '?' to ordered (name, value) pairs, percent-decoded.
//
// Pure functions, thread-safe. Decoding uses Boost.URL: `%XX` escapes are decoded in names and
// values, `+` means a space (application/x-www-form-urlencoded), repeated names are kept in
// order. A malformed escape (`%4`, `%zz`), a NUL byte or invalid UTF-8 after decoding is a 400
// (code 1410) naming the parameter.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/api_error.h"
#include "base/status.h"
#include "base/utf8.h"

namespace fluxo {

struct QueryParam {
  std::string name;   // decoded
  std::string value;  // decoded; "" when the piece had no '='
  bool operator==(const QueryParam&) const = default;
};
// In the order of the query string; a name may repeat.
using QueryParams = std::vector<QueryParam>;

// Parses `raw` ("a=1&b=x%20y&property=name%3D%3DX"; a leading '?' is ignored). Each '&'-separated
// piece is split at its first '=' (so `property=id==X` gives value "id==X"); empty pieces are
// skipped. Filter values that arrive encoded (`name%3D%3DCRMToAEP`) and raw (`name==CRMToAEP`)
// both decode to the same text. Decoding happens exactly once.
Result<QueryParams> ParseQueryString(std::string_view raw);

// Percent-decodes `s` once (Boost.URL); with `plus_as_space`, '+' decodes to ' '. Fails
// (InvalidArgument) on a malformed escape, a NUL byte or invalid UTF-8 in the result.
Result<std::string> PercentDecode(std::string_view s, bool plus_as_space);

// `s` in single quotes for an error message: bytes that are not valid UTF-8 or are control
// characters appear as \xNN, and text past `max_bytes` is cut and marked with "...".
std::string QuoteForMessage(std::string_view s, size_t max_bytes = 120);

// ASCII case-insensitive comparison (query parameter names, header names, op names).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// The value of the first parameter named `name` (ASCII case-insensitive), or nullptr.
const std::string* FindParam(const QueryParams& params, std::string_view name);
// All values of parameters named `name` (ASCII case-insensitive), in order.
std::vector<std::string> FindAllParams(const QueryParams& params, std::string_view name);

}  // namespace fluxo
