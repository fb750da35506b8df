#include "model/specs.h"

#include <gtest/gtest.h>

#include <set>

#include "model/spec_ids.h"

namespace fluxo {
namespace {

json::object Obj(std::string_view text) { return ParseJson(text).value().as_object(); }

// Checks that `schema` is a generated draft-07 object schema whose `required` names properties.
void ExpectObjectSchema(const json::value& schema, const std::string& where) {
  ASSERT_TRUE(schema.is_object()) << where;
  const json::object& s = schema.as_object();
  EXPECT_EQ(s.at("$schema"), "http://json-schema.org/draft-07/schema#") << where;
  EXPECT_EQ(s.at("type"), "object") << where;
  EXPECT_EQ(s.at("additionalProperties"), false) << where;
  ASSERT_TRUE(s.at("properties").is_object()) << where;
  if (auto it = s.find("required"); it != s.end()) {
    for (const auto& r : it->value().as_array()) {
      EXPECT_TRUE(s.at("properties").as_object().contains(r.as_string())) << where << " " << r;
    }
  }
}

TEST(BuiltinConnectionSpecs, FixedIdsAndLookup) {
  std::set<std::string> ids;
  for (const ConnectionSpec& s : BuiltinConnectionSpecs()) {
    EXPECT_TRUE(ids.insert(s.id).second) << s.id;
    EXPECT_EQ(FindConnectionSpec(s.id), &s);
    EXPECT_EQ(s.id.size(), 36u);
  }
  EXPECT_EQ(ids, (std::set<std::string>{
                     "74a1c565-4e59-48d7-9d67-7c03b8a13137", "26d738e0-8963-47ea-aadf-c60de735468a",
                     "ecadc60c-7455-4d87-84dc-2a0e293d997b", "c604ff05-7f1a-43c0-8e18-33bf874cb11c",
                     std::string(spec_ids::kSqlite), std::string(spec_ids::kLocalFolder),
                     std::string(spec_ids::kGenericRest)}));
  EXPECT_EQ(FindConnectionSpec("nope"), nullptr);
  EXPECT_TRUE(FindConnectionSpec(spec_ids::kPostgres)->table_based());
  EXPECT_TRUE(FindConnectionSpec(spec_ids::kMySql)->table_based());
  EXPECT_TRUE(FindConnectionSpec(spec_ids::kSqlite)->table_based());
  EXPECT_TRUE(FindConnectionSpec(spec_ids::kS3)->file_based());
  EXPECT_TRUE(FindConnectionSpec(spec_ids::kLocalFolder)->file_based());
  EXPECT_TRUE(FindConnectionSpec(spec_ids::kGenericRest)->rest_based());
  EXPECT_TRUE(FindConnectionSpec(spec_ids::kDataLake)->is_target());
  EXPECT_FALSE(FindConnectionSpec(spec_ids::kDataLake)->is_source());
}

TEST(BuiltinConnectionSpecs, EachGeneratesAnAepShapedDocument) {
  for (const ConnectionSpec& spec : BuiltinConnectionSpecs()) {
    SCOPED_TRACE(spec.name);
    json::value doc = ToJson(spec);
    const json::object& o = doc.as_object();
    EXPECT_EQ(o.at("id").as_string(), spec.id);
    EXPECT_EQ(o.at("name").as_string(), spec.name);
    EXPECT_EQ(o.at("version"), "1.0");
    EXPECT_EQ(o.at("providerId").as_string().size(), 36u);
    EXPECT_TRUE(o.at("permittedOperations").is_array());
    EXPECT_FALSE(o.at("permittedOperations").as_array().empty());
    const json::object& attrs = o.at("attributes").as_object();
    EXPECT_EQ(attrs.at("category"), SpecCategoryName(spec.category));
    EXPECT_EQ(attrs.at("isSource"), spec.is_source());
    EXPECT_EQ(attrs.at("fluxo").at("connector").as_string(), spec.connector);
    EXPECT_EQ(attrs.at("fluxo").at("sourceKind"), spec.table_based()  ? "table"
                                                  : spec.file_based() ? "file"
                                                  : spec.rest_based() ? "rest"
                                                                      : "none");

    const json::array& auth = o.at("authSpec").as_array();
    EXPECT_EQ(auth.size(), spec.auth_specs.size());
    for (const auto& a : auth) {
      EXPECT_TRUE(a.at("name").is_string());
      EXPECT_TRUE(a.at("type").is_string());
      ExpectObjectSchema(a.at("spec"), "authSpec");
      // Secrets are declared as passwords, and nothing else is.
      for (const auto& kv : a.at("spec").at("properties").as_object()) {
        const ParamSpec* p =
            FindParam(FindAuthSpec(spec, a.at("name").as_string())->params, kv.key());
        ASSERT_NE(p, nullptr);
        const json::object& prop = kv.value().as_object();
        EXPECT_EQ(prop.contains("format") && prop.at("format") == "password", p->secret)
            << kv.key();
      }
    }
    if (spec.is_source()) {
      ExpectObjectSchema(o.at("sourceSpec").at("spec"), "sourceSpec.spec");
      ExpectObjectSchema(o.at("sourceSpec").at("dataSpec"), "sourceSpec.dataSpec");
      // REST specs offer no explore (not in their permittedOperations).
      EXPECT_EQ(o.contains("exploreSpec"), !spec.rest_based());
      EXPECT_FALSE(o.contains("targetSpec"));
    } else {
      ExpectObjectSchema(o.at("targetSpec").at("spec"), "targetSpec.spec");
      EXPECT_FALSE(o.contains("sourceSpec"));
    }
    // The document is valid JSON text (round trip).
    EXPECT_EQ(ParseJson(ToJson(doc)).value(), doc);
  }
}

TEST(BuiltinConnectionSpecs, DeclaredParams) {
  const ConnectionSpec& pg = *FindConnectionSpec(spec_ids::kPostgres);
  json::value doc = ToJson(pg);
  const json::object& auth = doc.at("authSpec").at(0).at("spec").as_object();
  EXPECT_EQ(auth.at("required"), (json::array{"connectionString"}));
  EXPECT_EQ(auth.at("properties").at("connectionString").at("format"), "password");
  EXPECT_TRUE(auth.at("properties").as_object().contains("sslMode"));
  const json::object& src = doc.at("sourceSpec").at("spec").as_object();
  EXPECT_EQ(src.at("required"), (json::array{"tableName"}));
  for (const char* k : {"tableName", "columns", "dateFormat", "timezone"}) {
    EXPECT_TRUE(src.at("properties").as_object().contains(k)) << k;
  }

  json::value s3 = ToJson(*FindConnectionSpec(spec_ids::kS3));
  const json::object& s3auth = s3.at("authSpec").at(0).at("spec").as_object();
  EXPECT_EQ(s3.at("authSpec").at(0).at("name"), "Access Key");
  EXPECT_EQ(s3auth.at("required"), (json::array{"s3AccessKey", "s3SecretKey"}));
  EXPECT_EQ(s3auth.at("properties").at("pathStyle").at("type"), "boolean");
  const json::object& files = s3.at("sourceSpec").at("spec").as_object();
  EXPECT_EQ(files.at("required"), (json::array{"path"}));
  EXPECT_EQ(files.at("properties").at("columnDelimiter").at("maxLength"), 1);
  const json::object& data = s3.at("sourceSpec").at("dataSpec").as_object();
  EXPECT_EQ(data.at("properties").at("format").at("enum"),
            (json::array{"delimited", "json", "parquet"}));
  EXPECT_EQ(
      data.at("properties").at("properties").at("properties").at("compressionType").at("enum"),
      (json::array{"gzip", "bzip2", "zstd", "deflate", "none"}));

  json::value lake = ToJson(*FindConnectionSpec(spec_ids::kDataLake));
  EXPECT_EQ(lake.at("targetSpec").at("spec").at("required"), (json::array{"dataSetId"}));
  EXPECT_TRUE(lake.at("authSpec").as_array().empty());
}

TEST(ValidateConnectionAuth, Errors) {
  const ConnectionSpec& pg = *FindConnectionSpec(spec_ids::kPostgres);
  const std::string kSpec = "Connection String Based Authentication";
  EXPECT_TRUE(ValidateConnectionAuth(
                  pg, kSpec, Obj(R"({"connectionString":"Server=h;Database=d;UID=u;Password=p"})"))
                  .ok());
  EXPECT_TRUE(ValidateConnectionAuth(pg, "connection string based authentication",
                                     Obj(R"({"connectionString":"postgresql://u:p@h/d",
                                             "sslMode":"verify-full"})"))
                  .ok());
  EXPECT_EQ(ValidateConnectionAuth(pg, kSpec, Obj("{}")).message(),
            "auth.params.connectionString is required");
  EXPECT_EQ(ValidateConnectionAuth(pg, kSpec, Obj(R"({"connectionString":5})")).message(),
            "auth.params.connectionString must be a string");
  EXPECT_EQ(ValidateConnectionAuth(pg, kSpec, Obj(R"({"connectionString":"h","sslMode":"on"})"))
                .message(),
            "auth.params.sslMode must be one of: disable, allow, prefer, require, verify-ca, "
            "verify-full (got \"on\")");
  Status bad_cs = ValidateConnectionAuth(
      pg, kSpec, Obj(R"({"connectionString":"Server=h;Password={hunter2"})"));
  EXPECT_EQ(bad_cs.message().rfind("auth.params.connectionString is not a valid connection "
                                   "string: unterminated '{'",
                                   0),
            0u)
      << bad_cs.message();
  EXPECT_EQ(bad_cs.message().find("hunter2"), std::string::npos);
  Status unknown_spec = ValidateConnectionAuth(pg, "Basic", Obj("{}"));
  EXPECT_EQ(unknown_spec.message(),
            "auth.specName \"Basic\" is not an auth spec of PostgreSQL (accepted: \"Connection "
            "String Based Authentication\")");
  EXPECT_EQ(
      ValidateConnectionAuth(pg, "", Obj("{}")).message().rfind("auth.specName is required", 0),
      0u);
  EXPECT_FALSE(ValidateConnectionAuth(*FindConnectionSpec(spec_ids::kDataLake), "x", {}).ok());

  const ConnectionSpec& s3 = *FindConnectionSpec(spec_ids::kS3);
  EXPECT_TRUE(ValidateConnectionAuth(s3, "Access Key", Obj(R"({"s3AccessKey":"a","s3SecretKey":"b",
                                             "endpoint":"http://127.0.0.1:4568","pathStyle":true,
                                             "bucketName":"bk","folderPath":"f"})"))
                  .ok());
  EXPECT_EQ(ValidateConnectionAuth(s3, "Access Key",
                                   Obj(R"({"s3AccessKey":"a","s3SecretKey":"b","pathStyle":"x"})"))
                .message(),
            "auth.params.pathStyle must be a boolean");
  EXPECT_EQ(ValidateConnectionAuth(s3, "Access Key",
                                   Obj(R"({"s3AccessKey":"a","s3SecretKey":"b","bucket":"x"})"))
                .message()
                .rfind("unknown parameter \"auth.params.bucket\"", 0),
            0u);
  EXPECT_TRUE(ValidateConnectionAuth(*FindConnectionSpec(spec_ids::kSqlite), "Database File",
                                     Obj(R"({"path":"/data/x.db"})"))
                  .ok());
  EXPECT_TRUE(ValidateConnectionAuth(*FindConnectionSpec(spec_ids::kLocalFolder), "Local Folder",
                                     Obj(R"({"rootPath":"/data"})"))
                  .ok());
  EXPECT_TRUE(ValidateConnectionAuth(*FindConnectionSpec(spec_ids::kMySql), kSpec,
                                     Obj(R"({"connectionString":"Server=h;PWD=p","timezone":
                                             "Europe/Paris"})"))
                  .ok());
}

TEST(ValidateSourceConnection, TablesAndFiles) {
  const ConnectionSpec& pg = *FindConnectionSpec(spec_ids::kPostgres);
  EXPECT_TRUE(ValidateSourceConnection(pg, Obj(R"({"format":"tabular"})"),
                                       Obj(R"({"tableName":"public.orders",
                                               "columns":[{"name":"id","type":"int"}]})"))
                  .ok());
  EXPECT_TRUE(ValidateSourceConnection(pg, {}, Obj(R"({"tableName":"t"})")).ok());
  EXPECT_EQ(ValidateSourceConnection(pg, {}, {}).message(), "params.tableName is required");
  EXPECT_EQ(ValidateSourceConnection(pg, {}, Obj(R"({"tableName":"t","columns":[{}]})")).message(),
            "params.columns[0].name is required");
  EXPECT_EQ(
      ValidateSourceConnection(pg, Obj(R"({"format":"delimited"})"), Obj(R"({"tableName":"t"})"))
          .message(),
      "data.format must be one of: tabular (got \"delimited\")");

  const ConnectionSpec& s3 = *FindConnectionSpec(spec_ids::kS3);
  EXPECT_TRUE(ValidateSourceConnection(
                  s3, Obj(R"({"format":"delimited","properties":{"compressionType":"gzip",
                          "columnDelimiter":";","encoding":"UTF-8"}})"),
                  Obj(R"({"path":"sales/*.csv","recursive":true,"columnDelimiter":";"})"))
                  .ok());
  EXPECT_EQ(ValidateSourceConnection(s3, {}, Obj(R"({"path":"p"})")).message(),
            "data.format is required");
  // Booleans may arrive as strings in params (reference/CONTRACT.md, "Shapes"); other text not.
  EXPECT_TRUE(ValidateSourceConnection(s3, Obj(R"({"format":"json"})"),
                                       Obj(R"({"path":"p","recursive":"true"})"))
                  .ok());
  EXPECT_EQ(ValidateSourceConnection(s3, Obj(R"({"format":"json"})"),
                                     Obj(R"({"path":"p","recursive":"yes"})"))
                .message(),
            "params.recursive must be a boolean");
  EXPECT_EQ(ValidateSourceConnection(s3, Obj(R"({"format":"json"})"),
                                     Obj(R"({"path":"p","columnDelimiter":"ab"})"))
                .message(),
            "params.columnDelimiter must be at most 1 characters long");
  EXPECT_EQ(ValidateSourceConnection(
                s3, Obj(R"({"format":"json","properties":{"compressionType":"lz4"}})"),
                Obj(R"({"path":"p"})"))
                .message(),
            "data.properties.compressionType must be one of: gzip, bzip2, zstd, deflate, none "
            "(got \"lz4\")");
  EXPECT_EQ(ValidateSourceConnection(
                s3, Obj(R"({"format":"delimited","properties":{"columnDelimiter":";"}})"),
                Obj(R"({"path":"p","columnDelimiter":","})"))
                .message(),
            "data.properties.columnDelimiter and params.columnDelimiter differ; give one");
  EXPECT_EQ(ValidateSourceConnection(*FindConnectionSpec(spec_ids::kDataLake), {}, {}).code(),
            StatusCode::kFailedPrecondition);
}

TEST(ValidateTargetConnection, DataLake) {
  const ConnectionSpec& lake = *FindConnectionSpec(spec_ids::kDataLake);
  EXPECT_TRUE(ValidateTargetConnection(
                  lake,
                  Obj(R"({"format":"parquet_xdm","schema":{"id":"https://ns/x","version":"v"}})"),
                  Obj(R"({"dataSetId":"5ed18e0f4f90b719196f44a9"})"))
                  .ok());
  EXPECT_EQ(ValidateTargetConnection(lake, {}, {}).message(), "params.dataSetId is required");
  EXPECT_EQ(ValidateTargetConnection(lake, {}, Obj(R"({"dataSetId":""})")).message(),
            "params.dataSetId must not be empty");
  EXPECT_EQ(ValidateTargetConnection(*FindConnectionSpec(spec_ids::kS3), {}, {}).code(),
            StatusCode::kFailedPrecondition);
}

TEST(BuiltinFlowSpecs, IdsSourcesAndShape) {
  const FlowSpec* crm = FindFlowSpec("14518937-270c-4525-bdec-c2ba7cce3860");
  const FlowSpec* cloud = FindFlowSpec("9753525b-82c7-4dce-8a9b-5ccfce2b9876");
  ASSERT_NE(crm, nullptr);
  ASSERT_NE(cloud, nullptr);
  EXPECT_EQ(FindFlowSpecByName("CRMToAEP"), crm);
  EXPECT_EQ(FindFlowSpecByName("CloudStorageToAEP"), cloud);
  const FlowSpec* rest = FindFlowSpec(spec_ids::kRestStorageToAep);
  ASSERT_NE(rest, nullptr);
  EXPECT_EQ(FindFlowSpecByName("RestStorageToAEP"), rest);
  EXPECT_EQ(BuiltinFlowSpecs().size(), 3u);
  // Every source spec belongs to exactly the flow spec of its category; every target is the lake.
  for (const ConnectionSpec& cs : BuiltinConnectionSpecs()) {
    EXPECT_EQ(rest->accepts_source(cs.id), cs.rest_based()) << cs.name;
    EXPECT_EQ(crm->accepts_source(cs.id), cs.table_based()) << cs.name;
    EXPECT_EQ(cloud->accepts_source(cs.id), cs.file_based()) << cs.name;
    EXPECT_EQ(crm->accepts_target(cs.id), cs.is_target()) << cs.name;
    EXPECT_EQ(cloud->accepts_target(cs.id), cs.is_target()) << cs.name;
  }
  for (const FlowSpec& fs : BuiltinFlowSpecs()) {
    SCOPED_TRACE(fs.name);
    json::value doc = ToJson(fs);
    EXPECT_EQ(doc.at("id").as_string(), fs.id);
    EXPECT_EQ(doc.at("name").as_string(), fs.name);
    EXPECT_EQ(doc.at("targetConnectionSpecIds"), (json::array{spec_ids::kDataLake}));
    EXPECT_EQ(doc.at("scheduleSpec").at("name"), "PeriodicSchedule");
    const json::object& sched = doc.at("scheduleSpec").at("spec").as_object();
    ExpectObjectSchema(sched, "scheduleSpec.spec");
    EXPECT_EQ(sched.at("properties").at("frequency").at("enum"),
              (json::array{"once", "minute", "hour", "day", "week"}));
    EXPECT_EQ(sched.at("else").at("then").at("properties").at("interval").at("minimum"), 15);
    ExpectObjectSchema(doc.at("optionSpec").at("spec"), "optionSpec.spec");
    ExpectObjectSchema(doc.at("runSpec").at("spec"), "runSpec.spec");
    for (const auto& t : doc.at("transformationSpecs").as_array()) {
      ExpectObjectSchema(t.at("spec"), "transformationSpecs");
    }
  }
  json::value crm_doc = ToJson(*crm);
  EXPECT_EQ(crm_doc.at("transformationSpecs").at(0).at("name"), "Copy");
  EXPECT_EQ(crm_doc.at("transformationSpecs")
                .at(0)
                .at("spec")
                .at("properties")
                .at("deltaColumn")
                .at("required"),
            (json::array{"name"}));
}

TEST(BuiltinFlowSpecs, ScheduleAndRunParamsAreLenient) {
  const FlowSpec& crm = *FindFlowSpec(spec_ids::kCrmToAep);
  SchemaValidationOptions lenient{.lenient_scalars = true};
  json::object sched =
      Obj(R"({"startTime":"1663735590","frequency":"minute","interval":"15","backfill":"true"})");
  EXPECT_TRUE(ValidateParams(crm.schedule_params, sched, "scheduleParams", lenient).ok());
  json::object typed = NormalizeParams(crm.schedule_params, sched);
  EXPECT_EQ(typed["startTime"], 1663735590);
  EXPECT_EQ(typed["interval"], 15);
  EXPECT_EQ(typed["backfill"], true);
  EXPECT_EQ(ValidateParams(crm.schedule_params, Obj(R"({"startTime":1,"frequency":"year"})"),
                           "scheduleParams", lenient)
                .message(),
            "scheduleParams.frequency must be one of: once, minute, hour, day, week (got "
            "\"year\")");
  EXPECT_TRUE(ValidateParams(crm.run_params, Obj(R"({"startTime":0,"windowStartTime":"1651585956",
                                     "windowEndTime":16515859567,"deltaColumn":{"name":"ts"}})"),
                             "params", lenient)
                  .ok());
  EXPECT_EQ(
      ValidateParams(crm.run_params, Obj(R"({"windowStartTime":1})"), "params", lenient).message(),
      "params.windowEndTime is required");
  EXPECT_EQ(
      ValidateParams(crm.option_params, Obj(R"({"partialIngestionPercent":0})"), "options", lenient)
          .message(),
      "options.partialIngestionPercent must be greater than 0");
}

}  // namespace
}  // namespace fluxo
