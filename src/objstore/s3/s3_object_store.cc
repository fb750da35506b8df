#include "objstore/s3/s3_object_store.h"

#include <curl/curl.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <deque>
#include <map>
#include <pugixml.hpp>
#include <random>
#include <thread>

#include "base/log.h"

namespace fluxo {

struct S3ObjectStore::Request {
  const char* method = "GET";  // GET, HEAD, PUT, POST, DELETE
  std::string url;
  std::string_view body;  // PUT / POST body; must outlive Perform
  const char* content_type = nullptr;
  ByteRange range;  // GET only; {0, -1} sends no Range header
  // GET only: receives the body of a 2xx answer instead of Response::body.
  const std::function<Status(std::string_view)>* on_chunk = nullptr;
};

namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string Sha256Hex(std::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  std::string out(2 * SHA256_DIGEST_LENGTH, '0');
  for (int i = 0; i < SHA256_DIGEST_LENGTH; ++i) {
    out[2 * i] = kHex[md[i] >> 4];
    out[2 * i + 1] = kHex[md[i] & 15];
  }
  return out;
}

const std::string& EmptySha256() {
  static const std::string h = Sha256Hex("");
  return h;
}

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// "2009-10-12T17:50:30.000Z" -> ms since the epoch; -1 when malformed.
int64_t ParseIsoMillis(std::string_view s) {
  auto num = [&](size_t pos, size_t len) -> int64_t {
    if (pos + len > s.size()) return -1;
    int64_t v = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  int64_t y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2),
          se = num(17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || mi < 0 || se < 0) return -1;
  int64_t ms = 0;
  if (s.size() > 20 && s[19] == '.') {
    size_t i = 20;
    int digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (digits < 3) ms = ms * 10 + (s[i] - '0');
      ++digits;
      ++i;
    }
    for (; digits < 3; ++digits) ms *= 10;
  }
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return ((days * 24 + h) * 60 + mi) * 60000 + se * 1000 + ms;
}

constexpr size_t kMaxRemoteMessage = 160;  // bytes of a remote error message kept

struct S3Error {
  std::string code;
  std::string message;
};

// At most `max` bytes of `s` made safe to show: printable ASCII only (anything else, line
// breaks included, becomes one space), spaces collapsed, "..." when cut. The remote peer is
// untrusted: its text goes into API answers only this way.
std::string Excerpt(std::string_view s, size_t max) {
  std::string out;
  for (char c : s) {
    bool printable = c > 0x20 && c < 0x7f;
    if (!printable) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
      continue;
    }
    if (out.size() >= max) {
      while (!out.empty() && out.back() == ' ') out.pop_back();
      return out + "...";
    }
    out.push_back(c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// The S3 error of an answer's body: Code (an identifier of at most 64 letters, digits and dots,
// else dropped) and a short excerpt of Message. Nothing else of the body is ever kept.
S3Error ParseError(const std::string& body) {
  S3Error e;
  if (body.empty()) return e;
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) return e;
  pugi::xml_node err = doc.child("Error");
  std::string_view code = err.child_value("Code");
  bool identifier = !code.empty() && code.size() <= 64 &&
                    std::all_of(code.begin(), code.end(),
                                [](unsigned char c) { return std::isalnum(c) || c == '.'; });
  if (identifier) e.code = std::string(code);
  e.message = Excerpt(err.child_value("Message"), kMaxRemoteMessage);
  return e;
}

bool TransientCurlCode(CURLcode c) {
  switch (c) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_AGAIN: return true;
    default: return false;
  }
}

struct TransferCtx {
  CURL* handle = nullptr;
  S3ObjectStore::Response* resp = nullptr;
  const std::function<Status(std::string_view)>* on_chunk = nullptr;
  int64_t* delivered = nullptr;
  Status* callback_status = nullptr;
  long status = 0;
};

