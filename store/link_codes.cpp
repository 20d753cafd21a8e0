#include "store/link_codes.hpp"

namespace twintrack::store {

std::int64_t LinkCodeRepository::add(const LinkCode& c) {
    return db_.insert(
        "INSERT INTO link_codes (person_id, connector, user_id, salt, code_hash, created_at, "
        "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        {c.person_id, c.connector, c.user_id, c.salt, c.code_hash, c.created_at, c.expires_at});
}

std::vector<LinkCode> LinkCodeRepository::of_person(std::int64_t person_id, std::int64_t since) {
    std::vector<LinkCode> out;
    db_.query(
        "SELECT id, person_id, connector, user_id, salt, code_hash, created_at, expires_at, "
        "attempts, status FROM link_codes WHERE person_id = ? AND created_at >= ? "
        "ORDER BY created_at DESC, id DESC",
        {person_id, since}, [&](const Row& r) {
            LinkCode c;
            c.id = r.integer(0);
            c.person_id = r.integer(1);
            c.connector = r.text(2);
            c.user_id = r.text(3);
            c.salt = r.text(4);
            c.code_hash = r.text(5);
            c.created_at = r.integer(6);
            c.expires_at = r.integer(7);
            c.attempts = static_cast<int>(r.integer(8));
            c.status = r.text(9);
            out.push_back(std::move(c));
        });
    return out;
}

int LinkCodeRepository::count_since(std::int64_t person_id, std::int64_t since) {
    return static_cast<int>(
        db_.scalar("SELECT count(*) FROM link_codes WHERE person_id = ? AND created_at >= ?",
                   {person_id, since})
            .value_or(0));
}

void LinkCodeRepository::void_pending(std::int64_t person_id, std::int64_t now) {
    db_.execute(
        "UPDATE link_codes SET status = 'void', finished_at = ? "
        "WHERE person_id = ? AND status = 'pending'",
        {now, person_id});
}

void LinkCodeRepository::set_attempts(std::int64_t id, int attempts) {
    db_.execute("UPDATE link_codes SET attempts = ? WHERE id = ?", {std::int64_t{attempts}, id});
}

void LinkCodeRepository::finish(std::int64_t id, const std::string& status, std::int64_t now) {
    db_.execute("UPDATE link_codes SET status = ?, finished_at = ? WHERE id = ?",
                {status, now, id});
}

}  // namespace twintrack::store
