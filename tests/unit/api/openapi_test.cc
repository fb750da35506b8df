// /openapi.json documents exactly the routes ApiService answers: the test reads the route table
// (ApiService::Routes(), built from the real registrations) and the served document, and fails
// on a route the document does not list, or a documented route the server does not serve.
#include "api/openapi.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "api/service.h"

namespace fluxo {
namespace {

// "/flows/{id}" and "/flows/{flowId}" are the same route.
std::string Normalize(const std::string& method, const std::string& path) {
  std::string m = method;
  for (auto& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return m + " " + std::regex_replace(path, std::regex(R"(\{[^}]*\})"), "{}");
}

json::value ServedDocument(ApiService& service) {
  HttpRequest req;
  req.method = "GET";
  req.path = req.target = "/openapi.json";
  HttpResponse res = service.Handle(req);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.content_type, "application/json");
  auto doc = ParseJson(res.body);
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
  return doc.ok() ? *doc : json::value();
}

std::set<std::string> Documented(const json::value& doc) {
  std::set<std::string> out;
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [method, op] : item.as_object()) {
      out.insert(Normalize(std::string(method), std::string(path)));
    }
  }
  return out;
}

TEST(OpenApi, EveryServedRouteIsDocumentedAndEveryDocumentedRouteIsServed) {
  ApiService service{ApiDeps{}};
  std::set<std::string> served;
  for (const RouteInfo& r : service.Routes()) served.insert(Normalize(r.method, r.pattern));
  ASSERT_GT(served.size(), 40u);  // the table is really read
  std::set<std::string> documented = Documented(ServedDocument(service));
  for (const auto& r : served) EXPECT_TRUE(documented.count(r)) << "not in api/openapi.json: " << r;
  for (const auto& d : documented) EXPECT_TRUE(served.count(d)) << "documented, not served: " << d;
}

TEST(OpenApi, TheServedDocumentIsTheRepositoryFile) {
  std::ifstream in(FLUXO_OPENAPI_FILE);
  std::stringstream file;
  file << in.rdbuf();
  EXPECT_EQ(std::string(OpenApiDocument()), file.str());
}

TEST(OpenApi, OperationsHaveResponsesAndBodiesAndErrorsUseTheEnvelope) {
  ApiService service{ApiDeps{}};
  json::value doc = ServedDocument(service);
  EXPECT_EQ(std::string(doc.at("openapi").as_string()).substr(0, 2), "3.");
  const auto& schemas = doc.at("components").at("schemas").as_object();
  ASSERT_TRUE(schemas.contains("Error"));
  ASSERT_TRUE(schemas.contains("GatewayError"));
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [method, op] : item.as_object()) {
      std::string where = std::string(method) + " " + std::string(path);
      ASSERT_TRUE(op.as_object().contains("responses")) << where;
      EXPECT_FALSE(op.at("responses").as_object().empty()) << where;
      bool is_action = std::string(path).find("/action") != std::string::npos;
      if ((method == "post" || method == "patch") && !is_action) {
        EXPECT_TRUE(op.as_object().contains("requestBody")) << where;
      }
      if (std::string(path).rfind("/data/foundation/", 0) == 0) {
        EXPECT_TRUE(op.at("responses").as_object().contains("401")) << where;
      }
    }
  }
  // Every $ref resolves.
  std::string text = json::serialize(doc);
  std::regex ref(R"re("\$ref":"#/components/(\w+)/(\w+)")re");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), ref); it != std::sregex_iterator();
       ++it) {
    const auto& group = doc.at("components").as_object();
    ASSERT_TRUE(group.contains((*it)[1].str())) << (*it)[0];
    EXPECT_TRUE(group.at((*it)[1].str()).as_object().contains((*it)[2].str())) << (*it)[0];
  }
}

}  // namespace
}  // namespace fluxo
