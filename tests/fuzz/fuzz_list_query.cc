// List queries as GET /flows?property=...&orderby=...&limit=...&continuationToken=... arrive: any
// raw query string must parse to a query or a 400 naming the parameter; never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/list_query.h"
#include "api/query_string.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  auto params = fluxo::ParseQueryString(raw);
  if (!params.ok()) return 0;
  fluxo::ListOptions options;
  options.scope = "flows";
  options.filter_paths = {"name", "state", "createdAt", "flowSpec.id",
                          "metrics.statusSummary.status"};
  options.order_fields = {"createdAt", "updatedAt", "name"};
  options.extra_params = {"count"};
  auto q = fluxo::ParseListQuery(*params, options);
  (void)q.ok();
  for (const auto& p : *params) {
    auto f = fluxo::ParseFilter(p.value, options);
    (void)f.ok();
  }
  return 0;
}
