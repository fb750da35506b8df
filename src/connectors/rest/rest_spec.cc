#include "connectors/rest/rest_spec.h"

#include <algorithm>
#include <cctype>

#include "base/strings.h"
#include "connectors/files/values.h"

namespace fluxo::connectors::rest {
namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string Path(std::string_view at, std::string_view field) {
  return at.empty() ? std::string(field) : std::string(at) + "." + std::string(field);
}

Status Bad(std::string_view at, std::string_view field, std::string_view why) {
  return Status::InvalidArgument(Path(at, field) + " " + std::string(why));
}

// The string at `key`, "" when absent; InvalidArgument when present but not a string.
Result<std::string> OptString(const json::object& o, std::string_view key, std::string_view at) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::string();
  if (!v->is_string()) return Bad(at, key, "must be a string");
  return std::string(v->get_string());
}

Result<int64_t> OptInt(const json::object& o, std::string_view key, std::string_view at,
                       int64_t fallback, int64_t min, int64_t max) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return fallback;
  std::optional<int64_t> n = AsInt64Lenient(*v);
  if (!n || *n < min || *n > max) {
    return Bad(at, key,
               "must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return *n;
}

Result<const json::object*> OptObject(const json::object& o, std::string_view key,
                                      std::string_view at) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return static_cast<const json::object*>(nullptr);
  if (!v->is_object()) return Bad(at, key, "must be an object");
  return &v->get_object();
}

Result<std::optional<JsonPath>> OptPath(const json::object& o, std::string_view key,
                                        std::string_view at) {
  ASSIGN_OR_RETURN(std::string text, OptString(o, key, at));
  if (text.empty()) return std::optional<JsonPath>();
  auto p = JsonPath::Parse(text);
  if (!p.ok()) return Bad(at, key, "is not a valid JSONPath: " + p.status().message());
  return std::optional<JsonPath>(std::move(p).value());
}

std::string ScalarText(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  return json::serialize(v);
}

// An object of scalars (queryParams, headerParams) as (name, template) pairs.
Result<std::vector<std::pair<std::string, std::string>>> Pairs(const json::object& o,
                                                               std::string_view key,
                                                               std::string_view at) {
  std::vector<std::pair<std::string, std::string>> out;
  ASSIGN_OR_RETURN(const json::object* obj, OptObject(o, key, at));
  if (obj == nullptr) return out;
  for (const auto& kv : *obj) {
    if (kv.value().is_object() || kv.value().is_array()) {
      return Bad(Path(at, key), kv.key(), "must be a string, number or boolean");
    }
    if (kv.value().is_null()) continue;
    out.emplace_back(std::string(kv.key()), ScalarText(kv.value()));
  }
  return out;
}

Result<std::vector<std::string>> Strings(const json::object& o, std::string_view key,
                                         std::string_view at) {
  std::vector<std::string> out;
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_array()) return Bad(at, key, "must be an array of strings");
  for (const json::value& s : v->get_array()) {
    if (!s.is_string()) return Bad(at, key, "must be an array of strings");
    out.emplace_back(s.get_string());
  }
  return out;
}

Status DecodeUrl(const json::object& attrs, std::string_view at, RestSpec* spec) {
  ASSIGN_OR_RETURN(const json::object* url, OptObject(attrs, "urlParams", at));
  if (url == nullptr) return Bad(at, "urlParams", "is required");
  std::string u = Path(at, "urlParams");
  ASSIGN_OR_RETURN(spec->host, OptString(*url, "host", u));
  if (spec->host.empty()) return Bad(u, "host", "is required");
  if (spec->host.rfind("http://", 0) != 0 && spec->host.rfind("https://", 0) != 0 &&
      spec->host.find("{") == std::string::npos) {
    return Bad(u, "host", "must start with http:// or https://");
  }
  ASSIGN_OR_RETURN(spec->path, OptString(*url, "path", u));
  ASSIGN_OR_RETURN(std::string method, OptString(*url, "method", u));
  spec->method = method.empty() ? "GET" : Upper(method);
  if (spec->method != "GET" && spec->method != "POST") {
    return Bad(u, "method", "must be GET or POST");
  }
  ASSIGN_OR_RETURN(spec->query, Pairs(*url, "queryParams", u));
  ASSIGN_OR_RETURN(spec->headers, Pairs(attrs, "headerParams", at));
  if (const json::value* b = attrs.if_contains("bodyParams"); b && !b->is_null()) {
    if (!b->is_object() && !b->is_array()) return Bad(at, "bodyParams", "must be an object");
    spec->body = *b;
  }
  return Status::OK();
}

