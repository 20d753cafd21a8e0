#pragma once
// The metrics feature's tables (deals, quotas, campaigns, campaign_touches,
// channel_messages; migration bot/features/metrics/migrations/0008_metrics.sql and the
// PostgreSQL twin): the feature's own store part (target twintrack_feature_metrics_store,
// linking only the store layer, nothing from bot/). The feature's commands open a repository
// on the turn's store (Turn::read_table, write_table); other features read these tables
// only through the metrics' services (DealHistory, DealFacts, CampaignResults).
//
// Deals (chat, CSV or a CRM), quotas, marketing campaigns and the customers they touched,
// and the messages seen in channels (for summaries). Amounts are in the company currency
// unless named otherwise; times are UTC milliseconds.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "store/person_data.hpp"

namespace twintrack::store::metrics {

struct Deal {
    std::int64_t id = 0;
    std::optional<std::string> external_id;  ///< the CRM's id
    std::optional<std::int64_t> customer_id;
    std::string customer_text;
    std::optional<std::int64_t> engagement_id;
    std::string stage = "open";  ///< open, won, lost
    double amount = 0;           ///< in `currency`
    std::string currency;
    double company_amount = 0;  ///< in the company currency
    std::optional<double> margin;
    std::optional<std::int64_t> owner_id;
    std::string reason;
    std::int64_t created_at = 0;
    std::optional<std::int64_t> closed_at;
    std::string source = "chat";  ///< chat, csv, api
    std::int64_t source_updated = 0;
    std::int64_t updated_at = 0;
};

/// What an idempotent write by external id did.
enum class DealWrite { created, updated, unchanged, stale };

class DealRepository {
  public:
    explicit DealRepository(Database& db) : db_(db) {}
    /// Adds a deal; returns its id.
    std::int64_t add(const Deal& deal);
    /// Saves every field of an existing deal (by id).
    void update(const Deal& deal);
    /// Creates or updates the deal with `deal.external_id`. A write whose source_updated
    /// is older than the stored one is `stale` and changes nothing; the same one again is
    /// `unchanged` when nothing differs.
    DealWrite upsert_external(const Deal& deal, std::int64_t* id = nullptr);
    std::optional<Deal> get(std::int64_t id) const;
    std::optional<Deal> by_external(const std::string& external_id) const;
    /// Every open deal of a customer, oldest first.
    std::vector<Deal> open_of(std::int64_t customer_id) const;
    /// Open deals kept with the customer as written (not a known customer), oldest first.
    std::vector<Deal> open_without_customer() const;
    /// Deals of a customer, newest first.
    std::vector<Deal> of_customer(std::int64_t customer_id) const;
    /// Deals created or closed in [from, to).
    std::vector<Deal> active_between(std::int64_t from, std::int64_t to) const;
    /// Deals that were open at some time in [from, to): created before `to` and not closed
    /// before `from` (open ones however old), by id. For the 3-1-3 plan (DealHistory).
    std::vector<Deal> open_during(std::int64_t from, std::int64_t to) const;
    std::int64_t count() const;

  private:
    Database& db_;
};

struct Quota {
    std::int64_t id = 0;
    std::optional<std::int64_t> person_id;
    std::string team;    ///< a department, when the quota is a team's
    std::string period;  ///< 2026-Q4, 2026-11, 2026
    std::int64_t starts_at = 0;
    std::int64_t ends_at = 0;
    std::optional<double> revenue;
    std::optional<double> profit;
};

class QuotaRepository {
  public:
    explicit QuotaRepository(Database& db) : db_(db) {}
    /// Sets the quota of a person or team for a period; the given targets replace the
    /// stored ones, absent ones are kept. True when it was new.
    bool set(const Quota& quota, std::int64_t now_ms);
    /// Quotas whose period overlaps [from, to).
    std::vector<Quota> overlapping(std::int64_t from, std::int64_t to) const;

  private:
    Database& db_;
};

struct Campaign {
    std::int64_t id = 0;
    std::string name;
    std::string name_key;
    double cost = 0;
    std::string starts_on;
    std::string ends_on;
    std::int64_t starts_at = 0;
    std::int64_t ends_at = 0;
    std::string segment;
    std::optional<std::int64_t> created_by;
    std::int64_t created_at = 0;
};

struct CampaignTouch {
    std::int64_t campaign_id = 0;
    std::int64_t customer_id = 0;
    std::int64_t at = 0;
};

class CampaignRepository {
  public:
    explicit CampaignRepository(Database& db) : db_(db) {}
    /// Throws UniqueViolation when the name key is taken.
    std::int64_t create(const Campaign& campaign);
    std::optional<Campaign> find_by_key(const std::string& key) const;
    std::vector<Campaign> all() const;
    /// Records that a campaign reached a customer; false when it was recorded before.
    bool touch(const CampaignTouch& touch);
    std::vector<CampaignTouch> touches() const;

  private:
    Database& db_;
};

/// A message a person wrote in a channel (never a direct message).
struct ChannelMessage {
    std::string connector;
    std::string channel;
    std::string event_id;
    std::optional<std::int64_t> person_id;
    std::string user_id;
    std::string text;
    std::int64_t at = 0;
};

/// The messages the metrics keep from the engine's channel messages
/// (Engine::on_channel_message) for `summary channel` and `summary customer`.
class ChannelMessageLog {
  public:
    explicit ChannelMessageLog(Database& db) : db_(db) {}
    /// Keeps a message; a redelivered one (same connector and event id) is ignored.
    void record(const ChannelMessage& message);
    /// Messages of a channel in [from, to), oldest first.
    std::vector<ChannelMessage> between(const std::string& connector, const std::string& channel,
                                        std::int64_t from, std::int64_t to) const;
    /// Messages of any channel in [from, to) whose text contains `needle`, oldest first.
    std::vector<ChannelMessage> containing(const std::string& needle, std::int64_t from,
                                           std::int64_t to) const;

  private:
    Database& db_;
};

/// The tables the weekly metrics read together, on one database
/// (`turn.read_table<MetricsTables>()`: const, so only their reading methods).
struct MetricsTables {
    explicit MetricsTables(Database& db) : deals(db), quotas(db), campaigns(db) {}
    DealRepository deals;
    QuotaRepository quotas;
    CampaignRepository campaigns;
};

/// The feature's part of a person's data (`person export`, `person erase`) and of the
/// daily retention: the deals they own, their quotas, the campaigns they created and their
/// channel messages; erase deletes their channel messages (also those of their identities
/// from before they were linked) and rewrites their name and email in the others' texts
/// (deal reasons, campaign segments, channel messages); channel messages older than
/// `retention.channel_messages_days` go (kind `channel_messages`).
PersonDataPart person_data();

}  // namespace twintrack::store::metrics
