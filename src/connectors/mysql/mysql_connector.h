// The MySQL / MariaDB source connector (connection spec 26d738e0-8963-47ea-aadf-c60de735468a).
// See README.md in this folder for the type mapping, the delta column and splits.
#pragma once

#include <memory>

#include "connectors/source.h"
#include "model/specs.h"

namespace fluxo::connectors::mysql {

// A connector that reads tables and views of MySQL or MariaDB (libmariadb, server-side prepared
// statements streamed row by row). Thread-safe.
std::unique_ptr<Connector> NewConnector();
// Its connection spec (declared in mysql_spec.cc).
const ConnectionSpec& Spec();

}  // namespace fluxo::connectors::mysql
