// The local-folder connector (spec kLocalFolder): a folder of this machine, confined to the
// --allow-path roots.
#include "connectors/files/explore.h"
#include "connectors/files/file_source.h"
#include "connectors/files/files_connector.h"
#include "model/spec_ids.h"

namespace fluxo::connectors::files {
namespace {

Result<std::shared_ptr<FileSystem>> OpenLocal(const ConnectionConfig& c) {
  std::optional<std::string> root = GetString(c.auth_params, "rootPath");
  if (!root) return Status::InvalidArgument("auth.params.rootPath is required");
  ASSIGN_OR_RETURN(std::unique_ptr<FileSystem> fs, OpenLocalFileSystem(*root, c.allow_paths));
  return std::shared_ptr<FileSystem>(std::move(fs));
}

class LocalFolderConnector : public Connector {
 public:
  std::string name() const override { return LocalFolderSpec().connector; }
  std::string spec_id() const override { return LocalFolderSpec().id; }
  const ConnectionSpec* spec() const override { return &LocalFolderSpec(); }
  Result<std::unique_ptr<Source>> NewSource(const SourceConfig& config) override {
    ASSIGN_OR_RETURN(std::shared_ptr<FileSystem> fs, OpenLocal(config.connection));
    return NewFileSource(std::move(fs), config);
  }
  Status Test(const ConnectionConfig& config) override { return OpenLocal(config).status(); }
  Result<json::value> Explore(const ConnectionConfig& config, const std::string& object_type,
                              const std::string& object) override {
    ASSIGN_OR_RETURN(std::shared_ptr<FileSystem> fs, OpenLocal(config));
    return ExploreFiles(fs.get(), object_type, object);
  }
};

}  // namespace

std::unique_ptr<Connector> NewLocalFolderConnector() {
  return std::make_unique<LocalFolderConnector>();
}

}  // namespace fluxo::connectors::files
