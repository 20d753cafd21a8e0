#pragma once
// What the engagements feature offers other features (Engine::services()): the customers
// it keeps and their engagements, read-only, and one narrow write. The reports feature
// files reports under them (a report's customer_id and engagement_id are looked up with
// get(), find() and engagement(), never by a JOIN on the feature's tables) and turns a
// report's help-wanted items into consultations; the metrics feature shows a customer's
// engagements, links deals to their customer and engagement (deal input, shared with
// `import deals` and the CRM endpoint) and the dashboard shows the funnel and the
// overlaps; the campaigns feature asks the owners of the customers a campaign touched.
// A missing service means no customers are known. The values are the service's own (the
// feature's store part has its records; another feature never includes them).

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace twintrack::bot {

class Turn;

/// A customer with its aliases; keys are the names as key_of() makes them.
struct Customer {
    std::int64_t id = 0;
    std::string name;
    std::string name_key;
    std::vector<std::string> aliases;
    std::vector<std::string> alias_keys;
};

/// An engagement: one department leads it at a funnel stage, one person owns it.
struct Engagement {
    std::int64_t id = 0;
    std::int64_t customer_id = 0;
    std::string customer_name;
    std::string tag;
    std::string stage;
    std::string lead;  ///< marketing or sales
    std::optional<std::int64_t> owner_id;
    std::optional<std::int64_t> amount;
    bool closed = false;
    std::optional<std::int64_t> created_by;
    std::int64_t created_at = 0;  ///< UTC ms
    std::int64_t updated_at = 0;
};

/// Something that happened to an engagement ("created", "stage", "flagged", ...).
struct EngagementEvent {
    std::int64_t at = 0;  ///< UTC ms
    std::optional<std::int64_t> person_id;
    std::string kind;
    std::string detail;  ///< JSON
};

/// A request for a colleague's advice on an engagement.
struct Consultation {
    std::int64_t engagement_id = 0;
    std::int64_t consultant_id = 0;
    std::optional<std::int64_t> requested_by;
    std::string note;
    std::int64_t requested_at = 0;  ///< UTC ms
};

class Customers {
  public:
    virtual ~Customers() = default;
    /// The key customer names compare by (case and whitespace, also U+3000, ignored);
    /// empty when `name` has nothing but whitespace.
    virtual std::string key_of(const std::string& name) const = 0;
    /// Every customer with its aliases, ordered by id.
    virtual std::vector<Customer> all() const = 0;
    virtual std::optional<Customer> get(std::int64_t id) const = 0;
    /// The customer called `name` or one of its aliases (compared by key_of).
    virtual std::optional<Customer> find(const std::string& name) const = 0;
    /// An open engagement of the customer: the one `owner_id` owns when there is one,
    /// else the oldest.
    virtual std::optional<Engagement> open_engagement(
        std::int64_t customer_id, std::optional<std::int64_t> owner_id) const = 0;
    virtual std::optional<Engagement> engagement(std::int64_t id) const = 0;
    /// The customer's engagements, open and closed (open first, then the latest changed
    /// first).
    virtual std::vector<Engagement> engagements_of(std::int64_t customer_id) const = 0;
    /// Every engagement (open first, then newest first).
    virtual std::vector<Engagement> engagements() const = 0;
    /// Every event of `kind` ("flagged": an overlap) with its engagement, newest first.
    virtual std::vector<std::pair<Engagement, EngagementEvent>> events_of_kind(
        const std::string& kind) const = 0;
    /// Records a consultation on an engagement (`c.engagement_id`) in the turn's
    /// transaction (Turn::write()): the reports' help-wanted items ask marketing this way.
    /// Returns its id.
    virtual std::int64_t add_consultation(Turn& turn, const Consultation& c) const = 0;
};

}  // namespace twintrack::bot
