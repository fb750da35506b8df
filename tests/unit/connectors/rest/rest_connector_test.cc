// Unit tests of the REST connector: placeholders, JSONPath, spec decoding, every pagination type,
// retries, auth kinds and the Source, against an in-process fake HTTP server (port 0).
#include "connectors/rest/rest_connector.h"

#include <gtest/gtest.h>

#include <map>

#include "connectors/rest/pager.h"
#include "connectors/rest/rest_source.h"
#include "connectors/rest/template.h"
#include "integration_s3/fake_http_server.h"

namespace fluxo::connectors::rest {
namespace {

using fluxo::testing::CapturedRequest;
using fluxo::testing::FakeHttpServer;

std::map<std::string, std::string> QueryOf(const std::string& target) {
  std::map<std::string, std::string> q;
  size_t qm = target.find('?');
  if (qm == std::string::npos) return q;
  std::string s = target.substr(qm + 1);
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t amp = s.find('&', pos);
    if (amp == std::string::npos) amp = s.size();
    std::string kv = s.substr(pos, amp - pos);
    size_t eq = kv.find('=');
    if (eq != std::string::npos) q[kv.substr(0, eq)] = kv.substr(eq + 1);
    pos = amp + 1;
  }
  return q;
}

std::string PathOf(const std::string& target) { return target.substr(0, target.find('?')); }

std::string Json(int status, const json::value& v, const std::string& extra = "") {
  return FakeHttpServer::Response(status, json::serialize(v),
                                  "Content-Type: application/json\r\n" + extra);
}

// Records [first, last) as {"id": i, "name": "n<i>"}.
json::array Records(int first, int last) {
  json::array a;
  for (int i = first; i < last; ++i)
    a.push_back(json::object{{"id", i}, {"name", "n" + std::to_string(i)}});
  return a;
}

json::object Attrs(int port, const std::string& extra_json) {
  std::string text =
      R"({"urlParams": {"host": "http://127.0.0.1:)" + std::to_string(port) +
      R"(", "path": "/items", "method": "GET"}, "contentPath": {"path": "$.items"})" +
      (extra_json.empty() ? "" : ", " + extra_json) + "}";
  return json::parse(text).as_object();
}

struct Walked {
  std::vector<json::value> records;
  Status status;
  int64_t pages = 0;
};

Walked Walk(const json::object& attrs, PagerConfig cfg = {},
            std::vector<int64_t>* sleeps = nullptr) {
  Walked out;
  auto spec = DecodeRestSpec(attrs, "attrs");
  if (!spec.ok()) {
    out.status = spec.status();
    return out;
  }
  cfg.sleep = [sleeps](int64_t ms) {
    if (sleeps) sleeps->push_back(ms);
    return true;
  };
  auto pager = Pager::Make(*spec, cfg);
  if (!pager.ok()) {
    out.status = pager.status();
    return out;
  }
  std::vector<json::value> page;
  while (true) {
    auto more = (*pager)->NextPage(&page);
    if (!more.ok()) {
      out.status = more.status();
      break;
    }
    if (!*more) break;
    for (auto& r : page) out.records.push_back(r);
  }
  out.pages = (*pager)->pages();
  return out;
}

std::vector<int64_t> Ids(const Walked& r) {
  std::vector<int64_t> ids;
  for (const auto& v : r.records) ids.push_back(v.at("id").as_int64());
  return ids;
}

std::vector<int64_t> Range(int64_t a, int64_t b) {
  std::vector<int64_t> v;
  for (int64_t i = a; i < b; ++i) v.push_back(i);
  return v;
}

TEST(RestTemplate, FillsBothPlaceholderForms) {
  PlaceholderLookup lookup = [](std::string_view n) -> std::optional<std::string> {
    if (n == "a") return "1";
    if (n == "b.c") return "two";
    return std::nullopt;
  };
  EXPECT_EQ(*FillTemplate("x${a}y{{b.c}}z", lookup, "w"), "x1ytwoz");
  EXPECT_EQ(*FillTemplate("no placeholders $ {", lookup, "w"), "no placeholders $ {");
  auto bad = FillTemplate("${zz}", lookup, "urlParams.path");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("urlParams.path: placeholder ${zz} names no parameter"),
            std::string::npos);
  EXPECT_FALSE(FillTemplate("${a", lookup, "w").ok());
  EXPECT_FALSE(Placeholders("{{}}", "w").ok());
  EXPECT_EQ(*Placeholders("${a}/{{ b }}", "w"), (std::vector<std::string>{"a", "b"}));
}

