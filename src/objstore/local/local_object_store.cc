#include "objstore/local/local_object_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

namespace fluxo {
namespace fs = std::filesystem;

namespace {

Status ErrnoStatus(const std::string& what, int err) {
  std::string msg = what + ": " + std::strerror(err);
  switch (err) {
    case ENOENT:
    case ENOTDIR: return Status::NotFound(msg);
    case EACCES:
    case EPERM: return Status::PermissionDenied(msg);
    case ENOSPC:
    case EDQUOT: return Status::ResourceExhausted(msg);
    default: return Status::Unavailable(msg);
  }
}

Status FsyncPath(const fs::path& p, int flags) {
  int fd = ::open(p.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open a lake folder to sync it", errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return ErrnoStatus("sync a lake folder", err);
  return Status::OK();
}

// mkdir -p that fsyncs the parent of every directory it creates.
Status MakeDirs(const fs::path& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status::OK();
    return Status::FailedPrecondition("a lake folder exists and is not a directory");
  }
  if (dir.has_parent_path() && dir.parent_path() != dir) {
    RETURN_IF_ERROR(MakeDirs(dir.parent_path()));
  }
  if (::mkdir(dir.c_str(), 0755) != 0) {
    if (errno == EEXIST) return Status::OK();
    return ErrnoStatus("create a lake folder", errno);
  }
  return FsyncPath(dir.parent_path(), O_RDONLY | O_DIRECTORY);
}

int64_t MtimeMillis(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

std::string RandomHex() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

class LocalObjectWriter : public ObjectWriter {
 public:
  LocalObjectWriter(std::string key, fs::path final_path, fs::path tmp_path, int fd)
      : key_(std::move(key)), final_(std::move(final_path)), tmp_(std::move(tmp_path)), fd_(fd) {
    buf_.reserve(kBufferSize);
  }
  ~LocalObjectWriter() override { Abort(); }

  Status Append(std::string_view data) override {
    if (fd_ < 0) return Status::FailedPrecondition("object writer for '" + key_ + "' is closed");
    written_ += static_cast<int64_t>(data.size());
    if (buf_.size() + data.size() <= kBufferSize) {
      buf_.append(data);
      return Status::OK();
    }
    RETURN_IF_ERROR(Flush());
    if (data.size() >= kBufferSize) return WriteAll(data);
    buf_.append(data);
    return Status::OK();
  }

  Status Commit() override {
    if (fd_ < 0) return Status::FailedPrecondition("object writer for '" + key_ + "' is closed");
    Status st = Flush();
    if (st.ok() && ::fsync(fd_) != 0) st = ErrnoStatus("fsync object '" + key_ + "'", errno);
    if (st.ok()) {
      int rc = ::close(fd_);
      fd_ = -1;
      if (rc != 0) st = ErrnoStatus("close object '" + key_ + "'", errno);
    }
    if (st.ok() && ::rename(tmp_.c_str(), final_.c_str()) != 0) {
      st = ErrnoStatus("commit object '" + key_ + "'", errno);
    }
    if (!st.ok()) {
      Abort();
      return st;
    }
    tmp_.clear();
    return FsyncPath(final_.parent_path(), O_RDONLY | O_DIRECTORY);
  }

  void Abort() override {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
    if (!tmp_.empty()) {
      ::unlink(tmp_.c_str());
      tmp_.clear();
    }
  }

  int64_t bytes_written() const override { return written_; }
  const std::string& key() const override { return key_; }

 private:
  static constexpr size_t kBufferSize = 1 << 20;

  Status Flush() {
    if (buf_.empty()) return Status::OK();
    Status st = WriteAll(buf_);
    buf_.clear();
    return st;
  }
  Status WriteAll(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("write object '" + key_ + "'", errno);
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return Status::OK();
  }

  std::string key_;
  fs::path final_;
  fs::path tmp_;
  int fd_;
  std::string buf_;
  int64_t written_ = 0;
};

}  // namespace

Result<std::unique_ptr<LocalObjectStore>> LocalObjectStore::Open(const fs::path& root) {
  std::error_code ec;
  fs::path abs = fs::absolute(root, ec);
  if (ec) return Status::Unavailable("object store root " + root.string() + ": " + ec.message());
  abs = abs.lexically_normal();
  if (abs.has_filename() == false && abs.has_parent_path()) abs = abs.parent_path();
  RETURN_IF_ERROR(MakeDirs(abs));
  return std::unique_ptr<LocalObjectStore>(new LocalObjectStore(abs));
}

Status LocalObjectStore::CheckKey(std::string_view key) const {
  RETURN_IF_ERROR(ValidateObjectKey(key));
  size_t start = 0;
  while (start < key.size()) {
    if (key.substr(start, kTempPrefix.size()) == kTempPrefix) {
      return Status::InvalidArgument("object key '" + std::string(key) +
                                     "': segments may not start with " + std::string(kTempPrefix));
    }
    size_t slash = key.find('/', start);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return Status::OK();
}

Result<std::unique_ptr<ObjectWriter>> LocalObjectStore::NewWriter(std::string_view key) {
  RETURN_IF_ERROR(CheckKey(key));
  fs::path final_path = PathOf(key);
  RETURN_IF_ERROR(MakeDirs(final_path.parent_path()));
  fs::path tmp = final_path.parent_path() /
                 (std::string(kTempPrefix) + RandomHex() + "-" + final_path.filename().string());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0 && errno == ENOENT) {
    // A concurrent Delete removed the directory once it was empty: create it again.
    RETURN_IF_ERROR(MakeDirs(final_path.parent_path()));
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  }
  if (fd < 0) return ErrnoStatus("create object '" + std::string(key) + "'", errno);
  return std::unique_ptr<ObjectWriter>(
      new LocalObjectWriter(std::string(key), std::move(final_path), std::move(tmp), fd));
}

Result<std::string> LocalObjectStore::Get(std::string_view key, ByteRange range) {
  RETURN_IF_ERROR(CheckKey(key));
  fs::path p = PathOf(key);
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("object '" + std::string(key) + "'", errno);
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::NotFound("object '" + std::string(key) + "' not found");
  }
  int64_t size = st.st_size;
  if (range.offset < 0 || (range.offset > 0 && range.offset >= size)) {
    ::close(fd);
    return Status::InvalidArgument("range starts past the end of '" + std::string(key) + "'");
  }
  int64_t len =
      range.length < 0 ? size - range.offset : std::min(range.length, size - range.offset);
  std::string out(static_cast<size_t>(len), '\0');
  int64_t done = 0;
  while (done < len) {
    ssize_t n =
        ::pread(fd, out.data() + done, static_cast<size_t>(len - done), range.offset + done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return ErrnoStatus("read object '" + std::string(key) + "'", err);
    }
    if (n == 0) break;  // truncated concurrently
    done += n;
  }
  ::close(fd);
  out.resize(static_cast<size_t>(done));
  return out;
}

Result<ObjectInfo> LocalObjectStore::Head(std::string_view key) {
  RETURN_IF_ERROR(CheckKey(key));
  struct stat st;
  if (::stat(PathOf(key).c_str(), &st) != 0) {
    return ErrnoStatus("object '" + std::string(key) + "'", errno);
  }
  if (!S_ISREG(st.st_mode)) return Status::NotFound("object '" + std::string(key) + "' not found");
  return ObjectInfo{std::string(key), static_cast<int64_t>(st.st_size), MtimeMillis(st)};
}

Result<ListPage> LocalObjectStore::List(const ObjectListOptions& options) {
  if (options.max_keys < 1 || options.max_keys > 1000) {
    return Status::InvalidArgument("max_keys must be in 1..1000");
  }
  // Walk only the deepest directory that the prefix names entirely.
  std::string_view prefix = options.prefix;
  size_t slash = prefix.rfind('/');
  std::string dir_key = slash == std::string_view::npos ? "" : std::string(prefix.substr(0, slash));
  fs::path start = dir_key.empty() ? root_ : root_ / dir_key;
  std::vector<ObjectInfo> found;
  std::error_code ec;
  fs::recursive_directory_iterator it(start, fs::directory_options::skip_permission_denied, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory || ec == std::errc::not_a_directory) {
      return ListPage{};
    }
    return Status::Unavailable("list '" + options.prefix + "': " + ec.message());
  }
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return Status::Unavailable("list '" + options.prefix + "': " + ec.message());
    const fs::directory_entry& e = *it;
    std::string name = e.path().filename().string();
    if (name.rfind(kTempPrefix, 0) == 0) continue;
    if (!e.is_regular_file(ec)) continue;
    std::string key = e.path().lexically_relative(root_).generic_string();
    if (key.compare(0, prefix.size(), prefix) != 0) continue;
    if (!options.continuation_token.empty() && key <= options.continuation_token) continue;
    struct stat st;
    if (::stat(e.path().c_str(), &st) != 0) continue;  // deleted meanwhile
    found.push_back(ObjectInfo{std::move(key), static_cast<int64_t>(st.st_size), MtimeMillis(st)});
  }
  std::sort(found.begin(), found.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  ListPage page;
  if (static_cast<int>(found.size()) > options.max_keys) {
    found.resize(options.max_keys);
    page.next_token = found.back().key;
  }
  page.objects = std::move(found);
  return page;
}

