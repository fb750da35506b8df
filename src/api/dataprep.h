// The Data Prep API (/data/foundation/conversion, dataprep_handlers.cc) and the flow rule that
// ties a flow's transformations to it. Codes (api/CONTRACT.md "Data Prep and Schema Registry"):
//   1480-400 a mapping set (or an expression) is invalid: the message names the mapping index,
//            the field, the expression and the column of every problem
//   1481-400 a bad value of a Data Prep query parameter (version, start, orderBy, expandSchema)
//   1482-400 a flow's transformations: an unknown transformation or parameter, a malformed
//            Mapping transformation
//   1483-400 a flow's Mapping names a mapping set (or version) that does not exist in its scope
//   1484-400 a schema reference (a mapping set's outputSchema, a dataset's schemaRef) names no
//            schema of the caller's scope
//   1485-400 a schema posted to the Schema Registry is invalid or unsupported (names the path)
#pragma once

#include <string>
#include <vector>

#include "api/router.h"
#include "dataprep/xdm_schema.h"

namespace fluxo {

inline constexpr int kCodeMappingInvalid = 1480;
inline constexpr int kCodeDataPrepParam = 1481;
inline constexpr int kCodeTransformation = 1482;
inline constexpr int kCodeMappingNotFound = 1483;
inline constexpr int kCodeSchemaNotFound = 1484;
inline constexpr int kCodeSchemaInvalid = 1485;

// Registers the Data Prep routes under `base` ("/data/foundation/conversion").
void RegisterDataPrepRoutes(Router& r, const std::string& base);

// Registers the Schema Registry subset under `base` ("/data/foundation/schemaregistry").
void RegisterSchemaRoutes(Router& r, const std::string& base);

// The leaf fields of the schema `ref` names ($id, meta:altId or id) in the caller's scope;
// 400 1484 when there is none.
Result<std::vector<dataprep::XdmField>> SchemaFields(Call& call, MetaTxn& txn,
                                                     const std::string& ref);

// Checks a flow document's `transformations` (each an object with a name and params): only
// Copy (params: deltaColumn) and Mapping (params: mappingId, mappingVersion) are applied, so any
// other name or parameter is refused (1482); a Mapping must name an existing version of a
// mapping set of the caller's scope (1483). Appends the mapping set id to `refs`.
Status CheckFlowTransformations(Call& call, MetaTxn& txn, const json::object& flow_doc,
                                std::vector<std::string>* refs);

}  // namespace fluxo
