// The S3 connector (spec kS3): a bucket (and folder) of Amazon S3 or an S3-compatible store.
#include "connectors/files/explore.h"
#include "connectors/files/file_source.h"
#include "connectors/files/files_connector.h"
#include "model/spec_ids.h"
#include "objstore/s3/s3_object_store.h"

namespace fluxo::connectors::files {
namespace {

// The S3 tree of a connection. Without bucketName, `path` starts with the bucket: it is then
// taken from `*path` (which keeps the rest). `store_out` (optional) receives the store, whose
// keys are the tree's paths.
Result<std::shared_ptr<FileSystem>> OpenS3(const ConnectionConfig& c, std::string* path,
                                           std::shared_ptr<ObjectStore>* store_out = nullptr) {
  S3Options o;
  const json::object& a = c.auth_params;
  o.access_key = GetString(a, "s3AccessKey").value_or("");
  o.secret_key = GetString(a, "s3SecretKey").value_or("");
  if (o.access_key.empty() || o.secret_key.empty()) {
    return Status::InvalidArgument("auth.params.s3AccessKey and s3SecretKey are required");
  }
  o.endpoint = GetString(a, "endpoint").value_or("");
  o.region = GetString(a, "region").value_or("us-east-1");
  if (const json::value* ps = a.if_contains("pathStyle")) {
    o.path_style = AsBoolLenient(*ps).value_or(false);
  }
  o.connect_timeout_s = c.connect_timeout_s;
  o.bucket = GetString(a, "bucketName").value_or("");
  std::string folder = GetString(a, "folderPath").value_or("");
  if (o.bucket.empty()) {
    if (path == nullptr) return Status::InvalidArgument("auth.params.bucketName is required");
    ASSIGN_OR_RETURN(std::string rel, NormalizeRelativePath(*path));
    size_t slash = rel.find('/');
    o.bucket = rel.substr(0, slash);
    *path = slash == std::string::npos ? "" : rel.substr(slash + 1);
    if (o.bucket.empty()) {
      return Status::InvalidArgument(
          "params.path must start with the bucket when the "
          "connection has no bucketName");
    }
  }
  ASSIGN_OR_RETURN(std::string prefix, NormalizeRelativePath(folder));
  o.prefix = prefix.empty() ? "" : prefix + "/";
  std::string label = "s3://" + o.bucket + (prefix.empty() ? "" : "/" + prefix);
  ASSIGN_OR_RETURN(std::unique_ptr<S3ObjectStore> s3, S3ObjectStore::Open(std::move(o)));
  std::shared_ptr<ObjectStore> store(std::move(s3));
  if (store_out != nullptr) *store_out = store;
  return std::shared_ptr<FileSystem>(ObjectStoreFileSystem(std::move(store), "", label));
}

class S3Connector : public Connector {
 public:
  std::string name() const override { return S3Spec().connector; }
  std::string spec_id() const override { return S3Spec().id; }
  const ConnectionSpec* spec() const override { return &S3Spec(); }
  Result<std::unique_ptr<Source>> NewSource(const SourceConfig& config) override {
    SourceConfig c = config;
    std::string path = GetString(c.params, "path").value_or("");
    std::shared_ptr<ObjectStore> store;
    ASSIGN_OR_RETURN(std::shared_ptr<FileSystem> fs, OpenS3(c.connection, &path, &store));
    c.params["path"] = path.empty() ? "." : path;
    // Parquet files are read with ranged GETs (the tree's paths are the store's keys).
    RandomAccessOpener ranged = [store](const FileEntry& f, std::atomic<int64_t>* bytes_read)
        -> Result<std::unique_ptr<parquet::RandomAccessInput>> {
      return NewObjectRandomAccess(store, f.path, f.size, bytes_read);
    };
    return std::unique_ptr<Source>(new FileSource(std::move(fs), std::move(c), std::move(ranged)));
  }
  Status Test(const ConnectionConfig& config) override {
    if (!GetString(config.auth_params, "bucketName")) {
      // Without a bucket there is nothing to list; check the parameters only.
      std::string dummy = "bucket";
      return OpenS3(config, &dummy).status();
    }
    ASSIGN_OR_RETURN(std::shared_ptr<FileSystem> fs, OpenS3(config, nullptr));
    return fs->Stat("").status();
  }
  Result<json::value> Explore(const ConnectionConfig& config, const std::string& object_type,
                              const std::string& object) override {
    std::string path = object;
    ASSIGN_OR_RETURN(std::shared_ptr<FileSystem> fs, OpenS3(config, &path));
    return ExploreFiles(fs.get(), object_type, path);
  }
};

}  // namespace

std::unique_ptr<Connector> NewS3Connector() { return std::make_unique<S3Connector>(); }

}  // namespace fluxo::connectors::files
