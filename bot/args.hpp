#pragma once
// Declared command arguments and the one parser that reads them. A command says what it
// takes (`CommandSpec(...).arg(Arg::text("customer")).option("engagements.words.stage",
// Arg::word("stage"))`); the Router reads the words against that before the handler
// runs, answers a bad token from prompts (`args.*`) in the writer's language, and `help
// CMD` writes the usage line from the same declaration.
//
// It lives in bot/, not core/, because every word it understands comes from prompts:
// option keys, currency and percent words, units, today/tomorrow.

#include <date/date.h>

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bot/directory.hpp"
#include "bot/prompts.hpp"

namespace twintrack::bot {

enum class ArgKind {
    word,      ///< one word (quotes group several)
    text,      ///< the free words left (but one for each required argument after it), joined
    person,    ///< @someone, resolved by the Router (did you mean, which one)
    amount,    ///< 12万, 50k, 1.2m, ¥3000, $50k, 3000元: value and currency
    percent,   ///< 30%, 30 (a percentage), 8折 (a discount: 20%)
    date,      ///< 2026-12-24, 2026年12月24日, 12月24日, today, 明天
    duration,  ///< 30min, 2h, 1h30m, 3d, 2w, 两小时, 3天: minutes
    id,        ///< 12 or #12: a whole number above zero (a deal, a meeting, a training)
    /// AMOUNT [CURRENCY] after a text of several words (`deal won 华为 云 12万 美元`): the
    /// text before it ends at the first word after its first that reads as an amount (so a
    /// name like 三一 is never the amount); a currency word or three-letter code may follow
    /// as a word of its own. Read like `amount`.
    trailing_amount,
    /// A customer's name: the free words like `text`, but when a text follows it
    /// (`decline CUSTOMER REASON`), the longest run of first words that names a known
    /// customer (`ArgContext::known_name`), else the first word; quotes group a name.
    customer,
    /// The rest of the line, exactly as typed (quotes, spaces and `=` kept): the last
    /// positional argument; the ones before it are plain words (`changes ID NOTE`), and no
    /// option is read in it.
    verbatim,
    /// A note or a reason: the rest of the line as typed (quotes, spaces and `=` kept), the
    /// last positional argument. The arguments and options before it are read as usual
    /// (`handoff ACME to @sam budget=low, call back`: the note is `budget=low, call back`);
    /// a `key=value` word in it is the note's, a word that is no option before it is still
    /// refused.
    note,
    /// A quarter: 2027Q1, 2027-Q1, 2027 Q1, Q1 (this year), 2027年第1季度, 第一季度, 一季度 (the
    /// words around it `args.words.quarter_*` of every locale). As a positional argument it
    /// takes the free words left (`budget 2026 Q4`).
    quarter,
};

/// One declared argument: a positional one (`.arg`) or the value of an option (`.option`).
class Arg {
  public:
    static Arg word(std::string name) { return Arg(ArgKind::word, std::move(name)); }
    static Arg text(std::string name) { return Arg(ArgKind::text, std::move(name)); }
    static Arg person(std::string name) { return Arg(ArgKind::person, std::move(name)); }
    static Arg amount(std::string name) { return Arg(ArgKind::amount, std::move(name)); }
    static Arg percent(std::string name) { return Arg(ArgKind::percent, std::move(name)); }
    static Arg date(std::string name) { return Arg(ArgKind::date, std::move(name)); }
    static Arg duration(std::string name) { return Arg(ArgKind::duration, std::move(name)); }
    static Arg id(std::string name) { return Arg(ArgKind::id, std::move(name)); }
    static Arg trailing_amount(std::string name) {
        return Arg(ArgKind::trailing_amount, std::move(name));
    }
    static Arg customer(std::string name) { return Arg(ArgKind::customer, std::move(name)); }
    static Arg verbatim(std::string name) { return Arg(ArgKind::verbatim, std::move(name)); }
    static Arg note(std::string name) { return Arg(ArgKind::note, std::move(name)); }
    static Arg quarter(std::string name) { return Arg(ArgKind::quarter, std::move(name)); }

    /// A positional argument or a keyword that may be left out (`key=value` options always
    /// may).
    Arg& optional() {
        required_ = false;
        return *this;
    }

    /// A person, or one of these prompts word lists instead (`consult ACME marketing`):
    /// `.or_words({"engagements.words.marketing", "engagements.words.sales"})`. Such a word
    /// is kept as typed and not resolved as a person (ParsedArgs::person is null).
    Arg& or_words(std::vector<std::string> words_keys) {
        or_words_ = std::move(words_keys);
        return *this;
    }

    /// An amount that may also be nothing at all: `0` (a campaign that cost nothing).
    Arg& or_zero() {
        zero_ = true;
        return *this;
    }

    const std::string& name() const { return name_; }
    ArgKind kind() const { return kind_; }
    bool zero_allowed() const { return zero_; }
    bool required() const { return required_; }
    const std::vector<std::string>& alternatives() const { return or_words_; }

  private:
    Arg(ArgKind kind, std::string name) : kind_(kind), name_(std::move(name)) {}
    ArgKind kind_;
    std::string name_;
    bool required_ = true;
    bool zero_ = false;
    std::vector<std::string> or_words_;
};

/// What a command takes: positional arguments in order, and `key=value` options whose
/// keys are a prompts word list (e.g. `engagements.words.stage`: stage, 阶段). A keyword
/// option may also be written as its key word followed by the value as the next word
/// (`margin 30%`, `毛利率 30%`), and is required unless its Arg is `.optional()`.
struct ArgSpec {
    struct Option {
        std::string words_key;
        Arg arg;
        bool keyword = false;
        /// How many positional arguments were declared before it: where a keyword stands
        /// in the usage line.
        std::size_t at = 0;
    };
    std::vector<Arg> positional;
    std::vector<Option> options;

