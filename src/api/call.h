// Call: everything a Flow Service handler sees of one authenticated request, and helpers to
// answer it. Handlers return Result<HttpResponse>; an error Status becomes the envelope
// (ErrorResponse).
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "api/api_error.h"
#include "api/query_string.h"
#include "base/clock.h"
#include "base/json.h"
#include "metastore/metastore.h"
#include "server/http.h"
#include "server/worker_pool.h"

namespace fluxo {

class MasterKey;
class ConnectorRegistry;
class Lake;

// Shared, long-lived dependencies of the API. Not owned; must outlive the service.
struct ApiDeps {
  MetaStore* store = nullptr;
  const MasterKey* master_key = nullptr;  // seals connection secrets
  std::string token_key;  // HMAC key for access tokens (derived from the master key)
  const Clock* clock = &SystemClock::Instance();
  int64_t token_ttl_seconds = 86400;
  std::string base_url;  // e.g. "http://127.0.0.1:8080" (for links); "" uses relative links
  ConnectorRegistry* connectors = nullptr;  // connection test/explore
  Lake* lake = nullptr;                     // data access
  std::vector<std::string> allow_paths;     // roots local sources may read
  // The pool that runs connection test and explore (which wait on remote peers) off the I/O
  // threads. ApiService creates it from `pool_options` and sets `pool`.
  WorkerPoolOptions pool_options{/*threads=*/4, /*queue_limit=*/16};
  WorkerPool* pool = nullptr;
  // Data Access downloads from a remote lake (S3) are streamed: ranged GETs of
  // `download_chunk` bytes, `download_read_ahead` of them fetched ahead, as jobs on
  // `download_pool` (created by ApiService). At most `max_downloads` such downloads at once
  // (more: 429 code 1429), so their memory stays under max_downloads x (read_ahead + 1) x chunk.
  int64_t download_chunk = 8 << 20;
  int download_read_ahead = 2;
  int max_downloads = 8;
  WorkerPool* download_pool = nullptr;
  std::atomic<int>* downloads_active = nullptr;
};

struct Principal {
  std::string client_id;
  std::string org;
  std::string sandbox_name;
  std::string sandbox_id;
};

struct Call {
  const HttpRequest& http;
  const ApiDeps& deps;
  QueryParams query;
  std::vector<std::string> path_params;  // the {..} segments of the route, decoded
  Principal principal;
  Scope scope;  // (principal.org, principal.sandbox_name)

  const std::string& param(size_t i) const { return path_params.at(i); }
  int64_t now_ms() const { return deps.clock->NowMillis(); }
};

// 200/201 JSON answers.
HttpResponse JsonResponse(int status, const json::value& body);
// The answer to an error: HTTP status and body from ToApiError(s) (api_error.h). The only place
// an error becomes a response; a handler that needs extra headers on an error adds them to it.
// `what` ("GET /path") names the request in the log line written for 5xx answers.
HttpResponse ErrorResponse(const Status& s, const std::string& request_id,
                           const std::string& what = "");
// Fluxo's code for a refused deferred job: 429 when the worker pool is full (with Retry-After),
// 503 when the server is shutting down.
inline constexpr int kCodePoolFull = 1429;
// Answers with `work`'s result, computed on `call.deps.pool` instead of the I/O thread (a
// deferred HttpResponse). `work` runs at most once and must not touch `call` (it is gone when
// work runs): capture copies. Pool full: 429 code 1429 ("too many <busy_what> in progress");
// shut down before `work` started: 503 code 1429.
HttpResponse Deferred(const Call& call, std::function<Result<HttpResponse>()> work,
                      const std::string& busy_what = "connection tests and explores");
// The request body as a JSON object; 400 (code 1405 when empty, 1410 when malformed) otherwise.
Result<json::object> BodyObject(const HttpRequest& req);
// Sets the audit fields of a new entity document (and its etag/version).
void StampCreate(Entity& e, const Call& call);
// Refreshes the audit fields (updatedAt, updatedBy, updatedClient, etag, version) after a write.
void StampUpdate(Entity& e, const Call& call);

}  // namespace fluxo