Status LocalObjectStore::Delete(std::string_view key) {
  RETURN_IF_ERROR(CheckKey(key));
  fs::path p = PathOf(key);
  if (::unlink(p.c_str()) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return Status::OK();
    return ErrnoStatus("delete object '" + std::string(key) + "'", errno);
  }
  // Remove directories left empty, up to (not including) the root. rmdir fails on non-empty.
  fs::path dir = p.parent_path();
  while (dir != root_ && dir.string().size() > root_.string().size()) {
    if (::rmdir(dir.c_str()) != 0) break;
    dir = dir.parent_path();
  }
  return Status::OK();
}

Status LocalObjectStore::DeleteIncomplete(std::string_view prefix) {
  size_t slash = prefix.rfind('/');
  std::string dir_key = slash == std::string_view::npos ? "" : std::string(prefix.substr(0, slash));
  fs::path start = dir_key.empty() ? root_ : root_ / dir_key;
  std::error_code ec;
  std::vector<fs::path> temps;
  fs::recursive_directory_iterator it(start, fs::directory_options::skip_permission_denied, ec);
  if (ec) return Status::OK();  // nothing there
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return Status::Unavailable("list '" + std::string(prefix) + "': " + ec.message());
    std::string name = it->path().filename().string();
    if (name.rfind(kTempPrefix, 0) != 0) continue;
    // The key the temp file would have become: its folder plus the name after "<prefix><hex>-".
    size_t dash = name.find('-', kTempPrefix.size());
    if (dash == std::string::npos) continue;
    std::string final_key = (it->path().parent_path() / name.substr(dash + 1))
                                .lexically_relative(root_)
                                .generic_string();
    if (final_key.compare(0, prefix.size(), prefix) != 0) continue;
    temps.push_back(it->path());
  }
  for (const auto& p : temps) {
    if (::unlink(p.c_str()) != 0 && errno != ENOENT)
      return ErrnoStatus("delete an incomplete object under '" + std::string(prefix) + "'", errno);
  }
  return Status::OK();
}

}  // namespace fluxo
