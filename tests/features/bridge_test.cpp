// The bridge: a person's message in one bridged channel reaches the others once, through
// the outbox, with the writer's name; commands and the bot's own posts stay where they
// are; replies, edits and deletes follow through the map of message ids in the store,
// also after a restart; a connector that was down gets what it missed, in order, once.

#include "bot/features/bridge/bridge.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "core/event_files.hpp"
#include "core/yaml_check.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

/// A platform the test plays: it keeps what it was sent and gives each post an id
/// (NAME-1, NAME-2, ...), with a thread of its own where `threads` (as Slack's ts).
struct FakePlatform {
    explicit FakePlatform(std::string n) : name(std::move(n)) {}
    std::string name;
    core::PostAbilities can;
    bot::bridge::FileAbilities files;
    bool threads = false;
    bool down = false;
    std::vector<core::Post> posts;
    int next = 0;

    void attach(bot::Engine& engine) {
        engine.add_outlet(name, [this](const core::Post& p, core::SendDone done) {
            if (down) return done({false, "", name + " is down", true});
            posts.push_back(p);
            core::SendResult r{
                true, p.edits.empty() ? name + "-" + std::to_string(++next) : p.edits, "", true};
            if (threads) r.reply_thread = "ts-" + r.message_id;
            done(r);
        });
        engine.set_abilities(name, can);
        bot::bridge::set_file_abilities(engine, name, files);
    }
    std::vector<std::string> texts() const {
        std::vector<std::string> out;
        for (const auto& p : posts) out.push_back(p.text);
        return out;
    }
};

bot::BotSettings bridged() {
    bot::BotSettings s;
    s.default_locale = "en";
    s.features.edit<bot::bridge::BridgeSettings>().bridges = {
        {"joint", {{"hub", "joint"}, {"slack", "C123"}, {"irc", "#joint"}}}};
    return s;
}

class BridgeTest : public ::testing::Test {
  protected:
    BridgeTest() : bot(TestBot::default_start(), bridged()) {
        hub.can = {true, true, false};
        hub.files = {true, false};
        slack.can = {true, true, true};
        slack.files = {true, true};
        slack.threads = true;
        attach();
    }
    void attach() {
        hub.attach(bot.engine());
        slack.attach(bot.engine());
        irc.attach(bot.engine());
    }
    void clear() {
        hub.posts.clear();
        slack.posts.clear();
        irc.posts.clear();
    }

    core::Event message(const std::string& connector, const std::string& channel,
                        const std::string& who, const std::string& text, const std::string& id,
                        const std::string& reply_to = "") {
        core::Event e;
        e.id = connector + ":" + id;
        e.where = {connector, channel, ""};
        e.who = {connector, who, who};
        e.text = text;
        e.extra = {{"message_id", id}};
        e.reply_to = reply_to;
        if (connector == "slack") e.reply_thread = "ts-" + id;
        return e;
    }
    core::Event change(core::EventKind kind, const std::string& connector,
                       const std::string& channel, const std::string& who,
                       const std::string& target, const std::string& text, const std::string& id) {
        core::Event e;
        e.kind = kind;
        e.id = connector + ":" + id;
        e.where = {connector, channel, ""};
        e.who = {connector, who, who};
        e.target = target;
        e.text = text;
        return e;
    }
    /// The value of twintrack_bridge_posts for a connector and state on /metrics.
    std::string gauge(const std::string& connector, const std::string& state) {
        std::istringstream in(bot.engine().telemetry()->render());
        for (std::string line; std::getline(in, line);) {
            if (line.rfind("twintrack_bridge_posts{", 0) == 0 &&
                line.find("bridge=\"joint\"") != std::string::npos &&
                line.find("connector=\"" + connector + "\"") != std::string::npos &&
                line.find("state=\"" + state + "\"") != std::string::npos) {
                return line.substr(line.rfind(' ') + 1);
            }
        }
        return "";
    }

    TestBot bot;
    FakePlatform hub{"hub"};
    FakePlatform slack{"slack"};
    FakePlatform irc{"irc"};
};

