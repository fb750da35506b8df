// The PostgreSQL source connector (connection spec 74a1c565-4e59-48d7-9d67-7c03b8a13137).
// See README.md in this folder for the type mapping, the delta column and splits.
#pragma once

#include <memory>

#include "connectors/source.h"
#include "model/specs.h"

namespace fluxo::connectors::postgres {

// A connector that reads tables and views of PostgreSQL (libpq, binary COPY). Thread-safe.
std::unique_ptr<Connector> NewConnector();
// Its connection spec (declared in postgres_spec.cc).
const ConnectionSpec& Spec();

}  // namespace fluxo::connectors::postgres