    /// True when the command declared anything; commands that did not get the raw words.
    bool declared() const { return declared_; }
    bool declared_ = false;
};

/// An amount as written: the number and the currency code its symbol or word named
/// (empty when none was written: the company currency).
struct Amount {
    double value = 0;
    std::string currency;
};

/// A quarter of a year: 2027Q1.
struct YearQuarter {
    int year = 0;
    int q = 1;  ///< 1..4
    bool operator==(const YearQuarter& o) const { return year == o.year && q == o.q; }
};

/// The typed values of one command line, by argument name. Absent optional arguments
/// read as empty / nullopt / null.
class ParsedArgs {
  public:
    struct Value {
        ArgKind kind = ArgKind::word;
        std::string raw;  ///< as typed (a text argument: its words joined)
        double number = 0;
        std::string currency;
        date::year_month_day day{};
        int minutes = 0;
        const Person* person = nullptr;  ///< set by the Router
        bool alternative = false;        ///< a person argument written as one of its or_words
    };

    bool has(const std::string& name) const { return values_.count(name) > 0; }
    /// The word or text as typed; any argument as typed; empty when absent.
    std::string word(const std::string& name) const;
    const Person* person(const std::string& name) const;
    std::optional<Amount> amount(const std::string& name) const;
    /// A fraction: 30% -> 0.3; 8折 -> 0.2 (the discount, as field reports read 8折: -20%).
    std::optional<double> percent(const std::string& name) const;
    std::optional<date::year_month_day> date(const std::string& name) const;
    /// In minutes.
    std::optional<int> duration(const std::string& name) const;
    std::optional<std::int64_t> id(const std::string& name) const;
    std::optional<YearQuarter> quarter(const std::string& name) const;

    std::map<std::string, Value>& values() { return values_; }
    const std::map<std::string, Value>& values() const { return values_; }

  private:
    std::map<std::string, Value> values_;
};

/// Why a line does not fit the declaration: a prompt key (`args.<name>`) and its data
/// (`token`, `key`, `keys`, `name`); the Router adds `command` and `usage`.
/// `args.<name>` answers in the writer's language.
struct ArgError {
    std::string key;
    nlohmann::json data = nlohmann::json::object();
};

/// What the parser needs besides the words: the prompts, the reader's locale (for the
/// option keys an error lists) and their local day (for today, tomorrow, 12月24日).
struct ArgContext {
    const Prompts& prompts;
    std::string locale;
    date::year_month_day today;
    /// True when the words name a known customer (or an alias); the Router asks the
    /// Customers service. Unset: no name is known.
    std::function<bool(const std::string&)> known_name = nullptr;
};

/// Reads `text` (the words after the command) against `spec`. People are left
/// unresolved (raw only). False, with `error` set, on the first problem.
bool parse_args(const ArgSpec& spec, const std::string& text, const ArgContext& context,
                ParsedArgs& out, ArgError& error);

/// The command as the reader writes it: the canonical (English) name in the default
/// locale, else the first alias of the reader's locale.
std::string command_word(const std::string& command, const Prompts& prompts,
                         const std::string& locale);

/// The usage line of a declared command in `locale`: `engagement new CUSTOMER
/// [stage=STAGE] [owner=@PERSON] [amount=AMOUNT]`.
std::string usage_line(const std::string& command, const ArgSpec& spec, const Prompts& prompts,
                       const std::string& locale);

// The readers behind each kind, for code that reads such words itself.

/// "120000", "120,000", "1.5", "12万", "十二万", "1.2m" -> the number when it is a
/// positive amount below 10^15.
std::optional<double> positive_amount(const std::string& text);
/// An amount with an optional currency symbol or word before or after the number
/// (`args.words.currency_*` of every locale).
std::optional<Amount> read_amount(const Prompts& prompts, const std::string& text);
/// 30%, 30 -> 0.3; 8折, 85折, 8.5折 -> the discount 0.2, 0.15, 0.15.
std::optional<double> read_percent(const Prompts& prompts, const std::string& text);
/// 2026-12-24, 2026/12/24, 2026年12月24日, 12月24日 (the next such day from `today`),
/// today, tomorrow, the day after tomorrow (`args.words.*` of every locale).
std::optional<date::year_month_day> read_date(const Prompts& prompts, const std::string& text,
                                              date::year_month_day today);
/// A currency written as a word of its own: a currency word of any locale
/// (`args.words.currency_*`: usd, 美元, ¥) or a three-letter code -> the code, upper case.
std::optional<std::string> read_currency(const Prompts& prompts, const std::string& text);
/// 12, #12 -> 12: a whole number above zero (at most 15 digits).
std::optional<std::int64_t> read_id(const std::string& text);
/// 2027Q1, 2027-Q1, 2027 Q1, 2027年Q1, 2027年第1季度, 2027年一季度 (years 2000..2100), and
/// without a year Q1, 第一季度, 一季度: in `this_year`, or not a quarter when it is unset.
/// The words around the number are `args.words.quarter_before`, `quarter_after` and
/// `date_year` of every locale.
std::optional<YearQuarter> read_quarter(const Prompts& prompts, const std::string& text,
                                        std::optional<int> this_year);
/// 30min, 2h, 1h30m, 1.5h, 3d, 2w, 两小时, 3天 -> minutes (units `core.words.unit_*`). A
/// number without a unit is not a duration; zero is (0d), for the caller to refuse.
std::optional<int> read_duration(const Prompts& prompts, const std::string& text);

}  // namespace twintrack::bot
