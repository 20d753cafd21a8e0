#pragma once
// Facts other features keep about a customer and a period, read-only (Services, owned by
// the engine): field reports (offered by reports) and deals (offered by metrics). The
// rules feature attaches them to a disagreement. A missing service means those facts are
// not known here.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace twintrack::bot {

class Turn;

/// A field report about a customer.
struct CustomerReport {
    std::int64_t id = 0;
    std::int64_t author_id = 0;
    std::int64_t created_at = 0;  ///< UTC ms
    std::string text;             ///< of the latest version
};

class ReportFacts {
  public:
    virtual ~ReportFacts() = default;
    /// Reports filed for the customer or mentioning it, created in [from_ms, to_ms), the
    /// newest first.
    virtual std::vector<CustomerReport> reports_about(Turn& turn, std::int64_t customer_id,
                                                      std::int64_t from_ms, std::int64_t to_ms) = 0;
};

/// A deal of a customer.
struct CustomerDeal {
    std::int64_t id = 0;
    std::string stage;          ///< open, won, lost
    double company_amount = 0;  ///< in the company currency
    std::optional<std::int64_t> owner_id;
    std::int64_t created_at = 0;
    std::optional<std::int64_t> closed_at;
};

class DealFacts {
  public:
    virtual ~DealFacts() = default;
    /// The customer's deals that were open at some time in [from_ms, to_ms): created
    /// before `to_ms` and not closed before `from_ms`.
    virtual std::vector<CustomerDeal> deals_of(Turn& turn, std::int64_t customer_id,
                                               std::int64_t from_ms, std::int64_t to_ms) = 0;
};

}  // namespace twintrack::bot
