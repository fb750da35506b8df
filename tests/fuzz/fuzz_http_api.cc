// The HTTP request path below the socket: any method, target, headers and body through
// ApiService::Handle (auth, routing, query parsing, every handler, the metastore) must give a
// well-formed answer: a status in 100..599, a JSON body that parses whenever the content type
// says JSON, and never a 5xx for input the client alone controls. Half the inputs carry a valid
// token and headers, so the fuzzer reaches the handlers, not only the gateway checks.
//
// Input layout: byte 0 picks the method, byte 1 the route prefix and whether to authenticate;
// the rest is "target\nheader: value\n...\n\nbody".
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "api/service.h"
#include "base/json.h"
#include "connectors/registry.h"
#include "lake/lake.h"
#include "metastore/sqlite/sqlite_metastore.h"
#include "objstore/memory_object_store.h"
#include "secrets/master_key.h"

namespace {

using namespace fluxo;  // NOLINT(google-build-using-namespace): a fuzz target's local glue

struct World {
  std::unique_ptr<MetaStore> store;
  MasterKey key = MasterKey::Generate();
  MemoryObjectStore objects;
  std::unique_ptr<Lake> lake;
  std::unique_ptr<ConnectorRegistry> connectors = BuiltinConnectors();
  std::unique_ptr<ApiService> api;
  std::string client_id, org, token;
};

[[noreturn]] void Die(const Status& s) {
  std::fprintf(stderr, "fuzz_http_api: cannot set up: %s\n", s.ToString().c_str());
  abort();
}

World& TheWorld() {
  static World* w = [] {
    spdlog::set_level(spdlog::level::err);
    auto* w = new World();
    std::string dir =
        std::filesystem::temp_directory_path() / ("fluxo-fuzz-http-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    static std::string to_remove = dir;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(to_remove, ec);
    });
    auto store = OpenSqliteMetaStore(dir + "/meta.db");
    if (!store.ok()) Die(store.status());
    w->store = std::move(store).value();
    if (Status m = w->store->Migrate(); !m.ok()) Die(m);
    w->lake = std::make_unique<Lake>(&w->objects, w->store.get());
    ApiDeps deps;
    deps.store = w->store.get();
    deps.master_key = &w->key;
    deps.token_key = DeriveKey(w->key, kKeyPurposeTokenSigning);
    deps.connectors = w->connectors.get();
    deps.lake = w->lake.get();
    deps.allow_paths = {dir};
    w->api = std::make_unique<ApiService>(deps);
    auto client = w->api->authenticator().CreateClient("F0220000000000000000000A@AdobeOrg", "fuzz");
    if (!client.ok()) Die(client.status());
    auto token = w->api->authenticator().IssueToken(client->client_id, client->client_secret);
    if (!token.ok()) Die(token.status());
    w->client_id = client->client_id;
    w->org = client->org;
    w->token = token->access_token;
    return w;
  }();
  return *w;
}

constexpr const char* kMethods[] = {"GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS"};
constexpr const char* kPrefixes[] = {
    "/data/foundation/flowservice/",
    "/data/foundation/flowservice/flows",
    "/data/foundation/flowservice/runs",
    "/data/foundation/flowservice/connections",
    "/data/foundation/catalog/dataSets",
    "/data/foundation/catalog/batches",
    "/data/foundation/export/batches/",
    "/ims/token/v3",
    "/data/foundation/flowservice/sourceConnections",
    "/data/foundation/flowservice/targetConnections",
    "/data/foundation/flowservice/connectionSpecs",
    "",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  World& w = TheWorld();
  HttpRequest req;
  req.method = kMethods[data[0] % 7];
  bool authenticate = (data[1] & 0x80) != 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  size_t eol = rest.find('\n');
  req.target = std::string(kPrefixes[(data[1] & 0x7f) % 12]) + std::string(rest.substr(0, eol));
  size_t q = req.target.find('?');
  req.path = req.target.substr(0, q);
  req.query = q == std::string::npos ? "" : req.target.substr(q + 1);
  if (authenticate) {
    req.headers = {{"authorization", "Bearer " + w.token},
                   {"x-api-key", w.client_id},
                   {"x-gw-ims-org-id", w.org},
                   {"x-sandbox-name", "prod"}};
  }
  if (eol != std::string_view::npos) {
    std::string_view tail = rest.substr(eol + 1);
    size_t end_headers = tail.find("\n\n");
    std::string_view headers = tail.substr(0, end_headers);
    while (!headers.empty()) {
      size_t nl = headers.find('\n');
      std::string_view line = headers.substr(0, nl);
      size_t colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string name(line.substr(0, colon));
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        req.headers.emplace_back(std::move(name), std::string(value));
      }
      if (nl == std::string_view::npos) break;
      headers.remove_prefix(nl + 1);
    }
    if (end_headers != std::string_view::npos) req.body = std::string(tail.substr(end_headers + 2));
  }
  req.remote = "127.0.0.1:1";
  req.request_id = "fuzz";
  HttpResponse resp = w.api->Handle(req);
  if (resp.status < 100 || resp.status > 599) abort();
  if (resp.status >= 500 && resp.status != 503) {
    // Only a dependency being down may answer 5xx; the fuzzer's bytes alone must not.
    abort();
  }
  if (resp.content_type.rfind("application/json", 0) == 0 && !resp.body.empty()) {
    boost::system::error_code ec;
    (void)json::parse(resp.body, ec);
    if (ec) abort();
  }
  return 0;
}
