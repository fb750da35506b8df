#include "cli/app.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>

#include "auth/authenticator.h"
#include "base/ids.h"
#include "base/json.h"
#include "base/log.h"
#include "secrets/envelope.h"

namespace fluxo {

namespace fs = std::filesystem;

namespace {

Status WriteFileAtomic0600(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return Status::Unavailable("cannot write " + tmp + ": " + strerror(errno));
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ok = ok && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::Unavailable("cannot write " + path + ": " + strerror(errno));
  }
  return Status::OK();
}

// The key check: a value sealed with the master key of the first node that opened this metastore,
// stored as the secret of a system entity. A node whose key does not open it must not start: it
// could neither read the stored connection secrets nor verify the other nodes' tokens.
const Scope kSystemScope{"_system", "_system"};
constexpr const char* kKeyCheckKind = "systemChecks";
constexpr const char* kKeyCheckId = "masterKey";
constexpr const char* kKeyCheckText = "fluxo master key check";

Status VerifyMasterKey(MetaStore& store, const MasterKey& key, const std::string& key_path) {
  std::string sealed;
  Status s = store.Transact([&](MetaTxn& txn) -> Status {
    auto got = txn.Get(kSystemScope, kKeyCheckKind, kKeyCheckId);
    if (got.ok()) {
      sealed = got->secret;
      return Status::OK();
    }
    if (got.status().code() != StatusCode::kNotFound) return got.status();
    Entity e;
    e.kind = kKeyCheckKind;
    e.id = kKeyCheckId;
    e.created_at = e.updated_at = SystemClock::Instance().NowMillis();
    e.etag = NewEtag(e.created_at);
    e.doc = json::object{{"id", kKeyCheckId}};
    e.secret = Seal(key, kKeyCheckText, kKeyCheckId);
    sealed = e.secret;
    return txn.Insert(kSystemScope, e);
  });
  if (s.code() == StatusCode::kAlreadyExists) return VerifyMasterKey(store, key, key_path);
  RETURN_IF_ERROR(s);
  auto opened = Open(key, sealed, kKeyCheckId);
  if (!opened.ok() || *opened != kKeyCheckText) {
    return Status::FailedPrecondition(
        "the master key " + key_path +
        " does not open the secrets stored in this metastore: every node of one metastore must "
        "use the same key (--master-key-file / FLUXO_MASTER_KEY_FILE)");
  }
  return Status::OK();
}

// FLUXO_MASTER_KEY: the key itself, 64 hex characters (for containers, where a mounted file's
// mode cannot be made 0600 for a non-root user). Never logged.
Result<std::optional<MasterKey>> MasterKeyFromEnv() {
  const char* v = std::getenv("FLUXO_MASTER_KEY");
  if (v == nullptr || *v == '\0') return std::optional<MasterKey>();
  std::string hex(v);
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == ' ')) hex.pop_back();
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string raw;
  for (size_t i = 0; hex.size() == 2 * MasterKey::kSize && i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) break;
    raw.push_back(static_cast<char>(hi * 16 + lo));
  }
  if (raw.size() != MasterKey::kSize) {
    return Status::InvalidArgument("FLUXO_MASTER_KEY must be 64 hexadecimal characters");
  }
  ASSIGN_OR_RETURN(MasterKey key, MasterKey::FromBytes(raw));
  return std::optional<MasterKey>(std::move(key));
}

Result<MasterKey> LoadMasterKey(const StoreOptions& opts, std::string* source) {
  ASSIGN_OR_RETURN(auto from_env, MasterKeyFromEnv());
  if (from_env) {
    if (!opts.master_key_file.empty()) {
      return Status::InvalidArgument("set either FLUXO_MASTER_KEY or --master-key-file, not both");
    }
    *source = "FLUXO_MASTER_KEY";
    return std::move(*from_env);
  }
  *source = opts.MasterKeyPath();
  std::error_code ec;
  if (!opts.master_key_file.empty() && !fs::exists(*source, ec)) {
    return Status::FailedPrecondition("--master-key-file " + *source +
                                      " does not exist (a shared key is never created)");
  }
  return LoadOrCreateMasterKey(*source);
}

}  // namespace

Result<OpenedState> OpenState(const StoreOptions& opts) {
  std::error_code ec;
  if (!fs::exists(opts.data_dir)) {
    fs::create_directories(opts.data_dir, ec);
    if (ec)
      return Status::Unavailable("cannot create data dir " + opts.data_dir + ": " + ec.message());
    fs::permissions(opts.data_dir, fs::perms::owner_all, ec);
  }
  OpenedState st;
  ASSIGN_OR_RETURN(st.store, OpenMetaStore(opts.MetastoreUrl()));
  RETURN_IF_ERROR(st.store->Migrate());
  std::string key_path;
  ASSIGN_OR_RETURN(MasterKey key, LoadMasterKey(opts, &key_path));
  RETURN_IF_ERROR(VerifyMasterKey(*st.store, key, key_path));
  st.master_key = std::make_unique<MasterKey>(std::move(key));
  st.token_key = DeriveKey(*st.master_key, kKeyPurposeTokenSigning);
  return st;
}

Result<bool> EnsureAdminClient(const StoreOptions& opts, OpenedState& state) {
  ASSIGN_OR_RETURN(auto existing, state.store->GetSetting("admin_client_id"));
  if (existing) return false;
  std::string org = RandomHex(12);
  for (auto& c : org) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  org += "@AdobeOrg";
  Authenticator auth(state.store.get(), state.token_key, &SystemClock::Instance(), 86400);
  ASSIGN_OR_RETURN(NewClient client, auth.CreateClient(org, "admin"));
  json::object creds{{"client_id", client.client_id},
                     {"client_secret", client.client_secret},
                     {"org_id", client.org},
                     {"sandbox_name", "prod"}};
  std::string path = opts.data_dir + "/credentials.json";
  RETURN_IF_ERROR(WriteFileAtomic0600(path, json::serialize(creds) + "\n"));
  RETURN_IF_ERROR(state.store->PutSetting("admin_client_id", client.client_id));
  return true;
}

}  // namespace fluxo
