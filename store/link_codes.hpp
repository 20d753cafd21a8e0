#pragma once
// One-time codes for `link CONNECTOR USER`: sent to the claimed identity, stored only as
// a salted hash, valid for a few minutes, used once.

#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace twintrack::store {

struct LinkCode {
    std::int64_t id = 0;
    std::int64_t person_id = 0;  ///< who claims the identity
    std::string connector;
    std::string user_id;
    std::string salt;       ///< hex
    std::string code_hash;  ///< hex SHA-256 of salt + code
    std::int64_t created_at = 0;
    std::int64_t expires_at = 0;
    int attempts = 0;                ///< wrong codes sent while it was pending
    std::string status = "pending";  ///< pending, used or void
};

class LinkCodeRepository {
  public:
    explicit LinkCodeRepository(Database& db) : db_(db) {}

    /// Adds a pending code; returns its id.
    std::int64_t add(const LinkCode& code);
    /// A person's codes created at or after `since`, newest first.
    std::vector<LinkCode> of_person(std::int64_t person_id, std::int64_t since);
    /// How many codes a person asked for at or after `since`.
    int count_since(std::int64_t person_id, std::int64_t since);
    /// Voids every pending code of a person (a newer one replaces them).
    void void_pending(std::int64_t person_id, std::int64_t now);
    void set_attempts(std::int64_t id, int attempts);
    /// Ends a code: `used` or `void`.
    void finish(std::int64_t id, const std::string& status, std::int64_t now);

  private:
    Database& db_;
};

}  // namespace twintrack::store
