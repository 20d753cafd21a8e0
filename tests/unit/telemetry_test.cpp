// The Prometheus text a scraper reads, and readiness.

#include "core/telemetry.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace twintrack::core {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(Telemetry, CountersGaugesAndHistogramsRenderInTheExpositionFormat) {
    Telemetry t;
    t.describe("twintrack_events_in_total", Telemetry::Type::counter, "Events received.");
    t.add("twintrack_events_in_total", {{"connector", "irc"}});
    t.add("twintrack_events_in_total", {{"connector", "irc"}}, 2);
    t.add("twintrack_events_in_total", {{"connector", "say \"hi\""}});
    t.set("twintrack_outbox_depth", {}, 7);
    t.observe("twintrack_command_seconds", {}, 0.003);
    t.observe("twintrack_command_seconds", {}, 20);
    const std::string text = t.render();
    EXPECT_THAT(text, HasSubstr("# HELP twintrack_events_in_total Events received.\n"
                                "# TYPE twintrack_events_in_total counter\n"));
    EXPECT_THAT(text, HasSubstr("twintrack_events_in_total{connector=\"irc\"} 3\n"));
    EXPECT_THAT(text, HasSubstr("twintrack_events_in_total{connector=\"say \\\"hi\\\"\"} 1\n"));
    EXPECT_THAT(text, HasSubstr("twintrack_outbox_depth 7\n"));
    EXPECT_THAT(text, HasSubstr("twintrack_command_seconds_bucket{le=\"0.001\"} 0\n"));
    EXPECT_THAT(text, HasSubstr("twintrack_command_seconds_bucket{le=\"0.005\"} 1\n"));
    EXPECT_THAT(text, HasSubstr("twintrack_command_seconds_bucket{le=\"10\"} 1\n"));
    EXPECT_THAT(text, HasSubstr("twintrack_command_seconds_bucket{le=\"+Inf\"} 2\n"));
    EXPECT_THAT(text, HasSubstr("twintrack_command_seconds_count 2\n"));
    EXPECT_EQ(t.value("twintrack_events_in_total", {{"connector", "irc"}}), 3);
}

TEST(Telemetry, ReadinessNamesEveryFailingCheck) {
    Telemetry t;
    bool store_ok = true;
    t.add_readiness_check("store", [&] { return store_ok ? "" : "the database is failing"; });
    t.add_readiness_check("connector irc", [] { return std::string("not connected"); });
    t.add_readiness_check("broken", []() -> std::string { throw std::runtime_error("boom"); });
    EXPECT_THAT(t.not_ready(), ElementsAre("connector irc: not connected", "broken: boom"));
    store_ok = false;
    EXPECT_EQ(t.not_ready().size(), 3u);
    Telemetry fine;
    EXPECT_THAT(fine.not_ready(), IsEmpty());
}

}  // namespace
}  // namespace twintrack::core
