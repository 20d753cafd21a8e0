#pragma once
// Deals, quotas and campaigns coming in: the parsing and checks shared by chat, CSV
// (`twintrack import deals|quotas|campaigns FILE.csv`) and the CRM endpoint
// (POST /api/v1/deals). Problems are prompt keys under `metrics.` with their data, so each
// way in says them in its reader's language.

#include <date/date.h>

#include <istream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "bot/customers.hpp"
#include "bot/directory.hpp"
#include "bot/features/metrics/store/metrics_store.hpp"
#include "bot/people_import.hpp"
#include "bot/prompts.hpp"
#include "bot/settings.hpp"
#include "store/store.hpp"

namespace twintrack::bot::metrics {

/// Something wrong with the input: a prompt key (without `metrics.`) and its data.
struct Problem {
    std::string key;
    nlohmann::json data = nlohmann::json::object();
};

/// "120000", "120,000", "1.5", "12万", "十二万", "1.2m" (core::parse_number) -> the
/// number; nothing when not a positive amount.
std::optional<double> parse_amount(const std::string& text);
/// "30%" or "30" -> 0.3; nothing outside 0..100.
std::optional<double> parse_percent(const std::string& text);
/// A three-letter currency code (any case) -> upper case; nothing otherwise.
std::optional<std::string> parse_currency(const std::string& text);
/// A strict YYYY-MM-DD -> its local midnight in `zone` (UTC ms).
std::optional<std::int64_t> parse_day(const std::string& text, const std::string& zone);

/// A quota period: 2026-Q4, 2026-11 or 2026, in `zone`.
struct QuotaPeriod {
    std::string name;
    std::int64_t starts_at = 0;
    std::int64_t ends_at = 0;
};
std::optional<QuotaPeriod> parse_period(const std::string& text, const std::string& zone);

/// `amount` in `currency` converted into the company currency, or the problem
/// (`no_rate`) when no rate is configured.
std::optional<double> to_company(double amount, const std::string& currency,
                                 const BotSettings& settings, Problem* problem);

/// A campaign checked from its words: a new name, a cost (converted into the company
/// currency; `currency` may be empty), and YYYY-MM-DD days in the company zone, the end
/// day included. Nothing (and `problem` set) when something is wrong.
std::optional<store::metrics::Campaign> make_campaign(
    store::Store& store, const BotSettings& settings, const std::string& name,
    const std::string& cost, const std::string& currency, const std::string& from,
    const std::string& to, Problem* problem);

/// A deal as given by one of the ways in, before checks.
struct DealInput {
    std::optional<std::string> external_id;
    std::string customer;
    std::string stage;  ///< open, won, lost
    double amount = 0;
    std::string currency;  ///< empty: the company currency
    std::optional<double> margin;
    std::optional<std::int64_t> owner_id;
    std::string reason;
    std::int64_t created_at = 0;
    std::optional<std::int64_t> closed_at;
    std::string source = "chat";
    std::int64_t source_updated = 0;
};

/// Checks a deal and resolves its customer (by name or alias) and engagement (the
/// customer's open one, else its newest) through the engagements feature's `customers`
/// (null: none known). Unknown customers are kept as written.
std::optional<Problem> make_deal(const Customers* customers, const BotSettings& settings,
                                 const DealInput& in, std::int64_t now_ms,
                                 store::metrics::Deal& out);

/// Which open deal a deal won in chat closes.
struct OpenDealMatch {
    std::optional<store::metrics::Deal> deal;     ///< the open deal it closes, if any
    std::vector<store::metrics::Deal> ambiguous;  ///< several fit: the reader says which one
    bool unknown_ref = false;  ///< `deal_id` is not one of the customer's open deals
};

/// The open deals a deal of `customer` (a name or alias, as written) may close, oldest
/// first: the known customer's, and those kept under the same name when it was not a
/// known customer (an imported deal of a customer without an engagement).
std::vector<store::metrics::Deal> open_deals_of(store::Store& store, const Customers* customers,
                                                const std::string& customer);

/// The open deal of `customer` that a win of `amount` in `currency` (empty: the company
/// currency) closes: the one named by `deal_id`; else the customer's only open deal; else
/// the only one with that amount. Several that fit are `ambiguous`; none: a new deal.
OpenDealMatch match_open_deal(store::Store& store, const Customers* customers,
                              const BotSettings& settings, const std::string& customer,
                              double amount, const std::string& currency,
                              std::optional<std::int64_t> deal_id);

/// A deal won in chat that closes `open`: the open deal keeps its identity (id, creation,
/// external id), its customer, engagement and margin where the win names none, and its
/// owner unless the win named one (`owner_named`: taking a deal over is on purpose).
store::metrics::Deal close_open_deal(store::metrics::Deal won, const store::metrics::Deal& open,
                                     bool owner_named);

/// The outcome of POST /api/v1/deals.
struct ApiOutcome {
    int status = 200;
    nlohmann::json body;
};

/// Applies a CRM deal update (JSON object; see docs/METRICS.md) idempotently by its
/// external id: a repeat changes nothing, an update older than the stored one is
/// ignored. Writes through `store`; the caller owns the transaction.
ApiOutcome apply_deal_json(store::Store& store, const Customers* customers,
                           const Directory& directory, const BotSettings& settings,
                           const Prompts& prompts, const std::string& body, std::int64_t now_ms);

/// `twintrack import deals FILE.csv`: header
/// external_id,customer,stage,amount,currency,margin,owner,created,closed,reason
ImportOutcome import_deals_csv(std::istream& in, store::Store& store, const Customers* customers,
                               const Directory& directory, const BotSettings& settings,
                               const Prompts& prompts, const std::string& locale,
                               std::int64_t now_ms);
/// `twintrack import quotas FILE.csv`: header subject,period,revenue,profit (subject: an
/// email or a department).
ImportOutcome import_quotas_csv(std::istream& in, store::Store& store, const Directory& directory,
                                const BotSettings& settings, const Prompts& prompts,
                                const std::string& locale, std::int64_t now_ms);
/// `twintrack import campaigns FILE.csv`: header name,cost,currency,from,to,segment.
ImportOutcome import_campaigns_csv(std::istream& in, store::Store& store,
                                   const BotSettings& settings, const Prompts& prompts,
                                   const std::string& locale, std::int64_t now_ms);

/// Helpers the parsers above share with the CSV readers (amounts.cpp).
namespace amounts {
/// Midnight at the start of `day` in `zone`, in UTC milliseconds.
std::int64_t local_ms(date::local_days day, const std::string& zone);
/// True for a non-empty string of ASCII digits.
bool all_digits(const std::string& s);
}  // namespace amounts

}  // namespace twintrack::bot::metrics
