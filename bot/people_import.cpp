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

// One import: the CSV's rows checked against each other and against the store, every
// problem with its line; the people saved only when there is none.
class PeopleCsvImport {
  public:
    PeopleCsvImport(store::Store& store, const Prompts& prompts, const std::string& locale)
        : store_(store), prompts_(prompts), locale_(locale) {}

    ImportOutcome run(std::istream& in, std::int64_t now_ms) {
        core::CsvReader csv(in);
        if (!header_ok(csv)) return out_;
        index_existing();
        while (auto row = csv.next()) read_row(*row);
        if (!csv.error().empty()) err(0, "unclosed_quote", {{"detail", csv.error()}});
        // An identity may move to another person when its current owner is in the file too
        // (giving it up there, or the row would be refused as "also given on line N").
        for (const auto& t : taken_) {
            if (!seen_email_.count(t.owner)) {
                err(t.line, "identity_taken", {{"value", t.identity}, {"owner", t.owner}});
            }
        }
        if (out_.errors.empty()) save(now_ms);
        return out_;
    }

  private:
    void err(int line, const std::string& key, nlohmann::json data) {
        data["line"] = line;
        out_.errors.push_back(prompts_.render(locale_, "import." + key, data));
    }

    bool header_ok(core::CsvReader& csv) {
        auto head = csv.next();
        if (!head) {
            err(1, "empty_file", {{"header", core::join(header, ",")}});
            return false;
        }
        std::vector<std::string> got;
        for (const auto& f : head->fields) {
            got.push_back(core::ascii_lower(std::string(core::trim(f))));
        }
        if (got != header) {
            err(head->line, "bad_header",
                {{"expected", core::join(header, ",")}, {"got", core::join(head->fields, ",")}});
            return false;
        }
        return true;
    }

    // Who is in the store now, by email and by identity.
    void index_existing() {
        for (const auto& p : store_.people().all()) {
            existing_email_[core::ascii_lower(p.email)] = p.id;
            for (const auto& i : p.identities) {
                identity_owner_[{i.connector, core::ascii_lower(i.user_id)}] =
                    core::ascii_lower(p.email);
            }
        }
    }

    void read_row(const core::CsvRow& row) {
        const int line = row.line;
        if (row.fields.size() != header.size()) {
            err(line, "field_count", {{"expected", header.size()}, {"got", row.fields.size()}});
            return;
        }
        std::vector<std::string> f;
        for (const auto& v : row.fields) f.emplace_back(core::trim(v));
        for (const auto& v : f) {
            if (!core::valid_utf8(v)) {
                err(line, "invalid_utf8", {});
                return;
            }
        }
        Person p;
        bool good = read_person(line, f, p);
        good = read_identities(line, f[7], p) && good;
        if (good) rows_.push_back(std::move(p));
    }

    // The fields but the identities; false when one is refused (each is said).
    bool read_person(int line, const std::vector<std::string>& f, Person& p) {
        bool good = true;
        p.name = f[0];
        p.email = f[1];
        p.department = core::ascii_lower(f[2]);
        p.role = core::ascii_lower(f[3]);
        p.timezone = f[4];
        p.locale = f[5].empty() ? "en" : prompts_.normalize_locale(f[5]);
        if (p.name.empty()) err(line, "missing_name", {}), good = false;
        if (!plausible_email(p.email)) err(line, "bad_email", {{"email", p.email}}), good = false;
        const std::string lower_email = core::ascii_lower(p.email);
        if (seen_email_.count(lower_email)) {
            err(line, "duplicate_email", {{"email", p.email}, {"other", seen_email_[lower_email]}});
            good = false;
        }
        seen_email_[lower_email] = line;
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
        if (!f[5].empty() && core::ascii_lower(prompts_.normalize_locale(f[5])).substr(0, 2) !=
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
        return good;
    }

    // `connector:user_id` words (`;` or spaces between); an identity another person holds
    // is checked once the whole file is read.
    bool read_identities(int line, std::string ids, Person& p) {
        bool good = true;
        const std::string lower_email = core::ascii_lower(p.email);
        std::replace(ids.begin(), ids.end(), ';', ' ');
        for (const auto& part : core::split_words(ids)) {
            const auto colon = part.find(':');
            if (colon == std::string::npos || colon == 0 || colon + 1 == part.size()) {
                err(line, "bad_identity", {{"value", part}}), good = false;
                continue;
            }
            store::Identity ident{part.substr(0, colon), part.substr(colon + 1)};
            const auto key = std::make_pair(ident.connector, core::ascii_lower(ident.user_id));
            auto owner = identity_owner_.find(key);
            if (owner != identity_owner_.end() && owner->second != lower_email) {
                taken_.push_back({line, part, owner->second});
            }
            auto twice = seen_identity_.find(key);
            if (twice != seen_identity_.end() && twice->second.first != lower_email) {
                err(line, "identity_twice", {{"value", part}, {"other", twice->second.second}});
                good = false;
            }
            seen_identity_[key] = {lower_email, line};
            p.identities.push_back(ident);
        }
        return good;
    }

    void save(std::int64_t now_ms) {
        store::Transaction tx(store_.db());
        // Two passes, so that an identity may move from one person in the file to another.
        for (const auto& p : rows_) {
            Person bare = p;
            bare.identities.clear();
            store_.people().upsert_by_email(bare, now_ms);
        }
        for (const auto& p : rows_) {
            const bool known = existing_email_.count(core::ascii_lower(p.email)) > 0;
            store_.people().upsert_by_email(p, now_ms);
            (known ? out_.updated : out_.added)++;
        }
        tx.commit();
    }

    struct Taken {
        int line;
        std::string identity;
        std::string owner;
    };

    store::Store& store_;
    const Prompts& prompts_;
    const std::string& locale_;
    ImportOutcome out_;
    std::map<std::string, std::int64_t> existing_email_;  // lower email -> id
    std::map<std::pair<std::string, std::string>, std::string> identity_owner_;  // -> email
    std::vector<Person> rows_;
    std::map<std::string, int> seen_email_;
    std::map<std::pair<std::string, std::string>, std::pair<std::string, int>> seen_identity_;
    std::vector<Taken> taken_;  // identities someone else holds now, checked once all is read
};

}  // namespace

ImportOutcome import_people_csv(std::istream& in, store::Store& store, const Prompts& prompts,
                                const std::string& locale, std::int64_t now_ms) {
    return PeopleCsvImport(store, prompts, locale).run(in, now_ms);
}

}  // namespace twintrack::bot
