#include "api/service.h"

#include <algorithm>

#include "api/custom_spec_handlers.h"
#include "api/dataprep.h"
#include "api/openapi.h"
#include "base/log.h"
#include "base/metrics.h"
#include "web/console.h"

namespace fluxo {

namespace {

constexpr const char* kFlowBase = "/data/foundation/flowservice";

Status AuthToStatus(const AuthError& e) {
  switch (e.reason) {
    case AuthFailure::kTokenMissing: return GatewayError(401, "403010", e.message);
    case AuthFailure::kTokenInvalid: return GatewayError(401, "401013", "Oauth token is not valid");
    case AuthFailure::kApiKeyMissing: return GatewayError(403, "403000", e.message);
    case AuthFailure::kApiKeyMismatch: return GatewayError(403, "403003", e.message);
    case AuthFailure::kOrgMissing: return GatewayError(400, "400003", e.message);
    case AuthFailure::kOrgMismatch: return GatewayError(403, "403025", e.message);
    case AuthFailure::kSandboxMissing: return GatewayError(400, "400004", e.message);
    case AuthFailure::kSandboxUnknown: return GatewayError(403, "403026", e.message);
  }
  return GatewayError(401, "401013", "Oauth token is not valid");
}

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// What the console hook (web::ServeConsole, web/console.h) answers; {path} may hold slashes.
struct ConsoleRoute {
  const char* method;
  const char* path;
};
constexpr ConsoleRoute kConsoleRoutes[] = {{"GET", "/"}, {"GET", "/console/{path}"}};

}  // namespace

ApiService::ApiService(ApiDeps deps)
    : deps_(std::move(deps)),
      auth_(deps_.store, deps_.token_key, deps_.clock, deps_.token_ttl_seconds),
      pool_(deps_.pool_options),
      // The queue bound is a safety net only: admission (max_downloads) and each download's
      // read-ahead bound the fetches and their memory; a job finishing its fetch still counts
      // as running for a moment while the next one is queued, hence the headroom.
      download_pool_(WorkerPoolOptions{
          4,
          static_cast<size_t>(std::max(deps_.max_downloads * deps_.download_read_ahead, 1) * 8)}) {
  deps_.pool = &pool_;
  deps_.download_pool = &download_pool_;
  deps_.downloads_active = &downloads_active_;
  RegisterSpecRoutes(router_, kFlowBase);
  RegisterCustomSpecRoutes(router_, kFlowBase, deps_.store);
  RegisterConnectionRoutes(router_, kFlowBase);
  RegisterSourceTargetRoutes(router_, kFlowBase);
  RegisterFlowRoutes(router_, kFlowBase);
  RegisterRunRoutes(router_, kFlowBase);
  RegisterCatalogRoutes(router_, "/data/foundation/catalog");
  RegisterExportRoutes(router_, "/data/foundation/export");
  RegisterDataPrepRoutes(router_, "/data/foundation/conversion");
  RegisterSchemaRoutes(router_, "/data/foundation/schemaregistry");
  RegisterSearchAndConfigRoutes(router_, kFlowBase);
}

HttpResponse ApiService::Render(const Status& s, const HttpRequest& req) {
  return ErrorResponse(s, req.request_id, req.method + " " + req.path);
}

namespace {

void CountAnswer(int status) {
  static Counter* by_class[6] = {&GetCounter("fluxo_http_requests_total", "code=\"1xx\"",
                                             "HTTP requests answered, by status class."),
                                 &GetCounter("fluxo_http_requests_total", "code=\"1xx\"", ""),
                                 &GetCounter("fluxo_http_requests_total", "code=\"2xx\"", ""),
                                 &GetCounter("fluxo_http_requests_total", "code=\"3xx\"", ""),
                                 &GetCounter("fluxo_http_requests_total", "code=\"4xx\"", ""),
                                 &GetCounter("fluxo_http_requests_total", "code=\"5xx\"", "")};
  int c = status / 100;
  by_class[c >= 1 && c <= 5 ? c : 5]->Add();
}

}  // namespace

HttpResponse ApiService::Handle(const HttpRequest& req) {
  HttpResponse res = Dispatch(req);
  if (!res.deferred) {
    CountAnswer(res.status);
    return res;
  }
  // Count a deferred answer when it is given.
  res.deferred = [inner = std::move(res.deferred)](HttpCompletion complete) {
    inner([complete](HttpResponse out) {
      CountAnswer(out.status);
      complete(std::move(out));
    });
  };
  return res;
}

void ApiService::Shutdown() {
  pool_.Shutdown();
  download_pool_.Shutdown();
}

ApiService::~ApiService() { UninstallCustomSpecSource(deps_.store); }

// The routes answered without authentication, before the Flow Service router. Dispatch serves
// exactly these (the path may end in '/'), and Routes() lists them.
const ApiService::PublicRoute ApiService::kPublicRoutes[] = {
    {"GET", "/metrics", &ApiService::HandleMetrics},
    {"GET", "/healthz", &ApiService::HandleHealth},
    {"GET", "/readyz", &ApiService::HandleReady},
    {"GET", "/openapi.json", &ApiService::HandleOpenApi},
    {"POST", "/ims/token/v3", &ApiService::HandleToken},
};

std::vector<RouteInfo> ApiService::Routes() const {
  std::vector<RouteInfo> out;
  for (const auto& r : kPublicRoutes) out.push_back({r.method, r.path});
  for (const auto& r : kConsoleRoutes) out.push_back({r.method, r.path});
  for (const auto& r : router_.Routes()) out.push_back(r);
  return out;
}

HttpResponse ApiService::HandleMetrics(const HttpRequest&) {
  HttpResponse m;
  m.content_type = "text/plain; version=0.0.4";
  m.body = RenderMetrics();
  return m;
}

HttpResponse ApiService::HandleHealth(const HttpRequest&) {
  return JsonResponse(200, json::object{{"status", "ok"}});
}

HttpResponse ApiService::HandleReady(const HttpRequest&) {
  Status s = deps_.store->Ping();
  if (!s.ok()) {
    return JsonResponse(503, json::object{{"status", "unavailable"}, {"metastore", s.message()}});
  }
  return JsonResponse(200, json::object{{"status", "ready"}, {"metastore", "ok"}});
}

HttpResponse ApiService::HandleOpenApi(const HttpRequest&) {
  return HttpResponse::Json(200, std::string(OpenApiDocument()));
}

HttpResponse ApiService::Dispatch(const HttpRequest& req) {
  const std::string& path = req.path;
  for (const auto& r : kPublicRoutes) {
    if (req.method == r.method && (path == r.path || path == std::string(r.path) + "/")) {
      return (this->*r.handler)(req);
    }
  }
  if (StartsWith(path, "/ims/token/v3")) {
    if (req.method != "POST") {
      return Render(GatewayError(405, "405000", "Use POST for /ims/token/v3"), req);
    }
    return HandleToken(req);
  }
  if (!StartsWith(path, "/data/foundation/")) {
    if (auto page = web::ServeConsole(req)) return std::move(*page);  // GET / and /console/...
    return Render(GatewayError(404, "404000", "No route for " + req.method + " " + path), req);
  }

  auto segments = SplitPath(path);
  if (!segments.ok()) return Render(BadRequest(kCodeBadRequest, "Malformed path"), req);
  const Handler* handler = nullptr;
  std::vector<std::string> params;
  auto match = router_.Find(req.method, *segments, &handler, &params);

  // Authenticate before revealing whether a route exists.
  AuthHeaders h{req.Header("authorization"), req.Header("x-api-key"), req.Header("x-gw-ims-org-id"),
                req.Header("x-sandbox-name")};
  auto checked = auth_.Check(h);
  if (auto* err = std::get_if<AuthError>(&checked)) return Render(AuthToStatus(*err), req);
  const auto& p = std::get<AuthPrincipal>(checked);

  if (match == Router::Match::kNoPath) {
    return Render(GatewayError(404, "404000", "No route for " + req.method + " " + path), req);
  }
  if (match == Router::Match::kNoMethod) {
    return Render(
        GatewayError(405, "405000", "Method " + req.method + " is not allowed on " + path), req);
  }
  auto query = ParseQueryString(req.query);
  if (!query.ok()) return Render(query.status(), req);
  Call call{req,
            deps_,
            std::move(*query),
            std::move(params),
            Principal{p.client_id, p.org, p.sandbox_name, p.sandbox_id},
            Scope{p.org, p.sandbox_name}};
  Result<HttpResponse> result = (*handler)(call);
  if (!result.ok()) return Render(result.status(), req);
  return std::move(result).value();
}

HttpResponse ApiService::HandleToken(const HttpRequest& req) {
  // Accept form bodies, JSON bodies and query parameters (IMS accepts all three).
  std::string grant_type, client_id, client_secret;
  auto take = [&](const std::string& k, const std::string& v) {
    if (k == "grant_type") grant_type = v;
    if (k == "client_id") client_id = v;
    if (k == "client_secret") client_secret = v;
  };
  auto q = ParseQueryString(req.query);
  if (q.ok()) {
    for (const auto& kv : *q) take(kv.name, kv.value);
  }
  auto ctype = req.Header("content-type").value_or("");
  if (ctype.find("json") != std::string::npos) {
    auto v = ParseJsonNoDuplicateKeys(req.body);
    if (!v.ok() || !v->is_object()) {
      return Render(GatewayError(400, "invalid_request", "Body must be a JSON object"), req);
    }
    for (const auto& kv : v->as_object()) {
      if (kv.value().is_string()) take(std::string(kv.key()), std::string(kv.value().as_string()));
    }
  } else if (!req.body.empty()) {
    auto form = ParseQueryString(req.body);
    if (!form.ok()) {
      return Render(GatewayError(400, "invalid_request", "Malformed form body"), req);
    }
    for (const auto& kv : *form) take(kv.name, kv.value);
  }
  if (grant_type.empty()) grant_type = "client_credentials";
  if (grant_type != "client_credentials") {
    return Render(
        GatewayError(400, "unsupported_grant_type", "grant_type must be client_credentials"), req);
  }
  if (client_id.empty()) {
    return Render(GatewayError(400, "invalid_request", "client_id is required"), req);
  }
  if (client_secret.empty()) {
    return Render(GatewayError(400, "invalid_request", "client_secret is required"), req);
  }
  auto token = auth_.IssueToken(client_id, client_secret);
  if (!token.ok()) {
    if (token.status().code() == StatusCode::kUnauthenticated) {
      return Render(GatewayError(401, "invalid_client", token.status().message()), req);
    }
    return Render(token.status(), req);
  }
  return JsonResponse(200, json::object{{"access_token", token->access_token},
                                        {"token_type", "bearer"},
                                        {"expires_in", token->expires_in}});
}

}  // namespace fluxo
