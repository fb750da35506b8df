#include "server/server.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <set>
#include <thread>
#include <vector>

#include "base/ids.h"
#include "base/log.h"
#include "base/mutex.h"

namespace fluxo {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

bool IsSaneRequestId(const std::string& s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
      return false;
    }
  }
  return true;
}

const char* ReasonBody(int status) {
  switch (status) {
    case 400: return R"({"error_code":"400000","message":"Malformed HTTP request"})";
    case 413:
      return R"({"error_code":"413000","message":"Request body exceeds the limit of 1 MiB"})";
    case 431: return R"({"error_code":"431000","message":"Request header fields too large"})";
    default: return R"({"error_code":"500000","message":"Internal server error"})";
  }
}

// A response body of `length` bytes read from an open file at its current position (used for
// downloads and Range responses without loading the file into memory).
struct RangeFileBody {
  struct value_type {
    beast::file file;
    uint64_t length = 0;
  };
  static uint64_t size(const value_type& v) { return v.length; }

  class writer {
   public:
    using const_buffers_type = asio::const_buffer;
    template <bool isRequest, class Fields>
    writer(http::header<isRequest, Fields>&, value_type& v) : v_(v), remain_(v.length) {}
    void init(beast::error_code& ec) { ec = {}; }
    boost::optional<std::pair<const_buffers_type, bool>> get(beast::error_code& ec) {
      size_t amount = remain_ > sizeof(buf_) ? sizeof(buf_) : static_cast<size_t>(remain_);
      if (amount == 0) {
        ec = {};
        return boost::none;
      }
      size_t n = v_.file.read(buf_, amount, ec);
      if (ec) return boost::none;
      if (n == 0) {
        ec = http::error::short_read;
        return boost::none;
      }
      remain_ -= n;
      return {{const_buffers_type{buf_, n}, remain_ > 0}};
    }

   private:
    value_type& v_;
    uint64_t remain_;
    char buf_[64 * 1024];
  };
};

}  // namespace

class Session;

struct HttpServer::Impl {
  HttpServerOptions options;
  HttpHandler handler;
  asio::io_context ioc;
  // Keeps the I/O threads running while nothing is pending on the sockets (a deferred response
  // being computed during Stop's grace, once the acceptor is closed). Reset by Stop.
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
  std::atomic<bool> stopped{false};
  uint16_t bound_port = 0;

  Mutex mu;
  std::set<std::shared_ptr<Session>> sessions GUARDED_BY(mu);  // live sessions, for shutdown

  Impl(HttpServerOptions o, HttpHandler h) : options(std::move(o)), handler(std::move(h)) {}
  void DoAccept();
  void StartSession(tcp::socket socket) EXCLUDES(mu);
  void Remove(const std::shared_ptr<Session>& s) EXCLUDES(mu) {
    MutexLock lock(&mu);
    sessions.erase(s);
  }
};

