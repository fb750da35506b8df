#include "api/list_query.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <charconv>

#include "base/ids.h"
#include "base/json.h"

namespace fluxo {
namespace {

constexpr char kTokenVersion = '\x01';
constexpr size_t kMacBytes = 16;
constexpr size_t kMaxTokenChars = 16384;
constexpr size_t kMaxFilters = 32;
constexpr size_t kMaxValues = 200;
constexpr const char* kBuiltinTokenKey = "fluxo continuation token v1";

constexpr const char* kStandardParams[] = {"limit", "count", "orderby", "property",
                                           "continuationToken"};

bool IsOpChar(char c) { return c == '=' || c == '!' || c == '<' || c == '>'; }
bool IsSpace(char c) { return c == ' ' || c == '\t'; }
bool IsSegmentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

Status PropertyError(int code, std::string_view expr, const std::string& what) {
  return BadRequest(code, "query parameter 'property' " + QuoteForMessage(expr) + ": " + what);
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "(none)" : out;
}

bool PathMatches(std::string_view path, const std::vector<std::string>& patterns) {
  for (const std::string& p : patterns) {
    if (p == "*" || p == path) return true;
    if (p.size() >= 2 && p.compare(p.size() - 2, 2, ".*") == 0) {
      std::string_view prefix(p.data(), p.size() - 1);  // keeps the '.'
      if (path.size() > prefix.size() && path.substr(0, prefix.size()) == prefix) return true;
    }
  }
  return false;
}

// Checks the syntax of a dotted path. Sets *array_segment to the index of the segment ending in
// "[]" (or -1). Returns an error text, or "" when valid.
std::string CheckPath(std::string_view path, bool allow_array, int* array_segment) {
  *array_segment = -1;
  if (path.empty()) return "the path is empty";
  int segment = 0;
  size_t start = 0;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (i < path.size() && path[i] != '.') continue;
    std::string_view seg = path.substr(start, i - start);
    if (seg.size() >= 2 && seg.substr(seg.size() - 2) == "[]") {
      if (!allow_array) return "'[]' is not allowed here";
      if (*array_segment >= 0) return "only one segment may end in '[]'";
      *array_segment = segment;
      seg.remove_suffix(2);
    }
    if (seg.empty()) return "path " + QuoteForMessage(path) + " has an empty segment";
    for (char c : seg) {
      if (!IsSegmentChar(c)) {
        return "path " + QuoteForMessage(path) + " has the character " +
               QuoteForMessage(std::string_view(&c, 1)) +
               "; segments are letters, digits, '_', "
               "'-', joined by '.', optionally ending in '[]'";
      }
    }
    ++segment;
    start = i + 1;
  }
  return "";
}

std::optional<FilterOp> OpFromSymbol(std::string_view s) {
  if (s == "==") return FilterOp::kEq;
  if (s == "!=") return FilterOp::kNe;
  if (s == ">") return FilterOp::kGt;
  if (s == "<") return FilterOp::kLt;
  if (s == ">=") return FilterOp::kGe;
  if (s == "<=") return FilterOp::kLe;
  return std::nullopt;
}

// Splits a value list. Returns an error (1450/1453) or fills `out`.
Status ParseValues(std::string_view expr, std::string_view s, std::vector<std::string>* out) {
  size_t i = 0;
  auto empty_error = [&] {
    return PropertyError(1453, expr,
                         "empty value; give a value after the operator (a comma "
                         "separates alternatives)");
  };
  while (true) {
    while (i < s.size() && IsSpace(s[i])) ++i;
    std::string value;
    if (i < s.size() && (s[i] == '"' || s[i] == '\'')) {
      char q = s[i++];
      bool closed = false;
      while (i < s.size()) {
        char c = s[i++];
        if (c == '\\' && i < s.size() && (s[i] == q || s[i] == '\\')) {
          value += s[i++];
        } else if (c == q) {
          closed = true;
          break;
        } else {
          value += c;
        }
      }
      if (!closed) return PropertyError(1450, expr, "unterminated quoted value");
      while (i < s.size() && IsSpace(s[i])) ++i;
      if (i < s.size() && s[i] != ',') {
        return PropertyError(1450, expr, "unexpected text after a quoted value");
      }
    } else {
      size_t end = s.find(',', i);
      if (end == std::string_view::npos) end = s.size();
      value = std::string(Trim(s.substr(i, end - i)));
      i = end;
      if (!value.empty() && IsOpChar(value.front())) {
        return PropertyError(1450, expr,
                             "a value may not start with an operator character unless quoted; "
                             "operators are ==, !=, >, <, >=, <=");
      }
    }
    if (value.empty()) return empty_error();
    out->push_back(std::move(value));
    if (out->size() > kMaxValues) {
      return PropertyError(1450, expr, "more than " + std::to_string(kMaxValues) + " values");
    }
    if (i >= s.size()) return Status::OK();
    ++i;  // the comma
    if (i >= s.size()) return empty_error();
  }
}

Status CheckFilterPath(std::string_view expr, const Filter& f, const ListOptions& options) {
  if (!PathMatches(f.path, options.filter_paths)) {
    return PropertyError(1450, expr,
                         "cannot filter on " + QuoteForMessage(f.path) +
                             "; filterable: " + JoinNames(options.filter_paths));
  }
  return Status::OK();
}

struct OrderBy {
  std::string field;
  bool desc = false;
};

// The field of options.default_order, which is always orderable.
std::string_view DefaultOrderField(const ListOptions& options) {
  std::string_view d = options.default_order;
  if (!d.empty() && (d.front() == '+' || d.front() == '-')) d.remove_prefix(1);
  return d;
}

Result<OrderBy> ParseOrderBy(std::string_view raw, const ListOptions& options) {
  auto error = [&](const std::string& what) {
    return BadRequest(kCodeBadRequest,
                      "query parameter 'orderby' " + QuoteForMessage(raw) + ": " + what);
  };
  OrderBy out;
  std::string_view s = raw;
  // A raw '+' arrives as a space after form decoding.
  if (!s.empty() && (s.front() == '+' || s.front() == ' ')) {
    s.remove_prefix(1);
  } else if (!s.empty() && s.front() == '-') {
    out.desc = true;
    s.remove_prefix(1);
  }
  s = Trim(s);
  if (s.empty()) return error("give a field, optionally prefixed by '+' or '-'");
  if (s.find(',') != std::string_view::npos) return error("only one field may be given");
  int array_segment = -1;
  std::string bad = CheckPath(s, false, &array_segment);
  if (!bad.empty()) return error(bad);
  if (!PathMatches(s, options.order_fields) && s != DefaultOrderField(options)) {
    return error("cannot order by " + QuoteForMessage(s) +
                 "; orderable: " + JoinNames(options.order_fields));
  }
  out.field = std::string(s);
  return out;
}

std::string OrderString(const ListQuery& q) { return (q.order_desc ? "-" : "+") + q.order_field; }

std::string TokenKey(const ListOptions& options) {
  return options.token_key.empty() ? std::string(kBuiltinTokenKey) : options.token_key;
}

std::string Mac(const std::string& key, const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  return std::string(reinterpret_cast<const char*>(md), kMacBytes);
}

Status TokenError(const std::string& what) {
  return BadRequest(kCodeBadRequest, "query parameter 'continuationToken' is not valid: " + what +
                                         "; request the first page again without it");
}

// Decodes and re-validates a token into a full ListQuery.
Result<ListQuery> DecodeToken(const std::string& token, const ListOptions& options) {
  std::string raw;
  if (token.size() > kMaxTokenChars || !Base64UrlDecode(token, &raw) ||
      raw.size() < 1 + kMacBytes + 2) {
    return TokenError("malformed");
  }
  std::string data = raw.substr(0, raw.size() - kMacBytes);
  std::string mac = raw.substr(raw.size() - kMacBytes);
  std::string expected = Mac(TokenKey(options), data);
  if (CRYPTO_memcmp(mac.data(), expected.data(), kMacBytes) != 0) {
    return TokenError("signature mismatch");
  }
  if (data[0] != kTokenVersion) return TokenError("unknown version");
  Result<json::value> parsed = ParseJson(std::string_view(data).substr(1));
  if (!parsed.ok() || !parsed->is_object()) return TokenError("malformed state");
  const json::object& o = parsed->as_object();
  std::optional<std::string> scope = GetString(o, "s");
  std::optional<std::string> order = GetString(o, "o");
  std::optional<std::string> after = GetString(o, "a");
  std::optional<std::string> id = GetString(o, "i");
  const json::value* limit = o.if_contains("l");
  const json::value* filters = o.if_contains("f");
  if (!scope || !order || !after || !id || limit == nullptr || !limit->is_int64() ||
      filters == nullptr || !filters->is_array()) {
    return TokenError("malformed state");
  }
  if (*scope != options.scope) return TokenError("it belongs to another listing");
  ListQuery q;
  if (limit->as_int64() < 1 || limit->as_int64() > options.max_limit) {
    return TokenError("limit out of range");
  }
  q.limit = static_cast<int>(limit->as_int64());
  Result<OrderBy> ob = ParseOrderBy(*order, options);
  if (!ob.ok()) return TokenError("its order is not accepted here");
  q.order_field = ob->field;
  q.order_desc = ob->desc;
  for (const json::value& fv : filters->as_array()) {
    const json::object* fo = fv.if_object();
    if (fo == nullptr) return TokenError("malformed filter");
    std::optional<std::string> path = GetString(*fo, "p");
    std::optional<std::string> op = GetString(*fo, "o");
    const json::value* values = fo->if_contains("v");
    if (!path || !op || values == nullptr || !values->is_array() || values->as_array().empty() ||
        values->as_array().size() > kMaxValues) {
      return TokenError("malformed filter");
    }
    Filter f;
    f.path = *path;
    std::optional<FilterOp> fop = OpFromSymbol(*op);
    if (!fop) return TokenError("malformed filter");
    f.op = *fop;
    if (!CheckPath(f.path, true, &f.array_segment).empty() ||
        !CheckFilterPath("", f, options).ok()) {
      return TokenError("its filters are not accepted here");
    }
    for (const json::value& v : values->as_array()) {
      if (!v.is_string() || v.as_string().empty()) return TokenError("malformed filter");
      f.values.emplace_back(v.as_string());
    }
    q.filters.push_back(std::move(f));
  }
  if (q.filters.size() > kMaxFilters) return TokenError("too many filters");
  q.after_sort_value = *after;
  q.after_id = *id;
  return q;
}

// The single value of a single-valued parameter; error when repeated with different values.
Result<std::optional<std::string>> Single(const QueryParams& params, std::string_view name) {
  std::vector<std::string> all = FindAllParams(params, name);
  if (all.empty()) return std::optional<std::string>();
  for (const auto& v : all) {
    if (v != all.front()) {
      return BadRequest(kCodeBadRequest, "query parameter '" + std::string(name) +
                                             "' is given more than once with "
                                             "different values");
    }
  }
  return std::optional<std::string>(all.front());
}

}  // namespace

