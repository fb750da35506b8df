// UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
#pragma once

#include <string_view>

namespace fluxo {

// True when `s` is well-formed UTF-8. ASCII runs are checked 64 bytes at a time (SSE2).
bool IsValidUtf8(std::string_view s);

}  // namespace fluxo
