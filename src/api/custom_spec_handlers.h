// Custom connection specs and flow specs (AEP Self-Serve Sources): POST/PUT /connectionSpecs and
// /flowSpecs, stored in the metastore as entities of kind "connectionSpecs" / "flowSpecs" in the
// scope (org, "") (org-wide, like AEP's), and the CustomSpecSource (model/specs.h) that makes
// FindConnectionSpec / FindFlowSpec see them in every process that serves the API.
#pragma once

#include <string>
#include <vector>

#include "api/router.h"
#include "model/specs.h"

namespace fluxo {

// Registers the four write routes under `base` (".../flowservice") and installs the
// metastore-backed CustomSpecSource for `store` (process-wide; the last service made wins).
void RegisterCustomSpecRoutes(Router& r, const std::string& base, MetaStore* store);
// POST /connections/search, /flows/search, /flowSpecs/search (answered by the GET list route of
// the collection, so filters, order, count and paging are those of the list) and
// GET /connectionSpecs/{id}/configs, /connections/{id}/configs. REQUIRES: the GET list routes
// are registered in `r` already; `r` outlives the routes.
void RegisterSearchAndConfigRoutes(Router& r, const std::string& base);
// Uninstalls the source installed for `store`, if it is still the installed one (the object
// stays allocated, detached, so that a pointer another thread already holds stays usable).
void UninstallCustomSpecSource(MetaStore* store);

// The documents of the org's custom specs of `kind` ("connectionSpecs", "flowSpecs"), newest
// last, at most 1000 (GET /connectionSpecs and /flowSpecs list them after the built-in ones).
Result<std::vector<json::value>> CustomSpecDocuments(Call& call, const std::string& kind);

// For a REST connection spec whose request is described by the source connection (the Generic
// REST API): `params` decode as a request (errors name "params.paginationParams.type", ...).
// OK for every other spec.
Status CheckRestSourceParams(const ConnectionSpec& spec, const json::object& params);

// Whether a spec found by id may be used by `call`'s org: built-in ones by every org, custom
// ones by their own.
inline bool SpecVisible(const Call& call, const std::string& spec_org) {
  return spec_org.empty() || spec_org == call.scope.org;
}

}  // namespace fluxo