const char* FilterOpSymbol(FilterOp op) {
  switch (op) {
    case FilterOp::kEq: return "==";
    case FilterOp::kNe: return "!=";
    case FilterOp::kGt: return ">";
    case FilterOp::kLt: return "<";
    case FilterOp::kGe: return ">=";
    case FilterOp::kLe: return "<=";
  }
  return "?";
}

namespace {

// The audit times are epoch milliseconds: a value that is not an integer would compare as text
// (and match nothing, or everything); refused instead (1450).
Status CheckTimeValues(std::string_view expr, const Filter& f) {
  if (f.path != "createdAt" && f.path != "updatedAt") return Status::OK();
  for (const std::string& v : f.values) {
    std::string_view digits = v;
    if (!digits.empty() && digits.front() == '-') digits.remove_prefix(1);
    bool integer = !digits.empty() && digits.size() <= 18 &&
                   digits.find_first_not_of("0123456789") == std::string_view::npos;
    if (!integer) {
      return PropertyError(
          1450, expr,
          f.path + " is in epoch milliseconds: " + QuoteForMessage(v) + " is not an integer");
    }
  }
  return Status::OK();
}

}  // namespace

Result<Filter> ParseFilter(std::string_view expr, const ListOptions& options) {
  std::string_view s = Trim(expr);
  size_t i = 0;
  while (i < s.size() && !IsOpChar(s[i]) && !IsSpace(s[i])) ++i;
  Filter f;
  f.path = std::string(s.substr(0, i));
  if (f.path.empty()) {
    return PropertyError(1450, expr, "expected PATH OP VALUE, e.g. property=name==abc");
  }
  while (i < s.size() && IsSpace(s[i])) ++i;
  size_t op_start = i;
  while (i < s.size() && IsOpChar(s[i])) ++i;
  std::string_view op = s.substr(op_start, i - op_start);
  if (op.empty()) {
    return PropertyError(
        1450, expr,
        "expected an operator (==, !=, >, <, >=, <=) after the path " + QuoteForMessage(f.path));
  }
  std::optional<FilterOp> fop = OpFromSymbol(op);
  if (!fop) {
    return PropertyError(
        1450, expr,
        "unknown operator " + QuoteForMessage(op) + "; operators are ==, !=, >, <, >=, <=");
  }
  f.op = *fop;
  std::string bad = CheckPath(f.path, true, &f.array_segment);
  if (!bad.empty()) return PropertyError(1450, expr, bad);
  if (Status err = CheckFilterPath(expr, f, options); !err.ok()) return err;
  if (Status err = ParseValues(expr, s.substr(i), &f.values); !err.ok()) {
    return err;
  }
  if (Status err = CheckTimeValues(expr, f); !err.ok()) return err;
  return f;
}

