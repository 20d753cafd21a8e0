#pragma once
// The field figures, computed once: what a report counts for (its customer, its market,
// its price signals) and the counts per market and per customer. The reports feature
// builds its FieldFacts with them, and the plan (`plan`, `plan review`) and the dashboard
// count with them. Pure and header-only, in bot/ beside field_facts.hpp, so a feature that
// reads FieldFacts through the engine's services includes and links nothing of reports.

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "bot/field_facts.hpp"
#include "core/text.hpp"
#include "store/report_records.hpp"

namespace twintrack::bot::reports {

/// The prices a report named, in the order it named them.
inline std::vector<PriceMention> price_signals_of(const store::Report& r) {
    std::vector<PriceMention> out;
    for (const auto& m : r.mentions) {
        if (m.kind == "price") out.push_back({m.value, m.amount, m.unit});
    }
    return out;
}

/// The customers a report is about, as store::ReportFilter's customer matches them: the
/// known customer it was filed for and every known one it names ("#ID"), and the unknown
/// one it was filed for as written (lower case) when it was filed for none known.
inline std::vector<std::string> customer_keys_of(const store::Report& r) {
    std::vector<std::string> keys;
    auto add = [&](const std::string& key) {
        if (!key.empty() && std::find(keys.begin(), keys.end(), key) == keys.end()) {
            keys.push_back(key);
        }
    };
    if (r.customer_id) {
        add("#" + std::to_string(*r.customer_id));
    } else {
        // A name that starts like a key ("#7 bistro", "=x") gets "=" before it, so it never
        // reads as a known customer's number; filter_customer takes the "=" off again.
        const std::string text = core::ascii_lower(r.customer_text);
        add(!text.empty() && (text[0] == '#' || text[0] == '=') ? "=" + text : text);
    }
    for (const auto& m : r.mentions) {
        if (m.kind == "customer" && m.customer_id) add("#" + std::to_string(*m.customer_id));
    }
    return keys;
}

/// The filter that asks for the reports about the customer `key` (a customer_keys_of key).
inline void filter_customer(store::ReportFilter& f, const std::string& key) {
    std::int64_t id = 0;
    const char* end = key.data() + key.size();
    const auto parsed = key.size() > 1 && key[0] == '#'
                            ? std::from_chars(key.data() + 1, end, id)
                            : std::from_chars_result{key.data(), std::errc::invalid_argument};
    if (parsed.ec == std::errc{} && parsed.ptr == end) {
        f.customer_id = id;
    } else {
        f.customer_text = !key.empty() && key[0] == '=' ? key.substr(1) : key;
    }
}

/// A stored report as a FieldFact: the customer it was filed under, else the first known
/// customer it names.
inline FieldFact field_fact_of(const store::Report& r) {
    FieldFact fact;
    fact.id = r.id;
    fact.filed_at = r.created_at;
    fact.author_id = r.author_id;
    fact.customer_id = r.customer_id;
    fact.customer_text = r.customer_text;
    for (const auto& m : r.mentions) {
        if (m.kind == "customer" && !fact.customer_id && m.customer_id) {
            fact.customer_id = m.customer_id;
        }
        if (m.kind == "competitor") fact.competitors.push_back(m.value);
        if (m.kind == "need") fact.needs.push_back(m.value);
    }
    fact.customer_keys = customer_keys_of(r);
    fact.prices = price_signals_of(r);
    fact.price_signals = static_cast<int>(fact.prices.size());
    return fact;
}

/// What a group of reports (all of them, one market's, one customer's) named.
struct FieldTally {
    std::int64_t reports = 0;
    std::int64_t competitor_mentions = 0;
    std::int64_t price_signals = 0;
    std::map<std::string, std::int64_t> competitors;  ///< by canonical name
    std::map<std::string, std::int64_t> needs;        ///< by lower-case need
    std::vector<std::int64_t> report_ids;             ///< in the order counted
};

inline void count_into(FieldTally& t, const FieldFact& f) {
    ++t.reports;
    t.competitor_mentions += static_cast<std::int64_t>(f.competitors.size());
    t.price_signals += f.price_signals;
    for (const auto& c : f.competitors) ++t.competitors[c];
    for (const auto& n : f.needs) ++t.needs[core::ascii_lower(std::string(core::trim(n)))];
    t.report_ids.push_back(f.id);
}

/// Every report of `facts` together.
inline FieldTally tally(const std::vector<FieldFact>& facts) {
    FieldTally t;
    for (const auto& f : facts) count_into(t, f);
    return t;
}

/// The market a report counts for: its customer's (`markets`: customer id to market),
/// "" when it has no customer or the customer no market.
inline std::string market_of(const FieldFact& f,
                             const std::map<std::int64_t, std::string>& markets) {
    if (!f.customer_id) return std::string();
    const auto it = markets.find(*f.customer_id);
    return it == markets.end() ? std::string() : it->second;
}

/// The reports of each market ("" for those without one).
inline std::map<std::string, FieldTally> tally_by_market(
    const std::vector<FieldFact>& facts, const std::map<std::int64_t, std::string>& markets) {
    std::map<std::string, FieldTally> out;
    for (const auto& f : facts) count_into(out[market_of(f, markets)], f);
    return out;
}

/// The reports about each customer (by customer key, FieldFact::customer_keys): a report
/// counts for every customer it is about, as `reports customer` lists it; reports about
/// none are left out.
inline std::map<std::string, FieldTally> tally_by_customer(const std::vector<FieldFact>& facts) {
    std::map<std::string, FieldTally> out;
    for (const auto& f : facts) {
        for (const auto& key : f.customer_keys) count_into(out[key], f);
    }
    return out;
}

}  // namespace twintrack::bot::reports
