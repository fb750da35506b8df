// The master key: 32 random bytes from which every other key of a fluxo deployment is derived
// (DeriveKey below). One key file serves the secrets envelope and token signing.
//
// Key file format: 64 hexadecimal characters (the 32 key bytes; either case is read, lower case is
// written) followed by one optional '\n'. Hex rather than raw bytes so that an operator can back
// the key up, compare it or put it in a secret store as text. The file must be a regular file that
// grants nothing to group or others (0600 or 0400); anything else is refused, not repaired.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace fluxo {

// 32 bytes of key material. Copyable and movable; every copy wipes its bytes (OPENSSL_cleanse) when
// destroyed. Immutable after construction, so a const MasterKey may be shared between threads.
class MasterKey {
 public:
  static constexpr size_t kSize = 32;

  // Exactly kSize raw bytes; anything else is InvalidArgument. Used by LoadOrCreateMasterKey and
  // by tests.
  static Result<MasterKey> FromBytes(std::string_view raw);
  // kSize fresh bytes from the CSPRNG.
  static MasterKey Generate();

  MasterKey(const MasterKey&) = default;
  MasterKey& operator=(const MasterKey&) = default;
  ~MasterKey();

  // The raw key bytes (kSize of them); valid as long as this object lives.
  std::string_view bytes() const {
    return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
  }

 private:
  MasterKey() = default;
  std::array<unsigned char, kSize> bytes_{};
};

// Loads the master key from `path`, or creates it there when no file exists.
//
// Creation: 32 bytes from the CSPRNG are written as hex to a temporary file in the same directory
// (opened O_CREAT|O_EXCL with mode 0600, fsynced), which is then linked to `path` without ever
// replacing an existing file, and the directory is fsynced. Concurrent callers (several processes
// starting on one data folder) all end up with the same key: the loser of the race loads the
// winner's file. The directory must already exist; it is not created.
//
// Errors (none retryable):
//   FailedPrecondition  the file is readable or writable by group/others, is not a regular file,
//                       has the wrong size, or does not hold 64 hex characters; the message names
//                       the path and the fix. The key is never used in that case.
//   NotFound            the directory of `path` does not exist.
//   Internal            any other I/O error (the message carries errno's text).
// Thread-safe (no shared state besides the file system).
Result<MasterKey> LoadOrCreateMasterKey(const std::string& path);

// Purposes for DeriveKey. Each use of key material has its own purpose string, so that a key
// derived for one use is useless for another; changing a string changes every key derived with it.
inline constexpr std::string_view kKeyPurposeSecrets = "fluxo/secrets/aes-256-gcm/v1";
inline constexpr std::string_view kKeyPurposeTokenSigning = "fluxo/auth/jwt-hs256/v1";

// A 32-byte sub-key: HKDF-SHA256 (RFC 5869) with the master key as input key material, no salt
// (the master key is already uniformly random) and `purpose` as the info. Deterministic: the same
// key and purpose give the same bytes in every process. The caller should OPENSSL_cleanse the
// result when done with it. Aborts the process only if OpenSSL itself is unusable. Thread-safe.
std::string DeriveKey(const MasterKey& key, std::string_view purpose);

}  // namespace fluxo