size_t WriteCb(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* ctx = static_cast<TransferCtx*>(userdata);
  size_t n = size * nmemb;
  if (ctx->status == 0) curl_easy_getinfo(ctx->handle, CURLINFO_RESPONSE_CODE, &ctx->status);
  if (ctx->on_chunk != nullptr && ctx->status >= 200 && ctx->status < 300) {
    Status st = (*ctx->on_chunk)(std::string_view(ptr, n));
    if (!st.ok()) {
      *ctx->callback_status = std::move(st);
      return 0;  // aborts the transfer with CURLE_WRITE_ERROR
    }
    *ctx->delivered += static_cast<int64_t>(n);
    return n;
  }
  // Error bodies are small; cap them anyway.
  if (ctx->on_chunk == nullptr || ctx->resp->body.size() < (64 << 10))
    ctx->resp->body.append(ptr, n);
  return n;
}

size_t HeaderCb(char* buffer, size_t size, size_t nitems, void* userdata) {
  auto* ctx = static_cast<TransferCtx*>(userdata);
  size_t n = size * nitems;
  std::string_view line(buffer, n);
  if (line.substr(0, 5) == "HTTP/") {  // a new response (after 100 Continue or a redirect)
    ctx->resp->headers.clear();
    ctx->status = 0;
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  ctx->resp->headers.emplace_back(std::move(name), std::string(value));
  return n;
}

Status HttpError(long http, const std::string& body, const std::string& what, bool* transient) {
  S3Error e = ParseError(body);
  std::string detail = "HTTP " + std::to_string(http);
  if (!e.code.empty()) detail += " " + e.code;
  if (!e.message.empty()) detail += ": " + e.message;
  std::string msg = what + ": " + detail;
  // 501 Not Implemented (an S3-compatible service without this request) never changes.
  *transient = (http >= 500 && http != 501) || http == 429 || e.code == "SlowDown" ||
               e.code == "RequestTimeout" || e.code == "InternalError";
  if (*transient) return Status::Unavailable(msg);
  if (e.code == "InvalidAccessKeyId" || e.code == "SignatureDoesNotMatch" ||
      e.code == "AuthorizationHeaderMalformed") {
    return Status::Unauthenticated(msg);
  }
  if (http == 404) return Status::NotFound(msg);
  if (http == 403) return Status::PermissionDenied(msg);
  if (http == 409 || http == 412) return Status::FailedPrecondition(msg);
  return Status::InvalidArgument(msg);
}

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

}  // namespace

std::string AwsUriEncode(std::string_view s, bool keep_slash) {
  std::string out;
  out.reserve(s.size() + 8);
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      static constexpr char kUpper[] = "0123456789ABCDEF";
      out.push_back('%');
      out.push_back(kUpper[c >> 4]);
      out.push_back(kUpper[c & 15]);
    }
  }
  return out;
}

Result<S3Options> ParseS3Url(std::string_view url, S3Options base) {
  constexpr std::string_view kScheme = "s3://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return Status::InvalidArgument("not an s3:// URL: " + Quote(url));
  }
  std::string_view rest = url.substr(kScheme.size());
  size_t slash = rest.find('/');
  std::string_view bucket = rest.substr(0, slash);
  if (bucket.empty()) return Status::InvalidArgument("s3 URL without a bucket: " + Quote(url));
  std::string prefix;
  if (slash != std::string_view::npos) {
    std::string_view p = rest.substr(slash + 1);
    while (!p.empty() && p.back() == '/') p.remove_suffix(1);
    if (!p.empty()) {
      RETURN_IF_ERROR(ValidateObjectKey(p));
      prefix = std::string(p) + "/";
    }
  }
  base.bucket = std::string(bucket);
  base.prefix = std::move(prefix);
  return base;
}

std::string S3ObjectStore::Response::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return "";
}

