#include "cli/metastore_migrate.h"

#include <filesystem>

#include "base/log.h"
#include "metastore/metastore.h"

namespace fluxo {
namespace {

constexpr size_t kEntitiesPerTransaction = 500;

MigrateSummary Summarize(const MetaSnapshot& s) {
  MigrateSummary m;
  m.sandboxes = static_cast<int64_t>(s.sandboxes.size());
  m.clients = static_cast<int64_t>(s.clients.size());
  m.settings = static_cast<int64_t>(s.settings.size());
  for (const auto& e : s.entities) {
    ++m.entities[e.entity.kind];
    m.refs += static_cast<int64_t>(e.entity.refs.size());
  }
  return m;
}

bool Empty(const MetaSnapshot& s) {
  return s.sandboxes.empty() && s.clients.empty() && s.settings.empty() && s.entities.empty();
}

bool SameCounts(const MigrateSummary& a, const MigrateSummary& b) {
  return a.sandboxes == b.sandboxes && a.clients == b.clients && a.settings == b.settings &&
         a.refs == b.refs && a.entities == b.entities;
}

Result<std::unique_ptr<MetaStore>> OpenMigrated(const std::string& url, const char* role) {
  auto store = OpenMetaStore(url);
  if (!store.ok()) return store.status().WithContext(std::string("--") + role);
  Status m = (*store)->Migrate();
  if (!m.ok()) return m.WithContext(std::string("--") + role);
  return store;
}

Status Copy(const MetaSnapshot& from, MetaStore& to) {
  for (const auto& s : from.sandboxes) RETURN_IF_ERROR(to.CreateSandbox(s));
  for (const auto& c : from.clients) RETURN_IF_ERROR(to.CreateClient(c));
  for (const auto& [k, v] : from.settings) RETURN_IF_ERROR(to.PutSetting(k, v));
  for (size_t i = 0; i < from.entities.size(); i += kEntitiesPerTransaction) {
    size_t end = std::min(from.entities.size(), i + kEntitiesPerTransaction);
    RETURN_IF_ERROR(to.Transact([&](MetaTxn& txn) -> Status {
      for (size_t j = i; j < end; ++j) {
        RETURN_IF_ERROR(txn.Insert(from.entities[j].scope, from.entities[j].entity));
      }
      return Status::OK();
    }));
  }
  return Status::OK();
}

}  // namespace

Result<MigrateSummary> MigrateMetastore(const std::string& from_url, const std::string& to_url) {
  if (from_url == to_url) return Status::InvalidArgument("--from and --to name the same metastore");
  std::string path = from_url.rfind("sqlite:", 0) == 0 ? from_url.substr(7) : "";
  std::error_code ec;
  if (!path.empty() && !std::filesystem::exists(path, ec)) {
    return Status::NotFound("--from: no SQLite metastore at " + path);
  }
  ASSIGN_OR_RETURN(auto source, OpenMigrated(from_url, "from"));
  ASSIGN_OR_RETURN(auto target, OpenMigrated(to_url, "to"));
  ASSIGN_OR_RETURN(MetaSnapshot existing, target->Snapshot());
  if (!Empty(existing)) {
    MigrateSummary t = Summarize(existing);
    int64_t n = 0;
    for (const auto& [kind, count] : t.entities) n += count;
    return Status::FailedPrecondition(
        "--to " + RedactMetastoreUrl(to_url) + " is not empty (" + std::to_string(n) +
        " entities, " + std::to_string(t.clients) + " clients, " + std::to_string(t.sandboxes) +
        " sandboxes); migrate into an empty database");
  }
  ASSIGN_OR_RETURN(MetaSnapshot snapshot, source->Snapshot());
  MigrateSummary want = Summarize(snapshot);
  spdlog::info("metastore migrate: copying {} entities, {} clients, {} sandboxes, {} settings",
               snapshot.entities.size(), want.clients, want.sandboxes, want.settings);
  RETURN_IF_ERROR(Copy(snapshot, *target));
  ASSIGN_OR_RETURN(MetaSnapshot copied, target->Snapshot());
  MigrateSummary got = Summarize(copied);
  if (!SameCounts(want, got)) {
    return Status::FailedPrecondition(
        "the target's counts differ from the source's after the copy");
  }
  // Statistics now, not at autovacuum's first analyze: a bulk-loaded PostgreSQL store has none,
  // and its planner then filters a whole sandbox's runs for one flow's page.
  RETURN_IF_ERROR(target->Analyze().WithContext("--to: ANALYZE after the copy"));
  spdlog::info("metastore migrate: target analyzed");
  return got;
}

}  // namespace fluxo