TEST(RestJsonPath, ParsesTheSubsetAndRefusesTheRest) {
  json::value doc = json::parse(R"({"a": {"b": [10, {"c": "x"}]}, "k-1": 5})");
  EXPECT_EQ(*JsonPath::Parse("$.a.b[1].c")->Find(doc), json::value("x"));
  EXPECT_EQ(*JsonPath::Parse("$['k-1']")->Find(doc), json::value(5));
  EXPECT_TRUE(JsonPath::Parse("$.a.b[*]")->Find(doc)->is_array());
  EXPECT_EQ(JsonPath::Parse("$.a.zz")->Find(doc), nullptr);
  EXPECT_EQ(JsonPath::Parse("$")->Find(doc), &doc);
  for (const char* bad : {"a.b", "$..a", "$.a[?(@.x)]", "$.a[", "$.*.b", "$.a[1:2]"}) {
    EXPECT_FALSE(JsonPath::Parse(bad).ok()) << bad;
  }
}

TEST(RestSpecDecode, ErrorsNameTheJsonPath) {
  auto attrs = Attrs(1, R"("paginationParams": {"type": "SCROLL"})");
  auto r = DecodeRestSpec(attrs, "sourceSpec.attributes");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("sourceSpec.attributes.paginationParams.type"),
            std::string::npos);
  r = DecodeRestSpec(Attrs(1, R"("paginationParams": {"type": "OFFSET", "limitValue": 5})"), "s");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("s.paginationParams.offSetName is required"),
            std::string::npos);
  json::object bad_path = Attrs(1, "");
  bad_path["contentPath"] = json::object{{"path", "$..items"}};
  r = DecodeRestSpec(bad_path, "s");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("s.contentPath.path is not a valid JSONPath"),
            std::string::npos);
  r = DecodeRestSpec(json::object{}, "s");
  EXPECT_FALSE(r.ok());
}

TEST(RestPager, OffsetStopsOnAShortPage) {
  FakeHttpServer server([](const CapturedRequest& req) {
    auto q = QueryOf(req.target);
    int off = std::stoi(q["offset"]), lim = std::stoi(q["limit"]);
    return Json(200, json::object{{"items", Records(off, std::min(off + lim, 25))}});
  });
  Walked r = Walk(Attrs(
      server.port(),
      R"("paginationParams": {"type": "OFFSET", "limitName": "limit", "limitValue": "10", "offSetName": "offset"})"));
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(Ids(r), Range(0, 25));
  EXPECT_EQ(r.pages, 3);
}

