// HttpServer over real sockets: limits (413, 431), keep-alive, request ids and the deferred
// response path (a handler that answers later from another thread holds no I/O thread).
#include "server/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>

namespace fluxo {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Reply {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
};

// A blocking HTTP/1.1 client on one connection (so keep-alive can be observed).
class Client {
 public:
  explicit Client(uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
  void Write(const std::string& raw) { asio::write(socket_, asio::buffer(raw)); }
  // Reads one response (Content-Length bodies only). status 0: the connection closed.
  Reply Read() {
    Reply r;
    boost::system::error_code ec;
    asio::read_until(socket_, buf_, "\r\n\r\n", ec);
    if (ec) return r;
    std::string all(asio::buffers_begin(buf_.data()), asio::buffers_end(buf_.data()));
    size_t end = all.find("\r\n\r\n") + 4;
    r.head = all.substr(0, end);
    buf_.consume(end);
    r.status = std::stoi(r.head.substr(9, 3));
    size_t cl = Lower(r.head).find("content-length: ");
    size_t length = cl == std::string::npos ? 0 : std::stoul(r.head.substr(cl + 16));
    if (buf_.size() < length)
      asio::read(socket_, buf_, asio::transfer_exactly(length - buf_.size()));
    std::string rest(asio::buffers_begin(buf_.data()), asio::buffers_end(buf_.data()));
    r.body = rest.substr(0, length);
    buf_.consume(length);
    return r;
  }
  Reply Get(const std::string& path, const std::string& extra_headers = "") {
    Write("GET " + path + " HTTP/1.1\r\nHost: t\r\n" + extra_headers + "\r\n");
    return Read();
  }
  // Reads until the server closes the connection; true when it did (EOF or reset).
  bool ClosedByPeerAfterReadingAll() {
    boost::system::error_code ec;
    asio::read(socket_, buf_, asio::transfer_all(), ec);
    received_.assign(asio::buffers_begin(buf_.data()), asio::buffers_end(buf_.data()));
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }
  const std::string& received() const { return received_; }
  // True when the server closed the connection (a read sees EOF).
  bool ClosedByPeer() {
    boost::system::error_code ec;
    char c;
    socket_.read_some(asio::buffer(&c, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

 private:
  static std::string Lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }
  asio::io_context io_;
  tcp::socket socket_;
  asio::streambuf buf_;
  std::string received_;
};

HttpServerOptions TestOptions() {
  HttpServerOptions o;
  o.port = 0;
  o.threads = 1;  // one I/O thread: a blocked handler would stall everything
  o.body_limit = 1024;
  o.header_limit = 2048;
  o.access_log = false;
  return o;
}

HttpResponse Echo(const HttpRequest& req) {
  return HttpResponse::Json(
      200, "{\"path\":\"" + req.path + "\",\"bytes\":" + std::to_string(req.body.size()) + "}");
}

TEST(HttpServer, LimitsAnswer413And431AndClose) {
  HttpServer server(TestOptions(), Echo);
  ASSERT_TRUE(server.Start().ok());
  {
    Client c(server.port());
    c.Write("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 2048\r\n\r\n" + std::string(2048, 'a'));
    Reply r = c.Read();
    EXPECT_EQ(r.status, 413);
    EXPECT_NE(r.body.find("413000"), std::string::npos) << r.body;
    EXPECT_TRUE(c.ClosedByPeer());
  }
  {
    Client c(server.port());
    Reply r = c.Get("/x", "X-Big: " + std::string(4096, 'h') + "\r\n");
    EXPECT_EQ(r.status, 431);
    EXPECT_NE(r.body.find("431000"), std::string::npos) << r.body;
  }
  {
    Client c(server.port());  // at the limit is fine
    c.Write("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 1024\r\n\r\n" + std::string(1024, 'a'));
    Reply r = c.Read();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, R"({"path":"/x","bytes":1024})");
  }
  server.Stop(std::chrono::milliseconds(500));
}

// A client that sends its whole (oversized) body before it reads, as Python's urllib does: the
// server answers 413 at the limit and keeps reading (lingering close), so the client's writes
// complete and it reads the answer. Without the drain the close with unread data resets the
// connection and the client's write fails (broken pipe / reset).
TEST(HttpServer, LingeringCloseLetsAClientThatSendsEverythingFirstRead413) {
  HttpServer server(TestOptions(), Echo);
  ASSERT_TRUE(server.Start().ok());
  for (int i = 0; i < 5; ++i) {
    Client c(server.port());
    const size_t n = 4 << 20;  // far above the kernel's socket buffers
    EXPECT_NO_THROW(c.Write("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(n) +
                            "\r\n\r\n" + std::string(n, 'a')));
    Reply r = c.Read();
    EXPECT_EQ(r.status, 413);
    EXPECT_NE(r.body.find("413000"), std::string::npos) << r.body;
    EXPECT_TRUE(c.ClosedByPeer());
  }
  server.Stop(std::chrono::milliseconds(500));
}

// The drain is bounded: a client that trickles bytes after the 413 forever is cut off after
// linger_timeout, and one that floods is cut off after linger_bytes (slowloris stays handled).
TEST(HttpServer, LingeringCloseIsBoundedInTimeAndBytes) {
  HttpServerOptions o = TestOptions();
  o.linger_timeout = std::chrono::milliseconds(400);
  o.linger_bytes = 256 * 1024;
  HttpServer server(o, Echo);
  ASSERT_TRUE(server.Start().ok());
  // Writes `chunk` bytes every `pause` until a write fails; returns how long that took.
  auto write_until_refused = [&](size_t chunk, std::chrono::milliseconds pause) {
    Client c(server.port());
    c.Write("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 999999999\r\n\r\n" +
            std::string(2048, 'a'));
    EXPECT_EQ(c.Read().status, 413);
    auto t0 = std::chrono::steady_clock::now();
    auto limit = t0 + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < limit) {
      try {
        c.Write(std::string(chunk, 'b'));
      } catch (const boost::system::system_error&) {
        break;
      }
      std::this_thread::sleep_for(pause);
    }
    return std::chrono::steady_clock::now() - t0;
  };
  auto trickle = write_until_refused(1, std::chrono::milliseconds(20));
  EXPECT_GE(trickle, std::chrono::milliseconds(300));
  EXPECT_LT(trickle, std::chrono::seconds(5));
  // 64 KiB at a time with no pause: the byte bound ends it well before the 400 ms deadline
  // would; the socket buffers hold a few MiB at most, so the writes are refused quickly.
  auto flood = write_until_refused(64 * 1024, std::chrono::milliseconds(0));
  EXPECT_LT(flood, std::chrono::seconds(5));
  server.Stop(std::chrono::milliseconds(500));
}

TEST(HttpServer, KeepAliveServesManyRequestsOnOneConnectionAndHonoursClose) {
  HttpServer server(TestOptions(), Echo);
  ASSERT_TRUE(server.Start().ok());
  Client c(server.port());
  for (int i = 0; i < 3; ++i) {
    Reply r = c.Get("/n" + std::to_string(i));
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "{\"path\":\"/n" + std::to_string(i) + "\",\"bytes\":0}");
    EXPECT_NE(r.head.find("x-request-id: "), std::string::npos);
  }
  Reply echoed = c.Get("/id", "x-request-id: abc-123\r\n");
  EXPECT_NE(echoed.head.find("x-request-id: abc-123\r\n"), std::string::npos) << echoed.head;
  Reply last = c.Get("/bye", "Connection: close\r\n");
  EXPECT_EQ(last.status, 200);
  EXPECT_TRUE(c.ClosedByPeer());
  server.Stop(std::chrono::milliseconds(500));
}

TEST(HttpServer, DeferredResponsesHoldNoIoThread) {
  // /slow answers from another thread once `release` is set; /fast answers at once.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::vector<std::thread> workers;
  auto handler = [&](const HttpRequest& req) {
    if (req.path != "/slow") return Echo(req);
    HttpResponse r;
    r.deferred = [&workers, released](HttpCompletion complete) {
      workers.emplace_back([released, complete] {
        released.wait();
        complete(HttpResponse::Json(202, R"({"late":true})"));
      });
    };
    return r;
  };
  HttpServer server(TestOptions(), handler);
  ASSERT_TRUE(server.Start().ok());
  Client slow1(server.port()), slow2(server.port());
  slow1.Write("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
  slow2.Write("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
  // With one I/O thread, /fast is answered while both slow requests wait.
  Client fast(server.port());
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(fast.Get("/fast").status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  release.set_value();
  Reply r1 = slow1.Read();
  EXPECT_EQ(r1.status, 202);
  EXPECT_EQ(r1.body, R"({"late":true})");
  EXPECT_EQ(slow2.Read().status, 202);
  // The connection is kept alive after a deferred answer.
  EXPECT_EQ(slow1.Get("/after").status, 200);
  for (auto& t : workers) t.join();
  server.Stop(std::chrono::milliseconds(500));
}

TEST(HttpServer, ADroppedCompletionAnswers500AndASecondCallIsIgnored) {
  auto handler = [](const HttpRequest& req) {
    HttpResponse r;
    if (req.path == "/drop") {
      r.deferred = [](HttpCompletion) {};  // never called: the server must still answer
    } else {
      r.deferred = [](HttpCompletion complete) {
        complete(HttpResponse::Json(200, "{}"));
        complete(HttpResponse::Json(201, "{}"));
      };
    }
    return r;
  };
  HttpServer server(TestOptions(), handler);
  ASSERT_TRUE(server.Start().ok());
  Client c(server.port());
  Reply dropped = c.Get("/drop");
  EXPECT_EQ(dropped.status, 500);
  EXPECT_NE(dropped.body.find("500000"), std::string::npos);
  EXPECT_EQ(c.Get("/twice").status, 200);
  EXPECT_EQ(c.Get("/twice").status, 200);  // the second call of the first request sent nothing
  server.Stop(std::chrono::milliseconds(500));
}

TEST(HttpServer, StopLetsADeferredRequestFinishWithinTheGrace) {
  std::thread worker;
  std::promise<void> started;
  auto handler = [&worker, &started](const HttpRequest&) {
    HttpResponse r;
    r.deferred = [&worker, &started](HttpCompletion complete) {
      started.set_value();
      worker = std::thread([complete] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        complete(HttpResponse::Json(200, R"({"done":true})"));
      });
    };
    return r;
  };
  HttpServer server(TestOptions(), handler);
  ASSERT_TRUE(server.Start().ok());
  Client c(server.port());
  c.Write("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
  started.get_future().wait();  // the request is in the handler's hands
  std::thread stopper([&] { server.Stop(std::chrono::seconds(5)); });
  Reply r = c.Read();
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.head.find("Connection: close"), std::string::npos) << r.head;
  stopper.join();
  worker.join();
}

// A body stream of `pieces` pieces of `size` bytes ('a' + index), answered from another thread;
// piece `fail_at` answers an error. Counts pulls; sets `destroyed` when the server drops it.
class TestStream : public HttpBodyStream {
 public:
  TestStream(int pieces, size_t size, int fail_at, std::shared_ptr<std::atomic<int>> pulls,
             std::shared_ptr<std::atomic<bool>> destroyed)
      : pieces_(pieces), size_(size), fail_at_(fail_at), pulls_(pulls), destroyed_(destroyed) {}
  ~TestStream() override { *destroyed_ = true; }
  void Pull(Ready ready) override {
    int i = (*pulls_)++;
    std::thread([i, n = pieces_, size = size_, fail = fail_at_, ready = std::move(ready)] {
      if (i == fail) return ready(false, "");
      if (i >= n) return ready(true, "");
      ready(true, std::string(size, static_cast<char>('a' + i % 26)));
    }).detach();
  }

 private:
  int pieces_;
  size_t size_;
  int fail_at_;
  std::shared_ptr<std::atomic<int>> pulls_;
  std::shared_ptr<std::atomic<bool>> destroyed_;
};

struct StreamProbe {
  std::shared_ptr<std::atomic<int>> pulls = std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<std::atomic<bool>> destroyed = std::make_shared<std::atomic<bool>>(false);
  HttpResponse Make(int pieces, size_t size, int fail_at, uint64_t length) const {
    HttpResponse r;
    r.content_type = "application/octet-stream";
    r.stream = std::make_shared<TestStream>(pieces, size, fail_at, pulls, destroyed);
    r.stream_length = length;
    return r;
  }
};

bool WaitFor(const std::function<bool()>& cond, int ms) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return cond();
}

TEST(HttpServer, StreamedBodyIsPulledPieceByPieceAndKeepsTheConnection) {
  StreamProbe probe;
  HttpServer server(TestOptions(), [&](const HttpRequest& req) {
    if (req.path == "/stream") return probe.Make(5, 100000, -1, 500000);
    return Echo(req);
  });
  ASSERT_TRUE(server.Start().ok());
  Client c(server.port());
  Reply r = c.Get("/stream");
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(r.body.size(), 500000u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(r.body.substr(static_cast<size_t>(i) * 100000, 100000),
              std::string(100000, static_cast<char>('a' + i)));
  }
  EXPECT_NE(r.head.find("Content-Length: 500000"), std::string::npos) << r.head;
  EXPECT_EQ(probe.pulls->load(), 5);  // nothing asked beyond Content-Length
  EXPECT_TRUE(WaitFor([&] { return probe.destroyed->load(); }, 2000));
  EXPECT_EQ(c.Get("/after").status, 200);  // keep-alive
  server.Stop(std::chrono::milliseconds(500));
}

TEST(HttpServer, AStreamErrorCutsTheBodyShortAndCloses) {
  StreamProbe probe;
  HttpServer server(TestOptions(),
                    [&](const HttpRequest&) { return probe.Make(5, 1000, 2, 5000); });
  ASSERT_TRUE(server.Start().ok());
  Client c(server.port());
  c.Write("GET /s HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_TRUE(c.ClosedByPeerAfterReadingAll());
  EXPECT_EQ(c.received().find("\r\n\r\n") + 4 + 2000, c.received().size());
  EXPECT_TRUE(WaitFor([&] { return probe.destroyed->load(); }, 2000));
  server.Stop(std::chrono::milliseconds(500));
}

TEST(HttpServer, AClientThatStopsReadingStopsTheStreamAndIsCutOff) {
  StreamProbe probe;
  HttpServerOptions o = TestOptions();
  o.write_timeout = std::chrono::seconds(1);
  HttpServer server(o, [&](const HttpRequest& req) {
    if (req.path == "/big") return probe.Make(1 << 20, 1 << 20, -1, uint64_t{1} << 40);
    return Echo(req);
  });
  ASSERT_TRUE(server.Start().ok());
  Client c(server.port());
  c.Write("GET /big HTTP/1.1\r\nHost: t\r\n\r\n");  // and never read
  EXPECT_TRUE(WaitFor([&] { return probe.destroyed->load(); }, 10000));
  // Only what the socket buffers took was pulled (a few MiB), not the terabyte.
  EXPECT_LT(probe.pulls->load(), 64);
  // The server still answers others.
  Client other(server.port());
  EXPECT_EQ(other.Get("/x").status, 200);
  server.Stop(std::chrono::milliseconds(500));
}

}  // namespace
}  // namespace fluxo