TEST_F(BridgeTest, AMessageReachesEveryOtherChannelOnceWithTheWritersName) {
    const auto e = message("hub", "joint", "ann", "Hello from the hub", "h1");
    bot.deliver(e);
    EXPECT_THAT(irc.texts(), ElementsAre("ann (hub): Hello from the hub"));
    EXPECT_EQ(irc.posts[0].to.channel, "#joint");
    // Slack shows the writer's name on the post itself, the text as written.
    ASSERT_THAT(slack.posts, SizeIs(1));
    EXPECT_EQ(slack.posts[0].text, "Hello from the hub");
    EXPECT_EQ(slack.posts[0].as_name, "ann (hub)");
    EXPECT_EQ(slack.posts[0].to.channel, "C123");
    EXPECT_THAT(hub.posts, IsEmpty());
    // A redelivery of the same message is not relayed again.
    bot.deliver(e);
    EXPECT_THAT(irc.posts, SizeIs(1));
    EXPECT_THAT(slack.posts, SizeIs(1));
    EXPECT_EQ(gauge("irc", "relayed"), "1");
    EXPECT_EQ(gauge("slack", "relayed"), "1");
    EXPECT_EQ(gauge("irc", "queued"), "0");
}

TEST_F(BridgeTest, AMessageOutsideTheBridgeIsNotRelayed) {
    bot.deliver(message("hub", "sales", "ann", "only for sales", "h1"));
    bot.deliver(message("slack", "C999", "bo", "another channel", "s1"));
    EXPECT_THAT(irc.posts, IsEmpty());
    EXPECT_THAT(hub.posts, IsEmpty());
    EXPECT_THAT(slack.posts, IsEmpty());
}

TEST_F(BridgeTest, CommandsAreAnsweredWhereAskedAndNotRelayed) {
    bot.deliver(message("hub", "joint", "ann", "!ping", "h1"));
    auto addressed = message("slack", "C123", "bo", "ping", "s1");
    addressed.addressed = true;
    bot.deliver(addressed);
    EXPECT_THAT(irc.posts, IsEmpty());
    // Each question is answered on its own platform only.
    ASSERT_THAT(hub.posts, SizeIs(1));
    EXPECT_EQ(hub.posts[0].to.channel, "joint");
    ASSERT_THAT(slack.posts, SizeIs(1));
    EXPECT_EQ(slack.posts[0].to.channel, "C123");
    EXPECT_TRUE(slack.posts[0].as_name.empty());
}

TEST_F(BridgeTest, TheBotsOwnCopiesComingBackAreNotRelayedAgain) {
    bot.deliver(message("hub", "joint", "ann", "hello", "h1"));
    ASSERT_THAT(slack.posts, SizeIs(1));
    // Slack reports the copy it showed (slack-1) as a message in the channel.
    bot.deliver(message("slack", "C123", "twintrack", "hello", "slack-1"));
    EXPECT_THAT(irc.posts, SizeIs(1));
    EXPECT_THAT(hub.posts, IsEmpty());
}

TEST_F(BridgeTest, AReplyInAThreadGoesIntoTheMappedThreadEverywhere) {
    bot.deliver(message("slack", "C123", "bo", "Which price list?", "s1"));
    ASSERT_THAT(hub.posts, SizeIs(1));  // hub-1
    // On the hub, ann answers the relayed copy.
    bot.deliver(message("hub", "joint", "ann", "The 2027 one", "h1", "hub-1"));
    ASSERT_THAT(slack.posts, SizeIs(1));
    EXPECT_EQ(slack.posts[0].to.thread, "ts-s1");  // in the thread of bo's message
    EXPECT_EQ(slack.posts[0].reply_to, "s1");
    // On Slack, bo answers in the thread of the relayed answer: the hub shows the reply to
    // ann's own message.
    bot.deliver(message("slack", "C123", "bo", "Thanks", "s2", "slack-1"));
    ASSERT_THAT(hub.posts, SizeIs(2));
    EXPECT_EQ(hub.posts[1].reply_to, "h1");
    EXPECT_EQ(hub.posts[1].text, "bo (slack): Thanks");
    // IRC has no threads: the text goes as it is.
    EXPECT_THAT(irc.texts(), ElementsAre("bo (slack): Which price list?", "ann (hub): The 2027 one",
                                         "bo (slack): Thanks"));
}

