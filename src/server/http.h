// Plain HTTP request/response types shared by the server and the API layer.
//
// These carry no Beast types so that the many files that include them compile fast; only
// server.cc includes Beast.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace fluxo {

struct HttpRequest {
  std::string method;  // "GET", "POST", ... (upper case)
  std::string target;  // raw request target: path and query, still percent-encoded
  std::string path;    // the part of `target` before '?', still percent-encoded
  std::string query;   // the part after '?', raw ("" when none)
  // Header names are lower-cased; repeated headers are kept in order.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote;  // peer address "ip:port"
  std::string request_id;

  // The first header named `name` (lower case), or nullopt.
  std::optional<std::string> Header(const std::string& name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return v;
    }
    return std::nullopt;
  }
};

struct HttpResponse;

// A response body produced piece by piece (downloads from remote storage), pulled by the server
// only as fast as the client reads: the server asks for the next piece once the previous one is
// written to the socket, so a client that stops reading stops the producer too.
class HttpBodyStream {
 public:
  virtual ~HttpBodyStream() = default;
  // Asks for the next piece. `ready` is called once, from any thread (possibly before Pull
  // returns), with the next non-empty piece, an empty string at the end, or an error (the
  // server then closes the connection: the client sees a body shorter than Content-Length).
  // The server destroys the stream when the answer ends, early or not; a `ready` called after
  // that is ignored.
  using Ready = std::function<void(bool ok, std::string piece)>;
  virtual void Pull(Ready ready) = 0;
};

// Completes a deferred response (HttpResponse::deferred). Call it once, from any thread; the
// server then sends the response on the connection's own strand. When every copy is destroyed
// without a call, the server answers 500 (a handler bug, never a hung connection); calls after
// the first are ignored.
using HttpCompletion = std::function<void(HttpResponse)>;

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type/Length
  std::string content_type = "application/json";
  std::string body;
  // When set, the body is streamed from this file instead of `body`: bytes
  // [file_offset, file_offset + file_length) of the file.
  std::optional<std::string> file_path;
  uint64_t file_offset = 0;
  uint64_t file_length = 0;
  // When set, the body is pulled from this stream and is exactly `stream_length` bytes (the
  // Content-Length); `body` and `file_path` are ignored.
  std::shared_ptr<HttpBodyStream> stream;
  uint64_t stream_length = 0;
  // The answer to a HEAD request: the server sends the header only, with this Content-Length
  // (the length a GET would send), and never reads `file_path` or sends `body`.
  std::optional<uint64_t> head_length;
  // When set, nothing is sent now: right after the handler returns, the server calls
  // `deferred(complete)` once, on the I/O thread, and later sends what `complete` is given
  // (the other fields of this response are ignored). `deferred` must return at once (hand the
  // work to a WorkerPool, server/worker_pool.h) and must not keep references to the request.
  std::function<void(HttpCompletion complete)> deferred;

  static HttpResponse Json(int status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
};

// Handles one request. Called on a server I/O thread; must be thread-safe and should not block
// for long (metastore calls are fine; no network waits on user-controlled peers: such work
// answers with a deferred response completed from a WorkerPool).
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

}  // namespace fluxo