// `contentPath`: an object, or (as AEP's early examples write it) the JSONPath alone. The wrapper
// key has two spellings in AEP's documents (overrideWrapperAttribute, overrideWrappingAttribute);
// both are read, and any other key is refused so that nothing is accepted without being applied.
Status DecodeContent(const json::object& attrs, std::string_view at, RestSpec* spec) {
  std::string p = Path(at, "contentPath");
  const json::value* raw = attrs.if_contains("contentPath");
  if (raw != nullptr && raw->is_string()) {
    ASSIGN_OR_RETURN(std::optional<JsonPath> path, OptPath(attrs, "contentPath", at));
    if (path) spec->content.path = std::move(*path);
    return Status::OK();
  }
  ASSIGN_OR_RETURN(const json::object* c, OptObject(attrs, "contentPath", at));
  if (c == nullptr) return Status::OK();  // `$`: the whole response
  for (const auto& kv : *c) {
    static const char* const kKnown[] = {"path", "skipAttributes", "keepAttributes",
                                         "overrideWrapperAttribute", "overrideWrappingAttribute"};
    if (std::find(std::begin(kKnown), std::end(kKnown), kv.key()) == std::end(kKnown)) {
      return Bad(p, kv.key(),
                 "is not a contentPath field (path, skipAttributes, keepAttributes, "
                 "overrideWrapperAttribute)");
    }
  }
  ASSIGN_OR_RETURN(std::optional<JsonPath> path, OptPath(*c, "path", p));
  if (path) spec->content.path = std::move(*path);
  ASSIGN_OR_RETURN(spec->content.skip, Strings(*c, "skipAttributes", p));
  ASSIGN_OR_RETURN(spec->content.keep, Strings(*c, "keepAttributes", p));
  ASSIGN_OR_RETURN(std::string wrapper, OptString(*c, "overrideWrapperAttribute", p));
  ASSIGN_OR_RETURN(std::string wrapping, OptString(*c, "overrideWrappingAttribute", p));
  if (!wrapper.empty() && !wrapping.empty() && wrapper != wrapping) {
    return Bad(p, "overrideWrappingAttribute", "differs from overrideWrapperAttribute");
  }
  spec->content.wrap = wrapper.empty() ? wrapping : wrapper;
  if (attrs.contains("explodeEntityPath")) {
    return Bad(at, "explodeEntityPath",
               "is not supported by fluxo (records are not flattened from sub-arrays); "
               "remove it");
  }
  return Status::OK();
}

Result<std::optional<EndCondition>> DecodeEnd(const json::object& o, std::string_view at) {
  ASSIGN_OR_RETURN(std::optional<JsonPath> path, OptPath(o, "endConditionName", at));
  if (!path) return std::optional<EndCondition>();
  const json::value* v = o.if_contains("endConditionValue");
  if (v == nullptr || v->is_null()) {
    return Bad(at, "endConditionValue", "is required with endConditionName");
  }
  std::string value = ScalarText(*v);
  if (value.rfind("Const:", 0) == 0) value = value.substr(6);
  return std::optional<EndCondition>(EndCondition{std::move(*path), value});
}

