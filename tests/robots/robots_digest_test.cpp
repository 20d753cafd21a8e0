// End to end through the engine: the field-report digest of the sales window is posted
// to the marketing track, whose channel is a DingTalk group robot on a fake DingTalk.
// The robot first answers "too fast"; the post goes back to the outbox and is sent
// again: nothing is lost.

#include <date/date.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "bot/features/reports/report_settings.hpp"
#include "bot/metrics_settings.hpp"
#include "connectors/robots/robot_connector.hpp"
#include "tests/robots/fake_platform.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::robots_test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::TestBot;

core::Timestamp utc(int y, unsigned m, unsigned d, int h, int min = 0) {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        date::sys_days{date::year{y} / m / d} + std::chrono::hours(h) + std::chrono::minutes(min));
}

TEST(RobotsDigest, TheSalesDigestReachesTheMarketingGroupOnDingTalkDespiteThrottling) {
    FakePlatform fake;
    fake.script(errcode(130101, "send too fast, exceed 20 times per minute"));
    const std::string secret = "SECdigestrobot";

    bot::BotSettings settings;  // company zone Asia/Shanghai: the sales window closes
    settings.features.edit<bot::reports::ReportSettings>().competitors = {
        {"Huawei", {"华为"}}};  // Mondays 02:00 UTC
    settings.features.edit<bot::metrics::MetricsSettings>().weekly_post =
        false;  // the weekly metrics post goes to this track too
    TestBot bot(utc(2026, 11, 2, 9), settings);

    connectors::robots::RobotSettings robot;
    robot.name = "dingtalk";
    robot.platform = connectors::robots::Platform::dingtalk;
    robot.format = connectors::robots::Format::markdown;
    robot.limits = connectors::robots::default_limits(robot.platform, robot.format);
    robot.max_hold = 0ms;  // hand a throttled post straight back to the outbox
    robot.rate_limit_wait = 50ms;
    connectors::robots::RobotChannel group;
    group.name = "mkt-group";
    group.track = "marketing";
    group.url = core::Secret("URL", fake.url("/robot/send?access_token=digest"));
    group.secret = core::Secret("SECRET", secret);
    robot.channels.push_back(group);
    connectors::ConnectorContext context;
    context.clock = &bot.clock();
    context.roster = std::make_shared<connectors::Roster>();
    auto connector = connectors::robots::make_robot(robot, context);
    RecordingSink sink;
    connector->start(sink);
    bot.engine().add_outlet("dingtalk", [&](const core::Post& post, core::SendDone done) {
        connector->send(post, std::move(done));
    });
    bot.store().channel_tracks().upsert({"dingtalk", "mkt-group", "marketing"},
                                        core::to_millis(bot.clock().now()));

    bot.add({"mia", "Mia Marketer", "marketing", "manager", "Europe/Berlin"});
    bot.add({"sam", "Sam Seller", "sales", "staff", "Europe/Berlin"});
    bot.say("mia", "engagement new ACME");
    bot.advance(1min);
    bot.advance(24h);
    bot.say("sam", "report ACME: competitor Huawei offered 10% off");
    while (bot.clock().now() < utc(2026, 11, 9, 2)) bot.advance(1h);

    // The first attempt is refused with 130101 and returns to the outbox ...
    ASSERT_GE(fake.wait_for(1).size(), 1u);
    // ... which sends it again once its backoff is over.
    for (int i = 0; i < 50 && fake.received().size() < 2; ++i) {
        bot.advance(2s);
        fake.wait_for(2, 200ms);
    }
    const auto got = fake.received();
    ASSERT_EQ(got.size(), 2u);
    for (const auto& r : got) {
        EXPECT_EQ(r.path, "/robot/send");
        EXPECT_EQ(r.query.at("access_token"), "digest");
        const std::string ts = r.query.at("timestamp");
        EXPECT_EQ(r.query.at("sign"), openssl_hmac_base64(secret, ts + "\n" + secret));
        EXPECT_EQ(r.json["msgtype"], "markdown");
        EXPECT_THAT(r.json["markdown"]["text"].get<std::string>(),
                    HasSubstr("Field report digest, Sales: 1 report(s)"));
        EXPECT_THAT(r.json["markdown"]["text"].get<std::string>(), HasSubstr("Huawei"));
    }
    bot.advance(2s);  // the confirmation is recorded
    EXPECT_EQ(bot.store().outbox().pending_count(), 0);
    connector->stop();
}

}  // namespace
}  // namespace twintrack::robots_test
