// The explicit connector registry, keyed by connection spec id (Fluent Bit style: every
// connector is named in registry.cc, one line each; nothing registers itself by static
// initialization).
//
// The registry is also where the connection specs come from: each connector declares its spec in
// its own folder, and the first ConnectorRegistry made in a process installs the specs of every
// connector built in (registry.cc's list) into model's catalog (model/specs.h
// InstallConnectionSpecs), which the API serves and validates against. Any process that holds a
// registry (the API, the executor) therefore finds specs by id.
//
// Thread safety: Register before sharing the registry; Find and Specs from any thread after.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "connectors/source.h"
#include "model/specs.h"

namespace fluxo {

class ConnectorRegistry {
 public:
  // Installs the built-in connection specs into model's catalog (once per process).
  ConnectorRegistry();

  void Register(std::unique_ptr<Connector> c) { connectors_.push_back(std::move(c)); }
  // The connector of `spec_id`; for a custom spec (model/specs.h CustomSpecSource) the
  // connector its `connector` names ("rest"). nullptr when none implements it.
  Connector* Find(const std::string& spec_id) const {
    for (const auto& c : connectors_) {
      if (c->spec_id() == spec_id) return c.get();
    }
    const ConnectionSpec* spec = FindConnectionSpec(spec_id);
    if (spec == nullptr || spec->org.empty()) return nullptr;
    for (const auto& c : connectors_) {
      if (c->name() == spec->connector) return c.get();
    }
    return nullptr;
  }

 private:
  std::vector<std::unique_ptr<Connector>> connectors_;
};

// Every connector fluxo ships, registered in one place.
std::unique_ptr<ConnectorRegistry> BuiltinConnectors();

// The connection specs of every connector built in, in registry order (PostgreSQL, MySQL,
// SQLite, S3, local folder): what ConnectorRegistry() installs.
std::vector<ConnectionSpec> BuiltinSourceSpecs();

}  // namespace fluxo
