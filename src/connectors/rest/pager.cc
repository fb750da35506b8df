#include "connectors/rest/pager.h"

#include <ctime>

#include "base/date_format.h"

namespace fluxo::connectors::rest {
namespace {

std::string ScalarText(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  return json::serialize(v);
}

std::string JoinUrl(const std::string& host, const std::string& path) {
  if (path.empty()) return host;
  if (path.rfind("http://", 0) == 0 || path.rfind("https://", 0) == 0) return path;
  bool a = !host.empty() && host.back() == '/';
  bool b = path.front() == '/';
  if (a && b) return host + path.substr(1);
  if (!a && !b) return host + "/" + path;
  return host + path;
}

void AddQuery(std::string* url, const std::string& name, const std::string& value) {
  *url += url->find('?') == std::string::npos ? '?' : '&';
  *url += PercentEncode(name) + "=" + PercentEncode(value);
}

std::string FormatWindow(const WindowParam& w, int64_t s) {
  if (!w.format) return std::to_string(w.millis ? s * 1000 : s);
  return w.format->Format(s * 1000000, 0);
}

std::string Iso(int64_t s) {
  static const DateFormat kIso = DateFormat::Parse("yyyy-MM-dd'T'HH:mm:ssXXX").value();
  return kIso.Format(s * 1000000, 0);
}

bool EndReached(const std::optional<EndCondition>& end, const json::value& doc) {
  if (!end) return false;
  const json::value* v = end->path.Find(doc);
  return v != nullptr && !v->is_object() && !v->is_array() && ScalarText(*v) == end->value;
}

// Fills the string leaves of a bodyParams template.
Result<json::value> FillBody(const json::value& t, const PlaceholderLookup& lookup,
                             const std::string& where) {
  if (t.is_string()) {
    ASSIGN_OR_RETURN(std::string s, FillTemplate(t.get_string(), lookup, where));
    return json::value(s);
  }
  if (t.is_object()) {
    json::object o;
    for (const auto& kv : t.get_object()) {
      ASSIGN_OR_RETURN(json::value v,
                       FillBody(kv.value(), lookup, where + "." + std::string(kv.key())));
      o[kv.key()] = std::move(v);
    }
    return json::value(std::move(o));
  }
  if (t.is_array()) {
    json::array a;
    for (const json::value& x : t.get_array()) {
      ASSIGN_OR_RETURN(json::value v, FillBody(x, lookup, where));
      a.push_back(std::move(v));
    }
    return json::value(std::move(a));
  }
  return t;
}

}  // namespace

Pager::Pager(const RestSpec& spec, PagerConfig config)
    : spec_(spec),
      config_(std::move(config)),
      client_(config_.connect_timeout_s, spec.timeout_s, spec.max_response_bytes),
      limiter_(spec.requests_per_second),
      page_(spec.pagination.initial_page) {}

Result<std::unique_ptr<Pager>> Pager::Make(const RestSpec& spec, PagerConfig config) {
  std::unique_ptr<Pager> p(new Pager(spec, std::move(config)));
  if (!p->config_.sleep) p->config_.sleep = CancellableSleep(nullptr);
  ASSIGN_OR_RETURN(p->auth_,
                   RestAuth::Make(p->config_.auth_kind, p->config_.auth_params, &p->redact_));
  return p;
}

std::optional<std::string> Pager::Lookup(std::string_view name) const {
  const SourceWindow& w = config_.window;
  if (name == "windowStartTime") return std::to_string(w.start_s);
  if (name == "windowEndTime") return std::to_string(w.end_s);
  if (name == "windowStartMillis") return std::to_string(w.start_s * 1000);
  if (name == "windowEndMillis") return std::to_string(w.end_s * 1000);
  if (name == "windowStartIso") return Iso(w.start_s);
  if (name == "windowEndIso") return Iso(w.end_s);
  if (name == "accessToken" && !auth_.token().empty()) return auth_.token();  // the current one
  for (const json::object* o : {&config_.source_params, &config_.auth_params}) {
    const json::value* v = FindPath(*o, name);
    if (v != nullptr && !v->is_null()) return ScalarText(*v);
  }
  return std::nullopt;
}

Result<HttpCall> Pager::BuildCall() {
  PlaceholderLookup lookup = [this](std::string_view n) { return Lookup(n); };
  HttpCall call;
  call.method = spec_.method;
  if (!next_url_.empty()) {  // POINTER, after the first page: the API's own next URL
    ASSIGN_OR_RETURN(std::string host, FillTemplate(spec_.host, lookup, "urlParams.host"));
    call.url = JoinUrl(host, next_url_);
  } else {
    ASSIGN_OR_RETURN(std::string host, FillTemplate(spec_.host, lookup, "urlParams.host"));
    ASSIGN_OR_RETURN(std::string path, FillTemplate(spec_.path, lookup, "urlParams.path"));
    call.url = JoinUrl(host, path);
    for (const auto& [k, v] : spec_.query) {
      ASSIGN_OR_RETURN(std::string value, FillTemplate(v, lookup, "urlParams.queryParams." + k));
      AddQuery(&call.url, k, value);
    }
    const Pagination& g = spec_.pagination;
    if (!g.limit_name.empty() && g.limit > 0)
      AddQuery(&call.url, g.limit_name, std::to_string(g.limit));
    if (g.type == PaginationType::kOffset)
      AddQuery(&call.url, g.offset_name, std::to_string(offset_));
    if (g.type == PaginationType::kPage) AddQuery(&call.url, g.page_name, std::to_string(page_));
    if (g.type == PaginationType::kContinuationToken && !token_.empty()) {
      if (g.token_in_header) {
        call.headers.emplace_back(g.token_name, token_);
      } else {
        AddQuery(&call.url, g.token_name, token_);
      }
    }
    const SourceWindow& w = config_.window;
    if (spec_.schedule && (w.start_s != 0 || w.end_s != 0)) {
      AddQuery(&call.url, spec_.schedule->start.name,
               FormatWindow(spec_.schedule->start, w.start_s));
      AddQuery(&call.url, spec_.schedule->end.name, FormatWindow(spec_.schedule->end, w.end_s));
    }
  }
  for (const auto& [k, v] : spec_.headers) {
    ASSIGN_OR_RETURN(std::string value, FillTemplate(v, lookup, "headerParams." + k));
    call.headers.emplace_back(k, value);
  }
  if (spec_.body) {
    ASSIGN_OR_RETURN(json::value body, FillBody(*spec_.body, lookup, "bodyParams"));
    call.body = json::serialize(body);
    call.content_type = "application/json";
  }
  call.headers.emplace_back("Accept", "application/json");
  if (first_url_.empty()) first_url_ = call.method + " " + redact_(call.url);
  return call;
}

std::string Pager::Describe() const { return first_url_; }

Result<json::value> Pager::Fetch(HttpCall* call) {
  HttpAnswer r;
  std::string what;
  for (int auth_try = 0;; ++auth_try) {
    int64_t now_s = static_cast<int64_t>(std::time(nullptr));
    RETURN_IF_ERROR(
        auth_.EnsureToken(client_, spec_.retry, limiter_, config_.sleep, &redact_, now_s));
    ASSIGN_OR_RETURN(*call, BuildCall());
    HttpCall c = *call;
    RETURN_IF_ERROR(auth_.Apply(&c));
    what = c.method + " " + redact_(c.url);
    ASSIGN_OR_RETURN(
        r, SendWithRetry(client_, c, spec_.retry, limiter_, config_.sleep, redact_, &retries_));
    if (r.status == 401 && auth_try == 0 && auth_.Invalidate()) continue;
    break;
  }
  if (config_.counters)
    config_.counters->input_bytes.fetch_add(static_cast<int64_t>(r.body.size()));
  if (r.status < 200 || r.status >= 300) {
    std::string m =
        what + " answered HTTP " + std::to_string(r.status) + ": " + Excerpt(redact_(r.body));
    if (r.status == 401 || r.status == 403) return Status::PermissionDenied(m);
    if (r.status >= 400 && r.status < 500 && r.status != 408) return Status::FailedPrecondition(m);
    return Status::Unavailable(m);
  }
  json::stream_parser parser;
  boost::system::error_code ec;
  size_t used = parser.write(r.body.data(), r.body.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec || !parser.done()) {
    std::string type = r.Header("content-type");
    return Status::FailedPrecondition(
        what + ": the response is not valid JSON at byte " +
        std::to_string(ec ? used : r.body.size()) +
        (type.empty() ? "" : " (Content-Type " + Excerpt(type) + ")") + ": " +
        Excerpt(redact_(r.body)));
  }
  return parser.release();
}

Status Pager::Extract(const json::value& doc, const HttpCall& call,
                      std::vector<json::value>* out) const {
  const ContentPath& cp = spec_.content;
  const json::value* at = cp.path.Find(doc);
  if (at == nullptr || at->is_null()) return Status::OK();  // no records on this page
  auto shape = [&](const json::value& rec) {
    json::value r = rec;
    if (json::object* o = r.if_object()) {
      for (const std::string& k : cp.skip) o->erase(k);
      if (!cp.keep.empty()) {
        json::object kept;
        for (const std::string& k : cp.keep) {
          if (const json::value* v = o->if_contains(k)) kept[k] = *v;
        }
        r = std::move(kept);
      }
    }
    if (!cp.wrap.empty()) r = json::object{{cp.wrap, std::move(r)}};
    out->push_back(std::move(r));
  };
  if (const json::array* a = at->if_array()) {
    out->reserve(a->size());
    for (const json::value& rec : *a) shape(rec);
  } else if (at->is_object() || !cp.wrap.empty()) {
    shape(*at);
  } else {
    return Status::FailedPrecondition(
        call.method + " " + redact_(call.url) + ": contentPath " + cp.path.text() + " names a " +
        (at->is_string() ? "string" : "scalar") + ", not an array or object of records");
  }
  return Status::OK();
}

void Pager::Advance(const json::value& doc, size_t n) {
  const Pagination& g = spec_.pagination;
  bool short_page = n == 0 || (g.limit > 0 && static_cast<int64_t>(n) < g.limit);
  if (EndReached(g.end_condition, doc)) {
    done_ = true;
    return;
  }
  switch (g.type) {
    case PaginationType::kNone: done_ = true; break;
    case PaginationType::kOffset:
      offset_ += static_cast<int64_t>(n);
      done_ = short_page;
      break;
    case PaginationType::kPage:
      ++page_;
      done_ = short_page || (g.pages_count > 0 && pages_ >= g.pages_count);
      break;
    case PaginationType::kPointer: {
      const json::value* v = g.pointer_path->Find(doc);
      std::string next = v && v->is_string() ? std::string(v->get_string()) : "";
      done_ = next.empty() || next == next_url_;
      next_url_ = next;
      break;
    }
    case PaginationType::kContinuationToken: {
      const json::value* v = g.token_path->Find(doc);
      std::string t = v && !v->is_null() && !v->is_object() && !v->is_array() ? ScalarText(*v) : "";
      done_ = t.empty() || t == token_;
      token_ = t;
      break;
    }
  }
}

Result<bool> Pager::NextPage(std::vector<json::value>* records) {
  records->clear();
  if (done_) return false;
  if (pages_ >= spec_.max_pages) {
    return Status::FailedPrecondition(
        Describe() + ": stopped after " + std::to_string(pages_) +
        " pages (fluxo.maxPages); the API still announces a further page");
  }
  if (pages_ > 0 && spec_.pagination.delay_ms > 0 && !config_.sleep(spec_.pagination.delay_ms)) {
    return Status::Cancelled("the run was cancelled");
  }
  HttpCall call;
  ASSIGN_OR_RETURN(json::value doc, Fetch(&call));
  ++pages_;
  RETURN_IF_ERROR(Extract(doc, call, records));
  Advance(doc, records->size());
  return true;
}

}  // namespace fluxo::connectors::rest
