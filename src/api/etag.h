// If-Match handling for PATCH, DELETE and actions (CONTRACT.md "Shapes").
//
// Pure functions, thread-safe. Stored etags are quoted opaque strings ("\"abc\""). Clients send
// If-Match quoted ("abc" in quotes), unquoted (abc), with the quotes backslash-escaped as copied
// from a JSON document (\"abc\"), as a comma-separated list, or `*`; and either as the header
// (the server looks the header name up case-insensitively) or as the query parameter
// `?if-match=%22abc%22` (already percent-decoded by ParseQueryString). A weak tag (W/"abc")
// never matches: If-Match uses strong comparison (RFC 9110 section 13.1.1).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api_error.h"

namespace fluxo {

// The opaque part of one entity tag: surrounding whitespace, one pair of quotes (plain or
// backslash-escaped) removed. "\"abc\"" -> "abc", "abc" -> "abc", "\\\"abc\\\"" -> "abc".
std::string EtagOpaque(std::string_view tag);

// Splits an If-Match value into its tags (commas inside quotes do not split). Empty when the
// value is blank.
std::vector<std::string> SplitIfMatch(std::string_view value);

// Checks the precondition of a write. `header` is the If-Match header value, `query` the
// `if-match` query parameter value (nullopt when absent); the header wins when both are given
// and non-blank. `stored_etag` is the current etag of the resource (quoted or not).
// Returns nullopt when the write may go ahead;
//   400 code 1403 when neither is given (or both are blank);
//   412 code 1404 when no listed tag equals the stored one (`*` matches any existing resource).
// `resource_type` and `id` go into report.type and report.id of the error.
Status CheckIfMatch(const std::optional<std::string>& header,
                    const std::optional<std::string>& query, std::string_view stored_etag,
                    const std::string& resource_type = "", const std::string& id = "");

}  // namespace fluxo
