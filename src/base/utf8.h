// UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fluxo {

// True when `s` is well-formed UTF-8. ASCII runs are checked 64 bytes at a time (SSE2).
bool IsValidUtf8(std::string_view s);

// The length (1-4) of the well-formed UTF-8 sequence that starts at byte `i` of `s`, or 0 when the
// byte there starts none (a stray continuation byte, a truncated or overlong sequence, ...).
// REQUIRES: i < s.size().
size_t Utf8SequenceAt(std::string_view s, size_t i);

// `s` itself when it is well-formed UTF-8; otherwise a copy in which every byte that does not
// start a well-formed sequence is replaced by U+FFFD. For text that must go into JSON (error
// messages that quote a request's path, header or value).
std::string ToValidUtf8(std::string_view s);

}  // namespace fluxo
