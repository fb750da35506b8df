// Test-only fault injection: crash the process at a named point, to prove that a killed process
// loses no data. Active only when FLUXO_ALLOW_TEST_FLAGS=1 and FLUXO_CRASH_AT names the point;
// production builds carry the checks but they never fire unless both variables are set.
#pragma once

namespace fluxo {

// Ends the process at once (as kill -9 would: no destructors, no flush) when the point is armed.
void MaybeCrashAt(const char* point);

}  // namespace fluxo