TEST(RestPager, OffsetStopsOnTheEndCondition) {
  FakeHttpServer server([](const CapturedRequest& req) {
    int off = std::stoi(QueryOf(req.target)["offset"]);
    return Json(200, json::object{{"items", Records(off, off + 10)}, {"hasMore", off + 10 < 30}});
  });
  Walked r = Walk(Attrs(
      server.port(),
      R"("paginationParams": {"type": "OFFSET", "limitName": "limit", "limitValue": 10, "offSetName": "offset", "endConditionName": "$.hasMore", "endConditionValue": "Const:false"})"));
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(Ids(r), Range(0, 30));
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(RestPager, PageNumbersFromTheInitialIndex) {
  FakeHttpServer server([](const CapturedRequest& req) {
    int page = std::stoi(QueryOf(req.target)["page"]);  // 0-based here
    int first = page * 7;
    return Json(200, json::object{{"items", Records(first, std::min(first + 7, 20))}});
  });
  Walked r = Walk(Attrs(
      server.port(),
      R"("paginationParams": {"type": "PAGE", "limitName": "size", "limitValue": 7, "pageParamName": "page", "initialPageIndex": 0})"));
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(Ids(r), Range(0, 20));
  EXPECT_EQ(QueryOf(server.requests()[0].target)["size"], "7");
}

TEST(RestPager, PointerFollowsTheNextUrl) {
  FakeHttpServer server([](const CapturedRequest& req) {
    auto q = QueryOf(req.target);
    int at = q.count("at") ? std::stoi(q["at"]) : 0;
    json::object o{{"items", Records(at, at + 5)}};
    if (at + 5 < 15) o["links"] = json::object{{"next", "/items?at=" + std::to_string(at + 5)}};
    return Json(200, o);
  });
  Walked r = Walk(Attrs(
      server.port(), R"("paginationParams": {"type": "POINTER", "pointerPath": "$.links.next"})"));
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(Ids(r), Range(0, 15));
}

TEST(RestPager, ContinuationTokenInQueryAndHeader) {
  for (bool header : {false, true}) {
    FakeHttpServer server([header](const CapturedRequest& req) {
      std::string tok;
      if (header) {
        auto it = req.headers.find("x-next");
        if (it != req.headers.end()) tok = it->second;
      } else {
        tok = QueryOf(req.target)["cursor"];
      }
      int at = tok.empty() ? 0 : std::stoi(tok.substr(1));
      json::object o{{"items", Records(at, at + 4)}};
      o["meta"] = json::object{{"token", at + 4 < 12 ? json::value("t" + std::to_string(at + 4))
                                                     : json::value(nullptr)}};
      return Json(200, o);
    });
    std::string pp =
        std::string(
            R"("paginationParams": {"type": "CONTINUATION_TOKEN", "continuationTokenPath": "$.meta.token", "parameterName": )") +
        (header ? R"("x-next", "parameterType": "HEADERPARAM"})" : R"("cursor"})");
    Walked r = Walk(Attrs(server.port(), pp));
    ASSERT_TRUE(r.status.ok()) << r.status.message();
    EXPECT_EQ(Ids(r), Range(0, 12)) << header;
  }
}

TEST(RestPager, NoneReadsOnePage) {
  FakeHttpServer server([](const CapturedRequest&) {
    return Json(200, json::object{{"items", Records(0, 3)}, {"next", "x"}});
  });
  Walked r = Walk(Attrs(server.port(), R"("paginationParams": {"type": "NONE"})"));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(Ids(r), Range(0, 3));
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(RestPager, PageCapStopsAServerThatLoops) {
  int n = 0;
  FakeHttpServer server([&n](const CapturedRequest&) {
    ++n;
    return Json(200, json::object{{"items", Records(0, 1)}, {"token", "t" + std::to_string(n)}});
  });
  Walked r = Walk(Attrs(
      server.port(),
      R"("paginationParams": {"type": "CONTINUATION_TOKEN", "continuationTokenPath": "$.token", "parameterName": "c"}, "fluxo": {"maxPages": 5})"));
  ASSERT_FALSE(r.status.ok());
  EXPECT_NE(r.status.message().find("stopped after 5 pages"), std::string::npos)
      << r.status.message();
  EXPECT_EQ(server.requests().size(), 5u);
}

TEST(RestPager, RetriesTooManyRequestsHonouringRetryAfter) {
  int n = 0;
  FakeHttpServer server([&n](const CapturedRequest&) {
    ++n;
    if (n == 1) return FakeHttpServer::Response(429, "slow down", "Retry-After: 2\r\n");
    if (n == 2) return FakeHttpServer::Response(503, "busy");
    return Json(200, json::object{{"items", Records(0, 2)}});
  });
  std::vector<int64_t> sleeps;
  Walked r =
      Walk(Attrs(server.port(), R"("fluxo": {"retry": {"baseDelayMillis": 100}})"), {}, &sleeps);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(Ids(r), Range(0, 2));
  EXPECT_EQ(sleeps, (std::vector<int64_t>{2000, 200}));
}

TEST(RestPager, GivesUpAfterTheLastAttempt) {
  FakeHttpServer server(
      [](const CapturedRequest&) { return FakeHttpServer::Response(500, "<html>oops</html>"); });
  Walked r =
      Walk(Attrs(server.port(), R"("fluxo": {"retry": {"maxAttempts": 3, "baseDelayMillis": 1}})"));
  ASSERT_FALSE(r.status.ok());
  EXPECT_TRUE(r.status.retryable());
  EXPECT_NE(r.status.message().find("answered HTTP 500 after 3 attempts"), std::string::npos);
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(RestPager, HtmlAnswerFailsNamingTheUrlAndOffsetWithoutSecrets) {
  FakeHttpServer server([](const CapturedRequest&) {
    return FakeHttpServer::Response(200, "<html>login</html>", "Content-Type: text/html\r\n");
  });
  PagerConfig cfg;
  cfg.auth_kind = AuthKind::kApiKey;
  cfg.auth_params =
      json::object{{"apiKey", "sekrit-key"}, {"apiKeyLocation", "query"}, {"apiKeyName", "key"}};
  Walked r = Walk(Attrs(server.port(), ""), cfg);
  ASSERT_FALSE(r.status.ok());
  const std::string& m = r.status.message();
  EXPECT_NE(m.find("/items?key=***"), std::string::npos) << m;
  EXPECT_NE(m.find("not valid JSON at byte 0"), std::string::npos) << m;
  EXPECT_NE(m.find("text/html"), std::string::npos) << m;
  EXPECT_EQ(m.find("sekrit"), std::string::npos) << m;
  EXPECT_EQ(QueryOf(server.requests()[0].target)["key"], "sekrit-key");
}

TEST(RestPager, PlaceholdersAndScheduleParamsCarryTheWindow) {
  FakeHttpServer server([](const CapturedRequest&) {
    return Json(200, json::object{{"items", json::array{}}});
  });
  json::object attrs = Attrs(
      server.port(),
      R"("scheduleParams": {"scheduleStartParamName": "since", "scheduleEndParamName": "before", "scheduleStartParamFormat": "yyyy-MM-ddTHH:mm:ssZ", "scheduleEndParamFormat": "epochMillis"}, "headerParams": {"X-Account": "${account}"})");
  attrs["urlParams"].as_object()["path"] = "/v1/${account}/items";
  attrs["urlParams"].as_object()["queryParams"] = json::object{{"from", "{{windowStartTime}}"}};
  PagerConfig cfg;
  cfg.source_params = json::object{{"account", "acme"}};
  cfg.window = {1704067200, 1704153600};
  Walked r = Walk(attrs, cfg);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  auto req = server.requests().at(0);
  EXPECT_EQ(PathOf(req.target), "/v1/acme/items");
  auto q = QueryOf(req.target);
  EXPECT_EQ(q["from"], "1704067200");
  EXPECT_EQ(q["since"], "2024-01-01T00%3A00%3A00Z");
  EXPECT_EQ(q["before"], "1704153600000");
  EXPECT_EQ(req.headers["x-account"], "acme");
}

TEST(RestPager, PostBodyParamsAreFilled) {
  FakeHttpServer server([](const CapturedRequest&) {
    return Json(200, json::object{{"items", Records(0, 1)}});
  });
  json::object attrs =
      Attrs(server.port(), R"("bodyParams": {"query": {"from": "${windowStartTime}", "n": 3}})");
  attrs["urlParams"].as_object()["method"] = "POST";
  PagerConfig cfg;
  cfg.window = {10, 20};
  Walked r = Walk(attrs, cfg);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  auto req = server.requests().at(0);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(json::parse(req.body), json::parse(R"({"query": {"from": "10", "n": 3}})"));
  EXPECT_EQ(req.headers["content-type"], "application/json");
}

TEST(RestPager, ContentPathSkipKeepAndWrap) {
  FakeHttpServer server([](const CapturedRequest&) {
    return Json(
        200, json::parse(
                 R"({"data": {"emails": [{"a": 1, "b": 2, "_links": 3}], "tags": ["x", "y"]}})"));
  });
  json::object attrs = Attrs(server.port(), "");
  attrs["contentPath"] =
      json::object{{"path", "$.data.emails"}, {"skipAttributes", json::array{"_links"}}};
  Walked r = Walk(attrs);
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0], json::parse(R"({"a": 1, "b": 2})"));
  attrs["contentPath"] =
      json::object{{"path", "$.data.emails"}, {"keepAttributes", json::array{"b"}}};
  r = Walk(attrs);
  EXPECT_EQ(r.records.at(0), json::parse(R"({"b": 2})"));
  attrs["contentPath"] =
      json::object{{"path", "$.data.tags[*]"}, {"overrideWrappingAttribute", "tag"}};
  r = Walk(attrs);
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[1], json::parse(R"({"tag": "y"})"));
}

