// JSON Patch (RFC 6902) on boost::json values, with JSON Pointer (RFC 6901) paths.
//
// Pure functions, thread-safe. Supported ops: `add`, `replace`, `remove`, names in any case
// ("REPLACE", "Add"). `move`, `copy` and `test` are refused with 400 code 1434; any other
// malformed patch is 400 code 1410. Every error names the operation index (0-based) and its
// path. Applying is atomic: the input document is never modified; a new one is returned only
// when every operation succeeded.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api_error.h"
#include "base/json.h"

namespace fluxo {

enum class PatchOpKind { kAdd, kReplace, kRemove };

// "add", "replace", "remove".
const char* PatchOpName(PatchOpKind kind);

struct PatchOp {
  size_t index = 0;  // position in the patch array, for messages
  PatchOpKind kind = PatchOpKind::kAdd;
  std::string path;                 // the JSON Pointer as sent ("/params/a~1b")
  std::vector<std::string> tokens;  // its unescaped reference tokens ({"params", "a/b"})
  json::value value;                // add/replace only (may be null)
};

// Decides whether one operation may run. nullopt: allowed; otherwise the error to answer.
using PatchCheck = std::function<Status(const PatchOp&)>;

struct PatchOptions {
  PatchCheck check;  // empty: every path is patchable
};

// A PatchCheck allowing only pointers equal to one of `prefixes` or below one ("/name" allows
// "/name" and "/name/x", not "/names"). Others: 400 code 1410 naming the path. The root pointer
// "" is allowed only when "" is listed.
PatchCheck AllowPathPrefixes(std::vector<std::string> prefixes);

// Parses a JSON Pointer. "" is the whole document; otherwise it starts with '/', and "~0", "~1"
// are the only escapes. Fails (InvalidArgument) naming the pointer.
Result<std::vector<std::string>> ParseJsonPointer(std::string_view pointer);

// Validates the patch body and its operations (shape, op names, pointers, required members,
// `options.check`). The body must be a JSON array of objects with a string `op` and a string
// `path`; add/replace need `value`. An empty array is a valid no-op patch.
Result<std::vector<PatchOp>> ParseJsonPatch(const json::value& body,
                                            const PatchOptions& options = {});

// Applies parsed ops in order to a copy of `doc` and returns it. Errors: the target or its
// parent does not exist, an array index out of range or malformed ("01", "-" for replace and
// remove), a path through a scalar, removing the whole document.
Result<json::value> ApplyPatchOps(const json::value& doc, const std::vector<PatchOp>& ops);

// The distinct top-level member names the ops touch, in first-touched order ("" when an op
// replaces the whole document). {"/name", "/params/a", "/name"} -> {"name", "params"}.
std::vector<std::string> TouchedTopLevel(const std::vector<PatchOp>& ops);

struct PatchResult {
  json::value document;              // the patched copy
  std::vector<std::string> touched;  // TouchedTopLevel(ops)
};

// ParseJsonPatch + ApplyPatchOps + TouchedTopLevel.
Result<PatchResult> ApplyJsonPatch(const json::value& doc, const json::value& patch,
                                   const PatchOptions& options = {});

}  // namespace fluxo
