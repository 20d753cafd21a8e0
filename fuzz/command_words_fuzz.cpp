// The pieces of a command line that read free text, without the bot around them: word
// splitting with quotes (core::split_words, trim), amounts, percentages, currencies,
// days and periods (bot::metrics::parse_*), the one argument parser of declared commands
// (bot::parse_args: amounts, percentages, dates, durations, numbers, trailing amounts,
// customers, verbatim text, notes, quarters, options, keywords, quotes), and what a
// field report names: customers, competitors, prices like 12万 or 8折 and needs
// (bot::reports::extract).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "bot/args.hpp"
#include "bot/features/metrics/deal_input.hpp"
#include "bot/features/reports/extraction.hpp"
#include "core/source_dir.hpp"
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

const bot::Prompts& prompts() {
    static const auto p = bot::Prompts::load(core::source_dir() + "/prompts", "en");
    return *p;
}

// A command taking one argument of every kind.
const bot::ArgSpec& every_kind() {
    static const bot::ArgSpec spec = [] {
        bot::ArgSpec s;
        s.positional = {bot::Arg::word("first"), bot::Arg::text("rest").optional()};
        s.options = {{"engagements.words.owner", bot::Arg::person("owner")},
                     {"engagements.words.amount", bot::Arg::amount("amount")},
                     {"metrics.words.margin", bot::Arg::percent("margin")},
                     {"meetings.words.after", bot::Arg::date("after")},
                     {"meetings.words.duration", bot::Arg::duration("duration")}};
        s.declared_ = true;
        return s;
    }();
    return spec;
}

// `deal won` (a trailing amount after a name, a number, keywords), `decline` (a known
// customer, then a text) and `changes` (a number, then the rest as typed).
const std::vector<bot::ArgSpec>& more_kinds() {
    static const std::vector<bot::ArgSpec> specs = [] {
        bot::ArgSpec won;
        won.positional = {bot::Arg::text("customer"), bot::Arg::trailing_amount("amount"),
                          bot::Arg::id("deal").optional()};
        won.options = {{"metrics.words.amount", bot::Arg::amount("amount")},
                       {"metrics.words.margin", bot::Arg::percent("margin").optional(), true},
                       {"metrics.words.owner", bot::Arg::person("owner"), true}};
        won.declared_ = true;
        bot::ArgSpec decline;
        decline.positional = {bot::Arg::customer("customer"), bot::Arg::text("reason")};
        decline.declared_ = true;
        bot::ArgSpec changes;
        changes.positional = {bot::Arg::word("id"), bot::Arg::verbatim("note")};
        changes.declared_ = true;
        // `handoff` (a text, a keyword, then a note as typed) and `decline` with a note.
        bot::ArgSpec handoff;
        handoff.positional = {bot::Arg::text("customer"), bot::Arg::note("note").optional()};
        handoff.options = {{"engagements.words.to", bot::Arg::person("rep"), true, 1},
                           {"engagements.words.stage", bot::Arg::word("stage")}};
        handoff.declared_ = true;
        bot::ArgSpec reason;
        reason.positional = {bot::Arg::customer("customer"), bot::Arg::note("reason")};
        reason.declared_ = true;
        // `budget [QUARTER]` (a quarter of free words) and `plan export [FILE]
        // quarter=QUARTER`.
        bot::ArgSpec budget;
        budget.positional = {bot::Arg::quarter("quarter").optional()};
        budget.declared_ = true;
        bot::ArgSpec plan_export;
        plan_export.positional = {bot::Arg::word("file").optional()};
        plan_export.options = {{"plan.words.quarter", bot::Arg::quarter("quarter")}};
        plan_export.declared_ = true;
        // `outing new` (a keyword whose value is a text, up to the next keyword) and `coffee
        // pause` (a keyword that may open the line, or the same date without it).
        bot::ArgSpec outing;
        outing.positional = {bot::Arg::text("title")};
        outing.options = {{"social.words.poll", bot::Arg::text("dates"), true, 1},
                          {"social.words.budget", bot::Arg::word("budget").optional(), true, 1}};
        outing.declared_ = true;
        bot::ArgSpec pause;
        pause.options = {{"social.words.until", bot::Arg::date("until").optional(), true, 0}};
        pause.positional = {bot::Arg::date("until").optional()};
        pause.declared_ = true;
        return std::vector<bot::ArgSpec>{won,    decline,     changes, handoff, reason,
                                         budget, plan_export, outing,  pause};
    }();
    return specs;
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
    bot::ParsedArgs parsed;
    bot::ArgError error;
    const date::year_month_day today{date::year(2026), date::November, date::day(2)};
    if (!bot::parse_args(every_kind(), text, {prompts(), "zh-CN", today}, parsed, error) &&
        error.key.empty()) {
        std::abort();  // a refusal always says why
    }
    for (const auto& spec : more_kinds()) {
        bot::ParsedArgs more;
        bot::ArgError refusal;
        bot::ArgContext context{prompts(), "en", today};
        context.known_name = [](const std::string& name) { return name == "Acme Corp"; };
        if (!bot::parse_args(spec, text, context, more, refusal) && refusal.key.empty()) {
            std::abort();
        }
        // A note is the rest of the line as typed: never longer than the line.
        for (const auto& [name, value] : more.values()) {
            if (value.kind == bot::ArgKind::note && value.raw.size() > text.size()) std::abort();
            if (value.kind == bot::ArgKind::quarter) {
                const auto q = more.quarter(name);
                if (!q || q->q < 1 || q->q > 4) std::abort();
            }
        }
        (void)bot::usage_line("fuzz", spec, prompts(), "zh-CN");
    }
    for (const auto& word : core::split_words(text)) {
        const auto q = bot::read_quarter(prompts(), word, 2026);
        if (q && (q->q < 1 || q->q > 4 || q->year < 2000 || q->year > 2100)) std::abort();
    }
    const auto found = bot::reports::extract(text, extraction());
    for (const auto& price : found.prices) (void)bot::reports::format_price(price);
    (void)bot::reports::competitor_name(text, extraction());
    if (size <= 256) {
        (void)core::edit_distance(text, "engagement");  // "did you mean" on the first word
    }
    return 0;
}
