#pragma once
// Store UTC, show local: formatting instants in a person's zone.

#include <date/date.h>

#include <optional>
#include <string>
#include <utility>

#include "core/types.hpp"

namespace date {
class time_zone;
}

namespace twintrack::bot {

/// The IANA zone `zone`, or UTC when the name is unknown (never throws).
const date::time_zone* zone_or_utc(const std::string& zone);

/// "2026-11-28 17:05" in `zone` (UTC when the zone is unknown).
std::string format_local(core::Timestamp at, const std::string& zone);

/// A strict YYYY-MM-DD that names a real day.
std::optional<date::year_month_day> parse_ymd(const std::string& text);

/// A config weekly time, "Fri 15:00" (an English weekday, short or long, any case; a
/// 24-hour time), as {weekday (0 = Sunday), minute of the day}. Config syntax, not words
/// people type to the bot.
std::optional<std::pair<unsigned, int>> parse_weekday_time(const std::string& text);

}  // namespace twintrack::bot
