// ApiService: the whole HTTP surface of fluxo (Flow Service, Catalog, Data Access, IMS token,
// health). Turns an HttpRequest into an HttpResponse; thread-safe after construction.
#pragma once

#include <memory>

#include "api/call.h"
#include "api/router.h"
#include "auth/authenticator.h"

namespace fluxo {

class ApiService {
 public:
  explicit ApiService(ApiDeps deps);
  HttpResponse Handle(const HttpRequest& req);

  Authenticator& authenticator() { return auth_; }

 private:
  HttpResponse Dispatch(const HttpRequest& req);
  HttpResponse HandleToken(const HttpRequest& req);
  HttpResponse Render(const ApiError& e, const HttpRequest& req);

  ApiDeps deps_;
  Authenticator auth_;
  Router router_;
};

}  // namespace fluxo
