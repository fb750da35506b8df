// Custom (self-serve) connection and flow specs: JSON Schema to ParamSpec, structure checks with
// the JSON path named, and secrets marked by format password.
#include "model/custom_specs.h"

#include <gtest/gtest.h>

#include "model/secrets.h"
#include "model/spec_ids.h"

namespace fluxo {
namespace {

json::object Body() {
  return json::parse(R"({
    "name": "Mail API", "providerId": "0ed90a81-07f4-4586-8190-b40eccef1c5a", "version": "1.0.0",
    "authSpec": [{"name": "Basic Authentication", "type": "BasicAuthentication", "spec": {
      "$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
      "properties": {"domain": {"type": "string", "example": "us6"},
                     "username": {"type": "string"},
                     "password": {"type": "string", "format": "password"},
                     "extra": {"type": "object", "properties": {"n": {"type": "integer", "minimum": 1}}}},
      "required": ["domain", "username", "password"]}}],
    "sourceSpec": {"attributes": {"urlParams": {"host": "https://{{domain}}.api.example.com", "path": "/x", "method": "GET"}},
                   "spec": {"type": "object", "properties": {"listId": {"type": "string", "enum": ["a", "b"]}}, "required": ["listId"]}}
  })")
      .as_object();
}

std::string Error(const json::object& body) {
  auto r = CustomConnectionSpecFromJson(body, "id-1", "org");
  return r.ok() ? "" : r.status().message();
}

TEST(CustomConnectionSpec, ParsesAuthAndSourceSchemas) {
  auto r = CustomConnectionSpecFromJson(Body(), "id-1", "org");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->org, "org");
  EXPECT_EQ(r->connector, "rest");
  EXPECT_TRUE(r->rest_based());
  ASSERT_EQ(r->auth_specs.size(), 1u);
  const auto& params = r->auth_specs[0].params;
  EXPECT_EQ(SecretFieldNames(params), (std::vector<std::string>{"password"}));
  EXPECT_TRUE(FindParam(params, "domain")->required);
  EXPECT_FALSE(FindParam(params, "extra")->required);
  EXPECT_TRUE(FindParam(params, "extra")->additional_properties);
  EXPECT_TRUE(
      ValidateParams(params,
                     json::parse(R"({"domain":"d","username":"u","password":"p"})").as_object(),
                     "auth.params")
          .ok());
  Status bad = ValidateParams(
      params,
      json::parse(R"({"domain":"d","username":"u","password":"p","extra":{"n":0}})").as_object(),
      "auth.params");
  EXPECT_NE(bad.message().find("auth.params.extra.n"), std::string::npos) << bad.message();
  EXPECT_FALSE(
      ValidateSourceConnection(*r, {}, json::parse(R"({"listId": "c"})").as_object()).ok());
  EXPECT_TRUE(ValidateSourceConnection(*r, {}, json::parse(R"({"listId": "a"})").as_object()).ok());
  EXPECT_EQ(r->document.at("name"), "Mail API");
}

TEST(CustomConnectionSpec, ErrorsNameTheJsonPath) {
  json::object b = Body();
  b.erase("name");
  EXPECT_NE(Error(b).find("name is required"), std::string::npos);
  b = Body();
  b["authSpec"] = json::array{};
  EXPECT_NE(Error(b).find("authSpec is required"), std::string::npos);
  b = Body();
  b["authSpec"]
      .as_array()[0]
      .as_object()["spec"]
      .as_object()["properties"]
      .as_object()["username"] = json::object{{"type", "text"}};
  EXPECT_NE(Error(b).find("authSpec[0].spec.properties.username.type"), std::string::npos)
      << Error(b);
  b = Body();
  b["authSpec"].as_array()[0].as_object()["spec"].as_object()["required"] = json::array{"nobody"};
  EXPECT_NE(Error(b).find("authSpec[0].spec.required[0] names no property"), std::string::npos)
      << Error(b);
  b = Body();
  b["sourceSpec"].as_object().erase("attributes");
  EXPECT_NE(Error(b).find("sourceSpec.attributes is required"), std::string::npos);
}

TEST(CustomConnectionSpec, PatternIsEnforcedOrRefused) {
  auto with_pattern = [](json::value pattern, const char* type = "string") {
    json::object b = Body();
    b["sourceSpec"].as_object()["spec"] = json::object{
        {"type", "object"},
        {"properties", {{"listId", {{"type", type}, {"pattern", std::move(pattern)}}}}}};
    return b;
  };
  auto r = CustomConnectionSpecFromJson(with_pattern("^[a-f0-9]{10}$"), "id-1", "org");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(
      ValidateSourceConnection(*r, {}, json::parse(R"({"listId": "5afbdde6ab"})").as_object())
          .ok());
  Status bad =
      ValidateSourceConnection(*r, {}, json::parse(R"({"listId": "5AFBDDE6AB"})").as_object());
  EXPECT_NE(bad.message().find("params.listId must match the pattern"), std::string::npos)
      << bad.message();
  // Unanchored, as JSON Schema says.
  r = CustomConnectionSpecFromJson(with_pattern("[0-9]"), "id-1", "org");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(
      ValidateSourceConnection(*r, {}, json::parse(R"({"listId": "ab1"})").as_object()).ok());
  EXPECT_NE(Error(with_pattern("(?=x)y"))
                .find("sourceSpec.spec.properties.listId.pattern is not a "
                      "supported regular expression"),
            std::string::npos)
      << Error(with_pattern("(?=x)y"));
  EXPECT_NE(Error(with_pattern(1)).find("listId.pattern must be a string"), std::string::npos);
  EXPECT_NE(Error(with_pattern("a", "integer")).find("applies to strings only"), std::string::npos);
}

TEST(CustomFlowSpec, TakesRestStorageToAepRulesAndChecksStructure) {
  auto ok = CustomFlowSpecFromJson(
      json::parse(
          R"({"name": "MailToAEP", "sourceConnectionSpecIds": ["x"], "transformationSpecs": [{"name": "Mapping"}]})")
          .as_object(),
      "f-1", "org");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_TRUE(ok->accepts_source("x"));
  EXPECT_FALSE(ok->accepts_source("y"));
  EXPECT_EQ(ok->source_category, SpecCategory::kRest);
  EXPECT_TRUE(ok->accepts_target(spec_ids::kDataLake));
  auto no_sources = CustomFlowSpecFromJson(json::parse(R"({"name": "n"})").as_object(), "f", "o");
  EXPECT_NE(no_sources.status().message().find("sourceConnectionSpecIds is required"),
            std::string::npos);
  auto copy = CustomFlowSpecFromJson(
      json::parse(
          R"({"name": "n", "sourceConnectionSpecIds": ["x"], "transformationSpecs": [{"name": "Copy"}]})")
          .as_object(),
      "f", "o");
  EXPECT_NE(copy.status().message().find("transformationSpecs[0].name"), std::string::npos);
  auto target = CustomFlowSpecFromJson(
      json::parse(
          R"({"name": "n", "sourceConnectionSpecIds": ["x"], "targetConnectionSpecIds": ["s3"]})")
          .as_object(),
      "f", "o");
  EXPECT_NE(target.status().message().find("targetConnectionSpecIds[0]"), std::string::npos);
}

}  // namespace
}  // namespace fluxo
