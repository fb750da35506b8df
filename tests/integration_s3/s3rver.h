// S3rverProcess: starts the npm `s3rver` (tests/node/node_modules/s3rver) on 127.0.0.1, port 0,
// with a fresh temp directory and one bucket, and stops it on destruction. The port is read from
// the "S3rver listening on ADDRESS:PORT" line it prints. Credentials: S3RVER / S3RVER.
// NODE_OPTIONS=--openssl-legacy-provider is required on Node 20 (see /work/shared/KNOWN.md).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "objstore/s3/s3_object_store.h"

namespace fluxo::testing {

class S3rverProcess {
 public:
  // Starts s3rver and waits (up to 30 s) for it to listen. ok() tells whether it did; error()
  // says why not.
  explicit S3rverProcess(const std::string& bucket) : bucket_(bucket) {
    namespace fs = std::filesystem;
    dir_ = fs::temp_directory_path() /
           ("fluxo-s3rver-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()));
    fs::create_directories(dir_);
    std::string script =
        std::string(FLUXO_SOURCE_DIR) + "/tests/node/node_modules/s3rver/bin/s3rver.js";
    if (!fs::exists(script)) {
      error_ = "s3rver is not installed (" + script + "); run scripts/setup.sh";
      return;
    }
    // Its output goes to a log file in the temp dir, polled for the "listening" line.
    std::string log = (dir_ / "s3rver.log").string();
    fs::create_directories(dir_ / "data");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive a crashed test
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::setenv("NODE_OPTIONS", "--openssl-legacy-provider", 1);
      std::string d = (dir_ / "data").string();
      ::execlp("node", "node", script.c_str(), "--directory", d.c_str(), "--address", "127.0.0.1",
               "--port", "0", "--configure-bucket", bucket.c_str(), "--silent",
               static_cast<char*>(nullptr));
      ::_exit(127);
    }
    std::string text;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      std::ifstream in(log);
      text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      size_t at = text.find("listening on ");
      if (at != std::string::npos && text.find('\n', at) != std::string::npos) {
        std::string rest = text.substr(at + 13, text.find('\n', at) - at - 13);
        port_ = std::atoi(rest.c_str() + rest.rfind(':') + 1);
        break;
      }
      int status;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (port_ <= 0) error_ = "s3rver did not start; its output: " + text;
  }

  ~S3rverProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status;
      ::waitpid(pid_, &status, 0);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  bool ok() const { return port_ > 0; }
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  S3Options Options(const std::string& prefix = "") const {
    S3Options o;
    o.endpoint = endpoint();
    o.region = "us-east-1";
    o.path_style = true;
    o.bucket = bucket_;
    o.prefix = prefix;
    o.access_key = "S3RVER";
    o.secret_key = "S3RVER";
    return o;
  }

 private:
  std::string bucket_;
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string error_;
};

}  // namespace fluxo::testing
