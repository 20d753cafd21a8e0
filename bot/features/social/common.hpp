#pragma once
// Helpers shared by the social commands: arguments, dates and times in people's zones.

#include <date/date.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bot/directory.hpp"
#include "bot/features/social/store/social_store.hpp"
#include "core/types.hpp"

namespace twintrack::bot {
class Engine;
class Turn;
}  // namespace twintrack::bot

namespace twintrack::bot::social {

/// The feature's own tables (store/social_store.hpp), opened on a turn with
/// `turn.read_table<SocialTable>()` or `turn.write_table<SocialTable>()`.
using SocialTable = store::social::SocialRepository;

void register_coffee(Engine& engine);
void register_trainings(Engine& engine);
void register_outings(Engine& engine);
void register_budget(Engine& engine);

/// Who may create and cancel activities.
inline const std::vector<std::string>& organiser_roles() {
    static const std::vector<std::string> r = {"manager", "hr", "admin"};
    return r;
}

std::int64_t now_ms(const Turn& turn);
/// Answers with the command's usage line.
void usage(Turn& turn, const std::string& command);
/// True when `word` is one of the words `social.words.<name>` of any locale.
bool is_word(Turn& turn, const std::string& name, const std::string& word);
/// The person's zone, else the company's.
std::string zone_of(const Engine& engine, const Person* person);
std::string person_name(const Engine& engine, std::int64_t id);
/// A whole number between `min` and `max`.
std::optional<long long> parse_number(const std::string& word, long long min, long long max);
/// A strict YYYY-MM-DD.
std::optional<date::year_month_day> parse_date(const std::string& text);
std::string day_text(const date::year_month_day& day);
/// A strict HH:MM, as minutes after midnight.
std::optional<int> parse_time(const std::string& text);
date::local_days local_today(core::Timestamp now, const std::string& zone);
/// The instant `minute` after local midnight of `day` in `zone`; nothing when that local
/// time does not exist (a DST gap). An ambiguous time takes the earlier instant.
std::optional<std::int64_t> local_instant(date::local_days day, int minute,
                                          const std::string& zone);
/// "2026-11-28 17:05" in the person's zone (the company's when they have none).
std::string local_text(const Engine& engine, std::int64_t at_ms, const Person* person);
/// The same followed by the zone: "2026-11-28 17:05 (Asia/Shanghai)".
std::string local_text_with_zone(const Engine& engine, std::int64_t at_ms, const Person* person);
/// A message in `person`'s locale, e.g. a part of another message sent to them.
std::string text_for(const Engine& engine, const Person& person, const std::string& key);
/// A department's name in the reader's locale.
std::string department_text(Turn& turn, const std::string& department);

}  // namespace twintrack::bot::social
