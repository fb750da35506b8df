#include "api/api_error.h"

#include <gtest/gtest.h>

namespace fluxo {
namespace {

TEST(ApiError, EnvelopeShape) {
  ApiError e = ToApiError(FlowError(400, 1430, "Flow not found with id abc", "flows", "abc"));
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
  json::value body = ToJsonBody(ToApiError(BadRequest(1451, "unknown query parameter 'x'")), "r");
  const json::object& report = body.at("report").as_object();
  EXPECT_EQ(report.size(), 2u);
  EXPECT_EQ(report.if_contains("id"), nullptr);
  EXPECT_EQ(body.at("errorDetails"), "unknown query parameter 'x'");
  EXPECT_EQ(body.at("type"), "https://ns.adobe.com/aep/errors/FLOW-1451-400");

  json::value nf = ToJsonBody(ToApiError(NotFoundError("flows", "f1")), "r");
  EXPECT_EQ(nf.at("type"), "https://ns.adobe.com/aep/errors/FLOW-1101-404");
  EXPECT_EQ(nf.at("title"), "Not Found");
  EXPECT_EQ(nf.at("report").at("id"), "f1");
  json::value stale = ToJsonBody(ToApiError(FlowError(412, 1404, "stale")), "r");
  EXPECT_EQ(stale.at("title"), "Precondition Failed");
}

TEST(ApiError, GatewayShape) {
  json::value body =
      ToJsonBody(ToApiError(GatewayError(401, "401013", "Oauth token is not valid")), "r");
  EXPECT_EQ(body, json::parse(R"({"error_code":"401013","message":"Oauth token is not valid"})"));
}

TEST(ApiError, PlainStatusesMapByCode) {
  ApiError e = ToApiError(Status::NotFound("no flow x"));
  EXPECT_EQ(e.http_status, 404);
  EXPECT_EQ(e.code, 1101);
  e = ToApiError(Status::InvalidArgument("bad name"));
  EXPECT_EQ(e.http_status, 400);
  EXPECT_EQ(e.code, 1410);
  EXPECT_EQ(e.message, "bad name");
  EXPECT_EQ(ToApiError(AsFlowError(Status::InvalidArgument("x"), 1384)).code, 1384);
  e = ToApiError(Status::FailedPrecondition("stale"));
  EXPECT_EQ(e.http_status, 412);
  EXPECT_EQ(e.code, 1404);
  EXPECT_EQ(ToApiError(Status::AlreadyExists("x")).http_status, 409);
  e = ToApiError(Status::Unauthenticated("bad token"));
  EXPECT_EQ(e.http_status, 401);
  EXPECT_EQ(e.gateway_error_code, "401013");
  EXPECT_EQ(ToApiError(Status::Unavailable("db down")).http_status, 503);
  EXPECT_EQ(ToApiError(Status::DeadlineExceeded("slow")).http_status, 504);
  EXPECT_EQ(ToApiError(Status::ResourceExhausted("full")).http_status, 429);
  e = ToApiError(Status::Internal("bug"));
  EXPECT_EQ(e.http_status, 500);
  EXPECT_EQ(ErrorTypeUri(e), "https://ns.adobe.com/aep/errors/FLOW-1500-500");
  EXPECT_EQ(ToJsonBody(e, "r").at("title"), "Internal Server Error");
}

Result<int> Half(int x) {
  if (x % 2 != 0) return BadRequest(1410, "odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  ASSIGN_OR_RETURN(int h, Half(x));
  ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(ApiError, ResultAndMacro) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ToApiError(r.status()).message, "odd");
}

TEST(ApiError, TheAnswerTravelsInTheDetailNotTheMessage) {
  Status s = FlowError(400, 1384, "params.windowStartTime is required", "runs", "r 1/x");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "params.windowStartTime is required");
  EXPECT_EQ(s.detail(), "FLOW-1384-400 runs/r 1/x");
  // Context added on the way up keeps the answer.
  ApiError e = ToApiError(s.WithContext("creating a run"));
  EXPECT_EQ(e.http_status, 400);
  EXPECT_EQ(e.code, 1384);
  EXPECT_EQ(e.message, "creating a run: params.windowStartTime is required");
  EXPECT_EQ(e.resource_type, "runs");
  EXPECT_EQ(e.resource_id, "r 1/x");
  // A message that looks like a code is never read as one.
  ApiError plain = ToApiError(Status::InvalidArgument("FLOW-1386-400"));
  EXPECT_EQ(plain.code, 1410);
  // A lower layer's own detail (not an API answer) falls back to the StatusCode table.
  ApiError ingest = ToApiError(Status::InvalidArgument("bad rows").WithDetail("INGEST-1212-400"));
  EXPECT_EQ(ingest.http_status, 400);
  EXPECT_EQ(ingest.code, 1410);
  // AsFlowError keeps an answer that is already there.
  EXPECT_EQ(ToApiError(AsFlowError(NotFoundError("flows", "f"), 1450)).code, 1101);
}

TEST(ApiError, StatusCodesFollowTheHttpStatus) {
  EXPECT_EQ(NotFoundError("flows", "f").code(), StatusCode::kNotFound);
  EXPECT_EQ(FlowError(412, 1404, "x").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(FlowError(409, 1410, "x").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(FlowError(429, 1429, "x").code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(FlowError(503, 1500, "x").retryable());
  EXPECT_EQ(FlowError(500, 1500, "x").code(), StatusCode::kInternal);
  Status g = GatewayError(403, "403010", "no token");
  EXPECT_EQ(g.code(), StatusCode::kPermissionDenied);
  ApiError e = ToApiError(g);
  EXPECT_EQ(e.http_status, 403);
  EXPECT_EQ(e.gateway_error_code, "403010");
  EXPECT_EQ(e.code, 0);
  EXPECT_EQ(ToApiError(GatewayError(400, "invalid_request", "x")).gateway_error_code,
            "invalid_request");
}

}  // namespace
}  // namespace fluxo
