// Unit tests of S3ObjectStore's requests against a fake HTTP server: the SigV4 signature libcurl
// computes is checked with an independent SigV4 implementation (s3rver does not reject a wrong
// secret, so this is where credential handling is verified), plus addressing, retries and error
// mapping.
#include <gtest/gtest.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "integration_s3/fake_http_server.h"
#include "objstore/s3/s3_object_store.h"

namespace fluxo {
namespace {

using testing::CapturedRequest;
using testing::FakeHttpServer;

std::string Hex(const unsigned char* p, size_t n) {
  static const char* k = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s.push_back(k[p[i] >> 4]);
    s.push_back(k[p[i] & 15]);
  }
  return s;
}
std::string Sha256Hex(const std::string& d) {
  unsigned char md[32];
  SHA256(reinterpret_cast<const unsigned char*>(d.data()), d.size(), md);
  return Hex(md, 32);
}
std::string Hmac(const std::string& key, const std::string& data) {
  unsigned char md[32];
  unsigned int len = 32;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  return std::string(reinterpret_cast<char*>(md), len);
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  return out;
}

// Reference SigV4 (AWS "Signature Version 4 signing process", S3 flavour: the canonical URI is
// the path as sent, encoded once). Returns the hex signature.
std::string ReferenceSignature(const std::string& method, const std::string& target,
                               const std::map<std::string, std::string>& headers,
                               const std::vector<std::string>& signed_headers,
                               const std::string& payload_hash, const std::string& secret,
                               const std::string& region) {
  std::string path = target.substr(0, target.find('?'));
  std::string query =
      target.find('?') == std::string::npos ? "" : target.substr(target.find('?') + 1);
  std::vector<std::string> params = query.empty() ? std::vector<std::string>{} : Split(query, '&');
  for (auto& p : params) {
    if (p.find('=') == std::string::npos) p += "=";
  }
  std::sort(params.begin(), params.end());
  std::string canonical_query;
  for (size_t i = 0; i < params.size(); ++i) canonical_query += (i ? "&" : "") + params[i];
  std::string canonical_headers, signed_list;
  for (size_t i = 0; i < signed_headers.size(); ++i) {
    std::string v = headers.at(signed_headers[i]);
    while (!v.empty() && v.back() == ' ') v.pop_back();
    canonical_headers += signed_headers[i] + ":" + v + "\n";
    signed_list += (i ? ";" : "") + signed_headers[i];
  }
  std::string canonical = method + "\n" + path + "\n" + canonical_query + "\n" + canonical_headers +
                          "\n" + signed_list + "\n" + payload_hash;
  std::string amz_date = headers.at("x-amz-date");
  std::string date = amz_date.substr(0, 8);
  std::string scope = date + "/" + region + "/s3/aws4_request";
  std::string to_sign =
      "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + Sha256Hex(canonical);
  std::string k = Hmac("AWS4" + secret, date);
  k = Hmac(k, region);
  k = Hmac(k, "s3");
  k = Hmac(k, "aws4_request");
  std::string sig = Hmac(k, to_sign);
  return Hex(reinterpret_cast<const unsigned char*>(sig.data()), sig.size());
}

// The reference implementation itself, on the example of the AWS S3 documentation
// ("Example: GET Object").
TEST(SigV4Reference, MatchesTheAwsDocumentationExample) {
  std::map<std::string, std::string> h = {{"host", "examplebucket.s3.amazonaws.com"},
                                          {"range", "bytes=0-9"},
                                          {"x-amz-content-sha256", Sha256Hex("")},
                                          {"x-amz-date", "20130524T000000Z"}};
  EXPECT_EQ(ReferenceSignature(
                "GET", "/test.txt", h, {"host", "range", "x-amz-content-sha256", "x-amz-date"},
                Sha256Hex(""), "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1"),
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

// Checks the Authorization header of `r` against the reference signature.
void ExpectValidSignature(const CapturedRequest& r, const std::string& access_key,
                          const std::string& secret, const std::string& region) {
  SCOPED_TRACE(r.method + " " + r.target);
  ASSERT_TRUE(r.headers.count("authorization"));
  ASSERT_TRUE(r.headers.count("x-amz-date"));
  ASSERT_TRUE(r.headers.count("x-amz-content-sha256"));
  // The payload hash header is the body's real hash.
  EXPECT_EQ(r.headers.at("x-amz-content-sha256"), Sha256Hex(r.body));
  const std::string& auth = r.headers.at("authorization");
  std::string date = r.headers.at("x-amz-date").substr(0, 8);
  std::string prefix = "AWS4-HMAC-SHA256 Credential=" + access_key + "/" + date + "/" + region +
                       "/s3/aws4_request, SignedHeaders=";
  ASSERT_EQ(auth.substr(0, prefix.size()), prefix) << auth;
  size_t sh_end = auth.find(", Signature=");
  ASSERT_NE(sh_end, std::string::npos);
  std::vector<std::string> signed_headers =
      Split(auth.substr(prefix.size(), sh_end - prefix.size()), ';');
  for (const char* must : {"host", "x-amz-content-sha256", "x-amz-date"}) {
    EXPECT_NE(std::find(signed_headers.begin(), signed_headers.end(), must), signed_headers.end())
        << must << " is not signed: " << auth;
  }
  std::string sig = auth.substr(sh_end + 12);
  EXPECT_EQ(sig, ReferenceSignature(r.method, r.target, r.headers, signed_headers,
                                    r.headers.at("x-amz-content-sha256"), secret, region));
  // A wrong secret gives another signature (the check above is not vacuous).
  EXPECT_NE(sig, ReferenceSignature(r.method, r.target, r.headers, signed_headers,
                                    r.headers.at("x-amz-content-sha256"), secret + "x", region));
}

S3Options TestOptions(int port) {
  S3Options o;
  o.endpoint = "http://127.0.0.1:" + std::to_string(port);
  o.region = "eu-west-3";
  o.path_style = true;
  o.bucket = "my-bucket";
  o.prefix = "lake";
  o.access_key = "AKIDEXAMPLE";
  o.secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  o.initial_backoff_ms = 1;
  o.max_backoff_ms = 5;
  return o;
}

const char* kListXml =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>my-bucket</Name>"
    "<Prefix>lake/a b/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>"
    "<IsTruncated>true</IsTruncated><NextContinuationToken>tok/+=</NextContinuationToken>"
    "<Contents><Key>lake/a b/2.csv</Key><LastModified>2024-01-02T03:04:05.678Z</LastModified>"
    "<Size>12</Size></Contents>"
    "<Contents><Key>lake/a b/1.csv</Key><LastModified>2024-01-02T03:04:05.000Z</LastModified>"
    "<Size>7</Size></Contents></ListBucketResult>";

TEST(S3Signing, EveryRequestKindIsSignedCorrectly) {
  FakeHttpServer server([](const CapturedRequest& r) {
    if (r.method == "HEAD") {
      return std::string(
          "HTTP/1.1 200 OK\r\nLast-Modified: Tue, 02 Jan 2024 03:04:05 GMT\r\n"
          "Content-Length: 42\r\n\r\n");
    }
    if (r.method == "GET" && r.target.find("list-type=2") != std::string::npos) {
      return FakeHttpServer::Response(200, kListXml);
    }
    if (r.method == "GET") return FakeHttpServer::Response(206, "0123456789");
    if (r.method == "DELETE") return FakeHttpServer::Response(204, "");
    return FakeHttpServer::Response(200, "", "ETag: \"abc\"\r\n");
  });
  S3Options o = TestOptions(server.port());
  auto store = S3ObjectStore::Open(o);
  ASSERT_TRUE(store.ok()) << store.status().ToString();

  ASSERT_TRUE((*store)->PutObject("dir/a key+ü=&.csv", "hello, world").ok());
  auto info = (*store)->Head("dir/x.csv");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->last_modified_ms, 1704164645000);
  auto got = (*store)->Get("dir/x.csv", {5, 10});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "0123456789");
  ObjectListOptions lo;
  lo.prefix = "a b/";
  lo.max_keys = 2;
  lo.continuation_token = "prev/tok=";
  auto page = (*store)->List(lo);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "a b/1.csv");  // prefix removed, sorted
  EXPECT_EQ(page->objects[1].last_modified_ms, 1704164645678);
  EXPECT_EQ(page->next_token, "tok/+=");
  ASSERT_TRUE((*store)->Delete("dir/x.csv").ok());

  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 5u);
  EXPECT_EQ(reqs[0].method, "PUT");
  EXPECT_EQ(reqs[0].target, "/my-bucket/lake/dir/a%20key%2B%C3%BC%3D%26.csv");
  EXPECT_EQ(reqs[0].body, "hello, world");
  EXPECT_EQ(reqs[2].headers.at("range"), "bytes=5-14");
  EXPECT_EQ(reqs[3].target,
            "/my-bucket/?continuation-token=prev%2Ftok%3D&list-type=2&max-keys=2&prefix=lake%2Fa%"
            "20b%2F");
  EXPECT_EQ(reqs[4].method, "DELETE");
  for (const auto& r : reqs) ExpectValidSignature(r, o.access_key, o.secret_key, o.region);
}

