#pragma once
// What the engagements feature offers other features (Engine::services()): the customers
// it keeps and their engagements, read-only. The reports feature files reports under
// them; the metrics feature shows a customer's engagements and the dashboard the funnel and
// the overlaps; the campaigns feature asks the owners of the customers a campaign touched.
// A missing service means no customers are known.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/engagements.hpp"

namespace twintrack::bot {

class Customers {
  public:
    virtual ~Customers() = default;
    /// The key customer names compare by (case and whitespace, also U+3000, ignored);
    /// empty when `name` has nothing but whitespace.
    virtual std::string key_of(const std::string& name) const = 0;
    /// Every customer with its aliases, ordered by id.
    virtual std::vector<store::Customer> all() const = 0;
    virtual std::optional<store::Customer> get(std::int64_t id) const = 0;
    /// The customer called `name` or one of its aliases (compared by key_of).
    virtual std::optional<store::Customer> find(const std::string& name) const = 0;
    /// An open engagement of the customer: the one `owner_id` owns when there is one,
    /// else the oldest.
    virtual std::optional<store::Engagement> open_engagement(
        std::int64_t customer_id, std::optional<std::int64_t> owner_id) const = 0;
    virtual std::optional<store::Engagement> engagement(std::int64_t id) const = 0;
    /// The customer's engagements, open and closed.
    virtual std::vector<store::Engagement> engagements_of(std::int64_t customer_id) const = 0;
    /// Every engagement (open first, then newest first).
    virtual std::vector<store::Engagement> engagements() const = 0;
    /// Every event of `kind` ("flagged": an overlap) with its engagement, newest first.
    virtual std::vector<std::pair<store::Engagement, store::EngagementEvent>> events_of_kind(
        const std::string& kind) const = 0;
};

}  // namespace twintrack::bot
