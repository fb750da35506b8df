#include "connectors/registry.h"

// Each connector folder declares its factory in its own header and sets its FLUXO_CONNECTOR_*
// definition in its sources.cmake once it builds; the list below is the whole registry.
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

namespace fluxo {

std::unique_ptr<ConnectorRegistry> BuiltinConnectors() {
  auto r = std::make_unique<ConnectorRegistry>();
#ifdef FLUXO_CONNECTOR_SQLITE
  r->Register(connectors::sqlite::NewConnector());
#endif
#ifdef FLUXO_CONNECTOR_POSTGRES
  r->Register(NewPostgresConnector());
#endif
#ifdef FLUXO_CONNECTOR_MYSQL
  r->Register(NewMySqlConnector());
#endif
#ifdef FLUXO_CONNECTOR_FILES
  r->Register(connectors::files::NewLocalFolderConnector());
  r->Register(connectors::files::NewS3Connector());
#endif
  return r;
}

}  // namespace fluxo
