// OpenMetaStore: the one place that picks the implementation from a metastore URL.
#include "metastore/metastore.h"
#include "metastore/postgres/postgres_metastore.h"
#include "metastore/sqlite/sqlite_metastore.h"

namespace fluxo {
namespace {

bool IsPostgresUrl(const std::string& url) {
  return url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
}

}  // namespace

Result<std::unique_ptr<MetaStore>> OpenMetaStore(const std::string& url) {
  if (IsPostgresUrl(url)) return OpenPostgresMetaStore(url);
  std::string path = url;
  if (path.rfind("sqlite:", 0) == 0) path = path.substr(7);
  if (path.empty()) return Status::InvalidArgument("empty metastore path");
  return OpenSqliteMetaStore(path);
}

std::string RedactMetastoreUrl(const std::string& url) {
  if (!IsPostgresUrl(url)) return url;
  size_t scheme = url.find("://") + 3;
  size_t at = url.find('@', scheme);
  size_t slash = url.find('/', scheme);
  if (at == std::string::npos || (slash != std::string::npos && slash < at)) {
    // No user info; a password may still come as a query parameter.
    size_t pw = url.find("password=");
    if (pw == std::string::npos) return url;
    size_t end = url.find('&', pw);
    return url.substr(0, pw + 9) + "***" + (end == std::string::npos ? "" : url.substr(end));
  }
  size_t colon = url.find(':', scheme);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

}  // namespace fluxo
