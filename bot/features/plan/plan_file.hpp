#pragma once
// The 3-1-3 plan's pure parts (no store, no engine): the `plan:` settings, markets by name
// or alias, quarters (2027Q1), amounts, the plan file (CSV or YAML) read with every
// problem named by its line, and the plan as CSV.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bot/features/plan/store/plan_store.hpp"
#include "bot/prompts.hpp"

namespace twintrack::bot::plan {

/// A market of the configured list: an industry or a region, with other names for it.
struct Market {
    std::string name;  ///< canonical, as stored
    std::vector<std::string> aliases;
};

/// The `plan:` section.
struct PlanSettings {
    std::vector<Market> markets;
    /// The quarterly review post (first day of each quarter, company zone).
    bool review_post = true;
    std::vector<std::string> review_tracks = {"marketing", "joint"};
    int review_minute = 9 * 60;  ///< after local midnight
};

/// The canonical name of the market `word` names (its name or an alias, any case).
std::optional<std::string> find_market(const PlanSettings& settings, const std::string& word);
/// The canonical names, in configured order.
std::vector<std::string> market_names(const PlanSettings& settings);

struct Quarter {
    int year = 0;
    int q = 1;                 ///< 1..4
    std::string text() const;  ///< "2027Q1"
    Quarter previous() const;
    Quarter next() const;
    bool operator==(const Quarter& o) const { return year == o.year && q == o.q; }
};
/// 2027Q1, 2027-Q1, 2027 Q1, 2027年Q1, 2027年第1季度 (any case).
std::optional<Quarter> parse_quarter(const Prompts& prompts, const std::string& text);
/// A year 2000..2100.
std::optional<int> parse_year(const Prompts& prompts, const std::string& text);

/// What an amount of the plan says: a value of 0 or more, negative, or not a number.
struct PlanAmount {
    enum class Kind { ok, negative, bad } kind = Kind::bad;
    double value = 0;
};
/// 120000, 120,000, 12万, 1.2m, ¥3000 (a currency symbol or word is read and ignored: the
/// plan is in the company currency); "-5" is negative.
PlanAmount read_plan_amount(const Prompts& prompts, const std::string& text);

/// One problem of a plan file: its line (1 = the first line of the file), a prompt key
/// under `plan.file.` and its data.
struct PlanFileError {
    int line = 0;
    std::string key;
    std::string field;
    std::string value;
};

/// Reads a plan file, CSV (a header naming kind,market,name,year,quarter,revenue,budget,
/// spent,text) or YAML (outlook:, targets:, activities:); `default_year` fills a target
/// without a year. Every problem is listed; nothing is read when there is one.
store::plan::PlanImport read_plan_file(const std::string& text, const PlanSettings& settings,
                                       const Prompts& prompts, int default_year,
                                       std::vector<PlanFileError>& errors);

/// The CSV header of plan files.
const std::vector<std::string>& plan_csv_header();
/// The columns `plan export` adds after the header's with what the field reported (an
/// import reads past them): reports,reports_last_quarter,competitor_mentions,
/// price_signals,pipeline,won_year.
const std::vector<std::string>& plan_actual_columns();

/// "1,234,567", "1,234.5": amounts for people (no currency).
std::string number_text(double value);

}  // namespace twintrack::bot::plan
