// ApiClient: the CLI's client of a fluxo (or AEP Flow Service) server over HTTP (libcurl).
//
// Credentials (`Login`) come, first match wins, from: the flags (--client-id, --client-secret,
// --org, --sandbox) or their FLUXO_CLIENT_ID / FLUXO_CLIENT_SECRET / FLUXO_ORG_ID /
// FLUXO_SANDBOX variables; the file named by --credentials (FLUXO_CREDENTIALS); the login file
// `fluxo login` writes (LoginFilePath()); <data>/credentials.json (--data, default
// ./fluxo-data, the file `fluxo serve` writes on first start). The server URL: --server
// (FLUXO_SERVER), else the login file's, else http://127.0.0.1:8080.
//
// Thread safety: one ApiClient per thread.
#pragma once

#include <string>

#include "base/json.h"
#include "base/status.h"

namespace fluxo {

struct Login {
  std::string server;  // "http://127.0.0.1:8080"
  std::string client_id, client_secret, org, sandbox = "prod";
  std::string source;  // where the credentials were found (for messages)
};

struct LoginFlags {
  std::string server, client_id, client_secret, org, sandbox, credentials_file;
  std::string data_dir = "./fluxo-data";
};

// The login file: $FLUXO_CONFIG_DIR/login.json, else $XDG_CONFIG_HOME/fluxo/login.json, else
// $HOME/.config/fluxo/login.json.
std::string LoginFilePath();

// Resolves credentials as described above. InvalidArgument naming what is missing.
Result<Login> ResolveLogin(const LoginFlags& flags);

// Writes `login` to LoginFilePath() (0600, its folder 0700).
Status SaveLogin(const Login& login);

struct ApiReply {
  int status = 0;
  json::value body;  // parsed JSON (null when the body is empty or not JSON)
  std::string text;  // the raw body
};

class ApiClient {
 public:
  explicit ApiClient(Login login) : login_(std::move(login)) {}

  // Fetches an access token (POST /ims/token/v3). Unauthenticated with the server's message when
  // the credentials are refused; Unavailable when the server cannot be reached.
  Status Authenticate();

  // One authenticated call; `path` is relative to the server ("/data/foundation/..."). A reply
  // with any HTTP status is OK; only transport failures are errors (Unavailable).
  Result<ApiReply> Call(const std::string& method, const std::string& path,
                        const json::value* body = nullptr);

  const Login& login() const { return login_; }

 private:
  Result<ApiReply> Send(const std::string& method, const std::string& url,
                        const std::vector<std::string>& headers, const std::string& body);
  Login login_;
  std::string token_;
};

// The human message of an error reply: the envelope's errorMessage, the gateway's message, or
// the raw text; prefixed with the HTTP status ("400: params.windowEndTime must be ...").
std::string ReplyMessage(const ApiReply& reply);

}  // namespace fluxo