Status DecodePagination(const json::object& attrs, std::string_view at, RestSpec* spec) {
  ASSIGN_OR_RETURN(const json::object* pp, OptObject(attrs, "paginationParams", at));
  if (pp == nullptr) return Status::OK();
  std::string p = Path(at, "paginationParams");
  Pagination& g = spec->pagination;
  ASSIGN_OR_RETURN(std::string type, OptString(*pp, "type", p));
  std::string t = Upper(type);
  if (t == "NONE" || t.empty()) {
    g.type = PaginationType::kNone;
  } else if (t == "OFFSET") {
    g.type = PaginationType::kOffset;
  } else if (t == "POINTER") {
    g.type = PaginationType::kPointer;
  } else if (t == "CONTINUATION_TOKEN") {
    g.type = PaginationType::kContinuationToken;
  } else if (t == "PAGE") {
    g.type = PaginationType::kPage;
  } else {
    return Bad(p, "type",
               "'" + type.substr(0, 50) +
                   "' is not one of OFFSET, POINTER, CONTINUATION_TOKEN, PAGE, NONE");
  }
  ASSIGN_OR_RETURN(g.limit_name, OptString(*pp, "limitName", p));
  ASSIGN_OR_RETURN(g.limit, OptInt(*pp, "limitValue", p, 0, 0, 1000000));
  ASSIGN_OR_RETURN(g.end_condition, DecodeEnd(*pp, p));
  ASSIGN_OR_RETURN(g.delay_ms, OptInt(*pp, "delayRequestMillis", p, 0, 0, 600000));
  switch (g.type) {
    case PaginationType::kNone: break;
    case PaginationType::kOffset: {
      ASSIGN_OR_RETURN(g.offset_name, OptString(*pp, "offSetName", p));
      if (g.offset_name.empty()) return Bad(p, "offSetName", "is required with type OFFSET");
      break;
    }
    case PaginationType::kPage: {
      ASSIGN_OR_RETURN(g.page_name, OptString(*pp, "pageParamName", p));
      if (g.page_name.empty()) return Bad(p, "pageParamName", "is required with type PAGE");
      ASSIGN_OR_RETURN(g.initial_page, OptInt(*pp, "initialPageIndex", p, 1, 0, 1000000));
      ASSIGN_OR_RETURN(g.pages_count, OptInt(*pp, "pagesCount", p, 0, 0, 100000000));
      break;
    }
    case PaginationType::kPointer: {
      ASSIGN_OR_RETURN(g.pointer_path, OptPath(*pp, "pointerPath", p));
      if (!g.pointer_path) return Bad(p, "pointerPath", "is required with type POINTER");
      break;
    }
    case PaginationType::kContinuationToken: {
      ASSIGN_OR_RETURN(g.token_path, OptPath(*pp, "continuationTokenPath", p));
      if (!g.token_path) {
        return Bad(p, "continuationTokenPath", "is required with type CONTINUATION_TOKEN");
      }
      ASSIGN_OR_RETURN(g.token_name, OptString(*pp, "parameterName", p));
      if (g.token_name.empty()) {
        return Bad(p, "parameterName", "is required with type CONTINUATION_TOKEN");
      }
      ASSIGN_OR_RETURN(std::string where, OptString(*pp, "parameterType", p));
      std::string w = Upper(where);
      if (w.empty() || w == "QUERYPARAM") {
        g.token_in_header = false;
      } else if (w == "HEADERPARAM" || w == "HEADER") {
        g.token_in_header = true;
      } else {
        return Bad(p, "parameterType", "must be QUERYPARAM or HEADERPARAM");
      }
      break;
    }
  }
  return Status::OK();
}

