// Router: maps (method, path pattern) to a handler. Patterns are '/'-separated with "{name}"
// segments that capture one decoded path segment, e.g. "/connections/{id}/explore". A trailing
// slash on the request path is ignored. Built once at start-up; lookups are thread-safe.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "api/call.h"

namespace fluxo {

using Handler = std::function<Result<HttpResponse>(Call&)>;

// One route: "GET", "/data/foundation/flowservice/flows/{id}".
struct RouteInfo {
  std::string method;
  std::string pattern;
};

class Router {
 public:
  void Add(std::string method, const std::string& pattern, Handler handler);

  enum class Match { kFound, kNoPath, kNoMethod };
  // Finds the handler for (method, path); fills `params` with the captured segments.
  Match Find(const std::string& method, const std::vector<std::string>& segments,
             const Handler** handler, std::vector<std::string>* params) const;
  // The table, in registration order.
  std::vector<RouteInfo> Routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;                // as registered
    std::vector<std::string> segments;  // "{x}" captures
    Handler handler;
  };
  std::vector<Route> routes_;
};

// Splits a raw path into decoded segments ("/a/b%20c/" -> {"a", "b c"}). Fails on bad escapes.
Result<std::vector<std::string>> SplitPath(const std::string& raw_path);

// Registration of each resource family (one file each).
void RegisterSpecRoutes(Router& r, const std::string& base);
void RegisterConnectionRoutes(Router& r, const std::string& base);
void RegisterSourceTargetRoutes(Router& r, const std::string& base);
void RegisterCatalogRoutes(Router& r, const std::string& base);
void RegisterFlowRoutes(Router& r, const std::string& base);
void RegisterRunRoutes(Router& r, const std::string& base);
void RegisterExportRoutes(Router& r, const std::string& base);

}  // namespace fluxo
