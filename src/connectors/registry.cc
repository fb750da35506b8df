#include "connectors/registry.h"

#include <mutex>

// Each connector folder declares its factory and its spec in its own header and sets its
// FLUXO_CONNECTOR_* definition in its sources.cmake; the list below is the whole registry.
#ifdef FLUXO_CONNECTOR_SQLITE
#include "connectors/sqlite/sqlite_connector.h"
#endif
#ifdef FLUXO_CONNECTOR_POSTGRES
#include "connectors/postgres/postgres_connector.h"
#endif
#ifdef FLUXO_CONNECTOR_MYSQL
#include "connectors/mysql/mysql_connector.h"
#endif
#ifdef FLUXO_CONNECTOR_FILES
#include "connectors/files/files_connector.h"
#endif
#ifdef FLUXO_CONNECTOR_REST
#include "connectors/rest/rest_connector.h"
#endif

namespace fluxo {
namespace {

struct BuiltinConnector {
  const ConnectionSpec& (*spec)();
  std::unique_ptr<Connector> (*make)();
};

// One line per connector, in the order GET /connectionSpecs lists the specs.
const BuiltinConnector kBuiltins[] = {
#ifdef FLUXO_CONNECTOR_POSTGRES
    {connectors::postgres::Spec, connectors::postgres::NewConnector},
#endif
#ifdef FLUXO_CONNECTOR_MYSQL
    {connectors::mysql::Spec, connectors::mysql::NewConnector},
#endif
#ifdef FLUXO_CONNECTOR_SQLITE
    {connectors::sqlite::Spec, connectors::sqlite::NewConnector},
#endif
#ifdef FLUXO_CONNECTOR_FILES
    {connectors::files::S3Spec, connectors::files::NewS3Connector},
    {connectors::files::LocalFolderSpec, connectors::files::NewLocalFolderConnector},
#endif
#ifdef FLUXO_CONNECTOR_REST
    {connectors::rest::Spec, connectors::rest::NewConnector},
#endif
};

}  // namespace

ConnectorRegistry::ConnectorRegistry() {
  static std::once_flag installed;
  std::call_once(installed, [] { InstallConnectionSpecs(BuiltinSourceSpecs()); });
}

std::vector<ConnectionSpec> BuiltinSourceSpecs() {
  std::vector<ConnectionSpec> specs;
  for (const BuiltinConnector& b : kBuiltins) specs.push_back(b.spec());
  return specs;
}

std::unique_ptr<ConnectorRegistry> BuiltinConnectors() {
  auto r = std::make_unique<ConnectorRegistry>();
  for (const BuiltinConnector& b : kBuiltins) r->Register(b.make());
  return r;
}

}  // namespace fluxo
