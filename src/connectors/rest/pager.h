// Pager: walks the pages of one REST resource as a RestSpec describes it, for one run window.
// Each NextPage() builds the request (templates filled, pagination and window parameters
// added, credentials applied), sends it with retries, parses the JSON answer, extracts the
// records at contentPath and advances the pagination state, stopping on the type's condition
// (README.md, "Pagination") or failing when fluxo.maxPages pages were read and the API still
// announces more.
//
// Errors: a non-2xx answer fails with the status, the method, the redacted URL and a short
// sanitized excerpt (4xx other than 408/429: FailedPrecondition; others Unavailable); a body
// that is not JSON fails naming the URL and the byte offset. One Pager per reader; not
// thread-safe. Memory: one response and its records at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/json.h"
#include "connectors/rest/auth.h"
#include "connectors/rest/http_client.h"
#include "connectors/rest/rest_spec.h"
#include "connectors/rest/template.h"
#include "connectors/source.h"

namespace fluxo::connectors::rest {

// What a Pager needs besides the spec.
struct PagerConfig {
  json::object source_params;  // the source connection's params (placeholders)
  json::object auth_params;    // decrypted (placeholders, credentials)
  AuthKind auth_kind = AuthKind::kNone;
  SourceWindow window;  // {0, 0}: no window parameters are sent
  int connect_timeout_s = 10;
  SleepFn sleep;                       // CancellableSleep(...) in production
  SourceCounters* counters = nullptr;  // input_bytes; may be null
};

class Pager {
 public:
  // InvalidArgument for bad auth params.
  static Result<std::unique_ptr<Pager>> Make(const RestSpec& spec, PagerConfig config);

  // The records of the next page (skip/keep/wrap applied) into `records`; false when there
  // is no further page (then `records` is empty).
  Result<bool> NextPage(std::vector<json::value>* records);
  int64_t pages() const { return pages_; }
  int64_t retries() const { return retries_; }
  // The URL of the first request, redacted, for messages ("GET http://h/p?...").
  std::string Describe() const;

 private:
  Pager(const RestSpec& spec, PagerConfig config);
  std::optional<std::string> Lookup(std::string_view name) const;
  Result<HttpCall> BuildCall();
  // Builds the call (after refreshing the token) and sends it; `call` is the call sent.
  Result<json::value> Fetch(HttpCall* call);
  Status Extract(const json::value& doc, const HttpCall& call, std::vector<json::value>* out) const;
  void Advance(const json::value& doc, size_t records);

  const RestSpec spec_;
  PagerConfig config_;
  Redactor redact_;
  HttpClient client_;
  RateLimiter limiter_;
  RestAuth auth_;
  bool done_ = false;
  int64_t pages_ = 0;
  int64_t retries_ = 0;
  int64_t offset_ = 0;
  int64_t page_ = 1;
  std::string token_;
  std::string next_url_;
  std::string first_url_;
};

}  // namespace fluxo::connectors::rest
