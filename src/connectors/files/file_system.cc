#include "connectors/files/file_system.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

namespace fluxo::connectors::files {

namespace fs = std::filesystem;

namespace {

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool HasDotDotSegment(std::string_view p) {
  size_t start = 0;
  while (start <= p.size()) {
    size_t e = p.find('/', start);
    if (e == std::string_view::npos) e = p.size();
    if (p.substr(start, e - start) == "..") return true;
    start = e + 1;
  }
  return false;
}

// True when `child` is `parent` or lies under it (both absolute and normalized).
bool Within(const fs::path& child, const fs::path& parent) {
  auto c = child.begin(), p = parent.begin();
  for (; p != parent.end(); ++p, ++c) {
    if (p->empty()) continue;  // trailing separator
    if (c == child.end() || *c != *p) return false;
  }
  return true;
}

int64_t MtimeMs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

Status ErrnoStatus(const std::string& what, int err) {
  std::string msg = what + ": " + std::strerror(err);
  if (err == ENOENT || err == ENOTDIR) return Status::NotFound(msg);
  if (err == EACCES || err == EPERM) return Status::PermissionDenied(msg);
  return Status::Unavailable(msg);
}

class LocalFs : public FileSystem {
 public:
  explicit LocalFs(fs::path root) : root_(std::move(root)) {}

