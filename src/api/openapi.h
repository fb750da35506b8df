// fluxo's own OpenAPI 3 document (api/openapi.json in the repository, embedded at build time),
// served at GET /openapi.json. It lists every route ApiService::Routes() answers, with request
// and response schemas and the error shapes; tests/unit/api/openapi_test.cc keeps the two equal.
#pragma once

#include <string_view>

namespace fluxo {

// The document's JSON text. Static storage; thread-safe.
std::string_view OpenApiDocument();

}  // namespace fluxo