TEST_F(BridgeTest, AnEditAndADeleteFollowWhereThePlatformCan) {
    bot.deliver(message("hub", "joint", "ann", "Meet at 3", "h1"));
    ASSERT_THAT(slack.posts, SizeIs(1));
    clear();
    bot.deliver(change(core::EventKind::edit, "hub", "joint", "ann", "h1", "Meet at 4", "e1"));
    ASSERT_THAT(slack.posts, SizeIs(1));
    EXPECT_EQ(slack.posts[0].edits, "slack-1");
    EXPECT_EQ(slack.posts[0].text, "Meet at 4");
    // IRC cannot change a message: it gets the new text as a new one.
    EXPECT_THAT(irc.texts(), ElementsAre("(edited) ann (hub): Meet at 4"));
    EXPECT_TRUE(irc.posts[0].edits.empty());
    clear();
    bot.deliver(change(core::EventKind::remove, "hub", "joint", "ann", "h1", "", "d1"));
    ASSERT_THAT(slack.posts, SizeIs(1));
    EXPECT_EQ(slack.posts[0].deletes, "slack-1");
    EXPECT_THAT(irc.posts, IsEmpty());  // IRC ignores deletes
    // The other way round: a Slack edit changes the hub's copy.
    bot.deliver(message("slack", "C123", "bo", "Meet at 5", "s1"));
    ASSERT_THAT(hub.posts, SizeIs(1));
    bot.deliver(change(core::EventKind::edit, "slack", "C123", "bo", "s1", "Meet at 6", "e2"));
    ASSERT_THAT(hub.posts, SizeIs(2));
    EXPECT_EQ(hub.posts[1].edits, "hub-1");
    EXPECT_EQ(hub.posts[1].text, "bo (slack): Meet at 6");
}

TEST_F(BridgeTest, AnEditOfSomeoneElsesMessageOrOfACopyIsNotFollowed) {
    bot.deliver(message("hub", "joint", "ann", "Meet at 3", "h1"));
    clear();
    // The copy on Slack is the bot's: an edit event of it is not a person's edit.
    bot.deliver(change(core::EventKind::edit, "slack", "C123", "bo", "slack-1", "x", "e1"));
    bot.deliver(change(core::EventKind::edit, "hub", "joint", "ann", "nope", "x", "e2"));
    EXPECT_THAT(hub.posts, IsEmpty());
    EXPECT_THAT(irc.posts, IsEmpty());
}

TEST_F(BridgeTest, TheMapSurvivesARestart) {
    bot.deliver(message("hub", "joint", "ann", "Before the restart", "h1"));
    ASSERT_THAT(slack.posts, SizeIs(1));
    bot.restart();
    attach();
    clear();
    bot.deliver(change(core::EventKind::edit, "hub", "joint", "ann", "h1", "After it", "e1"));
    ASSERT_THAT(slack.posts, SizeIs(1));
    EXPECT_EQ(slack.posts[0].edits, "slack-1");
    bot.deliver(message("slack", "C123", "bo", "Seen", "s9", "slack-1"));
    ASSERT_THAT(hub.posts, SizeIs(1));
    EXPECT_EQ(hub.posts[0].reply_to, "h1");
    // The same message delivered again after the restart is not relayed twice.
    bot.deliver(message("hub", "joint", "ann", "Before the restart", "h1"));
    EXPECT_THAT(irc.posts, SizeIs(2));
}

TEST_F(BridgeTest, AConnectorThatWasDownGetsWhatItMissedInOrderOnce) {
    irc.down = true;
    bot.deliver(message("hub", "joint", "ann", "one", "h1"));
    bot.advance(std::chrono::milliseconds(700));
    bot.deliver(message("slack", "C123", "bo", "two", "s1"));
    bot.advance(std::chrono::seconds(3));
    bot.deliver(message("hub", "joint", "ann", "three", "h2"));
    EXPECT_THAT(irc.posts, IsEmpty());
    EXPECT_EQ(gauge("irc", "queued"), "3");
    // Slack and the hub got theirs meanwhile.
    EXPECT_THAT(slack.posts, SizeIs(2));
    EXPECT_THAT(hub.posts, SizeIs(1));
    irc.down = false;
    for (int i = 0; i < 10 && irc.posts.size() < 3; ++i) bot.advance(std::chrono::minutes(10));
    EXPECT_THAT(irc.texts(), ElementsAre("ann (hub): one", "bo (slack): two", "ann (hub): three"));
    bot.advance(std::chrono::hours(1));
    EXPECT_THAT(irc.posts, SizeIs(3));
    EXPECT_EQ(gauge("irc", "queued"), "0");
    EXPECT_EQ(gauge("irc", "relayed"), "3");
}

