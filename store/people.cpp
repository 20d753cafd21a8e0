#include "store/people.hpp"

#include <map>

namespace twintrack::store {

std::vector<Person> PeopleRepository::all() {
    std::vector<Person> out;
    std::map<std::int64_t, std::size_t> index;
    db_.query(
        "SELECT id, name, email, department, role, timezone, locale, work_start, work_end, "
        "welcomed_at FROM people WHERE erased_at IS NULL ORDER BY id",
        {}, [&](const Row& r) {
            Person p;
            p.id = r.integer(0);
            p.name = r.text(1);
            p.email = r.text(2);
            p.department = r.text(3);
            p.role = r.text(4);
            p.timezone = r.text(5);
            p.locale = r.text(6);
            p.work_start = static_cast<int>(r.integer(7));
            p.work_end = static_cast<int>(r.integer(8));
            p.welcomed_at = r.is_null(9) ? 0 : r.integer(9);
            index[p.id] = out.size();
            out.push_back(std::move(p));
        });
    db_.query("SELECT person_id, connector, user_id FROM identities ORDER BY connector, user_id",
              {}, [&](const Row& r) {
                  auto it = index.find(r.integer(0));
                  if (it != index.end()) {
                      out[it->second].identities.push_back({r.text(1), r.text(2)});
                  }
              });
    return out;
}

bool PeopleRepository::mark_welcomed(std::int64_t person_id, std::int64_t now_ms) {
    return db_.execute("UPDATE people SET welcomed_at = ? WHERE id = ? AND welcomed_at IS NULL",
                       {now_ms, person_id}) == 1;
}

std::int64_t PeopleRepository::count() {
    return db_.scalar("SELECT count(*) FROM people WHERE erased_at IS NULL").value_or(0);
}

std::int64_t PeopleRepository::upsert_by_email(const Person& p, std::int64_t now_ms) {
    Transaction tx(db_);
    auto id = db_.scalar("SELECT id FROM people WHERE email = ?", {p.email});
    if (id) {
        db_.execute(
            "UPDATE people SET name = ?, email = ?, department = ?, role = ?, timezone = ?, "
            "locale = ?, work_start = ?, work_end = ?, updated_at = ? WHERE id = ?",
            {p.name, p.email, p.department, p.role, p.timezone, p.locale,
             std::int64_t{p.work_start}, std::int64_t{p.work_end}, now_ms, *id});
        db_.execute("DELETE FROM identities WHERE person_id = ?", {*id});
    } else {
        id = db_.insert(
            "INSERT INTO people (name, email, department, role, timezone, locale, work_start, "
            "work_end, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {p.name, p.email, p.department, p.role, p.timezone, p.locale,
             std::int64_t{p.work_start}, std::int64_t{p.work_end}, now_ms, now_ms});
    }
    for (const auto& ident : p.identities) {
        db_.execute("INSERT INTO identities (connector, user_id, person_id) VALUES (?, ?, ?)",
                    {ident.connector, ident.user_id, *id});
    }
    tx.commit();
    return *id;
}

void PeopleRepository::add_identity(std::int64_t person_id, const Identity& identity) {
    db_.execute("INSERT INTO identities (connector, user_id, person_id) VALUES (?, ?, ?)",
                {identity.connector, identity.user_id, person_id});
}

std::optional<std::int64_t> PeopleRepository::owner_of(const Identity& identity) {
    return db_.scalar("SELECT person_id FROM identities WHERE connector = ? AND user_id = ?",
                      {identity.connector, identity.user_id});
}

void PeopleRepository::update_profile(const Person& p, std::int64_t now_ms) {
    db_.execute(
        "UPDATE people SET timezone = ?, locale = ?, work_start = ?, work_end = ?, "
        "updated_at = ? WHERE id = ?",
        {p.timezone, p.locale, std::int64_t{p.work_start}, std::int64_t{p.work_end}, now_ms, p.id});
}

}  // namespace twintrack::store
