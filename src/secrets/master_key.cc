#include "secrets/master_key.h"

#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "base/ids.h"

namespace fluxo {
namespace {

constexpr size_t kHexSize = 2 * MasterKey::kSize;

std::string ErrnoText(int err) { return std::strerror(err); }

std::string OctalMode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

std::string DirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Closes a descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // Closes now and reports close()'s errno (0 on success).
  int Close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

// Reads and validates an existing key file. `fd` is open for reading.
Result<MasterKey> ReadKeyFile(const std::string& path, int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    return Status::Internal("master key file " + path + ": fstat: " + ErrnoText(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return Status::FailedPrecondition("master key file " + path + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    return Status::FailedPrecondition(
        "master key file " + path + " has mode " + OctalMode(st.st_mode) +
        ", which lets group or others read or write it; refusing to use it (run: chmod 600 " +
        path + ")");
  }
  if (st.st_size != static_cast<off_t>(kHexSize) &&
      st.st_size != static_cast<off_t>(kHexSize + 1)) {
    return Status::FailedPrecondition(
        "master key file " + path + " has " + std::to_string(st.st_size) + " bytes; expected " +
        std::to_string(kHexSize) + " hex characters and an optional newline");
  }
  char text[kHexSize + 2];
  size_t got = 0;
  while (got < sizeof(text)) {
    ssize_t n = ::read(fd, text + got, sizeof(text) - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      OPENSSL_cleanse(text, sizeof(text));
      return Status::Internal("master key file " + path + ": read: " + ErrnoText(errno));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  bool ok = got == kHexSize || (got == kHexSize + 1 && text[kHexSize] == '\n');
  unsigned char raw[MasterKey::kSize];
  for (size_t i = 0; ok && i < MasterKey::kSize; ++i) {
    int hi = HexValue(text[2 * i]), lo = HexValue(text[2 * i + 1]);
    if (hi < 0 || lo < 0) ok = false;
    raw[i] = static_cast<unsigned char>((hi << 4) | (lo & 15));
  }
  OPENSSL_cleanse(text, sizeof(text));
  if (!ok) {
    OPENSSL_cleanse(raw, sizeof(raw));
    return Status::FailedPrecondition("master key file " + path + " does not hold " +
                                      std::to_string(kHexSize) +
                                      " hex characters (and an optional newline)");
  }
  Result<MasterKey> key =
      MasterKey::FromBytes(std::string_view(reinterpret_cast<const char*>(raw), sizeof(raw)));
  OPENSSL_cleanse(raw, sizeof(raw));
  return key;
}

Result<MasterKey> LoadExisting(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) {
    int err = errno;
    if (err == ENOENT) return Status::NotFound("master key file " + path + " does not exist");
    return Status::Internal("master key file " + path + ": open: " + ErrnoText(err));
  }
  return ReadKeyFile(path, fd.get());
}

Status WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Internal(std::string("write: ") + ErrnoText(errno));
    data += n;
    size -= static_cast<size_t>(n);
  }
  return Status::OK();
}

// Publishes `tmp` as `path` unless `path` exists. Returns AlreadyExists when another process won.
Status PublishNoReplace(const std::string& tmp, const std::string& path) {
  if (::link(tmp.c_str(), path.c_str()) == 0) return Status::OK();
  int err = errno;
  if (err == EEXIST) return Status::AlreadyExists(path);
  if (err != EPERM && err != EOPNOTSUPP && err != ENOSYS) {
    return Status::Internal("link " + tmp + " -> " + path + ": " + ErrnoText(err));
  }
  // A file system without hard links: an atomic rename that refuses to replace.
  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) == 0) {
    return Status::OK();
  }
  err = errno;
  if (err == EEXIST) return Status::AlreadyExists(path);
  return Status::Internal("rename " + tmp + " -> " + path + ": " + ErrnoText(err));
}

// Creates a new key file at `path`. AlreadyExists when some other caller created it first.
Result<MasterKey> CreateNew(const std::string& path) {
  const std::string dir = DirName(path);
  struct stat dst;
  if (::stat(dir.c_str(), &dst) != 0 || !S_ISDIR(dst.st_mode)) {
    return Status::NotFound("directory " + dir + " of master key file " + path + " does not exist");
  }
  MasterKey key = MasterKey::Generate();
  static const char kDigits[] = "0123456789abcdef";
  char hex[kHexSize + 1];
  for (size_t i = 0; i < MasterKey::kSize; ++i) {
    auto b = static_cast<unsigned char>(key.bytes()[i]);
    hex[2 * i] = kDigits[b >> 4];
    hex[2 * i + 1] = kDigits[b & 15];
  }
  hex[kHexSize] = '\n';

  const std::string tmp = path + ".tmp." + RandomHex(8);
  Status st;
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (fd.get() < 0) {
      st = Status::Internal("create " + tmp + ": " + ErrnoText(errno));
    } else {
      // The umask can only remove bits; fchmod makes the mode exactly 0600 regardless.
      if (::fchmod(fd.get(), 0600) != 0) {
        st = Status::Internal("chmod " + tmp + ": " + ErrnoText(errno));
      }
      if (st.ok()) {
        Status w = WriteAll(fd.get(), hex, sizeof(hex));
        if (!w.ok()) st = w.WithContext(tmp);
      }
      if (st.ok() && ::fsync(fd.get()) != 0) {
        st = Status::Internal("fsync " + tmp + ": " + ErrnoText(errno));
      }
      int close_err = fd.Close();
      if (st.ok() && close_err != 0) {
        st = Status::Internal("close " + tmp + ": " + ErrnoText(close_err));
      }
    }
  }
  OPENSSL_cleanse(hex, sizeof(hex));
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  st = PublishNoReplace(tmp, path);
  ::unlink(tmp.c_str());  // after link() both names exist; after renameat2 this is a no-op
  if (!st.ok()) return st;

