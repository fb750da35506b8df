// HTTP for the REST source: one request through libcurl (HttpClient::Send), and the retry rule
// around it (SendWithRetry): transport errors, 429 and 5xx are retried with exponential backoff
// that honours Retry-After (seconds or an HTTP date), capped by RetryPolicy::max_delay_ms; an
// optional rate limit spaces requests at least 1/requestsPerSecond apart. Other statuses are
// answered to the caller as they are.
//
// Messages name the method and the redacted URL (Redactor), never a header value or a body
// beyond a short sanitized excerpt (Excerpt). One HttpClient per reader thread (it owns a curl
// handle); not thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "connectors/rest/rest_spec.h"

namespace fluxo::connectors::rest {

struct HttpCall {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // sent when not empty (POST)
  std::string content_type;
};

struct HttpAnswer {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  // The first value of header `name` (lower-case), or "".
  std::string Header(std::string_view name) const;
};

// Replaces every secret value (auth params, tokens) in a text by "***".
class Redactor {
 public:
  void Add(std::string secret);
  std::string operator()(std::string_view text) const;

 private:
  std::vector<std::string> secrets_;
};

// At most 160 bytes of `body`, control characters and non-ASCII bytes replaced by '?'.
std::string Excerpt(std::string_view body);

class HttpClient {
 public:
  HttpClient(int connect_timeout_s, int timeout_s, int64_t max_response_bytes);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // One request. Unavailable (retryable) for transport failures; ResourceExhausted when the
  // body exceeds max_response_bytes. `redact` is applied to the URL in messages.
  Result<HttpAnswer> Send(const HttpCall& call, const Redactor& redact);

 private:
  void* curl_ = nullptr;
  int connect_timeout_s_;
  int timeout_s_;
  int64_t max_response_bytes_;
};

// Sleeps `ms` milliseconds unless `cancelled` becomes true first (checked every 50 ms); false
// when cancelled. Tests substitute their own.
using SleepFn = std::function<bool(int64_t ms)>;
SleepFn CancellableSleep(const std::atomic<bool>* cancelled);

// Spaces requests at least 1/rps seconds apart (rps <= 0: no limit).
class RateLimiter {
 public:
  explicit RateLimiter(double rps) : interval_us_(rps > 0 ? static_cast<int64_t>(1e6 / rps) : 0) {}
  // Waits (through `sleep`) until the next request may start; false when cancelled.
  bool Acquire(const SleepFn& sleep);

 private:
  int64_t interval_us_;
  std::chrono::steady_clock::time_point next_{};
};

// The delay Retry-After asks for, in ms (delta-seconds or an HTTP date); -1 when absent or bad.
int64_t RetryAfterMillis(std::string_view value, int64_t now_s);

// Sends `call` until an answer that is neither 429 nor 5xx, or attempts run out. An exhausted
// retry on 429/5xx answers Unavailable (retryable) naming the status and the redacted URL;
// `retries` counts the retries made. Cancelled when `sleep` reports cancellation.
Result<HttpAnswer> SendWithRetry(HttpClient& client, const HttpCall& call,
                                 const RetryPolicy& policy, RateLimiter& limiter,
                                 const SleepFn& sleep, const Redactor& redact,
                                 int64_t* retries = nullptr);

}  // namespace fluxo::connectors::rest
