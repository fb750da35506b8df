#include "api/json_patch.h"

#include <gtest/gtest.h>

namespace fluxo {
namespace {

json::value J(std::string_view text) {
  Result<json::value> v = ParseJson(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? *v : json::value();
}

const json::value kDoc = J(R"({"name":"flow","params":{"a":1,"a/b":2,"m~n":3},
                               "list":[10,20,30],"state":"enabled"})");

json::value Apply(const json::value& doc, std::string_view patch) {
  Result<PatchResult> r = ApplyJsonPatch(doc, J(patch));
  EXPECT_TRUE(r.ok()) << patch << ": " << (r.ok() ? "" : ToApiError(r.status()).message);
  return r.ok() ? r->document : json::value();
}

ApiError Fail(const json::value& doc, std::string_view patch, const PatchOptions& o = {}) {
  Result<PatchResult> r = ApplyJsonPatch(doc, J(patch), o);
  EXPECT_FALSE(r.ok()) << patch;
  return r.ok() ? ApiError{} : ToApiError(r.status());
}

TEST(JsonPatch, ReplaceAddRemoveInAnyCase) {
  json::value d = Apply(kDoc, R"([{"op":"REPLACE","path":"/name","value":"new"},
                                  {"op":"Add","path":"/description","value":"d"},
                                  {"op":"remove","path":"/state"}])");
  EXPECT_EQ(d.at("name"), "new");
  EXPECT_EQ(d.at("description"), "d");
  EXPECT_EQ(d.as_object().if_contains("state"), nullptr);
  // Untouched members stay.
  EXPECT_EQ(d.at("params"), kDoc.at("params"));
}

TEST(JsonPatch, AddReplacesAnExistingMemberAndNullIsAValue) {
  json::value d = Apply(kDoc, R"([{"op":"add","path":"/name","value":null},
                                  {"op":"add","path":"/params/c","value":{"x":[1]}}])");
  EXPECT_TRUE(d.at("name").is_null());
  EXPECT_EQ(d.at("params").at("c"), J(R"({"x":[1]})"));
}

TEST(JsonPatch, PointerEscapes) {
  json::value d = Apply(kDoc, R"([{"op":"replace","path":"/params/a~1b","value":"slash"},
                                  {"op":"replace","path":"/params/m~0n","value":"tilde"}])");
  EXPECT_EQ(d.at("params").at("a/b"), "slash");
  EXPECT_EQ(d.at("params").at("m~n"), "tilde");
  Result<std::vector<std::string>> t = ParseJsonPointer("/a~01/~10/");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, (std::vector<std::string>{"a~1", "/0", ""}));
  EXPECT_TRUE(ParseJsonPointer("")->empty());
  EXPECT_FALSE(ParseJsonPointer("name").ok());
  EXPECT_FALSE(ParseJsonPointer("/a~2").ok());
  EXPECT_FALSE(ParseJsonPointer("/a~").ok());
}

TEST(JsonPatch, ArrayIndexAndDash) {
  json::value d = Apply(kDoc, R"([{"op":"add","path":"/list/0","value":5},
                                  {"op":"add","path":"/list/-","value":40},
                                  {"op":"add","path":"/list/5","value":50},
                                  {"op":"replace","path":"/list/1","value":11},
                                  {"op":"remove","path":"/list/2"}])");
  EXPECT_EQ(d.at("list"), J("[5,11,30,40,50]"));
  for (std::string_view bad :
       {R"([{"op":"add","path":"/list/4","value":1}])",       // past the end + 1
        R"([{"op":"replace","path":"/list/3","value":1}])",   // past the end
        R"([{"op":"remove","path":"/list/-"}])",              // '-' names nothing
        R"([{"op":"replace","path":"/list/01","value":1}])",  // leading zero
        R"([{"op":"remove","path":"/list/x"}])", R"([{"op":"remove","path":"/list/-1"}])"}) {
    ApiError e = Fail(kDoc, bad);
    EXPECT_EQ(e.code, 1410) << bad;
    EXPECT_NE(e.message.find("operation 0"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("'/list/"), std::string::npos) << e.message;
  }
}

