// Sealing a connection's auth params: the whole params object, as JSON, sealed with the master
// key and bound (AAD) to the connection id, so a sealed value copied to another row does not open.
#pragma once

#include <string>

#include "base/json.h"
#include "base/status.h"
#include "secrets/master_key.h"

namespace fluxo {

std::string SealConnectionParams(const MasterKey& key, const std::string& connection_id,
                                 const json::object& params);

// FailedPrecondition when the value does not open (another key, another connection, tampered).
Result<json::object> OpenConnectionParams(const MasterKey& key, const std::string& connection_id,
                                          const std::string& sealed);

}  // namespace fluxo
