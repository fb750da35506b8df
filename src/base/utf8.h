// UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
#pragma once

#include <string>
#include <string_view>

namespace fluxo {

// True when `s` is well-formed UTF-8. ASCII runs are checked 64 bytes at a time (SSE2).
bool IsValidUtf8(std::string_view s);

// `s` itself when it is well-formed UTF-8; otherwise a copy in which every byte that does not
// start a well-formed sequence is replaced by U+FFFD. For text that must go into JSON (error
// messages that quote a request's path, header or value).
std::string ToValidUtf8(std::string_view s);

}  // namespace fluxo
