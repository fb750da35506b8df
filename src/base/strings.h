// Small string helpers shared by every area (ASCII only: identifiers, keywords, header names).
#pragma once

#include <string>
#include <string_view>

namespace fluxo {

// ASCII lower-case copy of `s`; bytes >= 0x80 are left as they are.
inline std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace fluxo