TEST(S3Signing, MultipartRequestsAreSignedAndOrdered) {
  std::atomic<int> parts{0};
  FakeHttpServer server([&](const CapturedRequest& r) {
    if (r.method == "POST" && r.target.find("uploads=") != std::string::npos) {
      return FakeHttpServer::Response(200,
                                      "<InitiateMultipartUploadResult><UploadId>up/1+x</UploadId>"
                                      "</InitiateMultipartUploadResult>");
    }
    if (r.method == "PUT") {
      return FakeHttpServer::Response(200, "", "ETag: \"e" + std::to_string(++parts) + "\"\r\n");
    }
    return FakeHttpServer::Response(200, "<CompleteMultipartUploadResult/>");
  });
  S3Options o = TestOptions(server.port());
  o.part_size = 5 << 20;
  o.parallel_parts = 1;  // one after another: the order below is the order sent
  auto store = S3ObjectStore::Open(o);
  ASSERT_TRUE(store.ok());
  auto w = (*store)->NewWriter("big.bin");
  ASSERT_TRUE(w.ok());
  std::string chunk(1 << 20, 'x');
  for (int i = 0; i < 11; ++i) ASSERT_TRUE((*w)->Append(chunk).ok());
  ASSERT_TRUE((*w)->Commit().ok());
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 5u);  // initiate, 3 parts, complete
  EXPECT_EQ(reqs[0].target, "/my-bucket/lake/big.bin?uploads=");
  EXPECT_EQ(reqs[1].target, "/my-bucket/lake/big.bin?partNumber=1&uploadId=up%2F1%2Bx");
  EXPECT_EQ(reqs[1].body.size(), 5u << 20);
  EXPECT_EQ(reqs[3].body.size(), 1u << 20);
  EXPECT_EQ(reqs[4].method, "POST");
  EXPECT_NE(reqs[4].body.find("<PartNumber>3</PartNumber><ETag>\"e3\"</ETag>"), std::string::npos);
  for (const auto& r : reqs) ExpectValidSignature(r, o.access_key, o.secret_key, o.region);
}

