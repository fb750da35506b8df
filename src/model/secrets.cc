#include "model/secrets.h"

#include "model/connection_string.h"

namespace fluxo {
namespace {

void CollectSecrets(const std::vector<ParamSpec>& specs, const std::string& prefix,
                    std::vector<std::string>* out) {
  for (const ParamSpec& p : specs) {
    std::string name = JoinFieldPath(prefix, p.name);
    if (p.secret) {
      out->push_back(name);
    } else if (p.type == ParamType::kObject) {
      CollectSecrets(p.properties, name, out);
    }
  }
}

json::value MaskedValue() { return json::value(json::string(kMaskedValue)); }

json::value MaskField(const ParamSpec& spec, const json::value& v) {
  if (spec.secret) {
    if (spec.connection_string && v.is_string()) {
      return json::value(json::string(MaskConnectionString(v.as_string())));
    }
    return MaskedValue();
  }
  if (spec.type == ParamType::kObject && v.is_object()) {
    if (spec.additional_properties) {
      // Keys without a spec are allowed here; keep them, but mask declared secrets.
      json::object out = v.as_object();
      for (const ParamSpec& child : spec.properties) {
        if (auto it = out.find(child.name); it != out.end()) {
          it->value() = MaskField(child, it->value());
        }
      }
      return out;
    }
    return MaskSecrets(spec.properties, v.as_object());
  }
  return v;
}

}  // namespace

std::vector<std::string> SecretFieldNames(const std::vector<ParamSpec>& auth_params) {
  std::vector<std::string> out;
  CollectSecrets(auth_params, "", &out);
  return out;
}

json::object MaskSecrets(const std::vector<ParamSpec>& auth_params, const json::object& params) {
  json::object out;
  for (const auto& kv : params) {
    const ParamSpec* spec = FindParam(auth_params, kv.key());
    out[kv.key()] = spec ? MaskField(*spec, kv.value()) : MaskedValue();
  }
  return out;
}

json::object RestoreEchoedSecrets(const std::vector<ParamSpec>& auth_params,
                                  const json::object& incoming, const json::object& stored) {
  json::object out = incoming;
  for (const ParamSpec& spec : auth_params) {
    if (!spec.secret) continue;
    auto in = out.find(spec.name);
    auto old = stored.find(spec.name);
    if (in == out.end() || old == stored.end()) continue;
    if (in->value() == MaskField(spec, old->value())) in->value() = old->value();
  }
  return out;
}

}  // namespace fluxo