TEST_F(BridgeTest, ThePrefixIsInTheDefaultLocale) {
    auto settings = bridged();
    settings.default_locale = "zh-CN";
    TestBot zh(TestBot::default_start(), settings);
    FakePlatform irc2{"irc"};
    FakePlatform hub2{"hub"};
    FakePlatform slack2{"slack"};
    irc2.attach(zh.engine());
    hub2.attach(zh.engine());
    slack2.attach(zh.engine());
    zh.deliver(message("hub", "joint", "安", "你好", "h1"));
    EXPECT_THAT(irc2.texts(), ElementsAre("安（hub）：你好"));
}

core::EventFile picture(std::uint64_t bytes, const std::string& url = "") {
    return {"chart.png", "image/png", std::string(bytes, 'x'), url, bytes};
}

TEST_F(BridgeTest, APictureIsUploadedWhereShownAndNamedOnIrc) {
    auto e = message("slack", "C123", "bo", "Our booth", "s1");
    core::add_event_file(e.extra, picture(120 * 1024));
    bot.deliver(e);
    ASSERT_THAT(hub.posts, SizeIs(1));
    ASSERT_THAT(hub.posts[0].attachments, SizeIs(1));
    EXPECT_EQ(hub.posts[0].attachments[0].name, "chart.png");
    EXPECT_EQ(hub.posts[0].attachments[0].mime, "image/png");
    EXPECT_EQ(hub.posts[0].attachments[0].data, std::string(120 * 1024, 'x'));
    EXPECT_EQ(hub.posts[0].text, "bo (slack): Our booth");
    // IRC cannot show it, and Slack gave no link anyone may open: the text says so.
    ASSERT_THAT(irc.posts, SizeIs(1));
    EXPECT_THAT(irc.posts[0].attachments, IsEmpty());
    EXPECT_EQ(irc.posts[0].text,
              "bo (slack): Our booth\n[image: chart.png, 120 KB, not shown here]");
    // A redelivery brings no second copy.
    bot.deliver(e);
    EXPECT_THAT(hub.posts, SizeIs(1));
    EXPECT_THAT(irc.posts, SizeIs(1));
}

TEST_F(BridgeTest, AFileWithoutTextAndWithALinkIsLinkedWhereNotShown) {
    auto e = message("hub", "joint", "ann", "", "h1");
    core::add_event_file(e.extra, {"offer.pdf", "application/pdf", std::string(2400000, 'p'),
                                   "https://files.example.com/offer.pdf", 0});
    bot.deliver(e);
    // Slack takes any file.
    ASSERT_THAT(slack.posts, SizeIs(1));
    ASSERT_THAT(slack.posts[0].attachments, SizeIs(1));
    EXPECT_EQ(slack.posts[0].attachments[0].name, "offer.pdf");
    EXPECT_EQ(slack.posts[0].as_name, "ann (hub)");
    ASSERT_THAT(irc.posts, SizeIs(1));
    EXPECT_EQ(irc.posts[0].text,
              "ann (hub): [file: offer.pdf, 2.3 MB] https://files.example.com/offer.pdf");
}

TEST_F(BridgeTest, AFileTheHubCannotShowOrOneOverTheLimitBecomesANote) {
    auto pdf = message("slack", "C123", "bo", "", "s1");
    core::add_event_file(pdf.extra, {"offer.pdf", "application/pdf", "%PDF", "", 0});
    bot.deliver(pdf);
    ASSERT_THAT(hub.posts, SizeIs(1));
    EXPECT_THAT(hub.posts[0].attachments, IsEmpty());
    EXPECT_EQ(hub.posts[0].text, "bo (slack): [file: offer.pdf, 4 B, not shown here]");
    // Over the default limit of 10 MiB: not uploaded, and not lost either.
    auto big = message("hub", "joint", "ann", "the video", "h1");
    core::add_event_file(big.extra, {"tour.png", "image/png", "", "", 50ull * 1024 * 1024});
    auto fetched = message("hub", "joint", "ann", "the map", "h2");
    core::add_event_file(fetched.extra, picture(bot::bridge::default_max_file_bytes + 1));
    bot.deliver(big);
    bot.deliver(fetched);
    ASSERT_THAT(slack.posts, SizeIs(2));
    EXPECT_THAT(slack.posts[0].attachments, IsEmpty());
    EXPECT_EQ(slack.posts[0].text, "the video\n[image: tour.png, 50 MB, not shown here]");
    EXPECT_THAT(slack.posts[1].attachments, IsEmpty());
    EXPECT_EQ(slack.posts[1].text, "the map\n[image: chart.png, 10 MB, not shown here]");
}