// A fake multipart endpoint: PUTs of parts take `delay_ms`, are counted at once, and may fail
// (a status per attempt of a part number).
struct MultipartFake {
  std::atomic<int> in_flight{0}, max_in_flight{0};
  std::mutex mu;
  std::map<int, std::vector<int>> fail;  // part number -> statuses of its first attempts
  std::map<int, int> attempts;
  int delay_ms = 80;

  static int PartNumber(const std::string& target) {
    auto p = target.find("partNumber=");
    return p == std::string::npos ? 0 : std::atoi(target.c_str() + p + 11);
  }
  std::string Handle(const CapturedRequest& r) {
    if (r.method == "POST" && r.target.find("uploads=") != std::string::npos) {
      return FakeHttpServer::Response(
          200,
          "<InitiateMultipartUploadResult><UploadId>u1</UploadId></InitiateMultipartUploadResult>");
    }
    if (r.method == "PUT") {
      int n = PartNumber(r.target);
      int now = ++in_flight;
      int seen = max_in_flight.load();
      while (now > seen && !max_in_flight.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      --in_flight;
      int status = 200;
      {
        std::lock_guard<std::mutex> lock(mu);
        int a = attempts[n]++;
        if (fail.count(n) && a < static_cast<int>(fail[n].size())) status = fail[n][a];
      }
      if (status != 200) return FakeHttpServer::Response(status, "<Error><Code>X</Code></Error>");
      return FakeHttpServer::Response(200, "", "ETag: \"p" + std::to_string(n) + "\"\r\n");
    }
    if (r.method == "DELETE") return FakeHttpServer::Response(204, "");
    return FakeHttpServer::Response(200, "<CompleteMultipartUploadResult/>");
  }
};

TEST(S3Multipart, PartsAreSentInParallelWithinTheBoundAndCompletedInOrder) {
  MultipartFake fake;
  FakeHttpServer server([&](const CapturedRequest& r) { return fake.Handle(r); });
  S3Options o = TestOptions(server.port());
  o.part_size = 5 << 20;
  o.parallel_parts = 3;
  auto store = S3ObjectStore::Open(o);
  ASSERT_TRUE(store.ok());
  auto w = (*store)->NewWriter("big.bin");
  ASSERT_TRUE(w.ok());
  std::string chunk(1 << 20, 'x');
  for (int i = 0; i < 8 * 5 + 2; ++i) ASSERT_TRUE((*w)->Append(chunk).ok());  // 9 parts
  ASSERT_TRUE((*w)->Commit().ok());
  EXPECT_GT(fake.max_in_flight.load(), 1);
  EXPECT_LE(fake.max_in_flight.load(), 3);
  auto reqs = server.requests();
  std::string complete;
  int puts = 0;
  size_t bytes = 0;
  for (const auto& r : reqs) {
    if (r.method == "PUT") {
      ++puts;
      bytes += r.body.size();
    }
    if (r.method == "POST" && r.target.find("uploadId=u1") != std::string::npos) complete = r.body;
    ExpectValidSignature(r, o.access_key, o.secret_key, o.region);
  }
  EXPECT_EQ(puts, 9);
  EXPECT_EQ(bytes, 42u << 20);
  std::string expected = "<CompleteMultipartUpload>";
  for (int n = 1; n <= 9; ++n) {
    expected += "<Part><PartNumber>" + std::to_string(n) + "</PartNumber><ETag>\"p" +
                std::to_string(n) + "\"</ETag></Part>";
  }
  EXPECT_EQ(complete, expected + "</CompleteMultipartUpload>");
}

TEST(S3Multipart, APartIsRetriedAlone) {
  MultipartFake fake;
  fake.delay_ms = 5;
  fake.fail[2] = {503, 500};
  FakeHttpServer server([&](const CapturedRequest& r) { return fake.Handle(r); });
  S3Options o = TestOptions(server.port());
  o.part_size = 5 << 20;
  auto store = S3ObjectStore::Open(o);
  ASSERT_TRUE(store.ok());
  auto w = (*store)->NewWriter("big.bin");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append(std::string(16 << 20, 'y')).ok());
  ASSERT_TRUE((*w)->Commit().ok());
  EXPECT_EQ(fake.attempts[1], 1);
  EXPECT_EQ(fake.attempts[2], 3);
  EXPECT_EQ(fake.attempts[4], 1);
}

