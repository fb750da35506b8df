#include "cli/app.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

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
  std::string key_path = opts.MasterKeyPath();
  if (!opts.master_key_file.empty() && !fs::exists(key_path, ec)) {
    return Status::FailedPrecondition("--master-key-file " + key_path +
                                      " does not exist (a shared key is never created)");
  }
  ASSIGN_OR_RETURN(MasterKey key, LoadOrCreateMasterKey(key_path));
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
