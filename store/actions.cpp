#include "store/actions.hpp"

namespace twintrack::store {
namespace {

const char* const columns =
    "id, subject, connector, channel, thread, locale, timezone, text, choices, created_at, "
    "expires_at, status, outcome, settled_by, settled_at";

ActionPost read_post(const Row& r) {
    ActionPost p;
    p.id = r.integer(0);
    p.subject = r.text(1);
    p.connector = r.text(2);
    p.channel = r.text(3);
    p.thread = r.text(4);
    p.locale = r.text(5);
    p.timezone = r.text(6);
    p.text = r.text(7);
    p.choices = r.text(8);
    p.created_at = r.integer(9);
    p.expires_at = r.integer(10);
    p.status = r.text(11);
    p.outcome = r.text(12);
    p.settled_by = r.optional_integer(13);
    p.settled_at = r.optional_integer(14);
    return p;
}

}  // namespace

std::int64_t ActionRepository::add(const ActionPost& p) {
    return db_.insert(
        "INSERT INTO action_posts (subject, connector, channel, thread, locale, timezone, text, "
        "choices, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {p.subject, p.connector, p.channel, p.thread, p.locale, p.timezone, p.text, p.choices,
         p.created_at, p.expires_at});
}

std::optional<ActionPost> ActionRepository::get(std::int64_t id) const {
    std::optional<ActionPost> out;
    db_.query(std::string("SELECT ") + columns + " FROM action_posts WHERE id = ?", {id},
              [&](const Row& r) { out = read_post(r); });
    return out;
}

std::vector<ActionPost> ActionRepository::open_about(const std::string& subject) {
    std::vector<ActionPost> out;
    db_.query(std::string("SELECT ") + columns +
                  " FROM action_posts WHERE subject = ? AND status = 'open' ORDER BY id",
              {subject}, [&](const Row& r) { out.push_back(read_post(r)); });
    return out;
}

bool ActionRepository::settle(std::int64_t id, const std::string& outcome,
                              std::optional<std::int64_t> by, std::int64_t now) {
    return db_.execute(
               "UPDATE action_posts SET status = 'settled', outcome = ?, settled_by = ?, "
               "settled_at = ? WHERE id = ? AND status = 'open'",
               {outcome, nullable(by), now, id}) > 0;
}

std::string ActionRepository::platform_id(const std::string& dedupe_key) const {
    std::string out;
    db_.query(
        "SELECT coalesce(remote_id, '') FROM outbox WHERE dedupe_key = ? AND sent_at IS "
        "NOT NULL",
        {dedupe_key}, [&](const Row& r) { out = r.text(0); });
    return out;
}

std::optional<std::string> ActionRepository::setting(const std::string& key) {
    std::optional<std::string> out;
    db_.query("SELECT value FROM bot_settings WHERE key = ?", {key},
              [&](const Row& r) { out = r.text(0); });
    return out;
}

std::string ActionRepository::setting_or_init(const std::string& key, const std::string& value) {
    db_.execute("INSERT INTO bot_settings (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING",
                {key, value});
    return setting(key).value_or(value);
}

}  // namespace twintrack::store
