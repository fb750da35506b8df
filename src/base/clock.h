// Time sources. Production code takes a Clock& so tests can substitute a fake.
#pragma once

#include <cstdint>

namespace fluxo {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, milliseconds since the Unix epoch (UTC).
  virtual int64_t NowMillis() const = 0;
  int64_t NowSeconds() const { return NowMillis() / 1000; }
};

// The system clock. Thread-safe.
class SystemClock : public Clock {
 public:
  int64_t NowMillis() const override;
  static SystemClock& Instance();
};

}  // namespace fluxo