TEST(JsonPatch, NestedPathsThroughArrays) {
  json::value doc = J(R"({"t":[{"p":{"x":1}}]})");
  json::value d = Apply(doc, R"([{"op":"replace","path":"/t/0/p/x","value":2}])");
  EXPECT_EQ(d.at("t").at(0).at("p").at("x"), 2);
  EXPECT_NE(Fail(doc, R"([{"op":"replace","path":"/t/1/p","value":2}])").message.find("'/t/1/p'"),
            std::string::npos);
  EXPECT_NE(Fail(kDoc, R"([{"op":"add","path":"/name/x","value":2}])").message.find("not an "),
            std::string::npos);
  EXPECT_NE(Fail(kDoc, R"([{"op":"add","path":"/name/x/y","value":2}])").message.find("not an "),
            std::string::npos);
}

TEST(JsonPatch, MissingPathsAndParents) {
  ApiError e = Fail(kDoc, R"([{"op":"replace","path":"/name","value":"x"},
                              {"op":"replace","path":"/nope","value":1}])");
  EXPECT_EQ(e.http_status, 400);
  EXPECT_EQ(e.code, 1410);
  EXPECT_NE(e.message.find("operation 1 (replace '/nope')"), std::string::npos) << e.message;
  e = Fail(kDoc, R"([{"op":"remove","path":"/nope"}])");
  EXPECT_NE(e.message.find("does not exist"), std::string::npos);
  e = Fail(kDoc, R"([{"op":"add","path":"/missing/child","value":1}])");
  EXPECT_NE(e.message.find("'/missing'"), std::string::npos) << e.message;
}

TEST(JsonPatch, WholeDocument) {
  json::value d = Apply(kDoc, R"([{"op":"replace","path":"","value":{"a":1}}])");
  EXPECT_EQ(d, J(R"({"a":1})"));
  EXPECT_EQ(Fail(kDoc, R"([{"op":"remove","path":""}])").code, 1410);
}

TEST(JsonPatch, UnsupportedOpsAre1434) {
  for (std::string_view op : {"move", "copy", "test", "MOVE", "Test"}) {
    std::string patch =
        R"([{"op":")" + std::string(op) + R"(","path":"/name","from":"/state","value":"x"}])";
    ApiError e = Fail(kDoc, patch);
    EXPECT_EQ(e.http_status, 400);
    EXPECT_EQ(e.code, 1434) << op;
    EXPECT_NE(e.message.find("operation 0"), std::string::npos);
    EXPECT_NE(e.message.find("'/name'"), std::string::npos);
  }
  EXPECT_EQ(Fail(kDoc, R"([{"op":"merge","path":"/name"}])").code, 1410);
}

TEST(JsonPatch, MalformedBodiesAndOperations) {
  EXPECT_NE(Fail(kDoc, R"({"op":"add","path":"/a","value":1})").message.find("array"),
            std::string::npos);
  EXPECT_EQ(Fail(kDoc, R"("x")").code, 1410);
  EXPECT_NE(Fail(kDoc, R"([1])").message.find("operation 0"), std::string::npos);
  EXPECT_NE(Fail(kDoc, R"([{"path":"/a","value":1}])").message.find("'op'"), std::string::npos);
  EXPECT_NE(Fail(kDoc, R"([{"op":1,"path":"/a"}])").message.find("'op'"), std::string::npos);
  ApiError e = Fail(kDoc, R"([{"op":"remove","path":"/state"},{"op":"add","value":1}])");
  EXPECT_NE(e.message.find("operation 1"), std::string::npos);
  EXPECT_NE(e.message.find("'path'"), std::string::npos);
  EXPECT_NE(Fail(kDoc, R"([{"op":"add","path":5,"value":1}])").message.find("'path'"),
            std::string::npos);
  e = Fail(kDoc, R"([{"op":"replace","path":"/name"}])");
  EXPECT_NE(e.message.find("'value'"), std::string::npos);
  EXPECT_NE(e.message.find("'/name'"), std::string::npos);
  e = Fail(kDoc, R"([{"op":"replace","path":"name","value":1}])");
  EXPECT_NE(e.message.find("must be empty or start with '/'"), std::string::npos) << e.message;
  e = Fail(kDoc, R"([{"op":"replace","path":"/a~2","value":1}])");
  EXPECT_NE(e.message.find("'~'"), std::string::npos) << e.message;
  // Remove needs no value.
  Apply(kDoc, R"([{"op":"remove","path":"/state"}])");
  // An empty patch is a no-op.
  EXPECT_EQ(Apply(kDoc, "[]"), kDoc);
}

