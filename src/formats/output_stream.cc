#include "formats/output_stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fluxo {
namespace {

class LocalFileStream : public OutputStream {
 public:
  LocalFileStream(std::string path, int fd) : path_(std::move(path)), fd_(fd) {
    buf_.reserve(kBufferSize);
  }
  ~LocalFileStream() override { Abort(); }

  Status Append(std::string_view data) override {
    if (fd_ < 0) return Status::FailedPrecondition(path_ + ": stream is closed");
    pos_ += static_cast<int64_t>(data.size());
    if (buf_.size() + data.size() <= kBufferSize) {
      buf_.append(data);
      return Status::OK();
    }
    RETURN_IF_ERROR(Flush());
    if (data.size() >= kBufferSize) return WriteAll(data);
    buf_.append(data);
    return Status::OK();
  }
  Status Close() override {
    if (fd_ < 0) return Status::FailedPrecondition(path_ + ": stream is closed");
    Status st = Flush();
    if (st.ok() && ::fsync(fd_) != 0) st = Err("fsync");
    int rc = ::close(fd_);
    fd_ = -1;
    if (st.ok() && rc != 0) st = Err("close");
    if (!st.ok()) ::unlink(path_.c_str());
    return st;
  }
  void Abort() override {
    if (fd_ < 0) return;
    ::close(fd_);
    fd_ = -1;
    ::unlink(path_.c_str());
  }
  int64_t Tell() const override { return pos_; }
  const std::string& name() const override { return path_; }

 private:
  static constexpr size_t kBufferSize = 1 << 20;
  Status Err(const char* what) {
    return Status::Unavailable(std::string(what) + " " + path_ + ": " + std::strerror(errno));
  }
  Status Flush() {
    Status st = WriteAll(buf_);
    buf_.clear();
    return st;
  }
  Status WriteAll(std::string_view d) {
    while (!d.empty()) {
      ssize_t n = ::write(fd_, d.data(), d.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return Err("write");
      }
      d.remove_prefix(static_cast<size_t>(n));
    }
    return Status::OK();
  }

  std::string path_;
  int fd_;
  std::string buf_;
  int64_t pos_ = 0;
};

class ObjectWriterStream : public OutputStream {
 public:
  explicit ObjectWriterStream(std::unique_ptr<ObjectWriter> w) : w_(std::move(w)) {}
  Status Append(std::string_view data) override { return w_->Append(data); }
  Status Close() override { return w_->Commit(); }
  void Abort() override { w_->Abort(); }
  int64_t Tell() const override { return w_->bytes_written(); }
  const std::string& name() const override { return w_->key(); }

 private:
  std::unique_ptr<ObjectWriter> w_;
};

class StringStream : public OutputStream {
 public:
  StringStream(std::string* sink, std::string name) : sink_(sink), name_(std::move(name)) {}
  Status Append(std::string_view data) override {
    sink_->append(data);
    return Status::OK();
  }
  Status Close() override { return Status::OK(); }
  void Abort() override {}
  int64_t Tell() const override { return static_cast<int64_t>(sink_->size()); }
  const std::string& name() const override { return name_; }

 private:
  std::string* sink_;
  std::string name_;
};

}  // namespace

Result<std::unique_ptr<OutputStream>> OpenLocalFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Unavailable("create " + path + ": " + std::strerror(errno));
  return std::unique_ptr<OutputStream>(new LocalFileStream(path, fd));
}

std::unique_ptr<OutputStream> WrapObjectWriter(std::unique_ptr<ObjectWriter> writer) {
  return std::make_unique<ObjectWriterStream>(std::move(writer));
}

std::unique_ptr<OutputStream> NewStringOutputStream(std::string* sink, std::string name) {
  return std::make_unique<StringStream>(sink, std::move(name));
}

}  // namespace fluxo
