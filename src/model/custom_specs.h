// Custom connection specs and flow specs (AEP Self-Serve Sources, Batch SDK): the documents of
// POST/PUT /connectionSpecs and /flowSpecs turned into the ConnectionSpec / FlowSpec the rest of
// fluxo works with. Only the structure is checked here, with errors naming the JSON path
// ("authSpec[1].spec.properties.password.type must be one of ..."); what a REST spec's
// sourceSpec.attributes mean is checked by the REST connector
// (connectors/rest/rest_connector.h ValidateCustomSourceSpec), and cross references (the source
// connection specs a flow spec names) by the API.
//
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "model/param_spec.h"
#include "model/specs.h"

namespace fluxo {

// The params a JSON Schema of type object declares (properties, required, type, format
// "password" -> secret, enum, default, description, minLength/maxLength, minimum/maximum,
// pattern, nested objects and arrays). Nested objects accept other keys unless they say
// "additionalProperties": false; the top level does not (fluxo refuses unknown params).
// "pattern" (strings; RE2 syntax, refused when it does not compile) is enforced. Other keywords
// ("example", "uiAttributes") are served but not enforced.
Result<std::vector<ParamSpec>> ParamsFromSchema(const json::value& schema, std::string_view at);

// A REST connection spec (connector "rest", category kRest) from a create/update body:
// name (required), providerId, version, description, authSpec [{name, type, spec}] (at least
// one), sourceSpec {spec (JSON Schema of a source connection's params), attributes (the request:
// urlParams, contentPath, ...)}. `document` is set to `doc` (the body with id and audit fields).
Result<ConnectionSpec> CustomConnectionSpecFromJson(const json::object& doc, const std::string& id,
                                                    const std::string& org);

// A flow spec from a create/update body: name (required), sourceConnectionSpecIds (at least
// one), targetConnectionSpecIds (default: the data lake; only the lake is accepted),
// transformationSpecs (names; only "Mapping"). Schedules, options and run params are those of
// RestStorageToAEP. `document` is set to `doc`.
Result<FlowSpec> CustomFlowSpecFromJson(const json::object& doc, const std::string& id,
                                        const std::string& org);

}  // namespace fluxo
