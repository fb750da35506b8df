#include "connectors/rest/rest_connector.h"

#include <set>

#include "connectors/rest/rest_source.h"

namespace fluxo::connectors::rest {

Result<AuthKind> AuthKindFor(const ConnectionSpec& spec, const std::string& auth_spec_name,
                             const json::object& auth_params) {
  if (!auth_spec_name.empty()) {
    const AuthSpec* a = FindAuthSpec(spec, auth_spec_name);
    if (a == nullptr) {
      return Status::InvalidArgument("auth.specName " + auth_spec_name + " names no auth spec of " +
                                     spec.name);
    }
    return AuthKindOf(a->type);
  }
  for (const AuthSpec& a : spec.auth_specs) {
    if (spec.auth_specs.size() == 1) return AuthKindOf(a.type);
    if (!ValidateParams(a.params, auth_params, "auth.params").ok()) continue;
    auto kind = AuthKindOf(a.type);
    Redactor unused;
    if (kind.ok() && RestAuth::Make(*kind, auth_params, &unused).ok()) return kind;
  }
  return Status::InvalidArgument("the connection's auth.params match none of the auth specs of " +
                                 spec.name);
}

Result<RestSpec> RestSpecFor(const ConnectionSpec& spec, const json::object& source_params) {
  if (!spec.rest_attributes.empty()) {
    return DecodeRestSpec(spec.rest_attributes, "sourceSpec.attributes");
  }
  return DecodeRestSpec(source_params, "params");
}

namespace {

// Names a placeholder may use: params of sourceSpec.spec (dotted into objects), of any auth
// spec, and the window.
bool KnownName(const ConnectionSpec& spec, const std::string& name) {
  for (const std::string& w : WindowPlaceholderNames()) {
    if (w == name) return true;
  }
  std::string head = name.substr(0, name.find('.'));
  if (FindParam(spec.source_params, head)) return true;
  for (const AuthSpec& a : spec.auth_specs) {
    if (FindParam(a.params, head)) return true;
  }
  return false;
}

class RestConnector : public Connector {
 public:
  std::string name() const override { return "rest"; }
  std::string spec_id() const override { return Spec().id; }
  const ConnectionSpec* spec() const override { return &Spec(); }

  Result<std::unique_ptr<Source>> NewSource(const SourceConfig& config) override {
    if (config.connection.spec == nullptr) return Status::Internal("REST source without a spec");
    ASSIGN_OR_RETURN(RestSpec spec, RestSpecFor(*config.connection.spec, config.params));
    return std::unique_ptr<Source>(new RestSource(std::move(spec), config));
  }

  // With an authorizationTestUrl among the auth params: GETs it with the credentials and wants
  // a 2xx. Without one: checks the credentials can be applied (fetches an OAuth token).
  Status Test(const ConnectionConfig& config) override {
    if (config.spec == nullptr) return Status::Internal("REST connection without a spec");
    ASSIGN_OR_RETURN(AuthKind kind,
                     AuthKindFor(*config.spec, config.auth_spec_name, config.auth_params));
    Redactor redact;
    ASSIGN_OR_RETURN(RestAuth auth, RestAuth::Make(kind, config.auth_params, &redact));
    std::string url = GetString(config.auth_params, "authorizationTestUrl").value_or("");
    HttpClient client(config.connect_timeout_s, 30, 1 << 20);
    RetryPolicy policy{.max_attempts = 2, .base_delay_ms = 200, .max_delay_ms = 2000};
    RateLimiter limiter(0);
    SleepFn sleep = CancellableSleep(nullptr);
    HttpCall call;
    call.url = url;
    RETURN_IF_ERROR(auth.EnsureToken(client, policy, limiter, sleep, &redact, std::time(nullptr)));
    RETURN_IF_ERROR(auth.Apply(&call));
    if (url.empty()) return Status::OK();
    ASSIGN_OR_RETURN(HttpAnswer r, SendWithRetry(client, call, policy, limiter, sleep, redact));
    if (r.status < 200 || r.status >= 300) {
      return Status::PermissionDenied("GET " + redact(url) + " answered HTTP " +
                                      std::to_string(r.status) + ": " + Excerpt(redact(r.body)));
    }
    return Status::OK();
  }

  Result<json::value> Explore(const ConnectionConfig&, const std::string&,
                              const std::string&) override {
    return Status::FailedPrecondition(
        "REST connection specs do not offer explore (it is not in their permittedOperations): "
        "the records' columns come from the first page of a run");
  }
};

}  // namespace

Status ValidateCustomSourceSpec(const ConnectionSpec& spec) {
  for (size_t i = 0; i < spec.auth_specs.size(); ++i) {
    auto kind = AuthKindOf(spec.auth_specs[i].type);
    if (!kind.ok()) {
      return Status::InvalidArgument("authSpec[" + std::to_string(i) + "].type " +
                                     kind.status().message());
    }
    for (const std::string& p : RequiredAuthParams(*kind)) {
      if (!FindParam(spec.auth_specs[i].params, p)) {
        return Status::InvalidArgument("authSpec[" + std::to_string(i) + "].spec.properties." + p +
                                       " is required by auth type " + spec.auth_specs[i].type);
      }
    }
  }
  ASSIGN_OR_RETURN(RestSpec rs, DecodeRestSpec(spec.rest_attributes, "sourceSpec.attributes"));
  for (const auto& [where, text] : TemplateTexts(rs)) {
    std::string at = "sourceSpec.attributes." + where;
    ASSIGN_OR_RETURN(std::vector<std::string> names, Placeholders(text, at));
    for (const std::string& n : names) {
      if (!KnownName(spec, n)) {
        return Status::InvalidArgument(at + ": placeholder ${" + n +
                                       "} names no parameter of sourceSpec.spec, authSpec or "
                                       "the window");
      }
    }
  }
  return Status::OK();
}

std::unique_ptr<Connector> NewConnector() { return std::make_unique<RestConnector>(); }

}  // namespace fluxo::connectors::rest