Result<std::unique_ptr<S3ObjectStore>> S3ObjectStore::Open(S3Options o) {
  if (o.bucket.empty()) return Status::InvalidArgument("s3: bucket is required");
  if (o.access_key.empty() || o.secret_key.empty()) {
    return Status::InvalidArgument("s3: access key and secret key are required");
  }
  if (o.region.empty()) o.region = "us-east-1";
  if (!o.prefix.empty()) {
    if (o.prefix.back() != '/') o.prefix.push_back('/');
    RETURN_IF_ERROR(ValidateObjectKey(std::string_view(o.prefix).substr(0, o.prefix.size() - 1)));
  }
  if (o.part_size < (5 << 20) || o.part_size > (int64_t{5} << 30)) {
    return Status::InvalidArgument("s3: part size must be between 5 MiB and 5 GiB");
  }
  if (o.parallel_parts < 1 || o.parallel_parts > 64) {
    return Status::InvalidArgument("s3: parallel parts must be between 1 and 64");
  }
  if (o.max_attempts < 1) o.max_attempts = 1;
  if (o.endpoint.empty()) {
    o.endpoint = "https://s3." + o.region + ".amazonaws.com";
  }
  while (!o.endpoint.empty() && o.endpoint.back() == '/') o.endpoint.pop_back();
  size_t scheme_end = o.endpoint.find("://");
  if (scheme_end == std::string::npos ||
      (o.endpoint.compare(0, scheme_end, "http") != 0 &&
       o.endpoint.compare(0, scheme_end, "https") != 0) ||
      o.endpoint.find('/', scheme_end + 3) != std::string::npos) {
    return Status::InvalidArgument("s3: endpoint must be http(s)://host[:port], got " +
                                   Quote(o.endpoint));
  }
  for (char c : o.bucket) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_')) {
      return Status::InvalidArgument("s3: invalid bucket name " + Quote(o.bucket));
    }
  }
  GlobalInit();
  return std::unique_ptr<S3ObjectStore>(new S3ObjectStore(std::move(o)));
}

S3ObjectStore::S3ObjectStore(S3Options options) : options_(std::move(options)) {
  if (options_.path_style) {
    base_url_ = options_.endpoint + "/" + AwsUriEncode(options_.bucket, false);
  } else {
    size_t p = options_.endpoint.find("://") + 3;
    base_url_ =
        options_.endpoint.substr(0, p) + options_.bucket + "." + options_.endpoint.substr(p);
  }
  sigv4_param_ = "aws:amz:" + options_.region + ":s3";
  userpwd_ = options_.access_key + ":" + options_.secret_key;
}

S3ObjectStore::~S3ObjectStore() {
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
}

std::string S3ObjectStore::Url(std::string_view full_key, std::string_view query) const {
  std::string url = base_url_ + "/" + AwsUriEncode(full_key, true);
  if (!query.empty()) {
    url.push_back('?');
    url.append(query);
  }
  return url;
}

void* S3ObjectStore::AcquireHandle() {
  {
    MutexLock lock(&mu_);
    if (!idle_.empty()) {
      void* h = idle_.back();
      idle_.pop_back();
      return h;
    }
  }
  return curl_easy_init();
}

void S3ObjectStore::ReleaseHandle(void* handle) {
  if (handle == nullptr) return;
  {
    MutexLock lock(&mu_);
    if (static_cast<int>(idle_.size()) < options_.max_idle_handles) {
      idle_.push_back(handle);
      return;
    }
  }
  curl_easy_cleanup(static_cast<CURL*>(handle));
}

Status S3ObjectStore::PerformOnce(void* handle, const Request& req, Response* resp,
                                  int64_t* delivered, Status* callback_status, bool* transient) {
  CURL* h = static_cast<CURL*>(handle);
  curl_easy_reset(h);  // keeps the connection cache
  *transient = false;
  TransferCtx ctx{h, resp, req.on_chunk, delivered, callback_status, 0};

  const std::string_view payload_hash_src = req.body;
  std::string payload_hash = req.body.empty() ? EmptySha256() : Sha256Hex(payload_hash_src);
  curl_slist* headers = nullptr;
  std::string sha_header = "x-amz-content-sha256: " + payload_hash;
  headers = curl_slist_append(headers, sha_header.c_str());
  std::string ct_header;
  if (req.content_type != nullptr) {
    ct_header = std::string("Content-Type: ") + req.content_type;
    headers = curl_slist_append(headers, ct_header.c_str());
  }
  // Resume after what a previous attempt already delivered.
  ByteRange range = req.range;
  range.offset += *delivered;
  if (range.length >= 0) range.length -= *delivered;
  std::string range_header;
  if (range.offset > 0 || range.length >= 0) {
    range_header = "Range: bytes=" + std::to_string(range.offset) + "-";
    if (range.length >= 0) range_header += std::to_string(range.offset + range.length - 1);
    headers = curl_slist_append(headers, range_header.c_str());
  }

  curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4_param_.c_str());
  curl_easy_setopt(h, CURLOPT_USERPWD, userpwd_.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options_.connect_timeout_s));
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.low_speed_time_s));
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &WriteCb);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &ctx);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &HeaderCb);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &ctx);
  std::string_view method = req.method;
  if (method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (method == "PUT" || method == "POST") {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.empty() ? "" : req.body.data());
    if (method == "PUT") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
  } else if (method == "DELETE") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
  }

  CURLcode rc = curl_easy_perform(h);
  curl_slist_free_all(headers);
  if (!callback_status->ok()) return *callback_status;
  if (rc != CURLE_OK) {
    *transient = TransientCurlCode(rc);
    return Status(*transient ? StatusCode::kUnavailable : StatusCode::kInternal,
                  std::string("curl: ") + curl_easy_strerror(rc), *transient);
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
  if (resp->status >= 200 && resp->status < 300) return Status::OK();
  return HttpError(resp->status, resp->body, "", transient);
}

