// Authenticator: API clients, access tokens and the (org, sandbox) scope of every call.
//
// Knows nothing of HTTP: it reports why a check failed (AuthFailure) and src/api maps that onto
// the gateway error shapes of CONTRACT.md. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "base/clock.h"
#include "base/status.h"
#include "metastore/metastore.h"

namespace fluxo {

struct AuthPrincipal {
  std::string client_id;
  std::string org;
  std::string sandbox_name;
  std::string sandbox_id;
};

enum class AuthFailure {
  kTokenMissing,    // no Authorization: Bearer header
  kTokenInvalid,    // bad signature, malformed, expired, or the client no longer exists
  kApiKeyMissing,   // no x-api-key
  kApiKeyMismatch,  // x-api-key is not the token's client
  kOrgMissing,      // no x-gw-ims-org-id
  kOrgMismatch,     // x-gw-ims-org-id is not the token's org
  kSandboxMissing,  // no x-sandbox-name
  kSandboxUnknown,  // the org has no such sandbox
};

struct AuthError {
  AuthFailure reason;
  std::string message;  // names the header at fault
};

// The headers an AEP-surface call authenticates with; nullopt when absent.
struct AuthHeaders {
  std::optional<std::string> authorization;
  std::optional<std::string> api_key;
  std::optional<std::string> org;
  std::optional<std::string> sandbox;
};

struct IssuedToken {
  std::string access_token;
  int64_t expires_in = 0;  // seconds
};

struct NewClient {
  std::string client_id;
  std::string client_secret;  // shown once; only its hash is stored
  std::string org;
};

class Authenticator {
 public:
  // `token_key`: HMAC-SHA256 key for access tokens. `ttl_seconds`: token lifetime.
  Authenticator(MetaStore* store, std::string token_key, const Clock* clock, int64_t ttl_seconds);

  // Client-credentials grant. Unauthenticated when the client is unknown or the secret is wrong
  // (the same message for both, so ids cannot be probed).
  Result<IssuedToken> IssueToken(const std::string& client_id, const std::string& client_secret);

  // Checks token, api key, org and sandbox, in that order.
  std::variant<AuthPrincipal, AuthError> Check(const AuthHeaders& headers) const;

  // Creates a client of `org` (and the org's `prod` sandbox when missing).
  Result<NewClient> CreateClient(const std::string& org, const std::string& name);
  // Creates sandbox `name` in `org`. AlreadyExists when taken; InvalidArgument for a bad name.
  Status CreateSandbox(const std::string& org, const std::string& name);

 private:
  Status EnsureSandbox(const std::string& org, const std::string& name);

  MetaStore* store_;
  std::string token_key_;
  const Clock* clock_;
  int64_t ttl_seconds_;
};

}  // namespace fluxo
