// ApiService: the whole HTTP surface of fluxo (Flow Service, Catalog, Data Access, IMS token,
// health). Turns an HttpRequest into an HttpResponse; thread-safe after construction.
//
// Owns the worker pool of deferred work (connection test and explore, ApiDeps::pool_options).
// Shutdown order: stop the HttpServer, then Shutdown() (or destroy) this service, then destroy
// the server: a deferred answer completes on the server's I/O context.
#pragma once

#include <memory>

#include "api/call.h"
#include "api/router.h"
#include "auth/authenticator.h"

namespace fluxo {

class ApiService {
 public:
  explicit ApiService(ApiDeps deps);
  // Uninstalls the custom spec source of its store (custom_spec_handlers.h).
  ~ApiService();
  // Some answers are deferred (HttpResponse::deferred): they complete on the worker pool.
  HttpResponse Handle(const HttpRequest& req);
  // Stops the worker pool: queued jobs answer 503, running ones finish. Idempotent.
  void Shutdown();

  Authenticator& authenticator() { return auth_; }

  // Every route this service answers: its public routes, the console's (web/console.h) and the
  // router's table. /openapi.json documents exactly these (tests/unit/api/openapi_test.cc).
  std::vector<RouteInfo> Routes() const;

 private:
  struct PublicRoute {
    const char* method;
    const char* path;
    HttpResponse (ApiService::*handler)(const HttpRequest&);
  };
  static const PublicRoute kPublicRoutes[];

  HttpResponse Dispatch(const HttpRequest& req);
  HttpResponse HandleMetrics(const HttpRequest& req);
  HttpResponse HandleHealth(const HttpRequest& req);
  HttpResponse HandleReady(const HttpRequest& req);
  HttpResponse HandleOpenApi(const HttpRequest& req);
  HttpResponse HandleToken(const HttpRequest& req);
  // ErrorResponse(s), logging 5xx answers.
  HttpResponse Render(const Status& s, const HttpRequest& req);

  ApiDeps deps_;
  Authenticator auth_;
  Router router_;
  WorkerPool pool_;
  WorkerPool download_pool_;  // fetches of streamed downloads (ApiDeps::download_pool)
  std::atomic<int> downloads_active_{0};
};

}  // namespace fluxo
