#include "connectors/rest/auth.h"

#include <openssl/evp.h>

#include "base/date_format.h"
#include "base/strings.h"

namespace fluxo::connectors::rest {
namespace {

constexpr int64_t kRefreshMarginS = 60;

std::string Base64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string Param(const json::object& p, std::string_view key) {
  const json::value* v = p.if_contains(key);
  if (v == nullptr || v->is_null()) return "";
  if (v->is_string()) return std::string(v->get_string());
  return json::serialize(*v);
}

Status Need(const json::object& p, std::string_view key, std::string* out) {
  *out = Param(p, key);
  if (out->empty())
    return Status::InvalidArgument("auth.params." + std::string(key) + " is required");
  return Status::OK();
}

bool HasHeader(const HttpCall& call, std::string_view name) {
  std::string n = Lower(name);
  for (const auto& [k, v] : call.headers) {
    if (Lower(k) == n) return true;
  }
  return false;
}

int64_t ParseExpiry(const std::string& text) {
  if (text.empty()) return 0;
  if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
      text.size() <= 12) {
    int64_t v = std::stoll(text);
    return v > 100000000000 ? v / 1000 : v;  // epoch ms or s
  }
  auto us = ParseIsoTimestampMicros(text);
  return us.ok() ? *us / 1000000 : 0;
}

void AppendQuery(std::string* url, const std::string& name, const std::string& value) {
  *url += url->find('?') == std::string::npos ? '?' : '&';
  *url += PercentEncode(name) + "=" + PercentEncode(value);
}

}  // namespace

std::string PercentEncode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

Result<AuthKind> AuthKindOf(std::string_view type) {
  std::string t = Lower(type);
  if (t == "basicauthentication" || t == "basic") return AuthKind::kBasic;
  if (t == "apikey" || t == "keybased" || t == "apikeyauthentication") return AuthKind::kApiKey;
  if (t == "bearertoken" || t == "bearer" || t == "token") return AuthKind::kBearer;
  if (t == "oauth2refreshcode" || t == "oauth2refreshtoken" || t == "oauth2")
    return AuthKind::kOAuth2Refresh;
  if (t == "oauth2clientcredential" || t == "oauth2clientcredentials")
    return AuthKind::kOAuth2Client;
  if (t == "none" || t == "noauth" || t == "anonymous") return AuthKind::kNone;
  return Status::InvalidArgument("'" + std::string(type.substr(0, 60)) +
                                 "' is not a supported auth type (BasicAuthentication, ApiKey, "
                                 "BearerToken, OAuth2RefreshCode, OAuth2ClientCredential, None)");
}

std::vector<std::string> RequiredAuthParams(AuthKind kind) {
  switch (kind) {
    case AuthKind::kNone: return {};
    case AuthKind::kBasic: return {"username", "password"};
    case AuthKind::kApiKey: return {"apiKey"};
    case AuthKind::kBearer: return {};         // token or accessToken
    case AuthKind::kOAuth2Refresh: return {};  // accessToken, or refreshToken + token URL
    case AuthKind::kOAuth2Client: return {"clientId", "clientSecret", "accessTokenUrl"};
  }
  return {};
}

Result<RestAuth> RestAuth::Make(AuthKind kind, const json::object& p, Redactor* redact) {
  RestAuth a;
  a.kind_ = kind;
  switch (kind) {
    case AuthKind::kNone: break;
    case AuthKind::kBasic:
      RETURN_IF_ERROR(Need(p, "username", &a.user_));
      RETURN_IF_ERROR(Need(p, "password", &a.password_));
      break;
    case AuthKind::kApiKey: {
      RETURN_IF_ERROR(Need(p, "apiKey", &a.key_));
      if (std::string n = Param(p, "apiKeyName"); !n.empty()) a.key_name_ = n;
      std::string where = Lower(Param(p, "apiKeyLocation"));
      if (!where.empty() && where != "header" && where != "query") {
        return Status::InvalidArgument("auth.params.apiKeyLocation must be header or query");
      }
      a.key_in_query_ = where == "query";
      break;
    }
    case AuthKind::kBearer:
      a.token_ = Param(p, "token");
      if (a.token_.empty()) a.token_ = Param(p, "accessToken");
      if (a.token_.empty()) return Status::InvalidArgument("auth.params.token is required");
      break;
    case AuthKind::kOAuth2Refresh:
      a.token_ = Param(p, "accessToken");
      a.token_expiry_s_ = ParseExpiry(Param(p, "expirationDate"));
      a.refresh_token_ = Param(p, "refreshToken");
      a.client_id_ = Param(p, "clientId");
      a.client_secret_ = Param(p, "clientSecret");
      a.token_url_ = Param(p, "accessTokenUrl");
      if (a.token_.empty() && a.refresh_token_.empty()) {
        return Status::InvalidArgument(
            "auth.params.accessToken or auth.params.refreshToken is required");
      }
      if (!a.refresh_token_.empty() && a.token_url_.empty()) {
        return Status::InvalidArgument("auth.params.accessTokenUrl is required with refreshToken");
      }
      break;
    case AuthKind::kOAuth2Client:
      RETURN_IF_ERROR(Need(p, "clientId", &a.client_id_));
      RETURN_IF_ERROR(Need(p, "clientSecret", &a.client_secret_));
      RETURN_IF_ERROR(Need(p, "accessTokenUrl", &a.token_url_));
      a.scope_ = Param(p, "scope");
      break;
  }
  for (const std::string* s :
       {&a.password_, &a.key_, &a.token_, &a.refresh_token_, &a.client_secret_}) {
    if (!s->empty()) redact->Add(*s);
  }
  return a;
}