TEST(JsonPatch, AtomicOnError) {
  json::value doc = kDoc;
  ApiError e = Fail(doc, R"([{"op":"replace","path":"/name","value":"changed"},
                             {"op":"remove","path":"/list/0"},
                             {"op":"remove","path":"/missing"}])");
  EXPECT_NE(e.message.find("operation 2"), std::string::npos);
  EXPECT_EQ(doc, kDoc);
  Result<json::value> r = ApplyPatchOps(
      doc, *ParseJsonPatch(J(
               R"([{"op":"add","path":"/x","value":1},{"op":"replace","path":"/y","value":1}])")));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(doc, kDoc);
}

TEST(JsonPatch, PathRestrictionHook) {
  PatchOptions o;
  o.check = AllowPathPrefixes({"/name", "/params", "/description"});
  Result<PatchResult> r = ApplyJsonPatch(kDoc, J(R"([{"op":"replace","path":"/name","value":"n"},
                  {"op":"add","path":"/params/z","value":1},
                  {"op":"add","path":"/description","value":"d"}])"),
                                         o);
  ASSERT_TRUE(r.ok()) << ToApiError(r.status()).message;
  ApiError e = Fail(kDoc, R"([{"op":"replace","path":"/state","value":"x"}])", o);
  EXPECT_EQ(e.code, 1410);
  EXPECT_NE(e.message.find("'/state'"), std::string::npos);
  EXPECT_NE(e.message.find("may not be patched"), std::string::npos);
  EXPECT_EQ(Fail(kDoc, R"([{"op":"replace","path":"/names","value":"x"}])", o).code, 1410);
  EXPECT_EQ(Fail(kDoc, R"([{"op":"replace","path":"","value":{}}])", o).code, 1410);
  // A custom hook can answer its own code.
  PatchOptions custom;
  custom.check = [](const PatchOp& op) -> Status {
    if (!op.tokens.empty() && op.tokens[0] == "connectionSpec") {
      return BadRequest(1414, "connectionSpec cannot be changed");
    }
    return Status::OK();
  };
  EXPECT_EQ(
      Fail(kDoc, R"([{"op":"replace","path":"/connectionSpec/id","value":"x"}])", custom).code,
      1414);
}

TEST(JsonPatch, TouchedTopLevel) {
  Result<PatchResult> r = ApplyJsonPatch(kDoc, J(R"([{"op":"replace","path":"/name","value":"n"},
                  {"op":"add","path":"/params/a~1b","value":1},
                  {"op":"remove","path":"/name"},
                  {"op":"add","path":"/a~1b","value":1}])"));
  ASSERT_TRUE(r.ok()) << ToApiError(r.status()).message;
  EXPECT_EQ(r->touched, (std::vector<std::string>{"name", "params", "a/b"}));
  std::vector<PatchOp> ops = *ParseJsonPatch(J(R"([{"op":"replace","path":"","value":1}])"));
  EXPECT_EQ(TouchedTopLevel(ops), std::vector<std::string>{""});
}

}  // namespace
}  // namespace fluxo
