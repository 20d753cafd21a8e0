#pragma once
// What the reports feature offers other features (Engine::services()): the facts each
// field report named, read-only. The 3-1-3 plan counts them per market and the dashboard
// per market and customer (field_figures.hpp: one count for both). In bot/, not in the
// reports folder, because several features read it (namespace bot::reports: its owner).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/report_records.hpp"

namespace twintrack::bot::reports {

/// A price a field report named, as `intel` and `reports` show it.
struct PriceMention {
    std::string text;              ///< as written, e.g. "15% off"
    std::optional<double> amount;  ///< negative: cheaper than us
    std::string unit;              ///< %, CNY, USD
};

/// One field report as the plan and the dashboard need it: when, by whom, for which
/// customer, what it named.
struct FieldFact {
    std::int64_t id = 0;
    std::int64_t filed_at = 0;
    std::int64_t author_id = 0;
    std::optional<std::int64_t> customer_id;  ///< filed under, or the first known named
    std::string customer_text;                ///< the customer as written
    /// Every customer the report is about, as store::ReportFilter matches them (the
    /// `reports customer` listing): "#ID" of the known customer it was filed for and of
    /// each known one it names, else the unknown one it was filed for as written, lower
    /// case. customer_keys(f) in field_figures.hpp.
    std::vector<std::string> customer_keys;
    std::vector<std::string> competitors;  ///< canonical names
    std::vector<std::string> needs;        ///< as written
    std::vector<PriceMention> prices;
    int price_signals = 0;  ///< prices.size()
};

class FieldFacts {
  public:
    virtual ~FieldFacts() = default;
    /// Reports filed in [from_ms, to_ms), oldest first.
    virtual std::vector<FieldFact> filed_between(std::int64_t from_ms, std::int64_t to_ms) = 0;
    /// The reports `filter` matches (its limit ignored), oldest first.
    virtual std::vector<FieldFact> matching(store::ReportFilter filter) = 0;
    /// How many reports `filter` matches: store::reports::ReportRepository::count, the count the
    /// `reports` listing and `intel` show, so that the dashboard's numbers are theirs.
    virtual std::int64_t count(const store::ReportFilter& filter) = 0;
};

}  // namespace twintrack::bot::reports
