// The hub among several processes on one database: it reports what it shows its own
// connections (on_shown), and shows what the hub of another process showed
// (show_from_elsewhere) to its connections and its history, without reporting it again
// and without an event for the bot.

#include <mutex>

#include "tests/hub/hub_fixture.hpp"

namespace twintrack::connectors::hub::testing {
namespace {

class HubFanOutTest : public HubTest {
  protected:
    void start_reporting_hub() {
        HubSettings settings;
        settings.bind = "127.0.0.1";
        settings.port = 0;
        hub_ = make_hub(settings, context());
        hub_->on_shown([this](const Shown& s) {
            std::lock_guard<std::mutex> lock(mu_);
            shown_.push_back(s);
        });
        hub_->start(sink_);
        port_ = listening_port(*hub_);
        ASSERT_GT(port_, 0);
    }
    std::vector<Shown> shown() {
        std::lock_guard<std::mutex> lock(mu_);
        return shown_;
    }
    /// What was reported, as "kind target text".
    std::vector<std::string> reported() {
        std::vector<std::string> out;
        for (const auto& s : shown()) {
            out.push_back(s.kind + " " + s.target + " " +
                          json::parse(s.payload).value("text", std::string()));
        }
        return out;
    }

    std::mutex mu_;
    std::vector<Shown> shown_;
};

TEST_F(HubFanOutTest, ReportsWhatItShowsItsConnectionsAsTheFrameItSent) {
    start_reporting_hub();
    auto alice = sign_in("alice");
    alice->send_json(message("general", "hello all", "c-1"));
    const auto frame = wait_text(*alice, "hello all");
    ASSERT_TRUE(frame);
    alice->send_json(message("@twintrack", "just for the bot", "c-2"));
    ASSERT_TRUE(wait_text(*alice, "just for the bot"));
    ASSERT_TRUE(send_post("general", "a bot post").ok);
    const auto to_bob = send_post("@bob", "a direct message");
    ASSERT_TRUE(to_bob.ok);
    core::Post update;
    update.to = {"hub", "@bob", ""};
    update.text = "updated";
    update.replaces = to_bob.message_id;
    std::promise<core::SendResult> done;
    hub_->send(update, [&](core::SendResult r) { done.set_value(r); });
    ASSERT_TRUE(done.get_future().get().ok);

    EXPECT_EQ(reported(),
              (std::vector<std::string>{
                  "message general hello all", "message @alice just for the bot",
                  "post general a bot post", "post @bob a direct message", "update @bob updated"}));
    // The payload is the frame the sockets got, byte for byte the same message.
    EXPECT_EQ(json::parse(shown().front().payload), *frame);
}

TEST_F(HubFanOutTest, ShowsAChannelMessageFromElsewhereToEverySocketAndKeepsIt) {
    start_reporting_hub();
    auto alice = sign_in("alice");
    auto bob = sign_in("bob");
    const json frame = {{"type", "message"},        {"channel", "general"}, {"user", "carol"},
                        {"text", "from process B"}, {"id", "b-7"},          {"ts", start_ms}};
    hub_->show_from_elsewhere({"message", "general", frame.dump()});
    for (auto* ws : {alice.get(), bob.get()}) {
        const auto got = wait_text(*ws, "from process B");
        ASSERT_TRUE(got);
        EXPECT_EQ(*got, frame);
        EXPECT_TRUE(ws->nothing_within(100ms)) << "shown twice";
    }
    // Kept in the history (a reload shows it), not reported again, no event for the bot.
    std::vector<json> history;
    auto later = sign_in("dave", &history);
    ASSERT_FALSE(history.empty());
    EXPECT_EQ(history[0]["channel"], "general");
    EXPECT_EQ(history[0]["messages"], json::array({frame}));
    EXPECT_TRUE(shown().empty());
    EXPECT_EQ(sink_.size(), 0u);
}

TEST_F(HubFanOutTest, ADirectMessageFromElsewhereGoesToEachOfThePersonsSocketsOnly) {
    start_reporting_hub();
    auto alice = sign_in("alice");
    auto bob_phone = sign_in("bob");
    auto bob_laptop = sign_in("bob");
    const json frame = {{"type", "message"},   {"channel", "@twintrack"},
                        {"user", "twintrack"}, {"text", "for bob"},
                        {"id", "b-8"},         {"ts", start_ms}};
    hub_->show_from_elsewhere({"post", "@bob", frame.dump()});
    for (auto* ws : {bob_phone.get(), bob_laptop.get()}) {
        ASSERT_TRUE(wait_text(*ws, "for bob"));
        EXPECT_TRUE(ws->nothing_within(100ms)) << "shown twice";
    }
    EXPECT_TRUE(alice->nothing_within(200ms));
    std::vector<json> history;
    auto bob_again = sign_in("bob", &history);
    EXPECT_EQ(history.back()["channel"], "@twintrack");
    EXPECT_EQ(history.back()["messages"], json::array({frame}));

    // An update from elsewhere changes the kept copy, and the sockets get the frame.
    const json update = {{"type", "update"},
                         {"channel", "@twintrack"},
                         {"id", "b-8"},
                         {"text", "for bob, done"},
                         {"actions", json::array()}};
    hub_->show_from_elsewhere({"update", "@bob", update.dump()});
    ASSERT_TRUE(bob_phone->wait_for_type("update"));
    std::vector<json> after;
    auto bob_later = sign_in("bob", &after);
    EXPECT_EQ(after.back()["messages"][0]["text"], "for bob, done");
    EXPECT_TRUE(shown().empty());
}

TEST_F(HubFanOutTest, WhatItCannotShowFromElsewhereIsLeftOut) {
    start_reporting_hub();
    auto alice = sign_in("alice");
    const json frame = {{"type", "message"}, {"channel", "elsewhere"},
                        {"user", "carol"},   {"text", "x"},
                        {"id", "b-9"},       {"ts", start_ms}};
    for (const Shown& s : std::vector<Shown>{{"message", "elsewhere", frame.dump()},
                                             {"message", "general", "not json"},
                                             {"message", "general", "[1,2]"},
                                             {"message", "@", frame.dump()},
                                             {"unknown", "general", frame.dump()}}) {
        SCOPED_TRACE(s.kind + " " + s.target + " " + s.payload);
        hub_->show_from_elsewhere(s);
    }
    // The hub still works, and showed none of them.
    hub_->show_from_elsewhere({"message", "general",
                               json{{"type", "message"},
                                    {"channel", "general"},
                                    {"user", "carol"},
                                    {"text", "fine"},
                                    {"id", "b-10"},
                                    {"ts", start_ms}}
                                   .dump()});
    const auto next = alice->wait_for_type("message");
    ASSERT_TRUE(next);
    EXPECT_EQ((*next)["text"], "fine");
}

}  // namespace
}  // namespace twintrack::connectors::hub::testing
