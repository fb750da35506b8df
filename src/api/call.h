// Call: everything a Flow Service handler sees of one authenticated request, and helpers to
// answer it. Handlers return ApiResult<HttpResponse>; errors become the contract's envelope.
#pragma once

#include <string>
#include <vector>

#include "api/api_error.h"
#include "api/query_string.h"
#include "base/clock.h"
#include "base/json.h"
#include "metastore/metastore.h"
#include "server/http.h"

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
// The request body as a JSON object; 400 (code 1405 when empty, 1410 when malformed) otherwise.
ApiResult<json::object> BodyObject(const HttpRequest& req);
// Sets the audit fields of a new entity document (and its etag/version).
void StampCreate(Entity& e, const Call& call);
// Refreshes the audit fields (updatedAt, updatedBy, updatedClient, etag, version) after a write.
void StampUpdate(Entity& e, const Call& call);

}  // namespace fluxo