// One connection. All handlers run on the session's strand, so its state needs no lock.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, HttpServer::Impl* server)
      : stream_(std::move(socket)), server_(server) {
    boost::system::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  }

  void Start() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&Session::DoRead, shared_from_this()));
  }

  // Called from Stop(): closes the connection when it is waiting for a request; a session that is
  // handling a request finishes it and then closes (keep-alive is off once stopping).
  void CloseIfIdle() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_) {
        boost::system::error_code ec;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
        self->stream_.close();
      }
    });
  }

  void ForceClose() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] { self->stream_.close(); });
  }

 private:
  void DoRead() {
    busy_ = false;
    if (server_->stopping) return Close();
    parser_.emplace();
    parser_->body_limit(server_->options.body_limit);
    parser_->header_limit(server_->options.header_limit);
    stream_.expires_after(requests_ == 0 ? server_->options.read_timeout
                                         : server_->options.idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == beast::error::timeout || ec == asio::error::connection_reset ||
        ec == asio::error::eof) {
      return Close();
    }
    if (ec == http::error::body_limit) return SendError(413);
    if (ec == http::error::header_limit) return SendError(431);
    if (ec) {
      // Malformed request: answer 400 only when something was received.
      if (parser_ && parser_->got_some()) return SendError(400);
      return Close();
    }
    busy_ = true;
    ++requests_;
    HandleRequest(parser_->release());
  }

  void HandleRequest(http::request<http::string_body>&& req) {
    auto start = std::chrono::steady_clock::now();
    HttpRequest in;
    in.method = std::string(req.method_string());
    in.target = std::string(req.target());
    auto q = in.target.find('?');
    in.path = in.target.substr(0, q);
    in.query = q == std::string::npos ? "" : in.target.substr(q + 1);
    for (const auto& f : req) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      in.headers.emplace_back(std::move(name), std::string(f.value()));
    }
    in.body = std::move(req.body());
    in.remote = remote_;
    auto rid = in.Header("x-request-id");
    in.request_id = rid && IsSaneRequestId(*rid) ? *rid : RandomHex(12);

    HttpResponse out;
    Answer answer{in.request_id, in.method, in.path, req.version(), req.keep_alive(), start};
    {
      ScopedRequestId scoped(in.request_id);
      try {
        out = server_->handler(in);
        if (out.deferred) return Defer(std::move(out.deferred), std::move(answer));
      } catch (const std::exception& e) {
        spdlog::error("unhandled exception in handler: {}", e.what());
        out = HttpResponse::Json(500, ReasonBody(500));
      }
    }
    Respond(std::move(out), answer);
  }

  // What the response to one request needs once the handler has returned.
  struct Answer {
    std::string request_id, method, path;
    unsigned version = 11;
    bool keep_alive = true;
    std::chrono::steady_clock::time_point start;
  };

  // Logs the access line and sends `out`. Runs on the session's strand.
  void Respond(HttpResponse out, const Answer& a) {
    if (server_->options.access_log) {
      ScopedRequestId scoped(a.request_id);
      auto ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a.start)
              .count();
      uint64_t bytes = out.head_length ? 0
                       : out.stream    ? out.stream_length
                       : out.file_path ? out.file_length
                                       : out.body.size();
      spdlog::info("access {} {} {} {}B {:.1f}ms {}", a.method, a.path, out.status, bytes, ms,
                   remote_);
    }
    bool keep_alive = a.keep_alive && !server_->stopping;
    Send(std::move(out), a.request_id, a.version, keep_alive);
  }

  // The completion of one deferred response: delivers the first response it is given to the
  // session's strand; destroyed without one, it delivers a 500. Thread-safe.
  class Pending {
   public:
    Pending(std::shared_ptr<Session> session, Answer answer)
        : session_(std::move(session)), answer_(std::move(answer)) {}
    ~Pending() { Deliver(HttpResponse::Json(500, ReasonBody(500))); }
    void Deliver(HttpResponse out) {
      if (delivered_.exchange(true)) return;
      auto session = session_;
      asio::post(session->stream_.get_executor(),
                 [session, a = answer_, out = std::move(out)]() mutable {
                   session->Respond(std::move(out), a);
                 });
    }

   private:
    std::shared_ptr<Session> session_;
    Answer answer_;
    std::atomic<bool> delivered_{false};
  };

  // The handler answered later: the session stays busy (no read) until the completion runs.
  void Defer(std::function<void(HttpCompletion)> deferred, Answer answer) {
    auto pending = std::make_shared<Pending>(shared_from_this(), std::move(answer));
    HttpCompletion complete = [pending](HttpResponse out) { pending->Deliver(std::move(out)); };
    try {
      deferred(std::move(complete));
    } catch (const std::exception& e) {
      spdlog::error("unhandled exception in a deferred handler: {}", e.what());
      pending->Deliver(HttpResponse::Json(500, ReasonBody(500)));
    }
  }

  template <class Body>
  void Finish(std::shared_ptr<http::response<Body>> res) {
    stream_.expires_after(server_->options.write_timeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                        if (!ec && self->linger_) return self->Linger();
                        if (ec || !res->keep_alive()) return self->Close();
                        self->DoRead();
                      });
  }

  template <class Res>
  void Decorate(Res& res, const HttpResponse& out, const std::string& rid, bool keep_alive) {
    res.set(http::field::server, "fluxo");
    res.set("x-request-id", rid);
    res.set(http::field::content_type, out.content_type);
    for (const auto& [k, v] : out.headers) res.set(k, v);
    res.keep_alive(keep_alive);
  }

  void Send(HttpResponse out, const std::string& rid, unsigned version, bool keep_alive) {
    if (out.head_length) {
      auto res = std::make_shared<http::response<http::empty_body>>(
          static_cast<http::status>(out.status), version);
      Decorate(*res, out, rid, keep_alive);
      res->content_length(*out.head_length);
      return Finish(res);
    }
    if (out.stream) return SendStream(std::move(out), rid, version, keep_alive);
    if (out.file_path) {
      RangeFileBody::value_type body;
      beast::error_code ec;
      body.file.open(out.file_path->c_str(), beast::file_mode::read, ec);
      if (!ec) body.file.seek(out.file_offset, ec);
      if (!ec) {
        body.length = out.file_length;
        auto res = std::make_shared<http::response<RangeFileBody>>(
            static_cast<http::status>(out.status), version);
        Decorate(*res, out, rid, keep_alive);
        res->body() = std::move(body);
        res->content_length(out.file_length);
        return Finish(res);
      }
      spdlog::error("cannot open {} for a response: {}", *out.file_path, ec.message());
      out = HttpResponse::Json(500, ReasonBody(500));
    }
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(out.status), version);
    Decorate(*res, out, rid, keep_alive);
    res->body() = std::move(out.body);
    res->prepare_payload();
    Finish(res);
  }

  // A streamed body (HttpResponse::stream): the header, then one piece at a time, each pulled
  // only once the previous one is written, and written in slices of kStreamSlice bytes, each
  // with its own write deadline, so a client that stops reading is cut off after write_timeout
  // and never makes the server buffer more than one piece.
  void SendStream(HttpResponse out, const std::string& rid, unsigned version, bool keep_alive) {
    auto res = std::make_shared<http::response<http::empty_body>>(
        static_cast<http::status>(out.status), version);
    Decorate(*res, out, rid, keep_alive);
    res->content_length(out.stream_length);
    auto sr = std::make_shared<http::response_serializer<http::empty_body>>(*res);
    body_stream_ = std::move(out.stream);
    stream_left_ = out.stream_length;
    stream_keep_alive_ = keep_alive;
    ++stream_gen_;
    stream_.expires_after(server_->options.write_timeout);
    http::async_write_header(stream_, *sr,
                             [self = shared_from_this(), res, sr](beast::error_code ec, size_t) {
                               if (ec) return self->EndStream(false);
                               self->PullPiece();
                             });
  }

  void PullPiece() {
    if (stream_left_ == 0) return EndStream(true);
    auto self = shared_from_this();
    uint64_t gen = stream_gen_;
    body_stream_->Pull([self, gen](bool ok, std::string piece) {
      auto ex = self->stream_.get_executor();
      asio::post(ex, [self, gen, ok, piece = std::move(piece)]() mutable {
        if (gen != self->stream_gen_ || !self->body_stream_) return;  // the answer ended
        self->OnPiece(ok, std::move(piece));
      });
    });
  }

  void OnPiece(bool ok, std::string piece) {
    if (!ok || piece.empty() || piece.size() > stream_left_) {
      spdlog::warn("streamed answer cut short: {} bytes missing{}", stream_left_,
                   ok ? "" : " (read error)");
      return EndStream(false);
    }
    stream_left_ -= piece.size();
    piece_ = std::move(piece);
    piece_pos_ = 0;
    WriteSlice();
  }

  void WriteSlice() {
    size_t n = std::min(kStreamSlice, piece_.size() - piece_pos_);
    stream_.expires_after(server_->options.write_timeout);
    asio::async_write(stream_, asio::buffer(piece_.data() + piece_pos_, n),
                      [self = shared_from_this()](beast::error_code ec, size_t written) {
                        if (ec) return self->EndStream(false);
                        self->piece_pos_ += written;
                        if (self->piece_pos_ < self->piece_.size()) return self->WriteSlice();
                        std::string().swap(self->piece_);
                        self->PullPiece();
                      });
  }

  // Ends a streamed answer: `complete` keeps the connection (when keep-alive) for the next
  // request; otherwise it closes (the body is short, the client sees it).
  void EndStream(bool complete) {
    body_stream_.reset();
    std::string().swap(piece_);
    ++stream_gen_;
    if (!complete || !stream_keep_alive_) return Close();
    DoRead();
  }

  // An answer to a request that was not read whole: the connection closes after a lingering
  // drain (Linger).
  void SendError(int status) {
    busy_ = true;
    linger_ = true;
    HttpResponse out = HttpResponse::Json(status, ReasonBody(status));
    std::string rid = RandomHex(12);
    if (server_->options.access_log) {
      ScopedRequestId scoped(rid);
      spdlog::info("access - - {} refused {}", status, remote_);
    }
    Send(std::move(out), rid, 11, /*keep_alive=*/false);
  }

  // Lingering close: no more answers on this connection (shutdown of the sending side, so the
  // client sees the end of the answer), then read and discard until the client closes, or
  // `linger_bytes` were read, or `linger_timeout` passed (one deadline for the whole drain, so a
  // client that trickles bytes is cut off like any other). Closing a socket with unread data
  // makes the kernel send a reset, which can destroy the answer before the client reads it.
  void Linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return Close();
    uint64_t buffered = buffer_.size();
    buffer_.consume(buffered);
    linger_left_ =
        server_->options.linger_bytes > buffered ? server_->options.linger_bytes - buffered : 0;
    drain_ = std::make_unique<char[]>(kDrainChunk);
    stream_.expires_after(server_->options.linger_timeout);
    DoDrain();
  }

  void DoDrain() {
    if (linger_left_ == 0) return Close();
    stream_.async_read_some(asio::buffer(drain_.get(), kDrainChunk),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec || n >= self->linger_left_) return self->Close();
                              self->linger_left_ -= n;
                              self->DoDrain();
                            });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
    server_->Remove(shared_from_this());
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpServer::Impl* server_;
  std::string remote_;
  bool busy_ = false;
  uint64_t requests_ = 0;
  // Lingering close state: set by SendError; the drain buffer exists only while draining.
  static constexpr size_t kDrainChunk = 16 * 1024;
  bool linger_ = false;
  uint64_t linger_left_ = 0;
  std::unique_ptr<char[]> drain_;
  // Streamed answer state (SendStream): the stream, bytes still owed, the piece being written.
  static constexpr size_t kStreamSlice = 256 * 1024;
  std::shared_ptr<HttpBodyStream> body_stream_;
  uint64_t stream_left_ = 0;
  bool stream_keep_alive_ = false;
  uint64_t stream_gen_ = 0;
  std::string piece_;
  size_t piece_pos_ = 0;
};

