#include "secrets/connection_secrets.h"

#include "secrets/envelope.h"

namespace fluxo {

namespace {
std::string Aad(const std::string& id) { return "connections/" + id; }
}  // namespace

std::string SealConnectionParams(const MasterKey& key, const std::string& connection_id,
                                 const json::object& params) {
  return Seal(key, json::serialize(params), Aad(connection_id));
}

Result<json::object> OpenConnectionParams(const MasterKey& key, const std::string& connection_id,
                                          const std::string& sealed) {
  if (sealed.empty())
    return Status::FailedPrecondition("connection " + connection_id + " has no sealed params");
  ASSIGN_OR_RETURN(std::string plain, Open(key, sealed, Aad(connection_id)));
  ASSIGN_OR_RETURN(json::value v, ParseJson(plain));
  if (!v.is_object())
    return Status::Internal("sealed params of " + connection_id + " are not an object");
  return std::move(v.as_object());
}

}  // namespace fluxo
