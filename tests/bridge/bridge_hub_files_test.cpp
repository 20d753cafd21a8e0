// Files through the real hub and a bridge: a picture a person uploads on the hub page
// reaches Slack as an uploaded file (the fake Slack) and a platform that shows only text
// as a link; a Slack file reaches that platform as a signed link to a copy the hub keeps,
// which serves the exact bytes, is refused when tampered with or expired, and is deleted
// once its days are over. One engine (TestBot), the real hub (with a public_url) and the
// real Slack connector; the text-only platform is an outlet of the test ("irc").

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <filesystem>
#include <mutex>
#include <thread>

#include "bot/features/bridge/bridge.hpp"
#include "connectors/hub/hub_connector.hpp"
#include "connectors/slack/slack_connector.hpp"
#include "core/source_dir.hpp"
#include "tests/slack/fake_slack.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/ws_client.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::bridge_hub_files_test {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

const std::string kSlack = "C0JOINT01";
const std::string kSara = "USARA0001";
// The PNG signature and some bytes: the hub takes the type from the signature.
const std::string kPng = std::string("\x89PNG\r\n\x1a\n", 8) + "picture of the stand";

bot::BotSettings bridge_settings() {
    bot::BotSettings s;
    s.default_locale = "en";
    s.features.edit<bot::bridge::BridgeSettings>().bridges = {
        {"joint", {{"hub", "joint"}, {"slack", kSlack}, {"irc", "#joint"}}}};
    return s;
}

int free_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

class BridgeHubFilesTest : public ::testing::Test {
  protected:
    void SetUp() override {
        slack_.add_user(kSara, "Sara");
        port_ = free_port();
        ASSERT_NO_FATAL_FAILURE(attach());
    }
    void TearDown() override { detach(); }

    void attach() {
        auto& engine = bot.engine();
        connectors::ConnectorContext context{dir.path(), core::source_dir() + "/prompts",
                                             &bot.clock(), nullptr};
        connectors::hub::HubSettings h;
        h.bind = "127.0.0.1";
        h.port = port_;
        h.channels = {{"joint", "joint"}};
        h.public_url = "http://127.0.0.1:" + std::to_string(port_);
        h.file_keep = std::chrono::hours(24 * 7);
        hub = connectors::hub::make_hub(h, context);
        connectors::slack::SlackSettings s;
        s.bot_token = core::Secret("SLACK_BOT_TOKEN", "xoxb-test");
        s.app_token = core::Secret("SLACK_APP_TOKEN", "xapp-1-test");
        s.api_url = slack_.api_url();
        s.backoff_initial = 50ms;
        s.backoff_max = 400ms;
        slack = connectors::slack::make_slack(std::move(s), context);
        engine.add_outlet("irc", [this](const core::Post& p, core::SendDone done) {
            std::lock_guard<std::mutex> lock(mu);
            irc_posts.push_back(p);
            done({true, "irc-" + std::to_string(irc_posts.size()), "", true});
        });
        const auto& bridges = engine.settings().features.get<bot::bridge::BridgeSettings>();
        for (auto* c : {hub.get(), slack.get()}) {
            engine.add_outlet(
                c->name(), [c](const core::Post& p, core::SendDone done) { c->send(p, done); },
                c->shows_actions());
            engine.set_abilities(c->name(), c->abilities());
            bot::bridge::set_file_abilities(engine, c->name(),
                                            {c->shows_images(), c->shows_files()});
            c->fetch_files_up_to(bot::bridge::file_limit(bridges, c->name()));
        }
        auto linker = connectors::hub::file_linker(*hub);
        ASSERT_TRUE(linker);
        bot::bridge::set_file_linker(engine, linker);
        hub->start(engine);
        const int sockets = slack_.sockets();
        slack->start(engine);
        ASSERT_TRUE(slack_.wait_sockets(sockets + 1));
        ASSERT_TRUE(slack_.send_json({{"type", "hello"}, {"num_connections", 1}}));
        ASSERT_TRUE(eventually([&] { return connectors::slack::slack_status(*slack).connected; }));
    }

    void detach() {
        if (slack) slack->stop();
        if (hub) hub->stop();
    }

    bool eventually(const std::function<bool()>& pred) {
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        while (std::chrono::steady_clock::now() < deadline) {
            bot.engine().drain();
            if (pred()) return true;
            std::this_thread::sleep_for(20ms);
        }
        bot.engine().drain();
        return pred();
    }

    /// The first line the text-only platform got that holds `part`.
    std::optional<std::string> irc_line(const std::string& part) {
        std::optional<std::string> found;
        eventually([&] {
            std::lock_guard<std::mutex> lock(mu);
            for (const auto& p : irc_posts) {
                if (p.text.find(part) != std::string::npos) found = p.text;
            }
            return found.has_value();
        });
        return found;
    }