TEST(S3Multipart, AFailedPartAbortsTheUploadAndNothingIsCompleted) {
  MultipartFake fake;
  fake.delay_ms = 20;
  fake.fail[3] = {400};  // permanent
  FakeHttpServer server([&](const CapturedRequest& r) { return fake.Handle(r); });
  S3Options o = TestOptions(server.port());
  o.part_size = 5 << 20;
  auto store = S3ObjectStore::Open(o);
  ASSERT_TRUE(store.ok());
  auto w = (*store)->NewWriter("big.bin");
  ASSERT_TRUE(w.ok());
  Status st;
  std::string chunk(1 << 20, 'z');
  for (int i = 0; i < 60 && st.ok(); ++i) st = (*w)->Append(chunk);
  if (st.ok()) st = (*w)->Commit();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("upload part"), std::string::npos) << st.ToString();
  EXPECT_FALSE((*w)->Commit().ok());  // unusable afterwards
  w->reset();
  int aborts = 0, completes = 0;
  for (const auto& r : server.requests()) {
    if (r.method == "DELETE" && r.target.find("uploadId=u1") != std::string::npos) ++aborts;
    if (r.method == "POST" && r.target.find("uploadId=u1") != std::string::npos) ++completes;
  }
  EXPECT_EQ(aborts, 1);
  EXPECT_EQ(completes, 0);
}

