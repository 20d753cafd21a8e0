// The robots' config sections: typed, strict, secrets only from the environment.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include "connectors/registry.hpp"

namespace twintrack::robots_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Result {
    std::optional<connectors::ConnectorSpec> spec;
    std::string errors;
};

Result read(const std::string& yaml) {
    core::ConfigErrors errors;
    const YAML::Node node = YAML::Load(yaml);
    Result r;
    r.spec = connectors::read_connector_spec(node, 0, errors);
    r.errors = errors.describe("twintrack.yaml");
    return r;
}

class RobotConfig : public ::testing::Test {
  protected:
    void SetUp() override {
        ::setenv("TT_ROBOT_URL", "https://oapi.dingtalk.com/robot/send?access_token=tok-SECRET", 1);
        ::setenv("TT_ROBOT_SECRET", "SECsecretvalue", 1);
        ::setenv("TT_ROBOT_APP", "app-secret-value", 1);
        ::setenv("TT_NOT_A_URL", "tok-SECRET-only", 1);
        ::unsetenv("TT_ROBOT_MISSING");
    }
};

TEST_F(RobotConfig, EveryTypeReadsChannelsWithTracks) {
    const auto dingtalk = read(
        "type: dingtalk\nname: dt\nformat: text\nrate_per_minute: 10\ntimeout_seconds: 5\n"
        "channels:\n"
        "  - {name: sales-group, track: sales, url: \"${TT_ROBOT_URL}\", secret: "
        "\"${TT_ROBOT_SECRET}\", "
        "conversation_id: cid1}\n"
        "callback: {bind: 127.0.0.1, port: 8091, path: /dt, app_secret: \"${TT_ROBOT_APP}\"}\n");
    ASSERT_TRUE(dingtalk.spec) << dingtalk.errors;
    EXPECT_EQ(dingtalk.spec->name, "dt");
    ASSERT_EQ(dingtalk.spec->channels.size(), 1u);
    EXPECT_EQ(dingtalk.spec->channels[0].name, "sales-group");
    EXPECT_EQ(dingtalk.spec->channels[0].track, "sales");
    for (const std::string type : {"feishu", "wecom", "webhook"}) {
        const std::string secret = type == "feishu" ? ", secret: \"${TT_ROBOT_SECRET}\"" : "";
        const auto r =
            read("type: " + type +
                 "\nchannels:\n  - {name: joint, track: joint, url: \"${TT_ROBOT_URL}\"" + secret +
                 "}\n");
        ASSERT_TRUE(r.spec) << type << ": " << r.errors;
        EXPECT_EQ(r.spec->name, type);
        EXPECT_EQ(r.spec->channels[0].track, "joint");
    }
}

TEST_F(RobotConfig, AMissingVariableIsNamedWithItsLine) {
    const auto r = read(
        "type: dingtalk\nchannels:\n  - name: g\n    track: sales\n"
        "    url: \"${TT_ROBOT_MISSING}\"\n");
    EXPECT_FALSE(r.spec);
    EXPECT_THAT(r.errors, HasSubstr("twintrack.yaml:5:"));
    EXPECT_THAT(r.errors, HasSubstr("TT_ROBOT_MISSING"));
}

TEST_F(RobotConfig, SecretsWrittenInlineAreRefusedAndNeverEchoed) {
    const auto r = read(
        "type: wecom\nchannels:\n  - {name: g, track: sales, "
        "url: \"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=tok-SECRET\"}\n");
    EXPECT_FALSE(r.spec);
    EXPECT_THAT(r.errors, HasSubstr("${ENV_VAR}"));
    const auto not_url =
        read("type: webhook\nchannels:\n  - {name: g, track: sales, url: \"${TT_NOT_A_URL}\"}\n");
    EXPECT_FALSE(not_url.spec);
    EXPECT_THAT(not_url.errors, HasSubstr("TT_NOT_A_URL"));
    EXPECT_THAT(not_url.errors, Not(HasSubstr("tok-SECRET")));
}

TEST_F(RobotConfig, PlatformSpecificKeysAreCheckedStrictly) {
    const std::string url = "url: \"${TT_ROBOT_URL}\"";
    struct Case {
        std::string yaml, error;
    };
    const std::vector<Case> cases = {
        {"type: wecom\nchannels:\n  - {name: g, track: sales, " + url +
             ", secret: \"${TT_ROBOT_SECRET}\"}\n",
         "unknown key \"secret\""},
        {"type: webhook\nchannels:\n  - {name: g, track: sales, " + url +
             "}\ncallback: {port: 1, app_secret: \"${TT_ROBOT_APP}\"}\n",
         "unknown key \"callback\""},
        {"type: dingtalk\nchannels:\n  - {name: g, track: sales, " + url +
             "}\ncallback: {port: 8091}\n",
         "app_secret"},
        {"type: dingtalk\nformat: card\nchannels:\n  - {name: g, track: sales, " + url + "}\n",
         "must be one of"},
        {"type: dingtalk\nrate_per_minute: 30\nchannels:\n  - {name: g, track: sales, " + url +
             "}\n",
         "rate_per_minute"},
        {"type: feishu\n", "needs at least one robot"},
        {"type: feishu\nchannels:\n  - {name: g, track: legal, " + url + "}\n", "track"},
        {"type: feishu\nchannels:\n  - {name: g, track: sales, " + url +
             "}\n  - {name: g, track: "
             "joint, " +
             url + "}\n",
         "listed twice"},
        {"type: wecom\nchannels:\n  - {name: \"@dm\", track: sales, " + url + "}\n", "name"},
    };
    for (const auto& c : cases) {
        const auto r = read(c.yaml);
        EXPECT_FALSE(r.spec) << c.yaml;
        EXPECT_THAT(r.errors, HasSubstr(c.error)) << c.yaml;
        EXPECT_THAT(r.errors, Not(HasSubstr("tok-SECRET"))) << c.yaml;
    }
}

// The connector selection of a build (TWINTRACK_CONNECTORS): the tests build them all,
// so the list of every known type must match what the registry holds, and a build that
// leaves one out names it and the command that builds them all.
TEST(ConnectorRegistry, TheKnownTypesAreExactlyTheTypesOfAFullBuild) {
    std::vector<std::string> built;
    for (const auto& [name, _] : connectors::connector_types()) built.push_back(name);
    EXPECT_EQ(built, connectors::known_connector_types());
}

TEST(ConnectorRegistry, ATypeLeftOutOfTheBuildIsNamedWithTheWayToBuildIt) {
    const auto message = connectors::absent_connector_message("slack", {"hub"});
    ASSERT_TRUE(message.has_value());
    EXPECT_THAT(*message, HasSubstr("no slack connector"));
    EXPECT_THAT(*message, HasSubstr("it has hub"));
    EXPECT_THAT(*message, HasSubstr("bash scripts/build.sh"));
    // A type that is built, or that no build has, is not this error.
    EXPECT_FALSE(connectors::absent_connector_message("hub", {"hub"}).has_value());
    EXPECT_FALSE(connectors::absent_connector_message("telegram", {"hub"}).has_value());
}

TEST(ConnectorRegistry, AFullBuildReadsEveryKnownType) {
    for (const auto& type : connectors::known_connector_types()) {
        SCOPED_TRACE(type);
        const Result r = read("type: " + type + "\n");
        EXPECT_THAT(r.errors, Not(HasSubstr("this build of twintrack has no")));
    }
}

}  // namespace
}  // namespace twintrack::robots_test
