// The explicit connector registry, keyed by connection spec id (Fluent Bit style: every
// connector is named in registry.cc; nothing registers itself by static initialization).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "connectors/source.h"

namespace fluxo {

class ConnectorRegistry {
 public:
  void Register(std::unique_ptr<Connector> c) { connectors_.push_back(std::move(c)); }
  // nullptr when no connector implements `spec_id`.
  Connector* Find(const std::string& spec_id) const {
    for (const auto& c : connectors_) {
      if (c->spec_id() == spec_id) return c.get();
    }
    return nullptr;
  }

 private:
  std::vector<std::unique_ptr<Connector>> connectors_;
};

// Every connector fluxo ships, registered in one place.
std::unique_ptr<ConnectorRegistry> BuiltinConnectors();

}  // namespace fluxo
