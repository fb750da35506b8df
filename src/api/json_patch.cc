#include "api/json_patch.h"

#include <charconv>

#include "api/query_string.h"

namespace fluxo {
namespace {

Status OpError(size_t index, std::string_view op, std::string_view path, const std::string& what,
               int code = kCodeBadRequest) {
  return BadRequest(code, "JSON Patch operation " + std::to_string(index) + " (" + std::string(op) +
                              " " + QuoteForMessage(path) + "): " + what);
}

Status OpError(const PatchOp& op, const std::string& what) {
  return OpError(op.index, PatchOpName(op.kind), op.path, what);
}

// An RFC 6901 array index: "0" or digits without a leading zero. nullopt otherwise.
std::optional<size_t> ParseIndex(std::string_view token) {
  if (token.empty() || token.size() > 18) return std::nullopt;
  if (token.size() > 1 && token[0] == '0') return std::nullopt;
  size_t out = 0;
  auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), out);
  if (ec != std::errc() || p != token.data() + token.size()) return std::nullopt;
  return out;
}

// The pointer prefix made of the first `n` tokens of `op`, for messages.
std::string Prefix(const PatchOp& op, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += '/';
    for (char c : op.tokens[i]) {
      if (c == '~') {
        out += "~0";
      } else if (c == '/') {
        out += "~1";
      } else {
        out += c;
      }
    }
  }
  return out;
}

// Applies one op to `doc` in place. On error `doc` may be partly changed; the caller works on
// a copy.
Status ApplyOne(json::value& doc, const PatchOp& op) {
  if (op.tokens.empty()) {
    if (op.kind == PatchOpKind::kRemove) return OpError(op, "cannot remove the whole document");
    doc = op.value;
    return Status::OK();
  }
  json::value* cur = &doc;
  for (size_t i = 0; i + 1 < op.tokens.size(); ++i) {
    const std::string& t = op.tokens[i];
    if (cur->is_object()) {
      json::value* next = cur->as_object().if_contains(t);
      if (next == nullptr)
        return OpError(op, "path " + QuoteForMessage(Prefix(op, i + 1)) + " does not exist");
      cur = next;
    } else if (cur->is_array()) {
      std::optional<size_t> idx = ParseIndex(t);
      if (!idx || *idx >= cur->as_array().size()) {
        return OpError(op, "array index " + QuoteForMessage(t) + " at " +
                               QuoteForMessage(Prefix(op, i)) + " is out of range or malformed");
      }
      cur = &cur->as_array()[*idx];
    } else {
      return OpError(op, "path " + QuoteForMessage(Prefix(op, i)) + " is not an object or array");
    }
  }
  const std::string& last = op.tokens.back();
  std::string parent_path = Prefix(op, op.tokens.size() - 1);
  if (cur->is_object()) {
    json::object& obj = cur->as_object();
    switch (op.kind) {
      case PatchOpKind::kAdd: obj[last] = op.value; return Status::OK();
      case PatchOpKind::kReplace: {
        json::value* target = obj.if_contains(last);
        if (target == nullptr) return OpError(op, "path does not exist");
        *target = op.value;
        return Status::OK();
      }
      case PatchOpKind::kRemove:
        if (obj.erase(last) == 0) return OpError(op, "path does not exist");
        return Status::OK();
    }
  }
  if (cur->is_array()) {
    json::array& arr = cur->as_array();
    if (op.kind == PatchOpKind::kAdd && last == "-") {
      arr.push_back(op.value);
      return Status::OK();
    }
    std::optional<size_t> idx = ParseIndex(last);
    size_t limit = op.kind == PatchOpKind::kAdd ? arr.size() + 1 : arr.size();
    if (!idx || *idx >= limit) {
      return OpError(op, "array index " + QuoteForMessage(last) + " is out of range or malformed" +
                             " (array " + QuoteForMessage(parent_path) + " has " +
                             std::to_string(arr.size()) + " elements)");
    }
    switch (op.kind) {
      case PatchOpKind::kAdd: arr.insert(arr.begin() + *idx, op.value); return Status::OK();
      case PatchOpKind::kReplace: arr[*idx] = op.value; return Status::OK();
      case PatchOpKind::kRemove: arr.erase(arr.begin() + *idx); return Status::OK();
    }
  }
  return OpError(op, "parent " + QuoteForMessage(parent_path) + " is not an object or array");
}

}  // namespace

const char* PatchOpName(PatchOpKind kind) {
  switch (kind) {
    case PatchOpKind::kAdd: return "add";
    case PatchOpKind::kReplace: return "replace";
    case PatchOpKind::kRemove: return "remove";
  }
  return "?";
}

PatchCheck AllowPathPrefixes(std::vector<std::string> prefixes) {
  return [prefixes = std::move(prefixes)](const PatchOp& op) -> Status {
    for (const std::string& p : prefixes) {
      if (op.path == p) return Status::OK();
      if (op.path.size() > p.size() && op.path.compare(0, p.size(), p) == 0 &&
          op.path[p.size()] == '/') {
        return Status::OK();
      }
    }
    return OpError(op, "this path may not be patched");
  };
}