Result<WindowParam> DecodeWindowParam(const json::object& s, std::string_view name_key,
                                      std::string_view format_key, std::string_view at) {
  WindowParam w;
  ASSIGN_OR_RETURN(w.name, OptString(s, name_key, at));
  if (w.name.empty()) return Bad(at, name_key, "is required");
  ASSIGN_OR_RETURN(w.pattern, OptString(s, format_key, at));
  std::string lower = Lower(w.pattern);
  if (w.pattern.empty()) w.pattern = "yyyy-MM-dd'T'HH:mm:ssXXX";
  if (lower == "epoch" || lower == "epochseconds") return w;
  if (lower == "epochmillis") {
    w.millis = true;
    return w;
  }
  // AEP's examples write "yyyy-MM-ddTHH:mm:ssZ": a bare T is a literal and a bare Z the UTC
  // designator there, so both are read that way (quoted literals are kept as they are). Its
  // MailChimp example writes .NET's "yyyy-MM-ddTHH:mm:ss:fffffffK": `f` is a fraction digit (as
  // `S`) and `K` the offset (`Z` for UTC, as `XXX`).
  std::string pattern;
  bool quoted = false;
  for (char c : w.pattern) {
    if (c == '\'') quoted = !quoted;
    if (!quoted && c == 'T') {
      pattern += "'T'";
    } else if (!quoted && (c == 'Z' || c == 'K')) {
      pattern += "XXX";
    } else if (!quoted && c == 'f') {
      pattern += 'S';
    } else {
      pattern += c;
    }
  }
  auto f = DateFormat::Parse(pattern);
  if (!f.ok())
    return Bad(at, format_key, "is not a supported date pattern: " + f.status().message());
  w.format = std::move(f).value();
  return w;
}

Status DecodeSchedule(const json::object& attrs, std::string_view at, RestSpec* spec) {
  ASSIGN_OR_RETURN(const json::object* s, OptObject(attrs, "scheduleParams", at));
  if (s == nullptr) return Status::OK();
  std::string p = Path(at, "scheduleParams");
  ScheduleParams sp;
  ASSIGN_OR_RETURN(sp.start,
                   DecodeWindowParam(*s, "scheduleStartParamName", "scheduleStartParamFormat", p));
  ASSIGN_OR_RETURN(sp.end,
                   DecodeWindowParam(*s, "scheduleEndParamName", "scheduleEndParamFormat", p));
  spec->schedule = std::move(sp);
  return Status::OK();
}

Status DecodeColumns(const json::object& f, std::string_view at, RestSpec* spec) {
  const json::value* cols = f.if_contains("columns");
  if (cols == nullptr || cols->is_null()) return Status::OK();
  if (!cols->is_array()) return Bad(at, "columns", "must be an array of {name, type}");
  const json::array& a = cols->get_array();
  for (size_t i = 0; i < a.size(); ++i) {
    std::string ai = Path(at, "columns[" + std::to_string(i) + "]");
    if (!a[i].is_object()) return Bad(ai, "", "must be an object {name, type}");
    ASSIGN_OR_RETURN(std::string name, OptString(a[i].get_object(), "name", ai));
    ASSIGN_OR_RETURN(std::string type, OptString(a[i].get_object(), "type", ai));
    if (name.empty()) return Bad(ai, "name", "is required");
    auto t = files::ParseTypeName(type.empty() ? "string" : type);
    if (!t.ok()) return Bad(ai, "type", t.status().message());
    spec->columns.push_back({name, *t, true});
  }
  Schema s(spec->columns);
  Status st = s.Validate();
  if (!st.ok()) return Bad(at, "columns", st.message());
  return Status::OK();
}

