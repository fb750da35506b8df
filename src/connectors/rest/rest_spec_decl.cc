// The "Generic REST API" connection spec, as served by GET /connectionSpecs: declared here, next
// to the code that reads it. Its source connections describe the request in their params, with
// the same fields as an AEP self-serve sourceSpec.attributes (rest_spec.h).
#include "connectors/rest/rest_connector.h"
#include "model/spec_ids.h"

namespace fluxo::connectors::rest {
namespace {

ParamSpec Text(std::string name, std::string description, bool required = false,
               bool secret = false) {
  return {.name = std::move(name),
          .type = ParamType::kString,
          .required = required,
          .secret = secret,
          .description = std::move(description),
          .min_length = required ? std::optional<int64_t>(1) : std::nullopt};
}

// A URL the credentials are sent to: a PATCH changing it must give the secrets again.
ParamSpec Peer(ParamSpec p) {
  p.addresses_peer = true;
  return p;
}

ParamSpec TestUrl() {
  return Peer(Text("authorizationTestUrl",
                   "URL that GET /connections/{id}/test requests with these credentials "
                   "(optional)."));
}

ParamSpec Object(std::string name, std::string description, bool required = false) {
  return {.name = std::move(name),
          .type = ParamType::kObject,
          .required = required,
          .description = std::move(description),
          .additional_properties = true};
}

std::vector<AuthSpec> AuthSpecs() {
  return {
      {.name = "Basic Authentication",
       .type = "BasicAuthentication",
       .description = "HTTP Basic authentication.",
       .params = {Text("username", "User name.", true), Text("password", "Password.", true, true),
                  TestUrl()}},
      {.name = "API Key",
       .type = "ApiKey",
       .description = "An API key sent in a header or a query parameter.",
       .params = {Text("apiKey", "The key.", true, true),
                  Text("apiKeyName", "Header or query parameter name (default X-API-Key)."),
                  {.name = "apiKeyLocation",
                   .type = ParamType::kString,
                   .default_value = json::value("header"),
                   .description = "Where the key is sent.",
                   .enum_values = {"header", "query"}},
                  TestUrl()}},
      {.name = "Bearer Token",
       .type = "BearerToken",
       .description = "A static bearer token (Authorization: Bearer).",
       .params = {Text("token", "The token.", true, true), TestUrl()}},
      {.name = "OAuth2 Refresh Code",
       .type = "OAuth2RefreshCode",
       .description = "OAuth 2 with a refresh token; the access token is refreshed before it "
                      "expires.",
       .params = {Text("accessToken", "Current access token (optional).", false, true),
                  Text("refreshToken", "Refresh token.", false, true),
                  Text("clientId", "OAuth client id."),
                  Text("clientSecret", "OAuth client secret.", false, true),
                  Peer(Text("accessTokenUrl", "Token endpoint.")),
                  Text("expirationDate", "Expiry of accessToken (ISO 8601 or epoch seconds)."),
                  TestUrl()}},
      {.name = "OAuth2 Client Credential",
       .type = "OAuth2ClientCredential",
       .description = "OAuth 2 client credentials grant.",
       .params = {Text("clientId", "OAuth client id.", true),
                  Text("clientSecret", "OAuth client secret.", true, true),
                  Peer(Text("accessTokenUrl", "Token endpoint.", true)), Text("scope", "Scope."),
                  TestUrl()}},
      {.name = "No Authentication",
       .type = "None",
       .description = "A public API.",
       .params = {TestUrl()}},
  };
}

std::vector<ParamSpec> SourceParams() {
  return {
      Object("urlParams", "host, path, method (GET or POST), queryParams.", true),
      Object("headerParams", "Request headers (values may hold placeholders)."),
      Object("bodyParams", "JSON body of POST requests (string values may hold placeholders)."),
      Object("contentPath",
             "path (JSONPath to the records), skipAttributes, keepAttributes, "
             "overrideWrappingAttribute."),
      Object("paginationParams",
             "type OFFSET, POINTER, CONTINUATION_TOKEN, PAGE or NONE and "
             "its fields."),
      Object("scheduleParams",
             "scheduleStartParamName, scheduleEndParamName and their formats: "
             "the run's window sent as query parameters."),
      Object("fluxo",
             "fluxo's additions: maxPages, requestsPerSecond, timeoutSeconds, retry "
             "{maxAttempts, baseDelayMillis, maxDelayMillis}, columns [{name, type}]."),
      Object("variables", "Values for placeholders (${variables.name})."),
  };
}

ConnectionSpec Declare() {
  return {
      .id = std::string(spec_ids::kGenericRest),
      .name = "Generic REST API",
      .provider_id = std::string(spec_ids::kFluxoProviderId),
      .version = "1.0",
      .description =
          "Reads JSON records of any REST API; the request, pagination and window "
          "parameters are described in the source connection (AEP self-serve "
          "sourceSpec fields).",
      .category = SpecCategory::kRest,
      .connector = "rest",
      .auth_specs = AuthSpecs(),
      .source_params = SourceParams(),
      .permitted_operations = {"connection", "sourceConnection", "test"},
  };
}

}  // namespace

const ConnectionSpec& Spec() {
  static const ConnectionSpec spec = Declare();
  return spec;
}

}  // namespace fluxo::connectors::rest