    /// The link in `line` (from "http://" to the end of its word), as a path on the hub.
    std::string link_path(const std::string& line) {
        const std::string origin = "http://127.0.0.1:" + std::to_string(port_);
        const auto at = line.find(origin + "/files/");
        if (at == std::string::npos) return "";
        const auto end = line.find_first_of(" \n", at);
        return line.substr(at + origin.size(),
                           end == std::string::npos ? std::string::npos : end - at - origin.size());
    }

    test_support::HttpResponse get(const std::string& path) {
        return test_support::http_get("127.0.0.1", port_, path);
    }

    test_support::TempDir dir;
    testing::TestBot bot{testing::TestBot::default_start(), bridge_settings()};
    slack_test::FakeSlack slack_;
    int port_ = 0;
    std::unique_ptr<connectors::Connector> hub;
    std::unique_ptr<connectors::Connector> slack;
    std::mutex mu;
    std::vector<core::Post> irc_posts;
};

TEST_F(BridgeHubFilesTest, APictureUploadedOnTheHubIsAFileOnSlackAndALinkElsewhere) {
    // Anna uploads a picture on the page (loopback: the page names her).
    const auto answer = test_support::http_request(
        "POST", "127.0.0.1", port_, "/api/v1/files?channel=joint&name=booth.png&user=anna&id=u-1",
        {{"Content-Type", "image/png"}}, kPng);
    ASSERT_EQ(answer.status, 201) << answer.body;

    ASSERT_TRUE(eventually([&] {
        const auto files = slack_.files();
        return files.size() == 1 && files[0].completed;
    }));
    EXPECT_EQ(slack_.files()[0].data, kPng);
    EXPECT_EQ(slack_.files()[0].filename, "booth.png");

    const auto line = irc_line("[image: booth.png");
    ASSERT_TRUE(line);
    EXPECT_EQ(line->rfind("anna (hub): [image: booth.png, 28 B] http://127.0.0.1:", 0), 0u)
        << *line;
    const auto served = get(link_path(*line));
    EXPECT_EQ(served.status, 200);
    EXPECT_EQ(served.body, kPng);
}

TEST_F(BridgeHubFilesTest, ASlackFileIsASignedLinkThatExpiresAndIsDeletedAfterItsDays) {
    const json file = slack_.add_shared_file("plan.png", "image/png", kPng);
    ASSERT_TRUE(slack_.send_json(slack_test::events_api_envelope(
        "env-file-1", "EvFile1",
        slack_test::file_share_event(kSlack, kSara, "The plan", "1700000501.000100",
                                     json::array({file})))));
    ASSERT_EQ(slack_.wait_ack("env-file-1"), 1);

    // Instead of "[image: plan.png, 28 B, not shown here]": a link to the hub's copy.
    const auto line = irc_line("[image: plan.png");
    ASSERT_TRUE(line);
    EXPECT_EQ(line->rfind("Sara (slack): The plan\n[image: plan.png, 28 B] http://127.0.0.1:", 0),
              0u)
        << *line;
    const std::string path = link_path(*line);
    ASSERT_NE(path.find("?e="), std::string::npos) << path;
    ASSERT_NE(path.find("&s="), std::string::npos) << path;
    // The copy is written on the hub's file worker, not in the bot's turn: until it is on
    // disk the link says "try again" (503 with Retry-After).
    test_support::HttpResponse served;
    ASSERT_TRUE(eventually([&] {
        served = get(path);
        return served.status != 503;
    }));
    EXPECT_EQ(served.status, 200);
    EXPECT_EQ(served.body, kPng);
    EXPECT_EQ(served.headers.at("content-type"), "image/png");

    // Without its token, with another one, or with a later expiry: refused.
    EXPECT_EQ(get(path.substr(0, path.find('?'))).status, 404);
    std::string tampered = path;
    tampered.back() = tampered.back() == '0' ? '1' : '0';
    EXPECT_EQ(get(tampered).status, 403);
    std::string later = path;
    const auto e = later.find("?e=") + 3;
    later.replace(e, 1, later[e] == '9' ? "8" : "9");
    EXPECT_EQ(get(later).status, 403);

    // The hub's picture of it on Slack is not a copy: only the hub kept one.
    const std::string id = path.substr(7, 32);
    const std::string kept = dir.path() + "/hub-files/" + id;
    EXPECT_TRUE(std::filesystem::exists(kept));

    // After its days the link has expired; the daily pruning (at start, then daily)
    // deletes the file.
    bot.clock().advance(std::chrono::hours(24 * 7) + 1s);
    EXPECT_EQ(get(path).status, 410);
    hub->stop();
    hub->start(bot.engine());
    EXPECT_FALSE(std::filesystem::exists(kept));
    EXPECT_FALSE(std::filesystem::exists(kept + ".json"));
    EXPECT_EQ(get(path).status, 410);
}

}  // namespace
}  // namespace twintrack::bridge_hub_files_test