TEST_F(BridgeTest, AFileWaitingInTheOutboxIsSentWithItsAttachmentAfterARestart) {
    slack.down = true;
    auto e = message("hub", "joint", "ann", "Booth", "h1");
    core::add_event_file(e.extra, picture(10));
    bot.deliver(e);
    EXPECT_THAT(slack.posts, IsEmpty());
    bot.restart();
    slack.down = false;
    attach();
    for (int i = 0; i < 10 && slack.posts.empty(); ++i) bot.advance(std::chrono::minutes(10));
    ASSERT_THAT(slack.posts, SizeIs(1));
    ASSERT_THAT(slack.posts[0].attachments, SizeIs(1));
    EXPECT_EQ(slack.posts[0].attachments[0].data, std::string(10, 'x'));
}

TEST_F(BridgeTest, AnUploadThatMayBeRefusedCarriesTheFilesLinkEvenThroughTheOutbox) {
    // Slack plays a platform whose server may refuse the upload when sent (XMPP).
    slack.files = {true, true, true};
    attach();
    int linked = 0;
    bot::bridge::set_file_linker(bot.engine(), [&](const core::EventFile& f) {
        ++linked;
        return "https://hub.example.com/files/" + f.name;
    });
    auto e = message("hub", "joint", "ann", "Booth", "h1");
    core::add_event_file(e.extra, picture(10));
    bot.deliver(e);
    ASSERT_THAT(slack.posts, SizeIs(1));
    ASSERT_THAT(slack.posts[0].attachments, SizeIs(1));
    EXPECT_EQ(slack.posts[0].attachments[0].link, "https://hub.example.com/files/chart.png");
    // IRC's line has the same link: the file is kept once.
    ASSERT_THAT(irc.posts, SizeIs(1));
    EXPECT_THAT(irc.posts[0].text, HasSubstr("https://hub.example.com/files/chart.png"));
    EXPECT_EQ(linked, 1);
    // A platform's own link goes as it is, also after waiting in the outbox over a restart.
    slack.down = true;
    auto f = message("hub", "joint", "ann", "", "h2");
    core::add_event_file(f.extra, {"offer.pdf", "application/pdf", "%PDF",
                                   "https://files.example.com/offer.pdf", 0});
    bot.deliver(f);
    bot.restart();
    slack.down = false;
    attach();
    for (int i = 0; i < 10 && slack.posts.size() < 2; ++i) bot.advance(std::chrono::minutes(10));
    ASSERT_THAT(slack.posts, SizeIs(2));
    ASSERT_THAT(slack.posts[1].attachments, SizeIs(1));
    EXPECT_EQ(slack.posts[1].attachments[0].link, "https://files.example.com/offer.pdf");
    EXPECT_EQ(linked, 1);
    // Platforms that do not ask get no link with their attachments.
    ASSERT_THAT(hub.posts, IsEmpty());
}

TEST_F(BridgeTest, TheFileNoteIsInTheDefaultLocale) {
    auto settings = bridged();
    settings.default_locale = "zh-CN";
    TestBot zh(TestBot::default_start(), settings);
    FakePlatform irc2{"irc"};
    FakePlatform hub2{"hub"};
    FakePlatform slack2{"slack"};
    irc2.attach(zh.engine());
    hub2.attach(zh.engine());
    slack2.attach(zh.engine());
    auto e = message("hub", "joint", "安", "看图", "h1");
    core::add_event_file(e.extra, picture(300));
    zh.deliver(e);
    EXPECT_THAT(irc2.texts(),
                ElementsAre("安（hub）：看图\n[图片：chart.png，300 字节，此处无法显示]"));
}

std::string config_errors(const std::string& yaml,
                          const std::vector<std::string>& connectors = {"hub"}) {
    core::ConfigErrors errors;
    bot::bridge::BridgeSettings out;
    const YAML::Node top = YAML::Load(yaml);
    bot::bridge::read_bridges(top["bridge"], connectors, errors, out);
    return errors.describe("twintrack.yaml");
}

