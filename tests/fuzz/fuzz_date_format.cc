// dateFormat patterns and the texts they parse (text delta columns), ISO 8601 timestamps and zone
// names: the first bytes up to a NUL are a pattern, the rest a text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/date_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nul = in.find('\0');
  std::string_view pattern = in.substr(0, nul);
  std::string_view text = nul == std::string_view::npos ? in : in.substr(nul + 1);
  auto fmt = fluxo::DateFormat::Parse(pattern);
  if (fmt.ok()) (void)fmt->ParseMicros(text, 0).ok();
  (void)fluxo::ParseIsoTimestamp(text).ok();
  (void)fluxo::ParseIsoTimestampMicros(text).ok();
  if (text.size() < 64) {
    auto tz = fluxo::TimeZone::Find(std::string(text));
    if (tz.ok()) (void)(*tz)->LocalToUtc(1700000000);
  }
  return 0;
}
