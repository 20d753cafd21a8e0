#include "bot/local_time.hpp"

#include <date/tz.h>

namespace twintrack::bot {

const date::time_zone* zone_or_utc(const std::string& zone) {
    try {
        return date::locate_zone(zone);
    } catch (const std::exception&) {
        return date::locate_zone("UTC");
    }
}

std::string format_local(core::Timestamp at, const std::string& zone) {
    const auto* tz = zone_or_utc(zone);
    const auto local = date::make_zoned(tz, std::chrono::time_point_cast<std::chrono::minutes>(at));
    return date::format("%Y-%m-%d %H:%M", local);
}

std::optional<date::year_month_day> parse_ymd(const std::string& text) {
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

}  // namespace twintrack::bot
