#include "web/console.h"

#include <string>

namespace fluxo::web {

namespace {

constexpr std::string_view kPrefix = "/console/";

std::string ContentTypeOf(std::string_view url) {
  auto ends = [&](std::string_view ext) {
    return url.size() >= ext.size() && url.substr(url.size() - ext.size()) == ext;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

void AddSecurityHeaders(HttpResponse& res) {
  res.headers.emplace_back("Content-Security-Policy", kConsoleCsp);
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  res.headers.emplace_back("X-Frame-Options", "DENY");
  res.headers.emplace_back("Referrer-Policy", "no-referrer");
}

HttpResponse PlainText(int status, std::string body) {
  HttpResponse res;
  res.status = status;
  res.content_type = "text/plain; charset=utf-8";
  res.body = std::move(body);
  AddSecurityHeaders(res);
  return res;
}

HttpResponse AssetResponse(const EmbeddedAsset& a, const HttpRequest& req) {
  HttpResponse res;
  res.content_type = ContentTypeOf(a.url);
  res.headers.emplace_back("ETag", a.etag);
  res.headers.emplace_back("Cache-Control", "no-cache");
  AddSecurityHeaders(res);
  if (req.Header("if-none-match") == std::optional<std::string>(a.etag)) {
    res.status = 304;
    return res;
  }
  res.body.assign(reinterpret_cast<const char*>(a.data), a.size);
  return res;
}

}  // namespace

const EmbeddedAsset* FindAsset(std::string_view url) {
  for (size_t i = 0; i < kEmbeddedAssetCount; ++i) {
    if (url == kEmbeddedAssets[i].url) return &kEmbeddedAssets[i];
  }
  return nullptr;
}

std::optional<HttpResponse> ServeConsole(const HttpRequest& req) {
  const std::string& path = req.path;
  bool index = path == "/" || path == "/index.html";
  if (!index && path.rfind(kPrefix, 0) != 0) return std::nullopt;
  if (req.method != "GET") {
    HttpResponse res = PlainText(405, "Use GET for the console's files\n");
    res.headers.emplace_back("Allow", "GET");
    return res;
  }
  std::string_view url =
      index ? std::string_view("index.html") : std::string_view(path).substr(kPrefix.size());
  const EmbeddedAsset* a = FindAsset(url);
  if (!a) return PlainText(404, "No console file " + path + "\n");
  return AssetResponse(*a, req);
}

}  // namespace fluxo::web