Result<S3ObjectStore::Response> S3ObjectStore::Perform(const Request& req,
                                                       const std::string& what) {
  int64_t delivered = 0;
  thread_local std::mt19937_64 rng{std::random_device{}()};
  Status last;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    void* h = AcquireHandle();
    if (h == nullptr) return Status::Internal("curl_easy_init failed");
    Response resp;
    Status callback_status;
    bool transient = false;
    Status st = PerformOnce(h, req, &resp, &delivered, &callback_status, &transient);
    ReleaseHandle(h);
    if (st.ok()) return resp;
    if (!callback_status.ok()) return callback_status;  // the consumer's own error
    // Error messages from HttpError start with ": "; give them the operation's name.
    last = Status(st.code(),
                  what + (st.message().rfind(": ", 0) == 0 ? st.message() : ": " + st.message()),
                  st.retryable());
    if (!transient || attempt == options_.max_attempts) break;
    int64_t cap = options_.initial_backoff_ms;
    for (int i = 1; i < attempt && cap < options_.max_backoff_ms; ++i) cap *= 2;
    cap = std::min(cap, options_.max_backoff_ms);
    std::uniform_int_distribution<int64_t> dist(0, std::max<int64_t>(cap, 1));
    std::this_thread::sleep_for(std::chrono::milliseconds(dist(rng)));
  }
  if (last.retryable()) {
    return Status::Unavailable(last.message() + " (after " + std::to_string(options_.max_attempts) +
                               " attempts)");
  }
  return last;
}

Status S3ObjectStore::GetStream(std::string_view key, ByteRange range,
                                const std::function<Status(std::string_view)>& on_chunk) {
  RETURN_IF_ERROR(ValidateObjectKey(key));
  std::string what = "s3 GET " + Quote(options_.bucket + "/" + FullKey(key));
  if (range.offset < 0) return Status::InvalidArgument(what + ": negative range offset");
  if (range.length == 0) {
    ASSIGN_OR_RETURN(ObjectInfo info, Head(key));
    if (range.offset > 0 && range.offset >= info.size) {
      return Status::InvalidArgument(what + ": range starts past the end");
    }
    return Status::OK();
  }
  Request req;
  req.method = "GET";
  req.url = Url(FullKey(key), "");
  req.range = range;
  req.on_chunk = &on_chunk;
  Result<Response> r = Perform(req, what);
  if (!r.ok()) {
    // 416: the range starts at or past the end. An empty object read from 0 is just empty.
    if (r.status().message().find("HTTP 416") != std::string::npos) {
      if (range.offset == 0) return Status::OK();
      return Status::InvalidArgument(what + ": range starts past the end");
    }
    return r.status();
  }
  return Status::OK();
}

Result<std::string> S3ObjectStore::Get(std::string_view key, ByteRange range) {
  std::string out;
  if (range.length > 0) out.reserve(static_cast<size_t>(std::min<int64_t>(range.length, 64 << 20)));
  RETURN_IF_ERROR(GetStream(key, range, [&out](std::string_view chunk) {
    out.append(chunk);
    return Status::OK();
  }));
  return out;
}