  Result<std::vector<FileEntry>> ListFiles(const std::string& dir, bool recursive) override {
    ASSIGN_OR_RETURN(fs::path d, Resolve(dir));
    std::error_code ec;
    if (!fs::is_directory(d, ec)) {
      return Status::NotFound("folder " + Quote(dir) + " not found in " + Describe());
    }
    std::vector<FileEntry> out;
    auto visit = [&](const fs::directory_entry& e) -> Status {
      std::error_code ec2;
      bool link = e.is_symlink(ec2);
      fs::path p = e.path();
      if (link) {
        fs::path target = fs::canonical(p, ec2);
        if (ec2) return Status::OK();  // dangling link: not a file
        if (!Within(target, root_)) {
          return Status::PermissionDenied("file " + Quote(Rel(p)) +
                                          " is a symlink to a place outside the root " +
                                          Quote(root_.string()));
        }
        if (!fs::is_regular_file(target, ec2)) return Status::OK();
      } else if (!e.is_regular_file(ec2)) {
        return Status::OK();
      }
      struct stat st;
      if (::stat(p.c_str(), &st) != 0) return Status::OK();  // vanished
      out.push_back({Rel(p), static_cast<int64_t>(st.st_size), MtimeMs(st)});
      return Status::OK();
    };
    if (recursive) {
      fs::recursive_directory_iterator it(d, fs::directory_options::skip_permission_denied, ec);
      if (ec) return ErrnoStatus("list " + Quote(dir), ec.value());
      for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) return ErrnoStatus("list " + Quote(dir), ec.value());
        RETURN_IF_ERROR(visit(*it));
      }
    } else {
      fs::directory_iterator it(d, ec);
      if (ec) return ErrnoStatus("list " + Quote(dir), ec.value());
      for (; it != fs::directory_iterator(); it.increment(ec)) {
        if (ec) return ErrnoStatus("list " + Quote(dir), ec.value());
        RETURN_IF_ERROR(visit(*it));
      }
    }
    std::sort(out.begin(), out.end(),
              [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
    return out;
  }

  Result<std::vector<std::string>> ListFolders(const std::string& dir) override {
    ASSIGN_OR_RETURN(fs::path d, Resolve(dir));
    std::error_code ec;
    std::vector<std::string> out;
    fs::directory_iterator it(d, ec);
    if (ec) return ErrnoStatus("list " + Quote(dir), ec.value());
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      if (ec) break;
      if (it->is_directory(ec) && !it->is_symlink(ec)) {
        out.push_back(it->path().filename().string());
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  Result<std::optional<FileEntry>> Stat(const std::string& path) override {
    ASSIGN_OR_RETURN(fs::path p, Resolve(path));
    struct stat st;
    if (::stat(p.c_str(), &st) != 0) {
      return Status::NotFound("path " + Quote(path) + " not found in " + Describe());
    }
    if (S_ISDIR(st.st_mode)) return std::optional<FileEntry>();
    if (!S_ISREG(st.st_mode)) {
      return Status::InvalidArgument("path " + Quote(path) + " is not a regular file");
    }
    return std::optional<FileEntry>(
        FileEntry{NormalizeRelativePath(path).value(), st.st_size, MtimeMs(st)});
  }

  Result<std::unique_ptr<ByteStream>> Open(const FileEntry& file, std::atomic<int64_t>* bytes_read,
                                           int64_t start = 0, int64_t end = -1) override {
    ASSIGN_OR_RETURN(fs::path p, Resolve(file.path));
    ASSIGN_OR_RETURN(std::unique_ptr<ByteStream> s,
                     OpenLocalFile(p.string(), file.path, bytes_read, start, end));
    // Check the opened file itself: a link swapped in after the listing is caught here.
    std::error_code ec;
    fs::path real = fs::canonical(p, ec);
    if (ec || !Within(real, root_)) {
      return Status::PermissionDenied("file " + Quote(file.path) + " resolves outside the root " +
                                      Quote(root_.string()));
    }
    return s;
  }

  Result<std::string> Normalize(const std::string& path) const override {
    return NormalizeRelativePath(path, root_.string());
  }
  std::string Describe() const override { return Quote(root_.string()); }

 private:
  std::string Rel(const fs::path& p) const { return p.lexically_relative(root_).generic_string(); }

  // The absolute path of relative `path`, refused when it leaves the root.
  Result<fs::path> Resolve(const std::string& path) const {
    ASSIGN_OR_RETURN(std::string rel, NormalizeRelativePath(path, root_.string()));
    fs::path p = rel.empty() ? root_ : root_ / rel;
    std::error_code ec;
    fs::path real = fs::weakly_canonical(p, ec);
    if (!ec && !Within(real, root_)) {
      return Status::PermissionDenied("path " + Quote(path) + " resolves outside the root " +
                                      Quote(root_.string()) + " (symlink)");
    }
    return p;
  }

  fs::path root_;  // canonical
};

class StoreFs : public FileSystem {
 public:
  StoreFs(std::shared_ptr<ObjectStore> store, std::string prefix, std::string label)
      : store_(std::move(store)), prefix_(std::move(prefix)), label_(std::move(label)) {}

  Result<std::vector<FileEntry>> ListFiles(const std::string& dir, bool recursive) override {
    ASSIGN_OR_RETURN(std::string rel, NormalizeRelativePath(dir));
    std::string list_prefix = prefix_ + (rel.empty() ? "" : rel + "/");
    ASSIGN_OR_RETURN(std::vector<ObjectInfo> objects, store_->ListAll(list_prefix));
    std::vector<FileEntry> out;
    for (ObjectInfo& o : objects) {
      std::string_view sub = std::string_view(o.key).substr(list_prefix.size());
      if (!recursive && sub.find('/') != std::string_view::npos) continue;
      out.push_back({o.key.substr(prefix_.size()), o.size, o.last_modified_ms});
    }
    return out;
  }

  Result<std::vector<std::string>> ListFolders(const std::string& dir) override {
    ASSIGN_OR_RETURN(std::string rel, NormalizeRelativePath(dir));
    std::string list_prefix = prefix_ + (rel.empty() ? "" : rel + "/");
    ASSIGN_OR_RETURN(std::vector<ObjectInfo> objects, store_->ListAll(list_prefix));
    std::set<std::string> names;
    for (const ObjectInfo& o : objects) {
      std::string_view sub = std::string_view(o.key).substr(list_prefix.size());
      size_t slash = sub.find('/');
      if (slash != std::string_view::npos) names.insert(std::string(sub.substr(0, slash)));
    }
    return std::vector<std::string>(names.begin(), names.end());
  }

  Result<std::optional<FileEntry>> Stat(const std::string& path) override {
    ASSIGN_OR_RETURN(std::string rel, NormalizeRelativePath(path));
    if (!rel.empty()) {
      Result<ObjectInfo> info = store_->Head(prefix_ + rel);
      if (info.ok())
        return std::optional<FileEntry>(FileEntry{rel, info->size, info->last_modified_ms});
      if (info.status().code() != StatusCode::kNotFound) return info.status();
    }
    // A folder when some key lies under it.
    ObjectListOptions o;
    o.prefix = prefix_ + (rel.empty() ? "" : rel + "/");
    o.max_keys = 1;
    ASSIGN_OR_RETURN(ListPage page, store_->List(o));
    if (page.objects.empty() && !rel.empty()) {
      return Status::NotFound("path " + Quote(path) + " not found in " + label_);
    }
    return std::optional<FileEntry>();
  }

  Result<std::unique_ptr<ByteStream>> Open(const FileEntry& file, std::atomic<int64_t>* bytes_read,
                                           int64_t start = 0, int64_t end = -1) override {
    int64_t stop = end < 0 ? file.size : std::min(end, file.size);
    return OpenObject(store_.get(), prefix_ + file.path, stop, bytes_read, 8 << 20, start);
  }

  std::string Describe() const override { return Quote(label_); }

 private:
  std::shared_ptr<ObjectStore> store_;
  std::string prefix_;
  std::string label_;
};

}  // namespace

Result<std::string> NormalizeRelativePath(const std::string& path, const std::string& root) {
  auto refuse = [&](const char* why) {
    return Status::PermissionDenied("path " + Quote(path) + " refused: " + why);
  };
  if (path.find('\0') != std::string::npos) return refuse("contains NUL");
  if (path.find('\\') != std::string::npos) return refuse("contains a backslash");
  std::string decoded = PercentDecode(path);
  if (HasDotDotSegment(path) || HasDotDotSegment(decoded)) {
    return refuse("'..' segments may not leave the root");
  }
  std::string p = path;
  if (!p.empty() && p[0] == '/') {
    if (!root.empty()) {
      // An absolute path must name something inside the root.
      fs::path abs = fs::path(p).lexically_normal();
      if (!Within(abs, fs::path(root))) return refuse("absolute path outside the root");
      p = abs.lexically_relative(root).generic_string();
      if (p == ".") p.clear();
    }
  }
  // Strip "./" segments and slashes at both ends; collapse "//".
  std::string out;
  size_t start = 0;
  while (start <= p.size()) {
    size_t e = p.find('/', start);
    if (e == std::string::npos) e = p.size();
    std::string_view seg = std::string_view(p).substr(start, e - start);
    if (!seg.empty() && seg != ".") {
      if (!out.empty()) out.push_back('/');
      out.append(seg);
    }
    start = e + 1;
  }
  return out;
}

Result<std::unique_ptr<FileSystem>> OpenLocalFileSystem(const std::string& root_path,
                                                        const std::vector<std::string>& allow) {
  if (allow.empty()) {
    return Status::PermissionDenied(
        "local folder sources are disabled: start fluxo with --allow-path DIR to allow a folder");
  }
  if (root_path.empty() || root_path[0] != '/') {
    return Status::InvalidArgument("rootPath " + Quote(root_path) + " must be an absolute path");
  }
  if (HasDotDotSegment(root_path) || HasDotDotSegment(PercentDecode(root_path))) {
    return Status::PermissionDenied("rootPath " + Quote(root_path) + " refused: '..' segments");
  }
  std::error_code ec;
  fs::path root = fs::canonical(root_path, ec);
  if (ec) return Status::NotFound("rootPath " + Quote(root_path) + ": " + ec.message());
  if (!fs::is_directory(root, ec)) {
    return Status::InvalidArgument("rootPath " + Quote(root_path) + " is not a folder");
  }
  for (const std::string& a : allow) {
    fs::path ap = fs::weakly_canonical(a, ec);
    if (ec) continue;
    if (Within(root, ap)) return std::unique_ptr<FileSystem>(new LocalFs(root));
  }
  return Status::PermissionDenied("rootPath " + Quote(root_path) +
                                  " is outside the folders allowed with --allow-path");
}

std::unique_ptr<FileSystem> ObjectStoreFileSystem(std::shared_ptr<ObjectStore> store,
                                                  std::string prefix, std::string label) {
  return std::make_unique<StoreFs>(std::move(store), std::move(prefix), std::move(label));
}

}  // namespace fluxo::connectors::files
