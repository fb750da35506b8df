// Connection strings (key=value and URL forms) as connections carry them: classify, parse, check
// and mask any text without a crash, and never return the password in the mask.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "model/connection_string.h"

namespace {

// Non-overlapping occurrences of `needle` (not empty) in `hay`.
size_t Occurrences(std::string_view hay, std::string_view needle) {
  size_t n = 0;
  for (size_t at = hay.find(needle); at != std::string_view::npos;
       at = hay.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view s(reinterpret_cast<const char*>(data), size);
  (void)fluxo::ClassifyConnectionString(s);
  auto kv = fluxo::ParseKeyValueConnectionString(s);
  (void)fluxo::CheckConnectionString(s);
  std::string masked = fluxo::MaskConnectionString(s);
  // A parsed password of some length must not survive masking. The same text may also stand as
  // the value of another key (not a secret there), so masking must remove one occurrence at least
  // (a quoted value may not occur in the text at all: '' stands for ').
  if (kv.ok()) {
    auto it = kv->find("password");
    if (it != kv->end() && it->second.size() >= 12 &&
        it->second.find_first_not_of("*") != std::string::npos &&
        Occurrences(masked, it->second) > 0 &&
        Occurrences(masked, it->second) >= Occurrences(s, it->second)) {
      abort();
    }
  }
  return 0;
}