Result<ObjectInfo> S3ObjectStore::Head(std::string_view key) {
  RETURN_IF_ERROR(ValidateObjectKey(key));
  Request req;
  req.method = "HEAD";
  req.url = Url(FullKey(key), "");
  std::string what = "s3 HEAD " + Quote(options_.bucket + "/" + FullKey(key));
  ASSIGN_OR_RETURN(Response resp, Perform(req, what));
  ObjectInfo info;
  info.key = std::string(key);
  std::string len = resp.Header("content-length");
  info.size = len.empty() ? 0 : std::strtoll(len.c_str(), nullptr, 10);
  std::string lm = resp.Header("last-modified");
  time_t t = lm.empty() ? -1 : curl_getdate(lm.c_str(), nullptr);
  if (t < 0) return Status::Internal(what + ": no valid Last-Modified header");
  info.last_modified_ms = static_cast<int64_t>(t) * 1000;
  return info;
}

Result<ListPage> S3ObjectStore::List(const ObjectListOptions& options) {
  if (options.max_keys < 1 || options.max_keys > 1000) {
    return Status::InvalidArgument("s3 list: max_keys must be in 1..1000");
  }
  std::string full_prefix = options_.prefix + options.prefix;
  // Parameters in SigV4 canonical order.
  std::string query;
  if (!options.continuation_token.empty()) {
    query += "continuation-token=" + AwsUriEncode(options.continuation_token, false) + "&";
  }
  query += "list-type=2&max-keys=" + std::to_string(options.max_keys);
  if (!full_prefix.empty()) query += "&prefix=" + AwsUriEncode(full_prefix, false);
  Request req;
  req.method = "GET";
  req.url = base_url_ + "/?" + query;
  std::string what = "s3 list " + Quote(options_.bucket + "/" + full_prefix);
  ASSIGN_OR_RETURN(Response resp, Perform(req, what));
  pugi::xml_document doc;
  if (!doc.load_buffer(resp.body.data(), resp.body.size())) {
    return Status::Unavailable(what + ": unreadable XML answer");
  }
  pugi::xml_node root = doc.child("ListBucketResult");
  if (!root) return Status::Unavailable(what + ": unexpected answer");
  ListPage page;
  for (pugi::xml_node c = root.child("Contents"); c; c = c.next_sibling("Contents")) {
    std::string k = c.child_value("Key");
    if (k.size() <= options_.prefix.size() ||
        k.compare(0, options_.prefix.size(), options_.prefix)) {
      continue;
    }
    ObjectInfo info;
    info.key = k.substr(options_.prefix.size());
    info.size = std::strtoll(c.child_value("Size"), nullptr, 10);
    info.last_modified_ms = ParseIsoMillis(c.child_value("LastModified"));
    if (info.last_modified_ms < 0) {
      return Status::Unavailable(what + ": bad LastModified for " + Quote(k));
    }
    page.objects.push_back(std::move(info));
  }
  std::sort(page.objects.begin(), page.objects.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  if (std::string_view(root.child_value("IsTruncated")) == "true") {
    page.next_token = root.child_value("NextContinuationToken");
    if (page.next_token.empty()) return Status::Unavailable(what + ": truncated without a token");
  }
  return page;
}

Status S3ObjectStore::Delete(std::string_view key) {
  RETURN_IF_ERROR(ValidateObjectKey(key));
  Request req;
  req.method = "DELETE";
  req.url = Url(FullKey(key), "");
  Result<Response> r = Perform(req, "s3 DELETE " + Quote(options_.bucket + "/" + FullKey(key)));
  if (!r.ok() && r.status().code() == StatusCode::kNotFound &&
      r.status().message().find("NoSuchBucket") == std::string::npos) {
    return Status::OK();
  }
  return r.status();
}

Status S3ObjectStore::DeleteIncomplete(std::string_view prefix) {
  if (list_uploads_unsupported_.load()) return Status::OK();
  std::string full_prefix = options_.prefix + std::string(prefix);
  std::string what = "s3 list multipart uploads " + Quote(options_.bucket + "/" + full_prefix);
  std::string key_marker, upload_id_marker;
  while (true) {
    // ListMultipartUploads, parameters in SigV4 canonical order.
    std::string query;
    if (!key_marker.empty()) query += "key-marker=" + AwsUriEncode(key_marker, false) + "&";
    if (!full_prefix.empty()) query += "prefix=" + AwsUriEncode(full_prefix, false) + "&";
    if (!upload_id_marker.empty()) {
      query += "upload-id-marker=" + AwsUriEncode(upload_id_marker, false) + "&";
    }
    query += "uploads=";
    Request req;
    req.method = "GET";
    req.url = base_url_ + "/?" + query;
    Result<Response> resp = Perform(req, what);
    if (!resp.ok()) {
      // A service without the request (s3rver answers 501 NotImplemented) or credentials without
      // s3:ListBucketMultipartUploads: nothing can be listed, so nothing is aborted here; the
      // bucket's lifecycle rule (AbortIncompleteMultipartUpload) is the fallback. Said once.
      const std::string& m = resp.status().message();
      if (m.find("HTTP 501") != std::string::npos ||
          resp.status().code() == StatusCode::kPermissionDenied) {
        if (!list_uploads_unsupported_.exchange(true)) {
          spdlog::warn(
              "{}; unfinished multipart uploads are not cleaned up by fluxo (use a "
              "lifecycle rule)",
              m);
        }
        return Status::OK();
      }
      return resp.status();
    }
    pugi::xml_document doc;
    if (!doc.load_buffer(resp->body.data(), resp->body.size())) {
      return Status::Unavailable(what + ": unreadable XML answer");
    }
    pugi::xml_node root = doc.child("ListMultipartUploadsResult");
    if (!root) return Status::Unavailable(what + ": unexpected answer");
    for (pugi::xml_node u = root.child("Upload"); u; u = u.next_sibling("Upload")) {
      std::string key = u.child_value("Key");
      std::string id = u.child_value("UploadId");
      // Only what is under the prefix asked (the service filters too).
      if (id.empty() || key.compare(0, full_prefix.size(), full_prefix) != 0) continue;
      Request abort;
      abort.method = "DELETE";
      abort.url = Url(key, "uploadId=" + AwsUriEncode(id, false));
      Result<Response> r =
          Perform(abort, "s3 abort multipart upload " + Quote(options_.bucket + "/" + key));
      if (!r.ok() && r.status().code() != StatusCode::kNotFound) return r.status();  // gone: OK
    }
    if (std::string_view(root.child_value("IsTruncated")) != "true") return Status::OK();
    std::string next_key = root.child_value("NextKeyMarker");
    std::string next_id = root.child_value("NextUploadIdMarker");
    if (next_key.empty() || (next_key == key_marker && next_id == upload_id_marker)) {
      return Status::Unavailable(what + ": truncated without a next marker");
    }
    key_marker = std::move(next_key);
    upload_id_marker = std::move(next_id);
  }
}

Status S3ObjectStore::PutObject(std::string_view key, std::string_view data) {
  RETURN_IF_ERROR(ValidateObjectKey(key));
  Request req;
  req.method = "PUT";
  req.url = Url(FullKey(key), "");
  req.body = data;
  req.content_type = "application/octet-stream";
  return Perform(req, "s3 PUT " + Quote(options_.bucket + "/" + FullKey(key))).status();
}

Status S3ObjectStore::CheckAccess() {
  ObjectListOptions o;
  o.max_keys = 1;
  return List(o).status();
}

// ---- Writer.

namespace {

class S3ObjectWriter : public ObjectWriter {
 public:
  S3ObjectWriter(S3ObjectStore* store, std::string key)
      : store_(store),
        key_(std::move(key)),
        full_key_(store->FullKey(key_)),
        parallel_(std::max(1, store->options().parallel_parts)) {}
  ~S3ObjectWriter() override {
    if (!closed_) Abort();
  }

  Status Append(std::string_view data) override {
    if (closed_ || failed_) {
      return Status::FailedPrecondition("s3 writer for " + Quote(key_) + " is closed or failed");
    }
    const size_t part = static_cast<size_t>(store_->options().part_size);
    while (!data.empty()) {
      if (buf_.capacity() < part) buf_.reserve(part);
      size_t take = std::min(data.size(), part - buf_.size());
      buf_.append(data.data(), take);
      data.remove_prefix(take);
      written_ += static_cast<int64_t>(take);
      if (buf_.size() == part) {
        Status st = SubmitPart();
        if (!st.ok()) return Fail(st);
      }
    }
    return Status::OK();
  }

  Status Commit() override {
    if (closed_ || failed_) {
      return Status::FailedPrecondition("s3 writer for " + Quote(key_) + " is closed or failed");
    }
    Status st;
    if (upload_id_.empty()) {
      st = store_->PutObject(key_, buf_);
    } else {
      if (!buf_.empty()) st = SubmitPart();
      if (st.ok()) st = Drain();
      if (st.ok()) st = Complete();
    }
    if (!st.ok()) return Fail(st);
    closed_ = true;
    std::string().swap(buf_);
    return Status::OK();
  }

  void Abort() override {
    if (closed_) return;
    closed_ = true;
    StopUploads();
    AbortUpload();
    std::string().swap(buf_);
  }

  int64_t bytes_written() const override { return written_; }
  const std::string& key() const override { return key_; }

 private:
  struct Part {
    int number = 0;
    std::string data;
  };

  std::string What(const char* op) const {
    return std::string("s3 ") + op + " " + Quote(store_->options().bucket + "/" + full_key_);
  }

  // After any failure: no more parts, the upload aborted, the writer unusable.
  Status Fail(Status st) {
    failed_ = true;
    StopUploads();
    AbortUpload();
    std::string().swap(buf_);
    return st;
  }

  Status Initiate() {
    S3ObjectStore::Request req;
    req.method = "POST";
    req.url = store_->Url(full_key_, "uploads=");
    req.content_type = "application/octet-stream";
    ASSIGN_OR_RETURN(auto resp, store_->Perform(req, What("start multipart upload")));
    pugi::xml_document doc;
    doc.load_buffer(resp.body.data(), resp.body.size());
    upload_id_ = doc.child("InitiateMultipartUploadResult").child_value("UploadId");
    if (upload_id_.empty()) {
      return Status::Unavailable(What("start multipart upload") + ": no UploadId in the answer");
    }
    for (int i = 0; i < parallel_; ++i) uploaders_.emplace_back([this] { UploadLoop(); });
    return Status::OK();
  }

  // Hands the full buffer to the uploaders, waiting while `parallel_` parts are queued or
  // being sent (the memory bound: parallel_ parts plus the one being filled).
  Status SubmitPart() {
    if (upload_id_.empty()) RETURN_IF_ERROR(Initiate());
    Part p{++parts_submitted_, std::move(buf_)};
    buf_ = std::string();
    MutexLock lock(&mu_);
    while (error_.ok() && static_cast<int>(queue_.size()) + busy_ >= parallel_) cv_.Wait();
    if (!error_.ok()) return error_;
    queue_.push_back(std::move(p));
    cv_.SignalAll();
    return Status::OK();
  }

  // One uploader thread: sends queued parts (each PUT retried by Perform) until stopped.
  void UploadLoop() {
    while (true) {
      Part p;
      {
        MutexLock lock(&mu_);
        while (queue_.empty() && !stopping_) cv_.Wait();
        if (queue_.empty()) return;
        p = std::move(queue_.front());
        queue_.pop_front();
        if (!error_.ok()) {
          cv_.SignalAll();
          continue;  // a part failed: the rest is dropped
        }
        ++busy_;
      }
      Result<std::string> etag = UploadPart(p);
      std::string().swap(p.data);
      MutexLock lock(&mu_);
      --busy_;
      if (etag.ok()) {
        etags_[p.number] = std::move(*etag);
      } else if (error_.ok()) {
        error_ = etag.status();
      }
      cv_.SignalAll();
    }
  }

  // Waits until every submitted part is sent; the first part's error if one failed.
  Status Drain() {
    MutexLock lock(&mu_);
    while (!queue_.empty() || busy_ > 0) cv_.Wait();
    if (!error_.ok()) return error_;
    if (static_cast<int>(etags_.size()) != parts_submitted_) {
      return Status::Internal(What("upload part") + ": parts missing");
    }
    return Status::OK();
  }

  // Drops queued parts, waits for the ones being sent and joins the uploaders.
  void StopUploads() {
    {
      MutexLock lock(&mu_);
      if (error_.ok()) error_ = Status::Cancelled(What("upload") + ": aborted");
      queue_.clear();
      stopping_ = true;
      cv_.SignalAll();
    }
    for (auto& t : uploaders_) t.join();
    uploaders_.clear();
  }

  Result<std::string> UploadPart(const Part& p) {
    S3ObjectStore::Request req;
    req.method = "PUT";
    req.url = store_->Url(full_key_, "partNumber=" + std::to_string(p.number) +
                                         "&uploadId=" + AwsUriEncode(upload_id_, false));
    req.body = p.data;
    req.content_type = "application/octet-stream";
    ASSIGN_OR_RETURN(auto resp,
                     store_->Perform(req, What("upload part") + " #" + std::to_string(p.number)));
    std::string etag = resp.Header("etag");
    if (etag.empty()) return Status::Unavailable(What("upload part") + ": no ETag in the answer");
    return etag;
  }

  Status Complete() {
    {
      MutexLock lock(&mu_);
      stopping_ = true;
      cv_.SignalAll();
    }
    for (auto& t : uploaders_) t.join();
    uploaders_.clear();
    std::map<int, std::string> etags;
    {
      MutexLock lock(&mu_);
      etags.swap(etags_);
    }
    std::string xml = "<CompleteMultipartUpload>";
    for (const auto& [number, etag] : etags) {
      xml += "<Part><PartNumber>" + std::to_string(number) + "</PartNumber><ETag>" + etag +
             "</ETag></Part>";
    }
    xml += "</CompleteMultipartUpload>";
    S3ObjectStore::Request req;
    req.method = "POST";
    req.url = store_->Url(full_key_, "uploadId=" + AwsUriEncode(upload_id_, false));
    req.body = xml;
    req.content_type = "application/xml";
    ASSIGN_OR_RETURN(auto resp, store_->Perform(req, What("complete multipart upload")));
    // S3 may answer 200 and report an error in the body.
    if (resp.body.find("<Error>") != std::string::npos) {
      S3Error e = ParseError(resp.body);
      return Status::Unavailable(What("complete multipart upload") + ": " + e.code + " " +
                                 e.message);
    }
    upload_id_.clear();
    return Status::OK();
  }

  void AbortUpload() {
    if (upload_id_.empty()) return;
    S3ObjectStore::Request req;
    req.method = "DELETE";
    req.url = store_->Url(full_key_, "uploadId=" + AwsUriEncode(upload_id_, false));
    (void)store_->Perform(req, What("abort multipart upload"));  // best effort
    upload_id_.clear();
  }

  S3ObjectStore* store_;
  std::string key_;
  std::string full_key_;
  const int parallel_;  // parts queued or being sent at most
  std::string buf_;     // the part being filled (owned by the writing thread)
  int64_t written_ = 0;
  std::string upload_id_;  // set before the uploaders start, cleared after they stopped
  int parts_submitted_ = 0;
  bool closed_ = false;
  bool failed_ = false;
  std::vector<std::thread> uploaders_;  // started with the multipart upload

  Mutex mu_;
  CondVar cv_{&mu_};
  std::deque<Part> queue_ GUARDED_BY(mu_);
  int busy_ GUARDED_BY(mu_) = 0;  // parts being sent
  std::map<int, std::string> etags_ GUARDED_BY(mu_);
  Status error_ GUARDED_BY(mu_);  // the first failed part's (or Cancelled after a stop)
  bool stopping_ GUARDED_BY(mu_) = false;
};

}  // namespace

Result<std::unique_ptr<ObjectWriter>> S3ObjectStore::NewWriter(std::string_view key) {
  RETURN_IF_ERROR(ValidateObjectKey(key));
  return std::unique_ptr<ObjectWriter>(new S3ObjectWriter(this, std::string(key)));
}

}  // namespace fluxo