Result<ListQuery> ParseListQuery(const QueryParams& params, const ListOptions& options) {
  for (const QueryParam& p : params) {
    bool known = false;
    for (const char* n : kStandardParams) known = known || EqualsIgnoreCase(p.name, n);
    for (const auto& n : options.extra_params) known = known || EqualsIgnoreCase(p.name, n);
    if (!known) {
      std::vector<std::string> accepted(std::begin(kStandardParams), std::end(kStandardParams));
      accepted.insert(accepted.end(), options.extra_params.begin(), options.extra_params.end());
      return BadRequest(1451, "unknown query parameter " + QuoteForMessage(p.name) +
                                  "; accepted: " + JoinNames(accepted));
    }
  }

  ASSIGN_OR_RETURN(std::optional<std::string> token, Single(params, "continuationToken"));
  if (token && !token->empty()) return DecodeToken(*token, options);

  ListQuery q;
  q.limit = options.default_limit;
  ASSIGN_OR_RETURN(std::optional<std::string> limit, Single(params, "limit"));
  if (limit) {
    std::string_view s = Trim(*limit);
    int v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v < 1 ||
        v > options.max_limit) {
      return BadRequest(kCodeBadRequest, "query parameter 'limit' must be an integer from 1 to " +
                                             std::to_string(options.max_limit) + " (got " +
                                             QuoteForMessage(*limit) + ")");
    }
    q.limit = v;
  }

  ASSIGN_OR_RETURN(std::optional<std::string> count, Single(params, "count"));
  if (count) {
    std::string_view s = Trim(*count);
    if (EqualsIgnoreCase(s, "true")) {
      q.count = true;
    } else if (!EqualsIgnoreCase(s, "false")) {
      return BadRequest(kCodeBadRequest, "query parameter 'count' must be true or false (got " +
                                             QuoteForMessage(*count) + ")");
    }
    if (q.count && limit) {
      return BadRequest(1401, "query parameters 'count' and 'limit' cannot be used together");
    }
  }

  ASSIGN_OR_RETURN(std::optional<std::string> order, Single(params, "orderby"));
  {
    Result<OrderBy> ob = ParseOrderBy(order ? *order : options.default_order, options);
    if (!ob.ok()) return std::move(ob).status();
    q.order_field = ob->field;
    q.order_desc = ob->desc;
  }

  for (const QueryParam& p : params) {
    if (!EqualsIgnoreCase(p.name, "property")) continue;
    ASSIGN_OR_RETURN(Filter f, ParseFilter(p.value, options));
    q.filters.push_back(std::move(f));
    if (q.filters.size() > kMaxFilters) {
      return BadRequest(kCodeBadRequest,
                        "query parameter 'property' is given more "
                        "than " +
                            std::to_string(kMaxFilters) + " times");
    }
  }
  return q;
}

std::string EncodeContinuationToken(const ListQuery& q, const std::string& sort_value,
                                    const std::string& last_id, const ListOptions& options) {
  json::array filters;
  for (const Filter& f : q.filters) {
    json::array values;
    for (const auto& v : f.values) values.emplace_back(v);
    filters.push_back(json::object{{"p", f.path}, {"o", FilterOpSymbol(f.op)}, {"v", values}});
  }
  json::object state{{"s", options.scope},      {"l", q.limit},    {"o", OrderString(q)},
                     {"f", std::move(filters)}, {"a", sort_value}, {"i", last_id}};
  std::string data = std::string(1, kTokenVersion) + ToJson(state);
  return Base64UrlEncode(data + Mac(TokenKey(options), data));
}

std::string NextPageHref(std::string_view path, std::string_view token) {
  return std::string(path) + "?continuationToken=" + std::string(token);
}

}  // namespace fluxo
