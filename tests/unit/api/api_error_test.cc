#include "api/api_error.h"

#include <gtest/gtest.h>

namespace fluxo {
namespace {

TEST(ApiError, EnvelopeShape) {
  ApiError e = ApiError::Flow(400, 1430, "Flow not found with id abc", "flows", "abc");
  e.details = "more";
  json::value body = ToJsonBody(e, "req-1");
  EXPECT_EQ(body.at("type"), "https://ns.adobe.com/aep/errors/FLOW-1430-400");
  EXPECT_EQ(body.at("title"), "Bad Request");
  EXPECT_EQ(body.at("status"), 400);
  EXPECT_TRUE(body.at("status").is_int64());
  const json::object& report = body.at("report").as_object();
  EXPECT_EQ(report.at("detailed-message"), "Flow not found with id abc");
  EXPECT_EQ(report.at("request-id"), "req-1");
  EXPECT_EQ(report.at("id"), "abc");
  EXPECT_EQ(report.at("type"), "flows");
  EXPECT_EQ(body.at("errorMessage"), "Flow not found with id abc");
  EXPECT_EQ(body.at("errorDetails"), "more");
  EXPECT_EQ(body.as_object().size(), 6u);
}

TEST(ApiError, EnvelopeWithoutResourceOmitsReportIdAndType) {
  json::value body = ToJsonBody(ApiError::BadRequest(1451, "unknown query parameter 'x'"), "r");
  const json::object& report = body.at("report").as_object();
  EXPECT_EQ(report.size(), 2u);
  EXPECT_EQ(report.if_contains("id"), nullptr);
  EXPECT_EQ(body.at("errorDetails"), "unknown query parameter 'x'");
  EXPECT_EQ(body.at("type"), "https://ns.adobe.com/aep/errors/FLOW-1451-400");

  json::value nf = ToJsonBody(ApiError::NotFound("flows", "f1"), "r");
  EXPECT_EQ(nf.at("type"), "https://ns.adobe.com/aep/errors/FLOW-1101-404");
  EXPECT_EQ(nf.at("title"), "Not Found");
  EXPECT_EQ(nf.at("report").at("id"), "f1");
  json::value stale = ToJsonBody(ApiError::Flow(412, 1404, "stale"), "r");
  EXPECT_EQ(stale.at("title"), "Precondition Failed");
}

TEST(ApiError, GatewayShape) {
  json::value body = ToJsonBody(ApiError::Gateway(401, "401013", "Oauth token is not valid"), "r");
  EXPECT_EQ(body, json::parse(R"({"error_code":"401013","message":"Oauth token is not valid"})"));
}

TEST(ApiError, FromStatus) {
  ApiError e = FromStatus(Status::NotFound("no flow x"));
  EXPECT_EQ(e.http_status, 404);
  EXPECT_EQ(e.code, 1101);
  e = FromStatus(Status::InvalidArgument("bad name"));
  EXPECT_EQ(e.http_status, 400);
  EXPECT_EQ(e.code, 1410);
  EXPECT_EQ(e.message, "bad name");
  EXPECT_EQ(FromStatus(Status::InvalidArgument("x"), 1384).code, 1384);
  e = FromStatus(Status::FailedPrecondition("stale"));
  EXPECT_EQ(e.http_status, 412);
  EXPECT_EQ(e.code, 1404);
  EXPECT_EQ(FromStatus(Status::AlreadyExists("x")).http_status, 409);
  e = FromStatus(Status::Unauthenticated("bad token"));
  EXPECT_EQ(e.http_status, 401);
  EXPECT_EQ(e.gateway_error_code, "401013");
  EXPECT_EQ(FromStatus(Status::Unavailable("db down")).http_status, 503);
  EXPECT_EQ(FromStatus(Status::DeadlineExceeded("slow")).http_status, 504);
  EXPECT_EQ(FromStatus(Status::ResourceExhausted("full")).http_status, 429);
  e = FromStatus(Status::Internal("bug"));
  EXPECT_EQ(e.http_status, 500);
  EXPECT_EQ(ErrorTypeUri(e), "https://ns.adobe.com/aep/errors/FLOW-1500-500");
  EXPECT_EQ(ToJsonBody(e, "r").at("title"), "Internal Server Error");
}

ApiResult<int> Half(int x) {
  if (x % 2 != 0) return ApiError::BadRequest(1410, "odd");
  return x / 2;
}

ApiResult<int> Quarter(int x) {
  API_ASSIGN_OR_RETURN(int h, Half(x));
  API_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(ApiError, ApiResultAndMacro) {
  EXPECT_EQ(*Quarter(8), 2);
  ApiResult<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "odd");
}

}  // namespace
}  // namespace fluxo