// DeleteIncomplete: what a crashed writer left (unfinished multipart uploads, invisible to
// List) is listed with ListMultipartUploads, page by page, and each upload aborted.
TEST(S3Store, DeleteIncompleteAbortsTheUnfinishedUploadsUnderThePrefix) {
  std::mutex mu;
  std::vector<std::string> aborted;
  FakeHttpServer server([&](const CapturedRequest& r) {
    if (r.method == "GET" && r.target.find("uploads=") != std::string::npos) {
      if (r.target.find("key-marker=") == std::string::npos) {
        return FakeHttpServer::Response(
            200,
            "<ListMultipartUploadsResult><Bucket>my-bucket</Bucket><IsTruncated>true"
            "</IsTruncated><NextKeyMarker>lake/ds/b1/part-00001.parquet</NextKeyMarker>"
            "<NextUploadIdMarker>id/2</NextUploadIdMarker>"
            "<Upload><Key>lake/ds/b1/part-00000.parquet</Key><UploadId>id+1</UploadId>"
            "<Initiated>2026-12-01T10:00:00.000Z</Initiated></Upload>"
            "<Upload><Key>lake/ds/b1/part-00001.parquet</Key><UploadId>id/2</UploadId>"
            "</Upload></ListMultipartUploadsResult>");
      }
      return FakeHttpServer::Response(
          200,
          "<ListMultipartUploadsResult><IsTruncated>false</IsTruncated>"
          "<Upload><Key>lake/ds/b1/meta/row_errors.jsonl</Key><UploadId>id3</UploadId></Upload>"
          // Not under the prefix asked (a service that filters badly): left alone.
          "<Upload><Key>lake/ds/b2/part-00000.parquet</Key><UploadId>other</UploadId></Upload>"
          "</ListMultipartUploadsResult>");
    }
    if (r.method == "DELETE") {
      std::lock_guard<std::mutex> lock(mu);
      aborted.push_back(r.target);
      if (r.target.find("id3") != std::string::npos) {  // finished meanwhile
        return FakeHttpServer::Response(404, "<Error><Code>NoSuchUpload</Code></Error>");
      }
      return FakeHttpServer::Response(204, "");
    }
    return FakeHttpServer::Response(400, "<Error><Code>Unexpected</Code></Error>");
  });
  S3Options o = TestOptions(server.port());
  auto store = S3ObjectStore::Open(o);
  ASSERT_TRUE(store.ok());
  Status st = (*store)->DeleteIncomplete("ds/b1/");
  ASSERT_TRUE(st.ok()) << st.ToString();
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 5u);
  EXPECT_EQ(reqs[0].target, "/my-bucket/?prefix=lake%2Fds%2Fb1%2F&uploads=");
  EXPECT_EQ(reqs[3].target,
            "/my-bucket/?key-marker=lake%2Fds%2Fb1%2Fpart-00001.parquet&prefix=lake%2Fds%2Fb1%2F"
            "&upload-id-marker=id%2F2&uploads=");
  EXPECT_EQ(aborted,
            (std::vector<std::string>{"/my-bucket/lake/ds/b1/part-00000.parquet?uploadId=id%2B1",
                                      "/my-bucket/lake/ds/b1/part-00001.parquet?uploadId=id%2F2",
                                      "/my-bucket/lake/ds/b1/meta/row_errors.jsonl?uploadId=id3"}));
  for (const auto& r : reqs) ExpectValidSignature(r, o.access_key, o.secret_key, o.region);
}

