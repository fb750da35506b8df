// Connection strings (key=value and URL forms) as connections carry them: classify, parse, check
// and mask any text without a crash, and never return the password in the mask.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "model/connection_string.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view s(reinterpret_cast<const char*>(data), size);
  (void)fluxo::ClassifyConnectionString(s);
  auto kv = fluxo::ParseKeyValueConnectionString(s);
  (void)fluxo::CheckConnectionString(s);
  std::string masked = fluxo::MaskConnectionString(s);
  // A parsed password of some length must not survive masking.
  if (kv.ok()) {
    auto it = kv->find("password");
    if (it != kv->end() && it->second.size() >= 12 &&
        it->second.find_first_not_of("*") != std::string::npos &&
        masked.find(it->second) != std::string::npos) {
      abort();
    }
  }
  return 0;
}
