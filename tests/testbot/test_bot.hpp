#pragma once
// TestBot: the engine wired to a fake connector, a temporary store and a fake clock, so
// that an end-to-end command test is one line:
//   EXPECT_THAT(bot.say("alice", "ping"), ElementsAre("pong"));

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bot/engine.hpp"
#include "core/clock.hpp"
#include "store/store.hpp"
#include "tests/support/faulty_database.hpp"

namespace twintrack::testing {

struct TestPerson {
    std::string handle;  ///< identity on the fake connector "test"
    std::string name;
    std::string department = "sales";
    std::string role = "staff";
    std::string timezone = "Asia/Shanghai";
    std::string locale = "en";
    std::string hours = "09:00-18:00";
};

class TestBot {
  public:
    /// Whether the welcome (on by default in the product) runs: most tests count the
    /// messages a command sends and leave it off; the welcome's own tests keep the
    /// settings as given.
    enum class Welcome { off, as_configured };

    /// Starts at `start` (default Monday 2026-11-02 09:00 UTC) with an empty directory.
    explicit TestBot(core::Timestamp start = default_start(), bot::BotSettings settings = {},
                     Welcome welcome = Welcome::off);
    ~TestBot();

    static core::Timestamp default_start();

    /// Adds a person whose identity on the fake connector is `handle`, email
    /// handle@example.com.
    const bot::Person& add(const TestPerson& person);

    /// `who` writes `text` in a direct message; returns the texts the bot posted.
    std::vector<std::string> say(const std::string& who, const std::string& text);
    /// `who` writes `text` to the bot by direct message; every post it made, to anyone.
    std::vector<core::Post> say_posts(const std::string& who, const std::string& text);
    /// `who` writes in channel `channel` (not addressed unless the text starts with "!").
    std::vector<std::string> say_in(const std::string& channel, const std::string& who,
                                    const std::string& text, bool addressed = false);
    /// `who` clicks the button (or menu option) with `token` on the post the fake connector
    /// delivered as `message_id` ("m7"; empty: not said); `click_id` is the click's event
    /// id (a replay repeats it). Returns every post made while handling it.
    std::vector<core::Post> click(const std::string& who, const std::string& token,
                                  const std::string& message_id = "",
                                  const std::string& click_id = "");
    /// The fake connector's platform id of a delivered post ("m1", "m2", ...).
    std::string message_id_of(const core::Post& post) const;
    /// Whether the fake connector shows buttons and updates posts, or (the default, like
    /// IRC) gets text only, with the typed commands of a post's actions.
    void set_shows_actions(bool shows);

    /// Pushes a prepared event and returns every post made while handling it.
    std::vector<core::Post> deliver(core::Event event);

    /// Sends an HTTP request through the engine's ApiRouter (as the hub forwards it) and
    /// returns the answer.
    core::ApiResponse api(const std::string& method, const std::string& path,
                          const std::string& body = "",
                          std::map<std::string, std::string> query = {});

    /// The same with a prepared request (e.g. one carrying an API token).
    core::ApiResponse api(core::ApiRequest request);

    /// Moves the clock and runs what became due; returns the posts made.
    std::vector<core::Post> advance(std::chrono::milliseconds by);

    /// Closes engine and store and opens them again on the same files (a restart).
    void restart();

    /// Makes the fake connector refuse deliveries (or accept them again).
    void set_connector_down(bool down) { down_ = down; }

    /// The store's database, which fails on demand (busy, full, I/O error).
    FaultyDatabase& faults() { return *faults_; }
    bot::Engine& engine() { return *engine_; }
    store::Store& store() { return *store_; }
    core::FakeClock& clock() { return clock_; }
    const std::vector<core::Post>& all_posts() const { return posts_; }
    const std::string& data_dir() const { return dir_; }
    /// The store's URL (sqlite:DIR/twintrack.db, or postgres://... under label postgres),
    /// for a second connection as another process would open.
    const std::string& store_url() const { return store_url_; }

  private:
    void open();
    std::vector<core::Post> run_and_collect();

    std::string dir_;
    std::string store_url_;  // sqlite:DIR/twintrack.db or a database on the test server
    core::FakeClock clock_;
    bot::BotSettings settings_;
    std::shared_ptr<const bot::Prompts> prompts_;
    std::unique_ptr<store::Store> store_;
    FaultyDatabase* faults_ = nullptr;
    std::unique_ptr<bot::Engine> engine_;
    std::mutex mu_;
    std::vector<core::Post> posts_;
    bool down_ = false;
    bool shows_actions_ = false;
    long next_event_ = 0;
};

/// Texts of posts.
std::vector<std::string> texts(const std::vector<core::Post>& posts);
/// Texts of the posts that went to `channel` (a direct message: "@handle").
std::vector<std::string> texts_sent_to(const std::vector<core::Post>& posts,
                                       const std::string& channel);

}  // namespace twintrack::testing
