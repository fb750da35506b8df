#include "model/json_schema.h"

#include <gtest/gtest.h>

#include "model/param_spec.h"

namespace fluxo {
namespace {

json::object Obj(std::string_view text) { return ParseJson(text).value().as_object(); }

std::vector<ParamSpec> Specs() {
  return {
      {.name = "path", .type = ParamType::kString, .required = true, .min_length = 1},
      {.name = "recursive", .type = ParamType::kBoolean, .default_value = json::value(false)},
      {.name = "limit", .type = ParamType::kInteger, .minimum = 1, .maximum = 1000},
      {.name = "ratio", .type = ParamType::kNumber, .exclusive_minimum = 0},
      {.name = "mode", .type = ParamType::kString, .enum_values = {"a", "b"}},
      {.name = "sep", .type = ParamType::kString, .min_length = 1, .max_length = 1},
      {.name = "nested",
       .type = ParamType::kObject,
       .properties = {{.name = "inner", .type = ParamType::kInteger, .required = true}}},
      {.name = "list",
       .type = ParamType::kArray,
       .items = {{.type = ParamType::kObject,
                  .properties = {{.name = "name", .type = ParamType::kString, .required = true}}}}},
  };
}

std::string Error(std::string_view params, const SchemaValidationOptions& opts = {}) {
  Status st = ValidateParams(Specs(), Obj(params), "params", opts);
  EXPECT_FALSE(st.ok()) << params;
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  return st.message();
}

TEST(ValidateParams, AcceptsValid) {
  EXPECT_TRUE(ValidateParams(Specs(), Obj(R"({"path":"a","recursive":true,"limit":5,"ratio":0.5,
                                     "mode":"b","sep":";","nested":{"inner":1},
                                     "list":[{"name":"x"}]})"),
                             "params")
                  .ok());
  EXPECT_TRUE(ValidateParams(Specs(), Obj(R"({"path":"a","limit":5.0})"), "params").ok());
  EXPECT_TRUE(ValidateParams(Specs(), Obj(R"({"path":"a","sep":"\u00e9"})"), "params").ok())
      << "maxLength counts code points";
}

TEST(ValidateParams, MissingRequiredNamesFullPath) {
  EXPECT_EQ(Error("{}"), "params.path is required");
  EXPECT_EQ(ValidateParams(Specs(), Obj("{}"), "auth.params").message(),
            "auth.params.path is required");
  EXPECT_EQ(Error(R"({"path":"a","nested":{}})"), "params.nested.inner is required");
  EXPECT_EQ(Error(R"({"path":"a","list":[{"name":"x"},{}]})"), "params.list[1].name is required");
}

TEST(ValidateParams, WrongType) {
  EXPECT_EQ(Error(R"({"path":"a","recursive":"yes"})"), "params.recursive must be a boolean");
  EXPECT_EQ(Error(R"({"path":"a","recursive":"true"})"), "params.recursive must be a boolean");
  EXPECT_EQ(Error(R"({"path":1})"), "params.path must be a string");
  EXPECT_EQ(Error(R"({"path":"a","limit":1.5})"), "params.limit must be an integer");
  EXPECT_EQ(Error(R"({"path":"a","limit":"15"})"), "params.limit must be an integer");
  EXPECT_EQ(Error(R"({"path":"a","ratio":true})"), "params.ratio must be a number");
  EXPECT_EQ(Error(R"({"path":"a","nested":[]})"), "params.nested must be an object");
  EXPECT_EQ(Error(R"({"path":"a","list":{}})"), "params.list must be an array");
  EXPECT_EQ(Error(R"({"path":"a","nested":{"inner":"x"}})"),
            "params.nested.inner must be an integer");
}

TEST(ValidateParams, LenientScalarsWhenAsked) {
  SchemaValidationOptions lenient{.lenient_scalars = true};
  EXPECT_TRUE(ValidateParams(Specs(),
                             Obj(R"({"path":"a","recursive":"TRUE","limit":"15","ratio":"2.5"})"),
                             "params", lenient)
                  .ok());
  EXPECT_EQ(Error(R"({"path":"a","recursive":"yes"})", lenient),
            "params.recursive must be a boolean");
  EXPECT_EQ(Error(R"({"path":"a","limit":"1.5"})", lenient), "params.limit must be an integer");
  EXPECT_EQ(Error(R"({"path":"a","limit":" 15"})", lenient), "params.limit must be an integer");
  EXPECT_EQ(Error(R"({"path":"a","ratio":"inf"})", lenient), "params.ratio must be a number");
  EXPECT_EQ(Error(R"({"path":"a","limit":"0"})", lenient), "params.limit must be at least 1");
  EXPECT_EQ(Error(R"({"path":"a","limit":"5000"})", lenient), "params.limit must be at most 1000");
  EXPECT_EQ(Error(R"({"path":"a","path2":"x"})", lenient).rfind("unknown parameter", 0), 0u);
}

TEST(ValidateParams, BoundsAndEnums) {
  EXPECT_EQ(Error(R"({"path":""})"), "params.path must not be empty");
  EXPECT_EQ(Error(R"({"path":"a","sep":";;"})"), "params.sep must be at most 1 characters long");
  EXPECT_EQ(Error(R"({"path":"a","limit":0})"), "params.limit must be at least 1");
  EXPECT_EQ(Error(R"({"path":"a","ratio":0})"), "params.ratio must be greater than 0");
  EXPECT_EQ(Error(R"({"path":"a","mode":"c"})"), "params.mode must be one of: a, b (got \"c\")");
}

TEST(ValidateParams, UnknownParamsAreRefusedByName) {
  EXPECT_EQ(Error(R"({"path":"a","recusive":true})"),
            "unknown parameter \"params.recusive\" (known parameters of params: path, recursive, "
            "limit, ratio, mode, sep, nested, list)");
  // A typo of a required param is reported as the typo, not as the missing param.
  std::string m = Error(R"({"pth":"a","x":1})");
  EXPECT_EQ(m.rfind("unknown parameters \"params.pth\", \"params.x\"", 0), 0u) << m;
  EXPECT_EQ(Error(R"({"path":"a","nested":{"inner":1,"other":2}})")
                .rfind("unknown parameter \"params.nested.other\"", 0),
            0u);
  EXPECT_EQ(ValidateParams({}, Obj(R"({"a":1})"), "params").message(),
            "unknown parameter \"params.a\" (params takes no parameters)");
}

TEST(ValidateParams, SecretEnumValueIsNotEchoed) {
  std::vector<ParamSpec> specs = {
      {.name = "key", .type = ParamType::kString, .secret = true, .enum_values = {"a"}}};
  Status st = ValidateParams(specs, Obj(R"({"key":"hunter2"})"), "auth.params");
  EXPECT_EQ(st.message(), "auth.params.key must be one of: a");
}

TEST(ParamsToSchema, GeneratesDraft07) {
  json::object s = ParamsToSchema(Specs(), "desc");
  EXPECT_EQ(s["$schema"], "http://json-schema.org/draft-07/schema#");
  EXPECT_EQ(s["type"], "object");
  EXPECT_EQ(s["description"], "desc");
  EXPECT_EQ(s["additionalProperties"], false);
  EXPECT_EQ(s["required"], (json::array{"path"}));
  const json::object& props = s["properties"].as_object();
  EXPECT_EQ(props.at("recursive").at("type"), "boolean");
  EXPECT_EQ(props.at("recursive").at("default"), false);
  EXPECT_EQ(props.at("limit").at("minimum"), 1);
  EXPECT_EQ(props.at("mode").at("enum"), (json::array{"a", "b"}));
  EXPECT_EQ(props.at("nested").at("required"), (json::array{"inner"}));
  EXPECT_EQ(props.at("list").at("items").at("type"), "object");
  ParamSpec secret{.name = "pw", .secret = true};
  EXPECT_EQ(ParamToSchema(secret).at("format"), "password");
}

TEST(NormalizeParams, FillsDefaultsAndConvertsLenientScalars) {
  json::object out = NormalizeParams(
      Specs(), Obj(R"({"path":"a","limit":"15","ratio":"2.5","nested":{"inner":"3"},"x":"1"})"));
  EXPECT_EQ(out["recursive"], false);
  EXPECT_EQ(out["limit"], 15);
  EXPECT_EQ(out["ratio"], 2.5);
  EXPECT_EQ(out["nested"].at("inner"), 3);
  EXPECT_EQ(out["x"], "1");
  EXPECT_EQ(NormalizeParams(Specs(), Obj(R"({"recursive":"False"})"))["recursive"], false);
}

TEST(ValidateJsonSchema, TypeArraysAndBooleanSchemas) {
  json::value schema = ParseJson(R"({"type":["string","integer"]})").value();
  EXPECT_TRUE(ValidateJsonSchema(schema, json::value(5), "x").ok());
  EXPECT_EQ(ValidateJsonSchema(schema, json::value(true), "x").message(),
            "x must be a string or an integer");
  EXPECT_TRUE(ValidateJsonSchema(json::value(true), json::value(1), "x").ok());
  EXPECT_FALSE(ValidateJsonSchema(json::value(false), json::value(1), "x").ok());
  // Unsupported keywords are ignored.
  json::value cond = ParseJson(R"({"type":"object","if":{},"then":false})").value();
  EXPECT_TRUE(ValidateJsonSchema(cond, json::object{}, "x").ok());
}

}  // namespace
}  // namespace fluxo
