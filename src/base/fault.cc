#include "base/fault.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace fluxo {

void MaybeCrashAt(const char* point) {
  static const char* armed = [] {
    const char* allow = std::getenv("FLUXO_ALLOW_TEST_FLAGS");
    const char* at = std::getenv("FLUXO_CRASH_AT");
    return allow && std::strcmp(allow, "1") == 0 && at && *at ? at : nullptr;
  }();
  if (armed && std::strcmp(armed, point) == 0) _exit(86);
}

}  // namespace fluxo
