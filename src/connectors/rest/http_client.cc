#include "connectors/rest/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <mutex>
#include <thread>

namespace fluxo::connectors::rest {
namespace {

struct Sink {
  std::string* body;
  std::vector<std::pair<std::string, std::string>>* headers;
  int64_t max_bytes;
  bool too_big = false;
};

size_t WriteCb(char* p, size_t size, size_t n, void* ud) {
  auto* s = static_cast<Sink*>(ud);
  size_t len = size * n;
  if (static_cast<int64_t>(s->body->size() + len) > s->max_bytes) {
    s->too_big = true;
    return 0;  // aborts the transfer
  }
  s->body->append(p, len);
  return len;
}

size_t HeaderCb(char* p, size_t size, size_t n, void* ud) {
  auto* s = static_cast<Sink*>(ud);
  std::string_view line(p, size * n);
  if (line.rfind("HTTP/", 0) == 0) s->headers->clear();  // a new response (after a 100 or redirect)
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
      value.remove_suffix(1);
    s->headers->emplace_back(std::move(name), std::string(value));
  }
  return size * n;
}

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

std::string HttpAnswer::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return "";
}

void Redactor::Add(std::string secret) {
  if (secret.size() >= 3) secrets_.push_back(std::move(secret));
}

std::string Redactor::operator()(std::string_view text) const {
  std::string out(text);
  for (const std::string& s : secrets_) {
    for (size_t pos = out.find(s); pos != std::string::npos; pos = out.find(s, pos + 3)) {
      out.replace(pos, s.size(), "***");
    }
  }
  return out;
}

std::string Excerpt(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, 160)) {
    unsigned char u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u >= 0x7f) ? '?' : c;
  }
  if (body.size() > 160) out += "...";
  return out;
}

HttpClient::HttpClient(int connect_timeout_s, int timeout_s, int64_t max_response_bytes)
    : connect_timeout_s_(connect_timeout_s),
      timeout_s_(timeout_s),
      max_response_bytes_(max_response_bytes) {
  GlobalInit();
  curl_ = curl_easy_init();
}

HttpClient::~HttpClient() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

Result<HttpAnswer> HttpClient::Send(const HttpCall& call, const Redactor& redact) {
  CURL* h = static_cast<CURL*>(curl_);
  if (h == nullptr) return Status::Internal("curl_easy_init failed");
  curl_easy_reset(h);  // keeps the connection cache
  HttpAnswer answer;
  Sink sink{&answer.body, &answer.headers, max_response_bytes_};
  curl_slist* headers = nullptr;
  for (const auto& [k, v] : call.headers)
    headers = curl_slist_append(headers, (k + ": " + v).c_str());
  if (!call.content_type.empty()) {
    headers = curl_slist_append(headers, ("Content-Type: " + call.content_type).c_str());
  }
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(h, CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, static_cast<long>(connect_timeout_s_));
  curl_easy_setopt(h, CURLOPT_TIMEOUT, static_cast<long>(timeout_s_));
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // gzip, deflate, ... as libcurl supports
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &WriteCb);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &HeaderCb);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &sink);
  if (call.method == "POST") {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, call.body.c_str());
  }
  CURLcode rc = curl_easy_perform(h);
  curl_slist_free_all(headers);
  std::string what = call.method + " " + redact(call.url);
  if (sink.too_big) {
    return Status::ResourceExhausted(what + ": the response is larger than " +
                                     std::to_string(max_response_bytes_) + " bytes");
  }
  if (rc != CURLE_OK) {
    bool permanent = rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT;
    Status s(permanent ? StatusCode::kInvalidArgument : StatusCode::kUnavailable,
             what + ": " + curl_easy_strerror(rc), !permanent);
    return s;
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &answer.status);
  return answer;
}

SleepFn CancellableSleep(const std::atomic<bool>* cancelled) {
  return [cancelled](int64_t ms) {
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (true) {
      if (cancelled != nullptr && cancelled->load()) return false;
      auto now = std::chrono::steady_clock::now();
      if (now >= until) return true;
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
          until - now, std::chrono::milliseconds(50)));
    }
  };
}

bool RateLimiter::Acquire(const SleepFn& sleep) {
  if (interval_us_ <= 0) return true;
  auto now = std::chrono::steady_clock::now();
  if (now < next_) {
    int64_t wait_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(next_ - now).count() + 1;
    if (!sleep(wait_ms)) return false;
    now = std::chrono::steady_clock::now();
  }
  next_ = std::max(now, next_) + std::chrono::microseconds(interval_us_);
  return true;
}

int64_t RetryAfterMillis(std::string_view value, int64_t now_s) {
  if (value.empty()) return -1;
  bool digits = std::all_of(value.begin(), value.end(),
                            [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  if (digits && value.size() <= 9) return std::stoll(std::string(value)) * 1000;
  time_t t = curl_getdate(std::string(value).c_str(), nullptr);
  if (t < 0) return -1;
  return std::max<int64_t>(0, (static_cast<int64_t>(t) - now_s) * 1000);
}

Result<HttpAnswer> SendWithRetry(HttpClient& client, const HttpCall& call,
                                 const RetryPolicy& policy, RateLimiter& limiter,
                                 const SleepFn& sleep, const Redactor& redact, int64_t* retries) {
  Status last;
  for (int attempt = 1;; ++attempt) {
    if (!limiter.Acquire(sleep)) return Status::Cancelled("the run was cancelled");
    Result<HttpAnswer> r = client.Send(call, redact);
    int64_t delay = -1;
    if (r.ok()) {
      long st = r->status;
      if (st != 429 && st < 500) return r;
      last = Status::Unavailable(call.method + " " + redact(call.url) + " answered HTTP " +
                                 std::to_string(st) + " after " + std::to_string(attempt) +
                                 " attempts: " + Excerpt(redact(r->body)));
      delay = RetryAfterMillis(r->Header("retry-after"), std::time(nullptr));
    } else {
      if (!r.status().retryable()) return r.status();
      last = r.status();
    }
    if (attempt >= policy.max_attempts) return last;
    int64_t backoff = policy.base_delay_ms << std::min(attempt - 1, 20);
    delay = std::min(std::max(delay, backoff), policy.max_delay_ms);
    if (retries != nullptr) ++*retries;
    if (!sleep(delay)) return Status::Cancelled("the run was cancelled");
  }
}

}  // namespace fluxo::connectors::rest
