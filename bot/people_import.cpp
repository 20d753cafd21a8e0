#include "bot/people_import.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "bot/directory.hpp"
#include "core/csv.hpp"
#include "core/text.hpp"

namespace twintrack::bot {
namespace {

const std::vector<std::string> header = {"name",     "email",  "department",    "role",
                                         "timezone", "locale", "working_hours", "identities"};

bool plausible_email(const std::string& e) {
    const auto at = e.find('@');
    return at != std::string::npos && at > 0 && at == e.rfind('@') && at + 1 < e.size() &&
           e.find_first_of(" \t,;") == std::string::npos;
}

}  // namespace

ImportOutcome import_people_csv(std::istream& in, store::Store& store, const Prompts& prompts,
                                const std::string& locale, std::int64_t now_ms) {
    ImportOutcome out;
    auto err = [&](int line, const std::string& key, nlohmann::json data) {
        data["line"] = line;
        out.errors.push_back(prompts.render(locale, "import." + key, data));
    };
    core::CsvReader csv(in);
    auto head = csv.next();
    if (!head) {
        err(1, "empty_file", {{"header", core::join(header, ",")}});
        return out;
    }
    std::vector<std::string> got;
    for (const auto& f : head->fields) got.push_back(core::ascii_lower(std::string(core::trim(f))));
    if (got != header) {
        err(head->line, "bad_header",
            {{"expected", core::join(header, ",")}, {"got", core::join(head->fields, ",")}});
        return out;
    }

    std::map<std::string, std::int64_t> existing_email;                         // lower email -> id
    std::map<std::pair<std::string, std::string>, std::string> identity_owner;  // -> email
    for (const auto& p : store.people().all()) {
        existing_email[core::ascii_lower(p.email)] = p.id;
        for (const auto& i : p.identities) {
            identity_owner[{i.connector, core::ascii_lower(i.user_id)}] =
                core::ascii_lower(p.email);
        }
    }
    std::vector<Person> rows;
    std::map<std::string, int> seen_email;
    std::map<std::pair<std::string, std::string>, std::pair<std::string, int>> seen_identity;
    struct Taken {
        int line;
        std::string identity;
        std::string owner;
    };
    std::vector<Taken> taken;  // identities someone else holds now, checked once all is read
    while (auto row = csv.next()) {
        const int line = row->line;
        if (row->fields.size() != header.size()) {
            err(line, "field_count", {{"expected", header.size()}, {"got", row->fields.size()}});
            continue;
        }
        std::vector<std::string> f;
        for (const auto& v : row->fields) f.emplace_back(core::trim(v));
        bool good = true;
        for (const auto& v : f) {
            if (!core::valid_utf8(v)) {
                err(line, "invalid_utf8", {});
                good = false;
                break;
            }
        }
        if (!good) continue;
        Person p;
        p.name = f[0];
        p.email = f[1];
        p.department = core::ascii_lower(f[2]);
        p.role = core::ascii_lower(f[3]);
        p.timezone = f[4];
        p.locale = f[5].empty() ? "en" : prompts.normalize_locale(f[5]);
        if (p.name.empty()) err(line, "missing_name", {}), good = false;
        if (!plausible_email(p.email)) err(line, "bad_email", {{"email", p.email}}), good = false;
        const std::string lower_email = core::ascii_lower(p.email);
        if (seen_email.count(lower_email)) {
            err(line, "duplicate_email", {{"email", p.email}, {"other", seen_email[lower_email]}});
            good = false;
        }
        seen_email[lower_email] = line;
        if (std::find(departments().begin(), departments().end(), p.department) ==
            departments().end()) {
            err(line, "bad_department",
                {{"value", f[2]}, {"allowed", core::join(departments(), ", ")}});
            good = false;
        }
        if (std::find(roles().begin(), roles().end(), p.role) == roles().end()) {
            err(line, "bad_role", {{"value", f[3]}, {"allowed", core::join(roles(), ", ")}});
            good = false;
        }
        if (!valid_timezone(p.timezone)) err(line, "bad_timezone", {{"value", f[4]}}), good = false;
        if (!f[5].empty() && core::ascii_lower(prompts.normalize_locale(f[5])).substr(0, 2) !=
                                 core::ascii_lower(f[5]).substr(0, 2)) {
            err(line, "bad_locale", {{"value", f[5]}}), good = false;
        }
        if (f[6].empty()) {
            p.work_start = 9 * 60, p.work_end = 18 * 60;
        } else if (auto hours = parse_working_hours(f[6])) {
            p.work_start = hours->first, p.work_end = hours->second;
        } else {
            err(line, "bad_hours", {{"value", f[6]}}), good = false;
        }
        std::string ids = f[7];
        std::replace(ids.begin(), ids.end(), ';', ' ');
        for (const auto& part : core::split_words(ids)) {
            const auto colon = part.find(':');
            if (colon == std::string::npos || colon == 0 || colon + 1 == part.size()) {
                err(line, "bad_identity", {{"value", part}}), good = false;
                continue;
            }
            store::Identity ident{part.substr(0, colon), part.substr(colon + 1)};
            const auto key = std::make_pair(ident.connector, core::ascii_lower(ident.user_id));
            auto owner = identity_owner.find(key);
            if (owner != identity_owner.end() && owner->second != lower_email) {
                taken.push_back({line, part, owner->second});
            }
            auto twice = seen_identity.find(key);
            if (twice != seen_identity.end() && twice->second.first != lower_email) {
                err(line, "identity_twice", {{"value", part}, {"other", twice->second.second}});
                good = false;
            }
            seen_identity[key] = {lower_email, line};
            p.identities.push_back(ident);
        }
        if (good) rows.push_back(std::move(p));
    }
    if (!csv.error().empty()) err(0, "unclosed_quote", {{"detail", csv.error()}});
    // An identity may move to another person when its current owner is in the file too
    // (giving it up there, or the row would be refused as "also given on line N").
    for (const auto& t : taken) {
        if (!seen_email.count(t.owner)) {
            err(t.line, "identity_taken", {{"value", t.identity}, {"owner", t.owner}});
        }
    }
    if (!out.errors.empty()) return out;

    store::Transaction tx(store.db());
    // Two passes, so that an identity may move from one person in the file to another.
    for (const auto& p : rows) {
        Person bare = p;
        bare.identities.clear();
        store.people().upsert_by_email(bare, now_ms);
    }
    for (const auto& p : rows) {
        const bool known = existing_email.count(core::ascii_lower(p.email)) > 0;
        store.people().upsert_by_email(p, now_ms);
        (known ? out.updated : out.added)++;
    }
    tx.commit();
    return out;
}

}  // namespace twintrack::bot
