// S3ObjectStore: the ObjectStore interface over Amazon S3 or an S3-compatible service
// (MinIO, s3rver, Ceph RGW, ...), on libcurl with its built-in SigV4 signing.
//
// Addressing: keys live under `bucket` and an optional key `prefix` ("lake/"), so one bucket can
// hold several stores; List returns keys with the prefix removed. Requests go to
//   path style:    ENDPOINT/BUCKET/PREFIX+KEY
//   virtual host:  SCHEME://BUCKET.HOST/PREFIX+KEY
// where ENDPOINT defaults to https://s3.REGION.amazonaws.com.
//
// Signing: CURLOPT_AWS_SIGV4 "aws:amz:REGION:s3" with the access key and secret as user and
// password; every request also carries `x-amz-content-sha256`, the hex SHA-256 of its body (the
// empty string's for requests without one), which libcurl 7.88 does not add by itself. Paths and
// query strings are sent already in SigV4 canonical form (RFC 3986 unreserved characters kept,
// everything else %XX; query parameters sorted; `uploads=` instead of `uploads`) because
// libcurl 7.88 signs them as they are.
//
// Writes: an ObjectWriter buffers up to `part_size` bytes. An object that fits in one part is
// sent with one PUT at Commit(); a bigger one becomes a multipart upload (started when the first
// part is full; parts sent as they fill by `parallel_parts` uploader threads of the writer, at
// most that many queued or in flight, so a writer holds at most (parallel_parts + 1) x part_size
// bytes; each part retried alone; completed at Commit() in part order; aborted by Abort(), by the
// destructor of an uncommitted writer and after any part failed for good). S3 makes the object
// visible at once on completion, as the interface requires.
//
// Retries: each HTTP request is retried with capped exponential backoff and full jitter on
// connection errors, timeouts, 5xx and 429 (SlowDown), up to `max_attempts` attempts; a
// streaming GET that fails midway resumes after the bytes already delivered. Errors map to the
// interface's codes: NotFound (404, NoSuchKey, NoSuchBucket), PermissionDenied (403),
// Unauthenticated (InvalidAccessKeyId, SignatureDoesNotMatch), InvalidArgument (other 4xx,
// 416), Unavailable (retryable: network errors, 5xx and 429 once the attempts are spent).
// Messages name the bucket and key and never contain the secret; of a remote answer they keep
// only the HTTP status, the S3 error code (an identifier) and at most 160 printable ASCII
// characters of its <Message>: never the body itself (the endpoint is the tenant's choice).
//
// Connections: a pool of at most `max_idle_handles` CURL easy handles is kept between requests,
// so keep-alive connections and TLS sessions are reused.
//
// Thread-safe: any number of threads may call the store at once. A writer belongs to one thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/mutex.h"
#include "objstore/object_store.h"

namespace fluxo {

struct S3Options {
  // "http://127.0.0.1:4568" or "https://minio.example:9000"; empty:
  // https://s3.REGION.amazonaws.com.
  std::string endpoint;
  std::string region = "us-east-1";
  bool path_style = false;  // ENDPOINT/BUCKET/KEY instead of BUCKET.HOST/KEY
  std::string bucket;       // required
  std::string prefix;       // key prefix inside the bucket, "" or ending with '/'
  std::string access_key;   // required
  std::string secret_key;   // required; never logged nor put in a message

