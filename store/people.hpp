#pragma once
// People and their platform identities.

#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace twintrack::store {

struct Identity {
    std::string connector;
    std::string user_id;
};

struct Person {
    std::int64_t id = 0;
    std::string name;
    std::string email;
    std::string department;   ///< marketing, sales, hr, management
    std::string role;         ///< staff, manager, hr, admin
    std::string timezone;     ///< IANA name
    std::string locale;       ///< en or zh-CN
    int work_start = 9 * 60;  ///< minutes after local midnight
    int work_end = 18 * 60;
    std::vector<Identity> identities;
    std::int64_t welcomed_at = 0;  ///< when the bot sent its welcome (UTC ms); 0 = not yet
};

class PeopleRepository {
  public:
    explicit PeopleRepository(Database& db) : db_(db) {}

    /// Everyone not erased, identities included, ordered by id.
    std::vector<Person> all();
    /// How many people are not erased.
    std::int64_t count();

    /// Inserts, or updates the person with the same email (case-insensitive). The
    /// identities given replace the person's identities. Returns the id. Throws
    /// UniqueViolation when an identity already belongs to someone else.
    std::int64_t upsert_by_email(const Person& person, std::int64_t now_ms);

    /// Adds a platform identity to a person. Throws UniqueViolation when it is taken.
    void add_identity(std::int64_t person_id, const Identity& identity);
    /// Who holds an identity (user ids compare case-insensitively).
    std::optional<std::int64_t> owner_of(const Identity& identity);

    /// Records that the welcome went to a person. Returns false when it had already gone
    /// (the welcome is sent once per person).
    bool mark_welcomed(std::int64_t person_id, std::int64_t now_ms);

    /// Updates locale, time zone and working hours of one person.
    void update_profile(const Person& person, std::int64_t now_ms);

  private:
    Database& db_;
};

}  // namespace twintrack::store