TEST(S3Store, DeleteIncompleteFailsOnATransientErrorSoTheCallerRetries) {
  FakeHttpServer server([](const CapturedRequest& r) {
    if (r.method == "GET") {
      return FakeHttpServer::Response(200,
                                      "<ListMultipartUploadsResult><IsTruncated>false</IsTruncated>"
                                      "<Upload><Key>lake/p/x</Key><UploadId>u</UploadId></Upload>"
                                      "</ListMultipartUploadsResult>");
    }
    return FakeHttpServer::Response(503, "<Error><Code>SlowDown</Code></Error>");
  });
  S3Options o = TestOptions(server.port());
  o.max_attempts = 2;
  auto store = S3ObjectStore::Open(o);
  Status st = (*store)->DeleteIncomplete("p/");
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
  EXPECT_NE(st.message().find("abort multipart upload"), std::string::npos) << st.ToString();
}

// A service without ListMultipartUploads (s3rver answers 501 NotImplemented): no retries, OK
// (nothing can be listed), and no more listings afterwards.
TEST(S3Store, DeleteIncompleteWithoutTheListingIsOkAndAsksOnce) {
  FakeHttpServer server([](const CapturedRequest&) {
    return FakeHttpServer::Response(501, "<Error><Code>NotImplemented</Code></Error>");
  });
  auto store = S3ObjectStore::Open(TestOptions(server.port()));
  EXPECT_TRUE((*store)->DeleteIncomplete("a/").ok());
  EXPECT_TRUE((*store)->DeleteIncomplete("b/").ok());
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(S3Store, VirtualHostAddressing) {
  FakeHttpServer server(
      [](const CapturedRequest&) { return FakeHttpServer::Response(200, "", "ETag: \"e\"\r\n"); });
  S3Options o = TestOptions(server.port());
  o.path_style = false;
  o.endpoint = "http://localhost:" + std::to_string(server.port());
  auto store = S3ObjectStore::Open(o);
  ASSERT_TRUE(store.ok());
  // curl resolves *.localhost to the loopback address.
  Status st = (*store)->PutObject("k", "v");
  ASSERT_TRUE(st.ok()) << st.ToString();
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].target, "/lake/k");
  EXPECT_EQ(reqs[0].headers.at("host"), "my-bucket.localhost:" + std::to_string(server.port()));
  ExpectValidSignature(reqs[0], o.access_key, o.secret_key, o.region);
}

TEST(S3Store, RetriesTransientErrorsThenSucceeds) {
  std::atomic<int> n{0};
  FakeHttpServer server([&](const CapturedRequest&) {
    int i = ++n;
    if (i == 1) return FakeHttpServer::Response(503, "<Error><Code>SlowDown</Code></Error>");
    if (i == 2) return FakeHttpServer::Response(500, "");
    if (i == 3) return FakeHttpServer::Response(429, "");
    return FakeHttpServer::Response(200, "");
  });
  auto store = S3ObjectStore::Open(TestOptions(server.port()));
  ASSERT_TRUE(store.ok());
  EXPECT_TRUE((*store)->PutObject("k", "v").ok());
  EXPECT_EQ(n.load(), 4);
}

TEST(S3Store, GivesUpAfterMaxAttemptsWithARetryableError) {
  std::atomic<int> n{0};
  FakeHttpServer server([&](const CapturedRequest&) {
    ++n;
    return FakeHttpServer::Response(503, "");
  });
  S3Options o = TestOptions(server.port());
  o.max_attempts = 3;
  auto store = S3ObjectStore::Open(o);
  Status st = (*store)->PutObject("k", "v");
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(st.retryable());
  EXPECT_EQ(n.load(), 3);
  EXPECT_EQ(st.message().find(o.secret_key), std::string::npos);
}