Status DecodeFluxo(const json::object& attrs, std::string_view at, RestSpec* spec) {
  ASSIGN_OR_RETURN(const json::object* f, OptObject(attrs, "fluxo", at));
  if (f == nullptr) return Status::OK();
  std::string p = Path(at, "fluxo");
  ASSIGN_OR_RETURN(spec->max_pages, OptInt(*f, "maxPages", p, spec->max_pages, 1, 100000000));
  ASSIGN_OR_RETURN(spec->infer_records,
                   OptInt(*f, "inferRecords", p, spec->infer_records, 1, 100000));
  if (const json::value* r = f->if_contains("requestsPerSecond"); r && !r->is_null()) {
    std::optional<double> d = AsDoubleLenient(*r);
    if (!d || *d < 0 || *d > 10000) return Bad(p, "requestsPerSecond", "must be in [0, 10000]");
    spec->requests_per_second = *d;
  }
  ASSIGN_OR_RETURN(spec->timeout_s, OptInt(*f, "timeoutSeconds", p, spec->timeout_s, 1, 3600));
  ASSIGN_OR_RETURN(const json::object* retry, OptObject(*f, "retry", p));
  if (retry != nullptr) {
    std::string rp = Path(p, "retry");
    ASSIGN_OR_RETURN(int64_t attempts, OptInt(*retry, "maxAttempts", rp, 6, 1, 20));
    spec->retry.max_attempts = static_cast<int>(attempts);
    ASSIGN_OR_RETURN(spec->retry.base_delay_ms,
                     OptInt(*retry, "baseDelayMillis", rp, 500, 0, 600000));
    ASSIGN_OR_RETURN(spec->retry.max_delay_ms,
                     OptInt(*retry, "maxDelayMillis", rp, 30000, 0, 600000));
  }
  return DecodeColumns(*f, p, spec);
}

}  // namespace

const char* PaginationTypeName(PaginationType t) {
  switch (t) {
    case PaginationType::kNone: return "NONE";
    case PaginationType::kOffset: return "OFFSET";
    case PaginationType::kPointer: return "POINTER";
    case PaginationType::kContinuationToken: return "CONTINUATION_TOKEN";
    case PaginationType::kPage: return "PAGE";
  }
  return "NONE";
}

Result<RestSpec> DecodeRestSpec(const json::object& attrs, std::string_view at) {
  RestSpec spec;
  RETURN_IF_ERROR(DecodeUrl(attrs, at, &spec));
  RETURN_IF_ERROR(DecodeContent(attrs, at, &spec));
  RETURN_IF_ERROR(DecodePagination(attrs, at, &spec));
  RETURN_IF_ERROR(DecodeSchedule(attrs, at, &spec));
  RETURN_IF_ERROR(DecodeFluxo(attrs, at, &spec));
  return spec;
}

namespace {

void BodyTexts(const json::value& v, const std::string& where,
               std::vector<std::pair<std::string, std::string>>* out) {
  if (v.is_string()) {
    out->emplace_back(where, std::string(v.get_string()));
  } else if (v.is_object()) {
    for (const auto& kv : v.get_object())
      BodyTexts(kv.value(), where + "." + std::string(kv.key()), out);
  } else if (v.is_array()) {
    const json::array& a = v.get_array();
    for (size_t i = 0; i < a.size(); ++i)
      BodyTexts(a[i], where + "[" + std::to_string(i) + "]", out);
  }
}

}  // namespace

std::vector<std::pair<std::string, std::string>> TemplateTexts(const RestSpec& spec) {
  std::vector<std::pair<std::string, std::string>> out;
  out.emplace_back("urlParams.host", spec.host);
  out.emplace_back("urlParams.path", spec.path);
  for (const auto& [k, v] : spec.query) out.emplace_back("urlParams.queryParams." + k, v);
  for (const auto& [k, v] : spec.headers) out.emplace_back("headerParams." + k, v);
  if (spec.body) BodyTexts(*spec.body, "bodyParams", &out);
  return out;
}

const std::vector<std::string>& WindowPlaceholderNames() {
  static const std::vector<std::string> kNames = {"windowStartTime",   "windowEndTime",
                                                  "windowStartMillis", "windowEndMillis",
                                                  "windowStartIso",    "windowEndIso"};
  return kNames;
}

}  // namespace fluxo::connectors::rest