TEST(RestAuth, BasicBearerAndApiKeyHeaders) {
  FakeHttpServer server([](const CapturedRequest&) {
    return Json(200, json::object{{"items", Records(0, 1)}});
  });
  PagerConfig cfg;
  cfg.auth_kind = AuthKind::kBasic;
  cfg.auth_params = json::object{{"username", "u"}, {"password", "p"}};
  ASSERT_TRUE(Walk(Attrs(server.port(), ""), cfg).status.ok());
  cfg.auth_kind = AuthKind::kBearer;
  cfg.auth_params = json::object{{"token", "tok123"}};
  ASSERT_TRUE(Walk(Attrs(server.port(), ""), cfg).status.ok());
  cfg.auth_kind = AuthKind::kApiKey;
  cfg.auth_params = json::object{{"apiKey", "k1"}};
  ASSERT_TRUE(Walk(Attrs(server.port(), ""), cfg).status.ok());
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].headers["authorization"], "Basic dTpw");
  EXPECT_EQ(reqs[1].headers["authorization"], "Bearer tok123");
  EXPECT_EQ(reqs[2].headers["x-api-key"], "k1");
  cfg.auth_params = json::object{};
  EXPECT_FALSE(Walk(Attrs(server.port(), ""), cfg).status.ok());
}

