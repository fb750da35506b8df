// The JSON Lines / JSON array splitter of file sources over any bytes, and every record it yields
// parsed as JSON: errors are reported per record, never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/json.h"
#include "connectors/files/byte_stream.h"
#include "connectors/files/json_splitter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fluxo::connectors::files::StringStream(
      std::string(reinterpret_cast<const char*>(data), size));
  fluxo::connectors::files::JsonSplitter splitter(in.get(), 1 << 16);
  fluxo::connectors::files::JsonRecordText rec;
  for (int i = 0; i < 100000; ++i) {
    auto more = splitter.Next(&rec);
    if (!more.ok() || !*more) break;
    if (!rec.error.empty()) continue;
    boost::system::error_code ec;
    fluxo::json::value v = fluxo::json::parse(rec.text, ec);
    (void)v;
  }
  return 0;
}