  int64_t part_size = 8 << 20;  // bytes per multipart part; 5 MiB .. 5 GiB
  // Parts of one multipart upload queued or being sent at once (each by its own thread); a
  // writer holds at most (parallel_parts + 1) x part_size bytes.
  int parallel_parts = 4;
  int max_attempts = 5;              // per HTTP request, including the first
  int64_t initial_backoff_ms = 100;  // first retry waits up to this (full jitter), doubling
  int64_t max_backoff_ms = 5000;     // cap of one wait
  int connect_timeout_s = 10;
  // A transfer slower than 1 KiB/s for this long is aborted (and retried).
  int low_speed_time_s = 60;
  int max_idle_handles = 16;
};

// Parses "s3://bucket/some/prefix" into bucket and prefix ("some/prefix/") of `base`.
// Errors: InvalidArgument for anything else.
Result<S3Options> ParseS3Url(std::string_view url, S3Options base = {});

// The SigV4 canonical URI encoding of one string (RFC 3986 unreserved characters kept, others
// %XX in upper case); `keep_slash` keeps '/' as is (for paths).
std::string AwsUriEncode(std::string_view s, bool keep_slash);

class S3ObjectStore : public ObjectStore {
 public:
  // Checks the options (no request is made). Errors: InvalidArgument.
  static Result<std::unique_ptr<S3ObjectStore>> Open(S3Options options);
  ~S3ObjectStore() override;

  Result<std::unique_ptr<ObjectWriter>> NewWriter(std::string_view key) override;
  Result<std::string> Get(std::string_view key, ByteRange range = {}) override;
  Result<ObjectInfo> Head(std::string_view key) override;
  Result<ListPage> List(const ObjectListOptions& options) override;
  Status Delete(std::string_view key) override;
  // Aborts every unfinished multipart upload whose key begins with `prefix`
  // (ListMultipartUploads, then AbortMultipartUpload each; an upload already gone is fine). As
  // the interface says, only for prefixes no live writer uses: the lake calls it when it removes
  // the files of an aborted batch or of a dead split attempt. A service without the listing (501,
  // e.g. s3rver) or credentials not allowed to list uploads (403): warned once, then OK without
  // a request (a bucket lifecycle rule is the fallback).
  Status DeleteIncomplete(std::string_view prefix) override;

  // Streams a range of `key` to `on_chunk`, in order, in pieces of at most a few hundred KiB;
  // nothing is buffered beyond one piece, so objects of any size can be read. Range rules are
  // Get's. A network failure midway is retried from the first byte not yet delivered, so every
  // byte is delivered exactly once. An error returned by `on_chunk` stops the transfer and is
  // returned as is.
  Status GetStream(std::string_view key, ByteRange range,
                   const std::function<Status(std::string_view)>& on_chunk);

  // One cheap signed request (a one-key listing of the prefix): OK when the bucket exists and
  // the credentials may list it; else the mapped error (wrong key, missing bucket, unreachable).
  Status CheckAccess();

  // Uploads a single object with one PUT (no multipart); used for small objects.
  Status PutObject(std::string_view key, std::string_view data);

  const S3Options& options() const { return options_; }

  // ---- Internals shared with the writer (not part of the interface).
  struct Request;
  struct Response {
    long status = 0;
    std::string body;  // error bodies, XML answers; empty for streamed GETs
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
    std::string Header(std::string_view name) const;
  };
  // Performs `req` with retries. Non-2xx answers become errors (`what` names the operation).
  Result<Response> Perform(const Request& req, const std::string& what);
  // URL of a full key (prefix included) plus an already canonical query ("" for none).
  std::string Url(std::string_view full_key, std::string_view query) const;
  std::string FullKey(std::string_view key) const { return options_.prefix + std::string(key); }

 private:
  explicit S3ObjectStore(S3Options options);
  void* AcquireHandle() EXCLUDES(mu_);
  void ReleaseHandle(void* handle) EXCLUDES(mu_);
  Status PerformOnce(void* handle, const Request& req, Response* resp, int64_t* delivered,
                     Status* callback_status, bool* transient);

  S3Options options_;
  std::string base_url_;  // scheme://host[:port] (virtual host: with the bucket), no slash
  std::string sigv4_param_;
  std::string userpwd_;

  Mutex mu_;
  std::vector<void*> idle_ GUARDED_BY(mu_);            // CURL* handles
  std::atomic<bool> list_uploads_unsupported_{false};  // ListMultipartUploads refused once
};

}  // namespace fluxo
