// HttpServer: the Boost.Beast HTTP/1.1 server fluxo listens with.
//
// Keep-alive, many concurrent connections on a small thread pool (all I/O is asynchronous, so a
// slow client holds no thread), a request body limit (413), a header size limit (431), read and
// idle timeouts, a lingering close after an early error answer, a request id on every response
// (`x-request-id`, taken from the request when it sends a sane one) and an access log line per
// request.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"
#include "server/http.h"

namespace fluxo {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 picks a free port (see HttpServer::port())
  int threads = 2;
  uint64_t body_limit = 1 << 20;          // bytes; larger bodies get 413
  uint32_t header_limit = 16 * 1024;      // bytes; larger headers get 431
  std::chrono::seconds read_timeout{30};  // a whole request must arrive within this
  std::chrono::seconds idle_timeout{60};  // keep-alive connection with no request
  std::chrono::seconds write_timeout{60};
  // Lingering close (as nginx's lingering_close): after an error answer sent before the whole
  // request was read (413, 431, 400), the server shuts down its sending side and reads and
  // discards what the client still sends, for at most `linger_timeout` and `linger_bytes`, so
  // that the client (which often sends its whole body before reading) gets the answer instead of
  // a reset. All asynchronous: a lingering connection holds no thread.
  std::chrono::milliseconds linger_timeout{5000};
  uint64_t linger_bytes = 8 << 20;
  bool access_log = true;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts the I/O threads. Fails when the address cannot be bound.
  Status Start();
  // The bound port (useful with port 0). Valid after Start().
  uint16_t port() const;
  // Stops accepting, lets in-flight requests finish for up to `grace`, then closes every
  // connection and joins the threads. Idempotent.
  void Stop(std::chrono::milliseconds grace);

  // Implementation detail (public so the connection class in server.cc can name it).
  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace fluxo
