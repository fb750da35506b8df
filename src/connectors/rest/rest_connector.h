// The REST connector: executes AEP self-serve source specs (README.md in this folder). It
// implements the built-in "Generic REST API" spec (spec_ids::kGenericRest), whose source
// connections carry the request description in their params, and every custom connection spec
// created through POST /connectionSpecs (ConnectionSpec::connector == "rest"), whose
// sourceSpec.attributes carry it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/json.h"
#include "connectors/rest/rest_spec.h"
#include "connectors/source.h"
#include "model/specs.h"

namespace fluxo::connectors::rest {

// Stateless and thread-safe; every Source owns its own HTTP client.
std::unique_ptr<Connector> NewConnector();
// The Generic REST API connection spec (rest_spec_decl.cc).
const ConnectionSpec& Spec();

// The RestSpec a source of `spec` runs: spec.rest_attributes when the spec has them (a custom
// spec), else the source connection's params (Generic REST). Errors name the field path.
Result<RestSpec> RestSpecFor(const ConnectionSpec& spec, const json::object& source_params);

// Checks a custom spec's sourceSpec.attributes at creation: it decodes, each auth spec type is
// supported, and every placeholder names a param of sourceSpec.spec (`source_params`), of some
// auth spec, or of the window. Errors name the JSON path ("sourceSpec.attributes.urlParams.path:
// placeholder ${x} names no parameter").
Status ValidateCustomSourceSpec(const ConnectionSpec& spec);

}  // namespace fluxo::connectors::rest
