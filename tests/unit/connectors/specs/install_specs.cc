// Installs the connectors' specs into model's catalog before any test of this binary runs, as
// the first ConnectorRegistry does in the binary (connectors/registry.h).
#include <gtest/gtest.h>

#include "connectors/registry.h"

namespace fluxo {
namespace {

class InstallSpecs : public ::testing::Environment {
 public:
  void SetUp() override { ConnectorRegistry registry; }
};

const ::testing::Environment* const kInstallSpecs =
    ::testing::AddGlobalTestEnvironment(new InstallSpecs);

}  // namespace
}  // namespace fluxo