TEST(BridgeConfig, IsReadAsWritten) {
    core::ConfigErrors errors;
    bot::bridge::BridgeSettings out;
    bot::bridge::read_bridges(
        YAML::Load("[{name: joint, channels: [hub:joint, slack:C123, 'irc:#joint']}]"),
        {"hub", "slack", "irc"}, errors, out);
    EXPECT_TRUE(errors.empty()) << errors.describe("twintrack.yaml");
    ASSERT_THAT(out.bridges, SizeIs(1));
    EXPECT_EQ(out.bridges[0].name, "joint");
    ASSERT_THAT(out.bridges[0].channels, SizeIs(3));
    EXPECT_EQ(out.bridges[0].channels[2].connector, "irc");
    EXPECT_EQ(out.bridges[0].channels[2].channel, "#joint");
    EXPECT_EQ(out.bridges[0].max_file_bytes, bot::bridge::default_max_file_bytes);
    EXPECT_EQ(bot::bridge::file_limit(out, "slack"), bot::bridge::default_max_file_bytes);
    EXPECT_EQ(bot::bridge::file_limit(out, "matrix"), 0u);
}

TEST(BridgeConfig, MaxFileBytesIsReadAndChecked) {
    core::ConfigErrors errors;
    bot::bridge::BridgeSettings out;
    bot::bridge::read_bridges(
        YAML::Load("[{name: a, channels: [hub:a, slack:C1], max_file_bytes: 1000},"
                   " {name: b, channels: [hub:b, irc:'#b'], max_file_bytes: 5000}]"),
        {"hub", "slack", "irc"}, errors, out);
    EXPECT_TRUE(errors.empty()) << errors.describe("twintrack.yaml");
    EXPECT_EQ(bot::bridge::file_limit(out, "hub"), 5000u);
    EXPECT_EQ(bot::bridge::file_limit(out, "slack"), 1000u);
    EXPECT_THAT(config_errors("bridge:\n  - name: a\n    channels: [hub:a, hub:b]\n"
                              "    max_file_bytes: lots\n"),
                HasSubstr("twintrack.yaml:4: bridge[0]"));
    EXPECT_THAT(config_errors("bridge:\n  - name: a\n    channels: [hub:a, hub:b]\n"
                              "    max_file_bytes: -1\n"),
                HasSubstr("max_file_bytes"));
}

TEST_F(BridgeTest, ASmallerLimitTurnsAPictureIntoANote) {
    auto settings = bridged();
    settings.features.edit<bot::bridge::BridgeSettings>().bridges[0].max_file_bytes = 100;
    TestBot small(TestBot::default_start(), settings);
    FakePlatform irc2{"irc"};
    FakePlatform hub2{"hub"};
    FakePlatform slack2{"slack"};
    hub2.files = {true, false};
    irc2.attach(small.engine());
    hub2.attach(small.engine());
    slack2.attach(small.engine());
    auto e = message("slack", "C123", "bo", "", "s1");
    core::add_event_file(e.extra, picture(101));
    small.deliver(e);
    ASSERT_THAT(hub2.posts, SizeIs(1));
    EXPECT_THAT(hub2.posts[0].attachments, IsEmpty());
    EXPECT_EQ(hub2.posts[0].text, "bo (slack): [image: chart.png, 101 B, not shown here]");
}

TEST(BridgeConfig, BadBridgesAreNamedWithFileAndLine) {
    EXPECT_THAT(config_errors("bridge:\n  - name: joint\n    channels:\n      - hub:joint\n"
                              "      - feishu:oc_abc\n"),
                HasSubstr("twintrack.yaml:5: bridge[0]: no connector \"feishu\" is configured"));
    EXPECT_THAT(config_errors("bridge:\n  - name: a\n    channels: [hub:joint, hub:sales]\n"
                              "  - name: b\n    channels: [hub:general, hub:joint]\n"),
                HasSubstr("twintrack.yaml:5: bridge[1]: the channel hub:joint is already in "
                          "bridge \"a\""));
    EXPECT_THAT(config_errors("bridge:\n  - name: a\n    channels: [hub:joint]\n"),
                HasSubstr("twintrack.yaml:3: bridge[0]: a bridge needs at least two channels"));
    EXPECT_THAT(config_errors("bridge:\n  - name: a\n    channels: [joint, hub:sales]\n"),
                HasSubstr("twintrack.yaml:3: bridge[0]: \"joint\" is not CONNECTOR:CHANNEL"));
    EXPECT_THAT(config_errors("bridge:\n  name: a\n"), HasSubstr("twintrack.yaml:2: bridge:"));
    EXPECT_THAT(config_errors("bridge:\n  - name: a\n    chanels: [hub:a, hub:b]\n"),
                HasSubstr("twintrack.yaml:3: bridge[0]: unknown key \"chanels\""));
}

}  // namespace
}  // namespace twintrack::testing
