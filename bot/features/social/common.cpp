#include "bot/features/social/common.hpp"

#include <date/tz.h>

#include "bot/engine.hpp"
#include "bot/local_time.hpp"
#include "bot/turn.hpp"
#include "core/text.hpp"

namespace twintrack::bot::social {

std::int64_t now_ms(const Turn& turn) { return core::to_millis(turn.now()); }

void usage(Turn& turn, const std::string& command) { reply_usage(turn, command); }

bool is_word(Turn& turn, const std::string& name, const std::string& word) {
    return turn.engine().prompts().is_word("social.words." + name, word);
}

std::string zone_of(const Engine& engine, const Person* person) {
    if (person != nullptr && valid_timezone(person->timezone)) return person->timezone;
    return engine.settings().company_timezone;
}

std::string person_name(const Engine& engine, std::int64_t id) {
    const Person* p = engine.directory().by_id(id);
    return p ? p->name : "#" + std::to_string(id);
}

std::optional<long long> parse_number(const std::string& word, long long min, long long max) {
    if (word.empty() || word.size() > 15) return std::nullopt;
    for (char c : word) {
        if (c < '0' || c > '9') return std::nullopt;
    }
    const long long n = std::stoll(word);
    if (n < min || n > max) return std::nullopt;
    return n;
}

std::optional<date::year_month_day> parse_date(const std::string& text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
    }
    const date::year_month_day ymd{date::year(std::stoi(text.substr(0, 4))),
                                   date::month(static_cast<unsigned>(std::stoi(text.substr(5, 2)))),
                                   date::day(static_cast<unsigned>(std::stoi(text.substr(8, 2))))};
    if (!ymd.ok()) return std::nullopt;
    return ymd;
}

std::string day_text(const date::year_month_day& day) { return date::format("%F", day); }

std::optional<int> parse_time(const std::string& text) {
    std::string t = text;
    if (t.size() == 4 && t[1] == ':') t = "0" + t;
    if (t.size() != 5 || t[2] != ':') return std::nullopt;
    for (std::size_t i : {0, 1, 3, 4}) {
        if (t[i] < '0' || t[i] > '9') return std::nullopt;
    }
    const int h = std::stoi(t.substr(0, 2));
    const int m = std::stoi(t.substr(3, 2));
    if (h > 23 || m > 59) return std::nullopt;
    return h * 60 + m;
}

date::local_days local_today(core::Timestamp now, const std::string& zone) {
    return date::floor<date::days>(zone_or_utc(zone)->to_local(now));
}

std::optional<std::int64_t> local_instant(date::local_days day, int minute,
                                          const std::string& zone) {
    const auto* tz = zone_or_utc(zone);
    const date::local_seconds local = day + std::chrono::minutes(minute);
    const auto info = tz->get_info(local);
    if (info.result == date::local_info::nonexistent) return std::nullopt;
    const auto sys = tz->to_sys(local, date::choose::earliest);
    return core::to_millis(std::chrono::time_point_cast<std::chrono::milliseconds>(sys));
}

std::string local_text(const Engine& engine, std::int64_t at_ms, const Person* person) {
    return format_local(core::from_millis(at_ms), zone_of(engine, person));
}

std::string local_text_with_zone(const Engine& engine, std::int64_t at_ms, const Person* person) {
    return local_text(engine, at_ms, person) + " (" + zone_of(engine, person) + ")";
}

std::string text_for(const Engine& engine, const Person& person, const std::string& key) {
    return engine.prompts().render(engine.locale_for(&person), key);
}

std::string department_text(Turn& turn, const std::string& department) {
    return turn.text("core.department." + department);
}

}  // namespace twintrack::bot::social