// Token endpoint /token on the same server; the API wants the current token.
TEST(RestAuth, ClientCredentialsRefreshBeforeExpiry) {
  int issued = 0;
  FakeHttpServer server([&issued](const CapturedRequest& req) {
    if (PathOf(req.target) == "/token") {
      ++issued;
      EXPECT_NE(req.body.find("grant_type=client_credentials"), std::string::npos);
      // 30 s of validity: inside the 60 s margin, so every request fetches a new one.
      return Json(
          200, json::object{{"access_token", "at" + std::to_string(issued)}, {"expires_in", 30}});
    }
    if (req.headers.count("authorization") == 0 ||
        req.headers.at("authorization").rfind("Bearer at", 0) != 0) {
      return FakeHttpServer::Response(401, "no");
    }
    int off = std::stoi(QueryOf(req.target)["o"]);
    return Json(200, json::object{{"items", Records(off, std::min(off + 2, 4))}});
  });
  PagerConfig cfg;
  cfg.auth_kind = AuthKind::kOAuth2Client;
  std::string base = "http://127.0.0.1:" + std::to_string(server.port());
  cfg.auth_params = json::object{
      {"clientId", "c"}, {"clientSecret", "s3cr3t"}, {"accessTokenUrl", base + "/token"}};
  Walked r = Walk(
      Attrs(
          server.port(),
          R"("paginationParams": {"type": "OFFSET", "limitName": "l", "limitValue": 2, "offSetName": "o"})"),
      cfg);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(Ids(r), Range(0, 4));
  EXPECT_EQ(issued, 3);  // one per page: the 30-s token is always about to expire
}

TEST(RestAuth, RefreshTokenAfterUnauthorized) {
  int issued = 0;
  FakeHttpServer server([&issued](const CapturedRequest& req) {
    if (PathOf(req.target) == "/token") {
      ++issued;
      EXPECT_NE(req.body.find("refresh_token=rt-1"), std::string::npos);
      return Json(200, json::object{{"access_token", "fresh"}, {"expires_in", 3600}});
    }
    if (req.headers.count("authorization") == 0 ||
        req.headers.at("authorization") != "Bearer fresh")
      return FakeHttpServer::Response(401, "expired");
    return Json(200, json::object{{"items", Records(0, 2)}});
  });
  PagerConfig cfg;
  cfg.auth_kind = AuthKind::kOAuth2Refresh;
  std::string base = "http://127.0.0.1:" + std::to_string(server.port());
  cfg.auth_params = json::object{
      {"accessToken", "stale"}, {"refreshToken", "rt-1"}, {"accessTokenUrl", base + "/token"}};
  Walked r = Walk(Attrs(server.port(), ""), cfg);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(issued, 1);
  EXPECT_EQ(Ids(r), Range(0, 2));
}

