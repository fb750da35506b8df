// List endpoints' query parameters to a metastore ListQuery (CONTRACT.md "Listing").
//
// Pure functions, thread-safe. Parameter names match in any ASCII case (`orderBy`, `Limit`).
//   limit=N            1..max_limit (default 100, max 1000); else 400 code 1410.
//   count=true|false   any case; else 1410. `count=true` together with `limit`: 400 code 1401.
//   orderby=F|+F|-F    one dotted field the endpoint allows (default "-createdAt"); no sign or
//                      '+' means ascending ('+' sent raw arrives as a space and counts as '+').
//   property=P OP V    repeatable (AND). OP is the whole run of operator characters after the
//                      path and must be one of == != > < >= <= (`=`, `===`, `<>`, `=>`: 1450).
//                      V is a comma-separated list (OR) of values; a value may be quoted with
//                      "..." or '...' (commas and operator characters inside are literal, \" and
//                      \\ escape inside quotes); unquoted values are trimmed of spaces and must
//                      not start with a quote or an operator character. P is a dotted path of
//                      [A-Za-z0-9_-] segments; at most one segment may end in "[]" (reaches into
//                      an array). Bad operator, path, quoting or a path the endpoint does not
//                      filter on: 1450. An empty value (`name==`, `a,,b`, `a,`, `""`): 1453.
//   continuationToken  opaque token from a previous page's _links.next.href; carries the whole
//                      listing state. When present (non-empty) the token's state wins and the
//                      values of other list parameters beside it are ignored (clients re-send
//                      them); their names must still be known. Garbage, tampered, or another
//                      endpoint's token: 400 code 1410 naming continuationToken.
//   anything else      must be in ListOptions::extra_params; else 400 code 1451.
// A single-valued parameter (limit, count, orderby, continuationToken) repeated with different
// values: 1410. Every error message names the offending parameter.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/api_error.h"
#include "api/query_string.h"
#include "metastore/query.h"

namespace fluxo {

// What one list endpoint accepts. Path patterns: "*" matches every path, "a.*" every path
// below "a" ("a.b", "a.b[].c"), anything else matches exactly (including a "[]" suffix:
// "sourceConnectionIds[]"). Filtering on a field that holds secrets must never be allowed.
struct ListOptions {
  std::string scope;                      // endpoint name bound into tokens, e.g. "flows"
  std::vector<std::string> filter_paths;  // filterable paths; empty: no filtering
  // Orderable fields; the field of default_order is always orderable.
  std::vector<std::string> order_fields = {"createdAt", "updatedAt"};
  std::vector<std::string> extra_params;  // other accepted parameter names, e.g. "dataSet"
  std::string default_order = "-createdAt";
  int default_limit = 100;
  int max_limit = 1000;
  // HMAC-SHA256 key signing tokens. Every process serving the same metastore must use the same
  // key. Empty: a built-in key, so tokens are only checksummed (still fully re-validated).
  std::string token_key;
};

Result<ListQuery> ParseListQuery(const QueryParams& params, const ListOptions& options);

// Parses one `property` value ("name==\"a,b\",c"). Exposed for tests and reuse.
Result<Filter> ParseFilter(std::string_view expr, const ListOptions& options);

// "==", "!=", ">", "<", ">=", "<=".
const char* FilterOpSymbol(FilterOp op);

// The token for the page after the row (sort_value, last_id): the filters, order and limit of
// `q` (not its count or position) plus that position, signed with options.token_key and bound
// to options.scope. base64url without padding: never contains '=', '&', '+' or '/'.
// `sort_value` is the serialized sort value of the last row, as the metastore defines it.
std::string EncodeContinuationToken(const ListQuery& q, const std::string& sort_value,
                                    const std::string& last_id, const ListOptions& options);

// "<path>?continuationToken=<token>" for _links.next.href (the token needs no escaping).
std::string NextPageHref(std::string_view path, std::string_view token);

}  // namespace fluxo
