#include "auth/authenticator.h"

#include "auth/client_secret.h"
#include "auth/jwt.h"
#include "base/ids.h"

namespace fluxo {

namespace {

// Org and sandbox names become folders of the lake (<org>/<sandbox>/...): they start with a
// letter or a digit, so ".", ".." and hidden names are never one.
bool ValidName(const std::string& s, size_t max) {
  if (s.empty() || s.size() > max) return false;
  if (!std::isalnum(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '@' ||
          c == '.')) {
      return false;
    }
  }
  return true;
}

constexpr const char* kOrgRule =
    "--org: 1-128 characters of letters, digits, - _ @ ., the first a letter or a digit (so "
    "never . or ..)";

}  // namespace

Authenticator::Authenticator(MetaStore* store, std::string token_key, const Clock* clock,
                             int64_t ttl_seconds)
    : store_(store), token_key_(std::move(token_key)), clock_(clock), ttl_seconds_(ttl_seconds) {}

Result<IssuedToken> Authenticator::IssueToken(const std::string& client_id,
                                              const std::string& client_secret) {
  ASSIGN_OR_RETURN(auto client, store_->FindClient(client_id));
  if (!client || !VerifyClientSecret(client_secret, client->secret_hash)) {
    return Status::Unauthenticated("invalid client_id or client_secret");
  }
  TokenClaims claims;
  claims.client_id = client->client_id;
  claims.org = client->org;
  claims.issued_at = clock_->NowSeconds();
  claims.expires_at = claims.issued_at + ttl_seconds_;
  claims.token_id = NewUuid();
  return IssuedToken{SignToken(token_key_, claims), ttl_seconds_};
}

std::variant<AuthPrincipal, AuthError> Authenticator::Check(const AuthHeaders& h) const {
  if (!h.authorization || h.authorization->empty()) {
    return AuthError{AuthFailure::kTokenMissing,
                     "Authorization header with a Bearer token is missing"};
  }
  std::string auth = *h.authorization;
  const std::string kBearer = "bearer ";
  if (auth.size() <= kBearer.size() ||
      !std::equal(kBearer.begin(), kBearer.end(), auth.begin(), [](char a, char b) {
        return a == std::tolower(static_cast<unsigned char>(b));
      })) {
    return AuthError{AuthFailure::kTokenInvalid, "Authorization header is not a Bearer token"};
  }
  std::string token = auth.substr(kBearer.size());
  while (!token.empty() && token.front() == ' ') token.erase(token.begin());
  auto claims = VerifyToken(token_key_, token, clock_->NowSeconds());
  if (!claims.ok()) return AuthError{AuthFailure::kTokenInvalid, "Oauth token is not valid"};
  if (!h.api_key || h.api_key->empty()) {
    return AuthError{AuthFailure::kApiKeyMissing, "Api Key is required (header x-api-key)"};
  }
  if (*h.api_key != claims->client_id) {
    return AuthError{AuthFailure::kApiKeyMismatch,
                     "Api Key is invalid: x-api-key does not match the token's client"};
  }
  if (!h.org || h.org->empty()) {
    return AuthError{AuthFailure::kOrgMissing, "Header x-gw-ims-org-id is required"};
  }
  if (*h.org != claims->org) {
    return AuthError{AuthFailure::kOrgMismatch,
                     "x-gw-ims-org-id " + *h.org + " is not the organization of the token"};
  }
  std::string sandbox = h.sandbox && !h.sandbox->empty() ? *h.sandbox : "";
  if (sandbox.empty()) {
    return AuthError{AuthFailure::kSandboxMissing, "Header x-sandbox-name is required"};
  }
  auto sb = store_->FindSandbox(claims->org, sandbox);
  if (!sb.ok() || !*sb) {
    return AuthError{
        AuthFailure::kSandboxUnknown,
        "x-sandbox-name " + sandbox + " is not a sandbox of organization " + claims->org};
  }
  // The client must still exist (a deleted client's tokens stop working).
  auto client = store_->FindClient(claims->client_id);
  if (!client.ok() || !*client)
    return AuthError{AuthFailure::kTokenInvalid, "Oauth token is not valid"};
  return AuthPrincipal{claims->client_id, claims->org, sandbox, (*sb)->id};
}

Status Authenticator::EnsureSandbox(const std::string& org, const std::string& name) {
  ASSIGN_OR_RETURN(auto existing, store_->FindSandbox(org, name));
  if (existing) return Status::OK();
  Status s = store_->CreateSandbox({org, name, NewUuid(), clock_->NowMillis()});
  return s.code() == StatusCode::kAlreadyExists ? Status::OK() : s;
}

Result<NewClient> Authenticator::CreateClient(const std::string& org, const std::string& name) {
  if (!ValidName(org, 128)) {
    return Status::InvalidArgument(kOrgRule);
  }
  RETURN_IF_ERROR(EnsureSandbox(org, "prod"));
  NewClient c{NewClientId(), NewClientSecret(), org};
  RETURN_IF_ERROR(store_->CreateClient(
      {c.client_id, HashClientSecret(c.client_secret), org, name, clock_->NowMillis()}));
  return c;
}

Status Authenticator::CreateSandbox(const std::string& org, const std::string& name) {
  if (!ValidName(org, 128)) return Status::InvalidArgument(kOrgRule);
  if (!ValidName(name, 64)) {
    return Status::InvalidArgument(
        "sandbox name: 1-64 characters of letters, digits, - _ ., the "
        "first a letter or a digit (so never . or ..)");
  }
  RETURN_IF_ERROR(EnsureSandbox(org, "prod"));
  return store_->CreateSandbox({org, name, NewUuid(), clock_->NowMillis()});
}

}  // namespace fluxo
