#include "tests/testbot/test_bot.hpp"

#include <date/date.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <stdexcept>

#include "bot/features.hpp"
#include "core/source_dir.hpp"
#include "store/store_url.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/test_store.hpp"

namespace twintrack::testing {

namespace {

/// Where a bot's folder goes: /dev/shm when it is a memory file system with room, else
/// /tmp. SQLite makes the same calls either way, but a flush to memory returns at once:
/// the engine tests spend most of their time waiting for the disk otherwise, and none of
/// them is about the disk (the store's own tests are).
std::string scratch_parent() {
    static const std::string parent = [] {
        struct statvfs fs {};
        const bool roomy = ::statvfs("/dev/shm", &fs) == 0 &&
                           fs.f_bavail * fs.f_frsize > 256ULL * 1024 * 1024 &&
                           ::access("/dev/shm", W_OK) == 0;
        return std::string(roomy ? "/dev/shm" : "/tmp");
    }();
    return parent;
}

}  // namespace

core::Timestamp TestBot::default_start() {
    using namespace date;
    return core::Timestamp(sys_days(2026_y / November / 2) + std::chrono::hours(9));
}

TestBot::TestBot(core::Timestamp start, bot::BotSettings settings, Welcome welcome)
    : clock_(start), settings_(std::move(settings)) {
    if (welcome == Welcome::off) settings_.welcome.enabled = false;
    std::string tmpl = scratch_parent() + "/twintrack-testbot-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    // Prompts are immutable once loaded: every bot of the test program shares one copy.
    static const std::shared_ptr<const bot::Prompts> shared =
        bot::Prompts::load(core::source_dir() + "/prompts", "en");
    prompts_ = shared;
    open();
}

TestBot::~TestBot() {
    engine_.reset();
    store_.reset();
    if (test_support::testing_postgres() && !store_url_.empty()) {
        test_support::PostgresServer::shared().give_back(store_url_);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

void TestBot::open() {
    // SQLite in the folder, or a database of its own on the test PostgreSQL server when
    // the tests run against PostgreSQL (label `postgres`); restart() reopens the same one.
    if (store_url_.empty()) {
        store_url_ = test_support::testing_postgres()
                         ? test_support::PostgresServer::shared().take_empty_database()
                         : "sqlite:" + dir_ + "/twintrack.db";
    }
    auto db =
        std::make_unique<FaultyDatabase>(store::open_database(store::parse_store_url(store_url_)));
    faults_ = db.get();
    store_ = std::make_unique<store::Store>(std::move(db), core::to_millis(clock_.now()));
    engine_ = std::make_unique<bot::Engine>(*store_, clock_, prompts_, settings_);
    bot::register_features(*engine_);
    set_shows_actions(shows_actions_);
}

void TestBot::set_shows_actions(bool shows) {
    shows_actions_ = shows;
    engine_->add_outlet(
        "test",
        [this](const core::Post& post, core::SendDone done) {
            if (down_) {
                done({false, "", "connector down", true});
                return;
            }
            std::string id;
            {
                std::lock_guard<std::mutex> lock(mu_);
                posts_.push_back(post);
                id = "m" + std::to_string(posts_.size());
            }
            done({true, id, "", true});
        },
        shows);
}

std::string TestBot::message_id_of(const core::Post& post) const {
    for (std::size_t i = 0; i < posts_.size(); ++i) {
        const auto& p = posts_[i];
        if (p.to == post.to && p.text == post.text && p.replaces == post.replaces) {
            return "m" + std::to_string(i + 1);
        }
    }
    return "";
}

std::vector<core::Post> TestBot::click(const std::string& who, const std::string& token,
                                       const std::string& message_id, const std::string& click_id) {
    core::Event e;
    e.kind = core::EventKind::action;
    e.id = click_id;
    e.where = {"test", "@" + who, ""};
    e.who = {"test", who, who};
    e.text = token;
    if (!message_id.empty()) e.extra = {{"message_id", message_id}};
    return deliver(std::move(e));
}

void TestBot::restart() {
    engine_.reset();
    store_.reset();
    open();
}

const bot::Person& TestBot::add(const TestPerson& p) {
    store::Person person;
    person.name = p.name.empty() ? p.handle : p.name;
    person.email = p.handle + "@example.com";
    person.department = p.department;
    person.role = p.role;
    person.timezone = p.timezone;
    person.locale = p.locale;
    auto hours = bot::parse_working_hours(p.hours);
    person.work_start = hours->first;
    person.work_end = hours->second;
    person.identities = {{"test", p.handle}};
    const auto id = store_->people().upsert_by_email(person, core::to_millis(clock_.now()));
    engine_->reload_directory();
    return *engine_->directory().by_id(id);
}

std::vector<core::Post> TestBot::run_and_collect() {
    std::size_t before;
    {
        std::lock_guard<std::mutex> lock(mu_);
        before = posts_.size();
    }
    engine_->drain();
    std::lock_guard<std::mutex> lock(mu_);
    return std::vector<core::Post>(posts_.begin() + static_cast<long>(before), posts_.end());
}

std::vector<core::Post> TestBot::deliver(core::Event event) {
    if (event.id.empty()) event.id = "e" + std::to_string(++next_event_);
    if (event.at == core::Timestamp{}) event.at = clock_.now();
    engine_->push(std::move(event));
    return run_and_collect();
}

core::ApiResponse TestBot::api(const std::string& method, const std::string& path,
                               const std::string& body, std::map<std::string, std::string> query) {
    core::ApiRequest request;
    request.connector = "test";
    request.method = method;
    request.path = path;
    request.body = body;
    request.query = std::move(query);
    return api(std::move(request));
}

core::ApiResponse TestBot::api(core::ApiRequest request) {
    const std::string method = request.method;
    const std::string path = request.path;
    std::optional<core::ApiResponse> answer;
    engine_->request(std::move(request), [&answer](core::ApiResponse r) { answer = std::move(r); });
    run_and_collect();
    if (!answer) throw std::logic_error("the engine did not answer " + method + " " + path);
    return *answer;
}

std::vector<std::string> TestBot::say(const std::string& who, const std::string& text) {
    core::Event e;
    e.where = {"test", "@" + who, ""};
    e.who = {"test", who, who};
    e.text = text;
    e.direct = true;
    return texts(deliver(std::move(e)));
}

std::vector<std::string> TestBot::say_in(const std::string& channel, const std::string& who,
                                         const std::string& text, bool addressed) {
    core::Event e;
    e.where = {"test", channel, ""};
    e.who = {"test", who, who};
    e.text = text;
    e.addressed = addressed;
    return texts(deliver(std::move(e)));
}

std::vector<core::Post> TestBot::advance(std::chrono::milliseconds by) {
    clock_.advance(by);
    return run_and_collect();
}

std::vector<std::string> texts(const std::vector<core::Post>& posts) {
    std::vector<std::string> out;
    for (const auto& p : posts) out.push_back(p.text);
    return out;
}

std::vector<std::string> texts_sent_to(const std::vector<core::Post>& posts,
                                       const std::string& channel) {
    std::vector<std::string> out;
    for (const auto& p : posts) {
        if (p.to.channel == channel) out.push_back(p.text);
    }
    return out;
}

std::vector<core::Post> TestBot::say_posts(const std::string& who, const std::string& text) {
    core::Event e;
    e.where = {"test", "@" + who, ""};
    e.who = {"test", who, who};
    e.text = text;
    e.direct = true;
    return deliver(std::move(e));
}

}  // namespace twintrack::testing
