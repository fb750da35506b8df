// How the REST source authenticates, chosen by the auth spec's `type` (case-insensitive):
//   BasicAuthentication         username, password -> Authorization: Basic
//   ApiKey                      apiKey; apiKeyName (default X-API-Key), apiKeyLocation
//                               header (default) | query
//   BearerToken                 token (or accessToken) -> Authorization: Bearer
//   OAuth2RefreshCode           accessToken (optional), refreshToken, clientId, clientSecret,
//                               accessTokenUrl, expirationDate (optional, ISO 8601 or epoch s)
//   OAuth2ClientCredential      clientId, clientSecret, accessTokenUrl, scope (optional)
//   None                        nothing is added (placeholders may still use auth params)
// OAuth tokens are fetched with a form POST to accessTokenUrl (grant_type refresh_token or
// client_credentials) and refreshed when absent, within 60 s of expiry (expires_in), or after a
// 401. An Authorization (or API key) header the spec's headerParams already set is left alone.
//
// One RestAuth per reader; not thread-safe. Secrets (params and fetched tokens) are added to the
// Redactor so that no message carries them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "connectors/rest/http_client.h"

namespace fluxo::connectors::rest {

enum class AuthKind { kNone, kBasic, kApiKey, kBearer, kOAuth2Refresh, kOAuth2Client };

// The kind named by an auth spec type; InvalidArgument listing the accepted types otherwise.
Result<AuthKind> AuthKindOf(std::string_view type);
// The params each kind requires (for spec validation): e.g. {"username", "password"}.
std::vector<std::string> RequiredAuthParams(AuthKind kind);

class RestAuth {
 public:
  RestAuth() = default;
  // `params` are the decrypted auth params; InvalidArgument naming "auth.params.X" when one
  // the kind needs is missing.
  static Result<RestAuth> Make(AuthKind kind, const json::object& params, Redactor* redact);

  // Adds the credentials to `call`. REQUIRES: EnsureToken succeeded just before (OAuth kinds).
  Status Apply(HttpCall* call) const;
  // Fetches or refreshes the OAuth token when it is absent or expiring (`now_s`: wall-clock
  // epoch seconds); call it before filling templates (so that {{accessToken}} is the current
  // token) and before Apply. OK for other kinds.
  Status EnsureToken(HttpClient& client, const RetryPolicy& policy, RateLimiter& limiter,
                     const SleepFn& sleep, Redactor* redact, int64_t now_s);
  // The bearer or OAuth token in use ("" for other kinds or before the first fetch).
  const std::string& token() const { return token_; }
  // After a 401: true when a new token can be fetched (the next Apply does it).
  bool Invalidate();
  AuthKind kind() const { return kind_; }

 private:
  Status FetchToken(HttpClient& client, const RetryPolicy& policy, RateLimiter& limiter,
                    const SleepFn& sleep, Redactor* redact, int64_t now_s);

  AuthKind kind_ = AuthKind::kNone;
  std::string user_, password_;
  std::string key_, key_name_ = "X-API-Key";
  bool key_in_query_ = false;
  std::string token_;
  int64_t token_expiry_s_ = 0;  // 0: unknown (used until a 401)
  std::string refresh_token_, client_id_, client_secret_, token_url_, scope_;
};

// RFC 3986 percent-encoding of everything but unreserved characters.
std::string PercentEncode(std::string_view s);

}  // namespace fluxo::connectors::rest
