// JSON Patch (RFC 6902) as PATCH handlers parse and apply it: any bytes, parsed as JSON, must give
// a clear error or a patched copy; never a crash, a hang or an exception.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/json_patch.h"
#include "base/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  boost::system::error_code ec;
  fluxo::json::value patch =
      fluxo::json::parse(std::string_view(reinterpret_cast<const char*>(data), size), ec);
  if (ec) return 0;
  static const fluxo::json::value doc = fluxo::json::parse(
      R"({"name":"flow","params":{"a":[1,2,{"b":null}],"x/y":{"~":true}},"tags":[],"n":3})");
  auto parsed = fluxo::ParseJsonPatch(patch);
  if (!parsed.ok()) return 0;
  auto applied = fluxo::ApplyPatchOps(doc, *parsed);
  (void)applied.ok();
  (void)fluxo::TouchedTopLevel(*parsed);
  auto limited =
      fluxo::ApplyJsonPatch(doc, patch, {fluxo::AllowPathPrefixes({"/name", "/params"})});
  (void)limited.ok();
  return 0;
}