// AEP's specs often write the token into headerParams themselves: the placeholder must carry
// the refreshed token, not the one stored in the connection.
TEST(RestAuth, AccessTokenPlaceholderFollowsTheRefresh) {
  int issued = 0;
  FakeHttpServer server([&issued](const CapturedRequest& req) {
    if (PathOf(req.target) == "/token") {
      ++issued;
      return Json(200, json::object{{"access_token", "fresh"}, {"expires_in", 3600}});
    }
    if (req.headers.count("authorization") == 0 ||
        req.headers.at("authorization") != "Bearer fresh") {
      return FakeHttpServer::Response(401, "expired");
    }
    return Json(200, json::object{{"items", Records(0, 1)}});
  });
  PagerConfig cfg;
  cfg.auth_kind = AuthKind::kOAuth2Refresh;
  std::string base = "http://127.0.0.1:" + std::to_string(server.port());
  cfg.auth_params = json::object{
      {"accessToken", "stale"}, {"refreshToken", "rt-1"}, {"accessTokenUrl", base + "/token"}};
  Walked r = Walk(
      Attrs(server.port(), R"("headerParams": {"Authorization": "Bearer {{accessToken}}"})"), cfg);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(issued, 1);
  EXPECT_EQ(server.requests().size(), 3u);  // stale 401, token, fresh
}

TEST(RestSource, StreamsBatchesWithInferredTypesAndRowErrors) {
  FakeHttpServer server([](const CapturedRequest& req) {
    int page = std::stoi(QueryOf(req.target)["p"]);
    json::array items;
    for (int i = page * 3; i < std::min(page * 3 + 3, 8); ++i) {
      items.push_back(
          json::object{{"id", i}, {"score", i == 6 ? json::value("oops") : json::value(i * 1.5)}});
    }
    return Json(200, json::object{{"items", items}});
  });
  std::unique_ptr<Connector> c = NewConnector();
  SourceConfig cfg;
  cfg.connection.spec = &Spec();
  cfg.connection.auth_params = json::object{};
  cfg.params = Attrs(
      server.port(),
      R"("paginationParams": {"type": "PAGE", "limitName": "n", "limitValue": 3, "pageParamName": "p", "initialPageIndex": 0},
         "fluxo": {"inferRecords": 3})");  // the first page's types: record 7 does not fit
  cfg.batch_rows = 4;
  std::vector<RowError> errors;
  cfg.on_row_error = [&errors](const RowError& e) { errors.push_back(e); };
  auto src = c->NewSource(cfg);
  ASSERT_TRUE(src.ok()) << src.status().message();
  ASSERT_TRUE((*src)->Open().ok());
  const Schema& schema = *(*src)->schema();
  ASSERT_EQ(schema.num_fields(), 2);
  EXPECT_EQ(schema.field(0).type, DataType::Int64());
  EXPECT_EQ(schema.field(1).type, DataType::Float64());
  auto splits = (*src)->PlanSplits();
  ASSERT_EQ(splits->size(), 1u);
  auto reader = (*src)->OpenReader(splits->at(0));
  ASSERT_TRUE(reader.ok());
  int64_t rows = 0;
  while (true) {
    auto b = (*reader)->Next();
    ASSERT_TRUE(b.ok()) << b.status().message();
    if (b->num_rows() == 0) break;
    EXPECT_LE(b->num_rows(), 4);
    rows += b->num_rows();
  }
  EXPECT_EQ(rows, 7);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, "INGEST-1201");
  EXPECT_EQ(errors[0].line, 7);
  EXPECT_EQ((*src)->counters().input_records.load(), 8);
  EXPECT_EQ((*src)->counters().failed_records.load(), 1);
}

