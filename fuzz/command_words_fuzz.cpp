// The pieces of a command line that read free text, without the bot around them: word
// splitting with quotes (core::split_words, trim), amounts, percentages, currencies,
// days and periods (bot::metrics::parse_*), and what a field report names: customers,
// competitors, prices like 12万 or 8折 and needs (bot::reports::extract).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "bot/features/metrics/deal_input.hpp"
#include "bot/features/reports/extraction.hpp"
#include "core/text.hpp"

namespace core = twintrack::core;
namespace bot = twintrack::bot;

namespace {

const bot::reports::ExtractionConfig& extraction() {
    static const bot::reports::ExtractionConfig config = [] {
        bot::reports::ReportSettings settings;
        settings.competitors = {{"Acme", {"艾克米", "ACME Corp"}}, {"Globex", {"环球"}}};
        return bot::reports::extraction_config(settings,
                                               {{1, "Initech", {"英尼泰克"}}, {2, "Umbrella", {}}});
    }();
    return config;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    if (!core::valid_utf8(text)) return 0;  // every connector refuses invalid UTF-8
    const auto trimmed = core::trim(text);
    if (trimmed.size() > text.size()) std::abort();
    for (const auto& word : core::split_words(text)) {
        if (!core::valid_utf8(word)) std::abort();
        (void)bot::metrics::parse_amount(word);
        (void)bot::metrics::parse_percent(word);
        (void)bot::metrics::parse_currency(word);
        (void)bot::metrics::parse_day(word, "Asia/Shanghai");
        (void)bot::metrics::parse_period(word, "Europe/Berlin");
        if (const auto eq = word.find('='); eq != std::string::npos) {
            (void)bot::metrics::parse_amount(word.substr(eq + 1));
        }
    }
    const auto found = bot::reports::extract(text, extraction());
    for (const auto& price : found.prices) (void)bot::reports::format_price(price);
    (void)bot::reports::competitor_name(text, extraction());
    if (size <= 256) {
        (void)core::edit_distance(text, "engagement");  // "did you mean" on the first word
    }
    return 0;
}
