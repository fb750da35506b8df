// FlowOptionsOf: the engine's reading of a flow's options (defaults, lenient values), and the
// nullDeltaPolicy values the API accepts.
#include "model/flow_options.h"

#include <gtest/gtest.h>

namespace fluxo {
namespace {

FlowOptions Of(const char* options_json) {
  json::object flow{{"options", json::parse(options_json)}};
  return FlowOptionsOf(flow);
}

TEST(FlowOptions, NullDeltaPolicyDefaultsToSkip) {
  EXPECT_FALSE(FlowOptionsOf(json::object{}).null_delta_in_first_window);
  EXPECT_FALSE(Of("{}").null_delta_in_first_window);
  EXPECT_FALSE(Of(R"({"nullDeltaPolicy":"skip"})").null_delta_in_first_window);
  EXPECT_TRUE(Of(R"({"nullDeltaPolicy":"include-in-first-window"})").null_delta_in_first_window);
  EXPECT_TRUE(Of(R"({"nullDeltaPolicy":"Include-In-First-Window"})").null_delta_in_first_window);
  // A value the API would refuse reads as the default.
  EXPECT_FALSE(Of(R"({"nullDeltaPolicy":"include"})").null_delta_in_first_window);
  EXPECT_FALSE(Of(R"({"nullDeltaPolicy":true})").null_delta_in_first_window);
}

TEST(FlowOptions, ParseNullDeltaPolicyAcceptsOnlyTheTwoNames) {
  EXPECT_EQ(ParseNullDeltaPolicy(json::value("skip")), std::optional<bool>(false));
  EXPECT_EQ(ParseNullDeltaPolicy(json::value("SKIP")), std::optional<bool>(false));
  EXPECT_EQ(ParseNullDeltaPolicy(json::value("include-in-first-window")),
            std::optional<bool>(true));
  for (const char* bad : {"", "include", "first", "include_in_first_window", " skip"}) {
    EXPECT_EQ(ParseNullDeltaPolicy(json::value(bad)), std::nullopt) << bad;
  }
  EXPECT_EQ(ParseNullDeltaPolicy(json::value(1)), std::nullopt);
  EXPECT_EQ(ParseNullDeltaPolicy(json::value(nullptr)), std::nullopt);
  EXPECT_EQ(ParseNullDeltaPolicy(json::value(true)), std::nullopt);
}

TEST(FlowOptions, OtherOptionsKeepTheirDefaultsBesideTheNewOne) {
  FlowOptions o = Of(R"({"nullDeltaPolicy":"include-in-first-window","lateArrivalSeconds":"60"})");
  EXPECT_TRUE(o.null_delta_in_first_window);
  EXPECT_EQ(o.late_arrival_s, 60);
  EXPECT_TRUE(o.late_commit_guard);
  EXPECT_EQ(o.late_commit_wait_s, kDefaultLateCommitWaitSeconds);
}

}  // namespace
}  // namespace fluxo
