#include "bot/directory.hpp"

#include <date/tz.h>

#include <algorithm>
#include <cstdio>

#include "core/text.hpp"

namespace twintrack::bot {
namespace {

std::string squash_name(const std::string& name) {
    std::string out;
    for (const std::string& w : core::split_words(name)) out += w;
    return core::ascii_lower(out);
}

std::string local_part(const std::string& email) {
    return core::ascii_lower(email.substr(0, email.find('@')));
}

}  // namespace

bool valid_timezone(const std::string& zone) {
    if (zone.empty()) return false;
    try {
        date::locate_zone(zone);
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

std::optional<std::pair<int, int>> parse_working_hours(const std::string& text) {
    int h1, m1, h2, m2;
    char tail;
    if (std::sscanf(text.c_str(), "%d:%d-%d:%d%c", &h1, &m1, &h2, &m2, &tail) != 4) {
        return std::nullopt;
    }
    if (h1 < 0 || h1 > 23 || h2 < 0 || h2 > 24 || m1 < 0 || m1 > 59 || m2 < 0 || m2 > 59) {
        return std::nullopt;
    }
    const int start = h1 * 60 + m1;
    const int end = h2 * 60 + m2;
    if (end <= start || end > 24 * 60) return std::nullopt;
    return std::make_pair(start, end);
}

std::string format_working_hours(int start, int end) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02d:%02d-%02d:%02d", start / 60, start % 60, end / 60,
                  end % 60);
    return buf;
}

void Directory::load(std::vector<Person> people) {
    people_ = std::move(people);
    by_identity_.clear();
    by_email_.clear();
    for (std::size_t i = 0; i < people_.size(); ++i) {
        const Person& p = people_[i];
        by_email_[core::ascii_lower(p.email)] = i;
        for (const auto& ident : p.identities) {
            by_identity_[{ident.connector, core::ascii_lower(ident.user_id)}] = i;
        }
    }
}

const Person* Directory::by_id(std::int64_t id) const {
    for (const auto& p : people_) {
        if (p.id == id) return &p;
    }
    return nullptr;
}

const Person* Directory::resolve(const core::Sender& who) const {
    if (who.connector == "console") {
        auto it = by_email_.find(core::ascii_lower(who.user_id));
        return it == by_email_.end() ? nullptr : &people_[it->second];
    }
    auto it = by_identity_.find({who.connector, core::ascii_lower(who.user_id)});
    return it == by_identity_.end() ? nullptr : &people_[it->second];
}

const Person* Directory::by_email(const std::string& email) const {
    const std::string e = core::ascii_lower(std::string(core::trim(email)));
    if (e.empty()) return nullptr;
    auto it = by_email_.find(e);
    return it == by_email_.end() ? nullptr : &people_[it->second];
}

const Person* Directory::by_name_or_email(const std::string& text) const {
    const std::string t = core::ascii_lower(std::string(core::trim(text)));
    auto it = by_email_.find(t);
    if (it != by_email_.end()) return &people_[it->second];
    const Person* found = nullptr;
    for (const auto& p : people_) {
        if (core::ascii_lower(p.name) == t || squash_name(p.name) == squash_name(t)) {
            if (found) return nullptr;  // two people share the name
            found = &p;
        }
    }
    return found;
}

std::vector<const Person*> Directory::match_mention(const std::string& mention) const {
    std::string m = core::ascii_lower(mention);
    if (!m.empty() && m[0] == '@') m.erase(0, 1);
    std::vector<const Person*> out;
    auto exact = by_email_.find(m);
    m = squash_name(m);  // "@Li Na" (quoted) means the same as "@LiNa"
    if (m.empty()) return out;
    if (exact != by_email_.end()) return {&people_[exact->second]};
    for (const auto& p : people_) {
        bool hit = local_part(p.email) == m || squash_name(p.name) == m;
        for (const auto& ident : p.identities) hit = hit || core::ascii_lower(ident.user_id) == m;
        if (hit) out.push_back(&p);
    }
    return out;
}

std::vector<const Person*> Directory::similar(const std::string& text, std::size_t limit) const {
    std::string t = core::ascii_lower(text);
    if (!t.empty() && t[0] == '@') t.erase(0, 1);
    std::vector<std::pair<std::size_t, const Person*>> scored;
    for (const auto& p : people_) {
        std::size_t best = core::edit_distance(t, squash_name(p.name));
        best = std::min(best, core::edit_distance(t, local_part(p.email)));
        for (const auto& ident : p.identities) {
            best = std::min(best, core::edit_distance(t, core::ascii_lower(ident.user_id)));
        }
        const std::size_t len = std::max<std::size_t>(core::utf8_length(t), 1);
        if (best <= std::max<std::size_t>(1, len / 3)) scored.push_back({best, &p});
    }
    std::stable_sort(scored.begin(), scored.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<const Person*> out;
    for (std::size_t i = 0; i < scored.size() && i < limit; ++i) out.push_back(scored[i].second);
    return out;
}

std::vector<const Person*> Directory::managers_of(const std::string& department) const {
    std::vector<const Person*> out;
    for (const auto& p : people_) {
        if (p.department == department && p.role == "manager") out.push_back(&p);
    }
    return out;
}

}  // namespace twintrack::bot