Result<std::vector<std::string>> ParseJsonPointer(std::string_view pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  if (pointer.front() != '/') {
    return Status::InvalidArgument("JSON Pointer " + QuoteForMessage(pointer) +
                                   " must be empty or start with '/'");
  }
  size_t i = 1;
  std::string cur;
  for (; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      tokens.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    char c = pointer[i];
    if (c == '~') {
      char next = i + 1 < pointer.size() ? pointer[i + 1] : '\0';
      if (next == '0') {
        cur += '~';
      } else if (next == '1') {
        cur += '/';
      } else {
        return Status::InvalidArgument("JSON Pointer " + QuoteForMessage(pointer) +
                                       " has a '~' not followed by 0 or 1");
      }
      ++i;
    } else {
      cur += c;
    }
  }
  return tokens;
}

Result<std::vector<PatchOp>> ParseJsonPatch(const json::value& body, const PatchOptions& options) {
  if (!body.is_array()) {
    return BadRequest(kCodeBadRequest,
                      "request body must be a JSON Patch: an array of operations "
                      "such as [{\"op\":\"replace\",\"path\":\"/name\",\"value\":\"x\"}]");
  }
  std::vector<PatchOp> ops;
  const json::array& arr = body.as_array();
  ops.reserve(arr.size());
  for (size_t i = 0; i < arr.size(); ++i) {
    const json::object* o = arr[i].if_object();
    if (o == nullptr) {
      return BadRequest(kCodeBadRequest,
                        "JSON Patch operation " + std::to_string(i) + " must be an object");
    }
    const json::value* op_v = o->if_contains("op");
    const json::value* path_v = o->if_contains("path");
    std::string path =
        path_v != nullptr && path_v->is_string() ? std::string(path_v->as_string()) : std::string();
    if (op_v == nullptr || !op_v->is_string()) {
      return OpError(i, "?", path, "member 'op' is missing or not a string");
    }
    std::string op_name(op_v->as_string());
    PatchOp op;
    op.index = i;
    if (EqualsIgnoreCase(op_name, "add")) {
      op.kind = PatchOpKind::kAdd;
    } else if (EqualsIgnoreCase(op_name, "replace")) {
      op.kind = PatchOpKind::kReplace;
    } else if (EqualsIgnoreCase(op_name, "remove")) {
      op.kind = PatchOpKind::kRemove;
    } else if (EqualsIgnoreCase(op_name, "move") || EqualsIgnoreCase(op_name, "copy") ||
               EqualsIgnoreCase(op_name, "test")) {
      return OpError(
          i, op_name, path,
          "operation " + QuoteForMessage(op_name) + " is not supported; use add, replace or remove",
          1434);
    } else {
      return OpError(
          i, op_name, path,
          "unknown operation " + QuoteForMessage(op_name) + "; use add, replace or remove");
    }
    if (path_v == nullptr || !path_v->is_string()) {
      return OpError(i, op_name, path, "member 'path' is missing or not a string");
    }
    op.path = path;
    Result<std::vector<std::string>> tokens = ParseJsonPointer(path);
    if (!tokens.ok()) return OpError(i, op_name, path, tokens.status().message());
    op.tokens = std::move(*tokens);
    if (op.kind != PatchOpKind::kRemove) {
      const json::value* value = o->if_contains("value");
      if (value == nullptr) return OpError(i, op_name, path, "member 'value' is missing");
      op.value = *value;
    }
    if (options.check) {
      if (Status err = options.check(op); !err.ok()) return err;
    }
    ops.push_back(std::move(op));
  }
  return ops;
}

Result<json::value> ApplyPatchOps(const json::value& doc, const std::vector<PatchOp>& ops) {
  json::value copy = doc;
  for (const PatchOp& op : ops) {
    if (Status err = ApplyOne(copy, op); !err.ok()) return err;
  }
  return copy;
}

std::vector<std::string> TouchedTopLevel(const std::vector<PatchOp>& ops) {
  std::vector<std::string> out;
  for (const PatchOp& op : ops) {
    std::string name = op.tokens.empty() ? std::string() : op.tokens.front();
    bool seen = false;
    for (const auto& s : out) seen = seen || s == name;
    if (!seen) out.push_back(std::move(name));
  }
  return out;
}

Result<PatchResult> ApplyJsonPatch(const json::value& doc, const json::value& patch,
                                   const PatchOptions& options) {
  ASSIGN_OR_RETURN(std::vector<PatchOp> ops, ParseJsonPatch(patch, options));
  ASSIGN_OR_RETURN(json::value out, ApplyPatchOps(doc, ops));
  return PatchResult{std::move(out), TouchedTopLevel(ops)};
}

}  // namespace fluxo
