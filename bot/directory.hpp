#pragma once
// Who is who: people, their departments, roles, locales, zones, working hours and
// platform identities, cached in memory and kept in step with the store.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/types.hpp"
#include "store/people.hpp"

namespace twintrack::bot {

using store::Person;

inline const std::vector<std::string>& departments() {
    static const std::vector<std::string> d = {"marketing", "sales", "hr", "management"};
    return d;
}
inline const std::vector<std::string>& roles() {
    static const std::vector<std::string> r = {"staff", "manager", "hr", "admin"};
    return r;
}

/// True when `zone` names an IANA time zone in the system database.
bool valid_timezone(const std::string& zone);
/// "09:00-18:00" -> {540, 1080}; nothing when malformed or empty.
std::optional<std::pair<int, int>> parse_working_hours(const std::string& text);
std::string format_working_hours(int start, int end);

class Directory {
  public:
    /// Replaces the cache with `people`.
    void load(std::vector<Person> people);

    const std::vector<Person>& all() const { return people_; }
    const Person* by_id(std::int64_t id) const;

    /// The person behind a platform identity. The console connector's user id is the
    /// person's email: whoever runs the terminal already holds the data directory.
    const Person* resolve(const core::Sender& who) const;

    /// The person with this email (case-insensitive), if any.
    const Person* by_email(const std::string& email) const;

    /// NAME or EMAIL as given on the command line (case-insensitive, exact).
    const Person* by_name_or_email(const std::string& text) const;

    /// Everyone a mention `@x` (or `x`) may mean: an identity on any connector, the email
    /// or its local part, or the name without spaces; all case-insensitive. An exact
    /// email match wins outright.
    std::vector<const Person*> match_mention(const std::string& mention) const;

    /// People whose names or identities are close to `text`, best first (for "did you
    /// mean" answers).
    std::vector<const Person*> similar(const std::string& text, std::size_t limit) const;

    /// The managers of a department.
    std::vector<const Person*> managers_of(const std::string& department) const;

  private:
    std::vector<Person> people_;
    std::map<std::pair<std::string, std::string>, std::size_t> by_identity_;
    std::map<std::string, std::size_t> by_email_;
};

}  // namespace twintrack::bot