// Accepting is fair to new connections: one completion takes every connection waiting in the
// backlog (non-blocking accepts until would_block), not one per trip through the I/O queue. With
// one accept per trip, a burst of 200 connections on a busy server waited up to 200 trips behind
// the request handlers (the last connection's first answer came after 15 s while the others
// were answered in 0.5 s).
void HttpServer::Impl::DoAccept() {
  acceptor->async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted || stopping) return;
      spdlog::warn("accept failed: {}", ec.message());
    } else {
      StartSession(std::move(socket));
      while (!stopping) {
        tcp::socket next(asio::make_strand(ioc));
        acceptor->accept(next, ec);  // the acceptor is non-blocking: would_block ends the burst
        if (ec) break;
        StartSession(std::move(next));
      }
    }
    if (!stopping) DoAccept();
  });
}

void HttpServer::Impl::StartSession(tcp::socket socket) {
  if (stopping) return;
  auto s = std::make_shared<Session>(std::move(socket), this);
  {
    MutexLock lock(&mu);
    sessions.insert(s);
  }
  s->Start();
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() { Stop(std::chrono::milliseconds(0)); }

Status HttpServer::Start() {
  beast::error_code ec;
  auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec) return Status::InvalidArgument("bad listen address '" + impl_->options.host + "'");
  tcp::endpoint ep(address, impl_->options.port);
  impl_->acceptor.emplace(impl_->ioc);
  impl_->acceptor->open(ep.protocol(), ec);
  if (!ec) impl_->acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor->bind(ep, ec);
  if (!ec) impl_->acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) impl_->acceptor->non_blocking(true, ec);
  if (ec) {
    return Status::Unavailable("cannot listen on " + impl_->options.host + ":" +
                               std::to_string(impl_->options.port) + ": " + ec.message());
  }
  impl_->bound_port = impl_->acceptor->local_endpoint().port();
  impl_->DoAccept();
  impl_->work.emplace(impl_->ioc.get_executor());
  int n = std::max(1, impl_->options.threads);
  for (int i = 0; i < n; ++i) {
    impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  }
  return Status::OK();
}

uint16_t HttpServer::port() const { return impl_->bound_port; }

void HttpServer::Stop(std::chrono::milliseconds grace) {
  if (impl_->stopped.exchange(true)) return;
  impl_->stopping = true;
  if (impl_->acceptor) {
    asio::post(impl_->ioc, [this] {
      beast::error_code ec;
      impl_->acceptor->close(ec);
    });
  }
  {
    MutexLock lock(&impl_->mu);
    for (auto& s : impl_->sessions) s->CloseIfIdle();
  }
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    {
      MutexLock lock(&impl_->mu);
      if (impl_->sessions.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  {
    MutexLock lock(&impl_->mu);
    for (auto& s : impl_->sessions) s->ForceClose();
  }
  impl_->work.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
  MutexLock lock(&impl_->mu);
  impl_->sessions.clear();
}

}  // namespace fluxo
