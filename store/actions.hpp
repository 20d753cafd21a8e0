#pragma once
// Posts that offer actions (buttons, menus) and the program's own small settings, such as
// the key that signs action tokens.

#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace twintrack::store {

struct ActionPost {
    std::int64_t id = 0;
    std::string subject;  ///< what the post decides, e.g. "announcement:7:marketing"
    std::string connector;
    std::string channel;
    std::string thread;
    std::string locale;
    std::string timezone;  ///< the reader's zone, for the outcome line
    std::string text;      ///< the post's text as first sent
    std::string choices;   ///< JSON, as the bot wrote it
    std::int64_t created_at = 0;
    std::int64_t expires_at = 0;
    std::string status = "open";  ///< open or settled
    std::string outcome;          ///< the outcome line once settled
    std::optional<std::int64_t> settled_by;
    std::optional<std::int64_t> settled_at;
};

class ActionRepository {
  public:
    explicit ActionRepository(Database& db) : db_(db) {}

    /// Adds an open action post; returns its id.
    std::int64_t add(const ActionPost& post);
    std::optional<ActionPost> get(std::int64_t id) const;
    /// Open posts about `subject`, oldest first.
    std::vector<ActionPost> open_about(const std::string& subject);
    /// Settles an open post; false when it was settled already.
    bool settle(std::int64_t id, const std::string& outcome, std::optional<std::int64_t> by,
                std::int64_t now);
    /// The platform's id of the post once the connector confirmed it (outbox row with
    /// the post's dedupe key), else empty.
    std::string platform_id(const std::string& dedupe_key) const;

    /// A program setting; empty when unset.
    std::optional<std::string> setting(const std::string& key);
    /// Sets `key` unless it is set already (several processes may start at once); returns
    /// the value that holds afterwards.
    std::string setting_or_init(const std::string& key, const std::string& value);

  private:
    Database& db_;
};

}  // namespace twintrack::store