TEST(S3Store, MapsPermanentErrorsWithoutRetry) {
  std::atomic<int> n{0};
  FakeHttpServer server([&](const CapturedRequest& r) {
    ++n;
    if (r.target.find("missing") != std::string::npos) {
      return FakeHttpServer::Response(404, "<Error><Code>NoSuchKey</Code></Error>");
    }
    if (r.target.find("denied") != std::string::npos) {
      return FakeHttpServer::Response(403, "<Error><Code>AccessDenied</Code></Error>");
    }
    return FakeHttpServer::Response(
        403, "<Error><Code>SignatureDoesNotMatch</Code><Message>bad</Message></Error>");
  });
  auto store = S3ObjectStore::Open(TestOptions(server.port()));
  EXPECT_EQ((*store)->Get("missing").status().code(), StatusCode::kNotFound);
  EXPECT_EQ((*store)->Get("denied").status().code(), StatusCode::kPermissionDenied);
  Status st = (*store)->Get("other").status();
  EXPECT_EQ(st.code(), StatusCode::kUnauthenticated);
  EXPECT_NE(st.message().find("SignatureDoesNotMatch"), std::string::npos) << st.ToString();
  EXPECT_TRUE((*store)->Delete("missing").ok());  // deleting a missing key is OK
  EXPECT_EQ(n.load(), 4);
}

TEST(S3Store, StreamingGetResumesAfterADroppedConnection) {
  // First answer promises 10 bytes and sends 4 (then the server closes); the retry must ask
  // for the rest only.
  std::atomic<int> n{0};
  FakeHttpServer server([&](const CapturedRequest&) -> std::string {
    if (++n == 1) return "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\n0123";
    return FakeHttpServer::Response(206, "456789");
  });
  auto store = S3ObjectStore::Open(TestOptions(server.port()));
  std::string got;
  Status st = (*store)->GetStream("k", {}, [&](std::string_view c) {
    got.append(c);
    return Status::OK();
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(got, "0123456789");
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].headers.count("range"), 0u);
  EXPECT_EQ(reqs[1].headers.at("range"), "bytes=4-");
}

TEST(S3Options, ParseS3Url) {
  auto o = ParseS3Url("s3://bucket/some/prefix/");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->bucket, "bucket");
  EXPECT_EQ(o->prefix, "some/prefix/");
  EXPECT_EQ(ParseS3Url("s3://b")->prefix, "");
  EXPECT_FALSE(ParseS3Url("http://b/x").ok());
  EXPECT_FALSE(ParseS3Url("s3:///x").ok());
  EXPECT_FALSE(ParseS3Url("s3://b/../x").ok());
  EXPECT_EQ(AwsUriEncode("a b/ü~", true), "a%20b/%C3%BC~");
  EXPECT_EQ(AwsUriEncode("a/b", false), "a%2Fb");
}

}  // namespace
}  // namespace fluxo

namespace fluxo {
namespace {

// Issue 16 item 5: an endpoint's error page never comes back whole; of an S3 error only the code
// and a short printable excerpt of the message.
TEST(S3Errors, RemoteBodiesAreNotEchoed) {
  const std::string page = "<html><body>" + std::string(5000, 'A') + "SECRET-PAGE</body></html>";
  const std::string xml = "<Error><Code>AccessDenied</Code><Message>line one\nline\x01two " +
                          std::string(1000, 'B') + "SECRET-MSG</Message><Extra>" + page +
                          "</Extra></Error>";
  for (const std::string& body : {page, xml}) {
    testing::FakeHttpServer server([&](const testing::CapturedRequest&) {
      return testing::FakeHttpServer::Response(403, body);
    });
    auto store = S3ObjectStore::Open(TestOptions(server.port()));
    ASSERT_TRUE(store.ok());
    Status st = (*store)->CheckAccess();
    ASSERT_FALSE(st.ok());
    EXPECT_LT(st.message().size(), 400u) << st.message();
    EXPECT_EQ(st.message().find("SECRET"), std::string::npos) << st.message();
    EXPECT_EQ(st.message().find('\n'), std::string::npos);
    EXPECT_EQ(st.message().find('\x01'), std::string::npos);
    if (body == xml) {
      EXPECT_NE(st.message().find("AccessDenied: line one line two BBB"), std::string::npos)
          << st.message();
    }
  }
}

}  // namespace
}  // namespace fluxo
