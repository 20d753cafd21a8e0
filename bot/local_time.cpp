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

}  // namespace twintrack::bot
