// The web console's static files (web/), embedded in the binary at build time (embed.cmake).
//
// ServeConsole answers GET / (the console's index.html) and GET /console/<file> (its scripts,
// styles and vendored libraries) with the file's content type, an ETag (304 on If-None-Match),
// `Cache-Control: no-cache` (revalidate every time: names are not content-hashed) and a strict
// Content-Security-Policy (`default-src 'self'`, no inline script, `frame-ancestors 'none'`).
// Any other path is not the console's: nullopt, so the API answers it. Thread-safe (no state).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "server/http.h"

namespace fluxo::web {

struct EmbeddedAsset {
  const char* url;  // relative to /console/, e.g. "index.html", "vendor/preact.js"
  const unsigned char* data;
  size_t size;
  const char* etag;  // quoted
};

// The generated table (assets_data.cc).
extern const EmbeddedAsset kEmbeddedAssets[];
extern const size_t kEmbeddedAssetCount;

// The asset at `url` (relative to /console/), or nullptr.
const EmbeddedAsset* FindAsset(std::string_view url);

// The Content-Security-Policy every console answer carries.
inline constexpr const char* kConsoleCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

// The answer for a console path (see the file comment), or nullopt for any other path.
std::optional<HttpResponse> ServeConsole(const HttpRequest& req);

}  // namespace fluxo::web