bool RestAuth::Invalidate() {
  bool can = kind_ == AuthKind::kOAuth2Client ||
             (kind_ == AuthKind::kOAuth2Refresh && !refresh_token_.empty());
  if (can) token_.clear();
  return can;
}

Status RestAuth::FetchToken(HttpClient& client, const RetryPolicy& policy, RateLimiter& limiter,
                            const SleepFn& sleep, Redactor* redact, int64_t now_s) {
  HttpCall call;
  call.method = "POST";
  call.url = token_url_;
  call.content_type = "application/x-www-form-urlencoded";
  if (kind_ == AuthKind::kOAuth2Refresh) {
    call.body = "grant_type=refresh_token&refresh_token=" + PercentEncode(refresh_token_);
  } else {
    call.body = "grant_type=client_credentials";
    if (!scope_.empty()) call.body += "&scope=" + PercentEncode(scope_);
  }
  if (!client_id_.empty()) call.body += "&client_id=" + PercentEncode(client_id_);
  if (!client_secret_.empty()) call.body += "&client_secret=" + PercentEncode(client_secret_);
  ASSIGN_OR_RETURN(HttpAnswer r, SendWithRetry(client, call, policy, limiter, sleep, *redact));
  std::string what = "the token request to " + (*redact)(token_url_);
  if (r.status < 200 || r.status >= 300) {
    return Status::PermissionDenied(what + " answered HTTP " + std::to_string(r.status) + ": " +
                                    Excerpt((*redact)(r.body)));
  }
  auto doc = ParseJson(r.body);
  const json::object* o = doc.ok() ? doc->if_object() : nullptr;
  const json::value* tok = o ? o->if_contains("access_token") : nullptr;
  if (tok == nullptr || !tok->is_string() || tok->get_string().empty()) {
    return Status::PermissionDenied(what + " answered no access_token");
  }
  token_ = std::string(tok->get_string());
  redact->Add(token_);
  const json::value* exp = o->if_contains("expires_in");
  std::optional<int64_t> secs = exp ? AsInt64Lenient(*exp) : std::nullopt;
  token_expiry_s_ = secs ? now_s + *secs : 0;
  if (const json::value* rt = o->if_contains("refresh_token"); rt && rt->is_string()) {
    refresh_token_ = std::string(rt->get_string());  // rotated refresh tokens
    redact->Add(refresh_token_);
  }
  return Status::OK();
}

Status RestAuth::EnsureToken(HttpClient& client, const RetryPolicy& policy, RateLimiter& limiter,
                             const SleepFn& sleep, Redactor* redact, int64_t now_s) {
  if (kind_ != AuthKind::kOAuth2Refresh && kind_ != AuthKind::kOAuth2Client) return Status::OK();
  bool can_fetch = kind_ == AuthKind::kOAuth2Client || !refresh_token_.empty();
  bool expiring = token_expiry_s_ > 0 && now_s >= token_expiry_s_ - kRefreshMarginS;
  if (can_fetch && (token_.empty() || expiring)) {
    return FetchToken(client, policy, limiter, sleep, redact, now_s);
  }
  return Status::OK();
}

Status RestAuth::Apply(HttpCall* call) const {
  switch (kind_) {
    case AuthKind::kNone: return Status::OK();
    case AuthKind::kBasic:
      if (!HasHeader(*call, "authorization")) {
        call->headers.emplace_back("Authorization", "Basic " + Base64(user_ + ":" + password_));
      }
      return Status::OK();
    case AuthKind::kApiKey:
      if (key_in_query_) {
        AppendQuery(&call->url, key_name_, key_);
      } else if (!HasHeader(*call, key_name_)) {
        call->headers.emplace_back(key_name_, key_);
      }
      return Status::OK();
    case AuthKind::kBearer: break;
    case AuthKind::kOAuth2Refresh:
    case AuthKind::kOAuth2Client:
      if (token_.empty()) return Status::Internal("RestAuth::Apply before EnsureToken");
      break;
  }
  if (!HasHeader(*call, "authorization"))
    call->headers.emplace_back("Authorization", "Bearer " + token_);
  return Status::OK();
}

}  // namespace fluxo::connectors::rest