  Fd dirfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dirfd.get() < 0 || ::fsync(dirfd.get()) != 0) {
    return Status::Internal("fsync directory " + dir + ": " + ErrnoText(errno));
  }
  return key;
}

[[noreturn]] void CryptoFailure(const char* what) {
  std::fprintf(stderr, "fluxo: fatal: OpenSSL %s failed: %s\n", what,
               ERR_error_string(ERR_get_error(), nullptr));
  std::abort();
}

}  // namespace

std::string DeriveKey(const MasterKey& key, std::string_view purpose) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr);
  if (kdf == nullptr) CryptoFailure("EVP_KDF_fetch(HKDF)");
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (ctx == nullptr) CryptoFailure("EVP_KDF_CTX_new");
  char digest[] = "SHA256";
  std::string_view ikm = key.bytes();
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char*>(ikm.data()),
                                        ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(purpose.data()),
                                        purpose.size()),
      OSSL_PARAM_construct_end(),
  };
  std::string out(MasterKey::kSize, '\0');
  int rc = EVP_KDF_derive(ctx, reinterpret_cast<unsigned char*>(out.data()), out.size(), params);
  EVP_KDF_CTX_free(ctx);
  if (rc != 1) CryptoFailure("HKDF derive");
  return out;
}

Result<MasterKey> MasterKey::FromBytes(std::string_view raw) {
  if (raw.size() != kSize) {
    return Status::InvalidArgument("a master key has " + std::to_string(kSize) + " bytes, not " +
                                   std::to_string(raw.size()));
  }
  MasterKey key;
  std::memcpy(key.bytes_.data(), raw.data(), kSize);
  return key;
}

MasterKey MasterKey::Generate() {
  MasterKey key;
  std::string random = RandomBytes(kSize);
  std::memcpy(key.bytes_.data(), random.data(), kSize);
  OPENSSL_cleanse(random.data(), random.size());
  return key;
}

MasterKey::~MasterKey() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

Result<MasterKey> LoadOrCreateMasterKey(const std::string& path) {
  if (path.empty()) return Status::InvalidArgument("master key path is empty");
  // Two rounds: when a concurrent creator wins the race between our failed open and our link, the
  // second round loads its file.
  for (int round = 0; round < 2; ++round) {
    Result<MasterKey> existing = LoadExisting(path);
    if (existing.ok() || existing.status().code() != StatusCode::kNotFound) return existing;
    Result<MasterKey> created = CreateNew(path);
    if (created.ok() || created.status().code() != StatusCode::kAlreadyExists) return created;
  }
  return LoadExisting(path);
}

}  // namespace fluxo
