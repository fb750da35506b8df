// A small JSONPath subset for self-serve specs (contentPath.path, pointerPath,
// continuationTokenPath, endConditionName): `$` then steps `.name`, `['name']` / `["name"]`,
// `[N]` (array index, N >= 0), and a final `[*]` or `.*` ("the elements of"; the same as naming
// the array itself). Filters, slices, recursive descent (`..`) and unions are refused at Parse
// with the offset of the character, so a spec that uses them fails at creation, not at run time.
//
// Immutable after Parse; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"

namespace fluxo::connectors::rest {

class JsonPath {
 public:
  JsonPath() = default;  // `$`
  // InvalidArgument "... at offset N" when `text` is not in the subset above.
  static Result<JsonPath> Parse(std::string_view text);

  // The value the path names inside `root`, or nullptr when a step is missing (a missing key, an
  // index out of range, a name applied to a non-object). The result points into `root`.
  const json::value* Find(const json::value& root) const;
  const std::string& text() const { return text_; }
  // The last named step ("emails" for `$.data.emails`); "" for `$` or a final index.
  std::string LastName() const;

 private:
  struct Step {
    bool is_index = false;
    std::string name;
    size_t index = 0;
  };
  std::string text_ = "$";
  std::vector<Step> steps_;
};

}  // namespace fluxo::connectors::rest
