// Secrets in connection auth params: which fields are secret, and the masked copy of the params
// that is stored in plain text and returned on GET (reference/CONTRACT.md, "Secrets"). The full
// params are encrypted elsewhere (src/secrets); this file never sees keys or ciphertext.
//
// Masking: every secret field's value becomes the string "***" (kMaskedValue), whatever its type;
// a secret connection string keeps its non-secret parts and only its passwords become "***"
// (model/connection_string.h). AEP shows placeholders too; "***" was chosen because it also reads
// naturally inside a connection string ("Password=***", "postgresql://u:***@h/db").
//
// Thread-safe (pure functions).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "model/param_spec.h"

namespace fluxo {

inline constexpr std::string_view kMaskedValue = "***";

// Dotted names of the params marked `secret`, in declaration order, including secret fields
// nested in object params ("connectionString", "s3SecretKey", "proxy.password").
std::vector<std::string> SecretFieldNames(const std::vector<ParamSpec>& auth_params);

// A copy of `params` that holds no secret material:
//  - a secret field becomes "***"; a secret connection string is masked with
//    MaskConnectionString (whole "***" when it does not parse);
//  - object params are masked recursively by their nested specs;
//  - a key with no spec is masked whole ("***"): validation refuses unknown keys, so this only
//    guards against a caller that skipped it.
// Non-secret fields are copied unchanged.
json::object MaskSecrets(const std::vector<ParamSpec>& auth_params, const json::object& params);

// For updates: a client that GETs a connection and sends its auth params back unchanged sends the
// masked values. Returns `incoming` where every top-level secret field whose value equals the
// masked form of the same field in `stored` (the full, decrypted params) is replaced by the
// stored value, so an echoed mask never overwrites a real secret. Other fields are unchanged.
json::object RestoreEchoedSecrets(const std::vector<ParamSpec>& auth_params,
                                  const json::object& incoming, const json::object& stored);

}  // namespace fluxo
