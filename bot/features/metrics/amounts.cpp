// The pure parsers of deal_input.hpp: amounts, percentages, currencies, days and quota
// periods as people and CSV files write them. No store, so they build on their own
// (fuzz/command_words_fuzz.cpp).

#include <date/tz.h>

#include <cmath>
#include <stdexcept>

#include "bot/args.hpp"
#include "bot/features/metrics/deal_input.hpp"
#include "bot/local_time.hpp"
#include "core/numbers.hpp"
#include "core/text.hpp"

namespace twintrack::bot::metrics {
namespace amounts {

std::int64_t local_ms(date::local_days day, const std::string& zone) {
    const auto sys = zone_or_utc(zone)->to_sys(day, date::choose::earliest);
    return core::to_millis(std::chrono::time_point_cast<std::chrono::milliseconds>(sys));
}

bool all_digits(const std::string& s) {
    if (s.empty()) return false;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

}  // namespace amounts

using amounts::all_digits;
using amounts::local_ms;

std::optional<double> parse_amount(const std::string& text) { return positive_amount(text); }

std::optional<double> parse_percent(const std::string& text) {
    std::string t(core::trim(text));
    if (!t.empty() && t.back() == '%') t.pop_back();
    if (t == "0") return 0.0;
    const auto v = parse_amount(t);
    if (!v || *v > 100) return std::nullopt;
    return *v / 100.0;
}

std::optional<std::string> parse_currency(const std::string& text) {
    if (text.size() != 3) return std::nullopt;
    std::string out;
    for (char c : text) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        if (c < 'A' || c > 'Z') return std::nullopt;
        out += c;
    }
    return out;
}

std::optional<std::int64_t> parse_day(const std::string& text, const std::string& zone) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    if (!all_digits(text.substr(0, 4)) || !all_digits(text.substr(5, 2)) ||
        !all_digits(text.substr(8, 2))) {
        return std::nullopt;
    }
    const date::year_month_day ymd{date::year(std::stoi(text.substr(0, 4))),
                                   date::month(static_cast<unsigned>(std::stoi(text.substr(5, 2)))),
                                   date::day(static_cast<unsigned>(std::stoi(text.substr(8, 2))))};
    if (!ymd.ok()) return std::nullopt;
    return local_ms(date::local_days{ymd}, zone);
}

std::optional<QuotaPeriod> parse_period(const std::string& raw, const std::string& zone) {
    const std::string text = core::ascii_lower(std::string(core::trim(raw)));
    if (text.size() < 4 || !all_digits(text.substr(0, 4))) return std::nullopt;
    const int year = std::stoi(text.substr(0, 4));
    if (year < 2000 || year > 2100) return std::nullopt;
    date::year_month first{date::year(year), date::January};
    int months = 12;
    std::string name = text.substr(0, 4);
    if (text.size() == 7 && text[4] == '-' && text[5] == 'q' && text[6] >= '1' && text[6] <= '4') {
        const unsigned q = static_cast<unsigned>(text[6] - '0');
        first = date::year(year) / date::month(3 * q - 2);
        months = 3;
        name += "-Q" + std::string(1, text[6]);
    } else if (text.size() == 7 && text[4] == '-' && all_digits(text.substr(5, 2))) {
        const int m = std::stoi(text.substr(5, 2));
        if (m < 1 || m > 12) return std::nullopt;
        first = date::year(year) / date::month(static_cast<unsigned>(m));
        months = 1;
        name = text;
    } else if (text.size() != 4) {
        return std::nullopt;
    }
    const date::year_month last = first + date::months(months);
    return QuotaPeriod{name, local_ms(date::local_days{first / 1}, zone),
                       local_ms(date::local_days{last / 1}, zone)};
}

}  // namespace twintrack::bot::metrics
