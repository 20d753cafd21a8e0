#pragma once
// A Turn is one unit of work on the engine thread: an inbound message, or a scheduled
// job. Handlers read and write through it; posts they make go out only after what they
// changed is committed.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bot/actions.hpp"
#include "bot/directory.hpp"
#include "core/types.hpp"
#include "store/store.hpp"

namespace twintrack::bot {

class Engine;

/// Thrown when the event was applied before (a redelivery); the turn is dropped.
struct AlreadyProcessed {};

class Turn {
  public:
    /// A turn for an inbound event from `person` (null when unknown).
    Turn(Engine& engine, const core::Event* event, const Person* person);
    Turn(const Turn&) = delete;
    Turn& operator=(const Turn&) = delete;

    Engine& engine() { return engine_; }
    const core::Event* event() const { return event_; }
    /// The person who wrote; null in scheduled jobs.
    const Person* person() const { return person_; }
    /// The locale to answer in.
    const std::string& locale() const { return locale_; }
    core::Timestamp now() const;

    /// The store for reading: a read-only view (only the repositories' const methods), no
    /// transaction is opened. Changes go through write().
    const store::Store& read();
    /// The store for writing: opens the turn's transaction (once) and records the
    /// event id, so a redelivered event throws AlreadyProcessed here.
    store::Store& write();
    bool writing() const { return writing_; }
    /// A feature's own table (its repository in bot/features/NAME/store/, a view on the
    /// store's database): read_table() reads as read() does (use only its const methods),
    /// write_table() works in write()'s transaction.
    template <class Table>
    const Table read_table() {
        read();
        return Table(database());
    }
    template <class Table>
    Table write_table() {
        write();
        return Table(database());
    }

    /// Says something where the message came from, in the writer's locale.
    void reply(const std::string& key, const nlohmann::json& data = nlohmann::json::object());
    /// A refusal (a bad or stale button, a missing role): said like reply(), and when the
    /// turn handles a click, for the clicker's eyes only (`Post::private_reply`: ephemeral
    /// where the platform has it).
    void refuse(const std::string& key, const nlohmann::json& data = nlohmann::json::object());
    /// Says text already rendered where the message came from; `locale` is the language
    /// it was rendered in when that is not the writer's (empty: the writer's).
    void reply_text(std::string text, const std::string& locale = "");
    /// A direct message to a person, in their locale, on the connector they last used
    /// here or their first identity.
    void tell(const Person& to, const std::string& key,
              const nlohmann::json& data = nlohmann::json::object());
    /// The same with buttons or a menu (Offer): the post carries them, each bound to a
    /// typed command; connectors without buttons show the typed commands.
    void reply(const std::string& key, const nlohmann::json& data, const Offer& offer);
    void tell(const Person& to, const std::string& key, const nlohmann::json& data,
              const Offer& offer);
    /// A decision on `subject` was taken (clicked or typed): every open post offering it
    /// is closed, and updated where the platform allows with the outcome line
    /// (`outcome_key` with `data`, the writer's `name` and the reader's local `time`).
    void settle(const std::string& subject, const std::string& outcome_key,
                const nlohmann::json& data = nlohmann::json::object());
    /// A post to an address, in `locale`. `dedupe_key` makes it go out once ever.
    void post(const core::Address& to, const std::string& locale, const std::string& key,
              const nlohmann::json& data, const std::string& dedupe_key = "");

    /// Records a change in the audit log (who, when, from which message).
    void audit(const std::string& action, const nlohmann::json& detail);

    /// The person a mention such as `@li` names. When nobody matches, replies with
    /// close matches; when several do, asks which (a short dialog re-runs the command
    /// with the answer). Either way returns null and the handler should stop.
    const Person* person_arg(const std::string& mention);

    /// Renders a prompt in the writer's locale.
    std::string text(const std::string& key,
                     const nlohmann::json& data = nlohmann::json::object()) const;

    /// `items` as template data `[{item, sep}]`, where `sep` is the locale's list
    /// separator before every item but the first: `{{#list}}{{sep}}{{item}}{{/list}}`.
    nlohmann::json list_data(const std::vector<std::string>& items) const;

    /// What the turn produced; the engine sends it after commit.
    std::vector<core::Post>& posts() { return posts_; }

  private:
    store::Database& database();

    Engine& engine_;
    const core::Event* event_;
    const Person* person_;
    std::string locale_;
    bool writing_ = false;
    std::vector<core::Post> posts_;
};

}  // namespace twintrack::bot