TEST(RestSource, InfersTheSchemaOverPagesUpToInferRecords) {
  // Pages of 3 records; "late" appears first in record 5 (the second page).
  FakeHttpServer server([](const CapturedRequest& req) {
    int page = std::stoi(QueryOf(req.target)["p"]);
    json::array items;
    for (int i = page * 3; i < std::min(page * 3 + 3, 8); ++i) {
      json::object r{{"id", i}};
      if (i >= 4) r["late"] = "x" + std::to_string(i);
      items.push_back(std::move(r));
    }
    return Json(200, json::object{{"items", items}});
  });
  for (auto [infer, fields] : {std::pair{1000, 2}, std::pair{3, 1}}) {
    SourceConfig cfg;
    cfg.connection.spec = &Spec();
    cfg.params = Attrs(server.port(),
                       R"("paginationParams": {"type": "PAGE", "limitName": "n", "limitValue": 3,
                          "pageParamName": "p", "initialPageIndex": 0},
                          "fluxo": {"inferRecords": )" +
                           std::to_string(infer) + "}");
    auto src = NewConnector()->NewSource(cfg);
    ASSERT_TRUE(src.ok()) << src.status().message();
    ASSERT_TRUE((*src)->Open().ok());
    ASSERT_EQ((*src)->schema()->num_fields(), fields) << "inferRecords " << infer;
    if (fields == 2) {
      EXPECT_EQ((*src)->schema()->field(1).name, "late");
    }
    auto reader = (*src)->OpenReader((*src)->PlanSplits()->at(0));
    int64_t rows = 0;
    while (true) {
      auto b = (*reader)->Next();
      ASSERT_TRUE(b.ok()) << b.status().message();
      if (b->num_rows() == 0) break;
      rows += b->num_rows();
    }
    EXPECT_EQ(rows, 8) << "the sampled pages are read once, then the rest";
  }
}

TEST(RestAuthKind, TheConnectionsSpecNameWins) {
  ConnectionSpec spec = Spec();
  spec.auth_specs = {{.name = "Open", .type = "None", .params = {{.name = "apiKey"}}},
                     {.name = "Key", .type = "ApiKey", .params = {{.name = "apiKey"}}}};
  json::object params{{"apiKey", "k"}};
  EXPECT_EQ(*AuthKindFor(spec, "Key", params), AuthKind::kApiKey);
  EXPECT_EQ(*AuthKindFor(spec, "Open", params), AuthKind::kNone);
  EXPECT_EQ(*AuthKindFor(spec, "", params), AuthKind::kNone) << "no name: the first that fits";
  auto unknown = AuthKindFor(spec, "Basic", params);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("auth.specName Basic names no auth spec"),
            std::string::npos);
}

TEST(RestCustomSpec, PlaceholdersMustNameAParameter) {
  ConnectionSpec spec = Spec();
  spec.org = "o";
  spec.source_params = {{.name = "campaignId", .type = ParamType::kString}};
  spec.rest_attributes = Attrs(1, "");
  spec.rest_attributes["urlParams"].as_object()["path"] = "/3.0/reports/${campaignId}/{{username}}";
  EXPECT_TRUE(ValidateCustomSourceSpec(spec).ok()) << ValidateCustomSourceSpec(spec).message();
  spec.rest_attributes["headerParams"] = json::object{{"X-A", "${nothing}"}};
  Status s = ValidateCustomSourceSpec(spec);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("sourceSpec.attributes.headerParams.X-A: placeholder ${nothing}"),
            std::string::npos)
      << s.message();
}

}  // namespace
}  // namespace fluxo::connectors::rest

namespace fluxo::connectors::rest {
namespace {

TEST(RestRateLimit, SpacesRequests) {
  FakeHttpServer server([](const CapturedRequest& req) {
    int page = std::stoi(QueryOf(req.target)["p"]);
    return Json(200, json::object{{"items", Records(page, page + 1)}});
  });
  auto start = std::chrono::steady_clock::now();
  // 5 pages at 20 requests per second: at least 4 gaps of 50 ms. The real sleep is used here.
  auto spec = DecodeRestSpec(
      Attrs(
          server.port(),
          R"("paginationParams": {"type": "PAGE", "pageParamName": "p", "initialPageIndex": 0, "pagesCount": 5}, "fluxo": {"requestsPerSecond": 20})"),
      "a");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  auto pager = Pager::Make(*spec, PagerConfig{});
  ASSERT_TRUE(pager.ok());
  std::vector<json::value> page;
  int64_t records = 0;
  while (*(*pager)->NextPage(&page)) records += static_cast<int64_t>(page.size());
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  EXPECT_EQ(records, 5);
  EXPECT_EQ(server.requests().size(), 5u);
  EXPECT_GE(ms, 200);
}

}  // namespace
}  // namespace fluxo::connectors::rest
