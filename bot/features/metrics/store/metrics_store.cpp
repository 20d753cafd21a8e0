#include "bot/features/metrics/store/metrics_store.hpp"

namespace twintrack::store::metrics {
namespace {

const char* const deal_columns =
    "SELECT id, external_id, customer_id, customer_text, engagement_id, stage, amount, currency, "
    "company_amount, margin, owner_id, reason, created_at, closed_at, source, source_updated, "
    "updated_at FROM deals ";

Deal deal_from(const Row& row) {
    Deal d;
    d.id = row.integer(0);
    d.external_id = row.optional_text(1);
    d.customer_id = row.optional_integer(2);
    d.customer_text = row.text(3);
    d.engagement_id = row.optional_integer(4);
    d.stage = row.text(5);
    d.amount = row.real(6);
    d.currency = row.text(7);
    d.company_amount = row.real(8);
    if (!row.is_null(9)) d.margin = row.real(9);
    d.owner_id = row.optional_integer(10);
    d.reason = row.text(11);
    d.created_at = row.integer(12);
    d.closed_at = row.optional_integer(13);
    d.source = row.text(14);
    d.source_updated = row.integer(15);
    d.updated_at = row.integer(16);
    return d;
}

Value optional_real(const std::optional<double>& v) { return v ? Value(*v) : Value(nullptr); }
Value optional_text(const std::optional<std::string>& v) { return v ? Value(*v) : Value(nullptr); }

/// The deal's columns in insert order, then `id` when it is given (for updates).
Params deal_values(const Deal& d, std::optional<std::int64_t> id = std::nullopt) {
    Params p = {optional_text(d.external_id),
                nullable(d.customer_id),
                d.customer_text,
                nullable(d.engagement_id),
                d.stage,
                d.amount,
                d.currency,
                d.company_amount,
                optional_real(d.margin),
                nullable(d.owner_id),
                d.reason,
                d.created_at,
                nullable(d.closed_at),
                d.source,
                d.source_updated,
                d.updated_at,
                nullable(id)};
    if (!id) p.pop_back();
    return p;
}

bool same_content(const Deal& a, const Deal& b) {
    return a.customer_id == b.customer_id && a.customer_text == b.customer_text &&
           a.engagement_id == b.engagement_id && a.stage == b.stage && a.amount == b.amount &&
           a.currency == b.currency && a.company_amount == b.company_amount &&
           a.margin == b.margin && a.owner_id == b.owner_id && a.reason == b.reason &&
           a.created_at == b.created_at && a.closed_at == b.closed_at;
}

std::vector<Deal> deals(Database& db, const std::string& tail, const Params& params) {
    std::vector<Deal> out;
    db.query(std::string(deal_columns) + tail, params,
             [&](const Row& row) { out.push_back(deal_from(row)); });
    return out;
}

}  // namespace

std::int64_t DealRepository::add(const Deal& d) {
    return db_.insert(
        "INSERT INTO deals (external_id, customer_id, customer_text, engagement_id, stage, "
        "amount, currency, company_amount, margin, owner_id, reason, created_at, closed_at, "
        "source, source_updated, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?)",
        deal_values(d));
}

void DealRepository::update(const Deal& d) {
    db_.execute(
        "UPDATE deals SET external_id = ?, customer_id = ?, customer_text = ?, engagement_id = ?, "
        "stage = ?, amount = ?, currency = ?, company_amount = ?, margin = ?, owner_id = ?, "
        "reason = ?, created_at = ?, closed_at = ?, source = ?, source_updated = ?, "
        "updated_at = ? WHERE id = ?",
        deal_values(d, d.id));
}

DealWrite DealRepository::upsert_external(const Deal& deal, std::int64_t* id) {
    const auto existing = deal.external_id ? by_external(*deal.external_id) : std::nullopt;
    if (!existing) {
        const std::int64_t new_id = add(deal);
        if (id) *id = new_id;
        return DealWrite::created;
    }
    if (id) *id = existing->id;
    if (deal.source_updated < existing->source_updated) return DealWrite::stale;
    if (same_content(deal, *existing)) return DealWrite::unchanged;
    Deal d = deal;
    d.id = existing->id;
    update(d);
    return DealWrite::updated;
}

std::optional<Deal> DealRepository::get(std::int64_t id) const {
    auto v = deals(db_, "WHERE id = ?", {id});
    if (v.empty()) return std::nullopt;
    return v.front();
}

std::optional<Deal> DealRepository::by_external(const std::string& external_id) const {
    auto v = deals(db_, "WHERE external_id = ?", {external_id});
    if (v.empty()) return std::nullopt;
    return v.front();
}

std::vector<Deal> DealRepository::open_of(std::int64_t customer_id) const {
    return deals(db_, "WHERE customer_id = ? AND stage = 'open' ORDER BY created_at, id",
                 {customer_id});
}

std::vector<Deal> DealRepository::open_without_customer() const {
    return deals(db_, "WHERE customer_id IS NULL AND stage = 'open' ORDER BY created_at, id", {});
}

std::vector<Deal> DealRepository::of_customer(std::int64_t customer_id) const {
    return deals(db_, "WHERE customer_id = ? ORDER BY created_at DESC, id DESC", {customer_id});
}

std::vector<Deal> DealRepository::active_between(std::int64_t from, std::int64_t to) const {
    return deals(db_,
                 "WHERE (closed_at >= ? AND closed_at < ?) OR (created_at >= ? AND created_at < ?) "
                 "ORDER BY id",
                 {from, to, from, to});
}

std::vector<Deal> DealRepository::open_during(std::int64_t from, std::int64_t to) const {
    return deals(db_, "WHERE created_at < ? AND (closed_at IS NULL OR closed_at >= ?) ORDER BY id",
                 {to, from});
}

std::int64_t DealRepository::count() const {
    return db_.scalar("SELECT count(*) FROM deals").value_or(0);
}

bool QuotaRepository::set(const Quota& q, std::int64_t now_ms) {
    const std::string subject =
        q.person_id ? "person:" + std::to_string(*q.person_id) : "team:" + q.team;
    const bool existed = db_.scalar("SELECT count(*) FROM quotas WHERE subject = ? AND period = ?",
                                    {subject, q.period})
                             .value_or(0) > 0;
    db_.execute(
        "INSERT INTO quotas (subject, person_id, team, period, starts_at, ends_at, revenue, "
        "profit, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (subject, period) DO "
        "UPDATE SET revenue = coalesce(excluded.revenue, quotas.revenue), profit = "
        "coalesce(excluded.profit, quotas.profit), updated_at = excluded.updated_at",
        {subject, nullable(q.person_id), q.person_id ? Value(nullptr) : Value(q.team), q.period,
         q.starts_at, q.ends_at, optional_real(q.revenue), optional_real(q.profit), now_ms});
    return !existed;
}

std::vector<Quota> QuotaRepository::overlapping(std::int64_t from, std::int64_t to) const {
    std::vector<Quota> out;
    db_.query(
        "SELECT id, person_id, coalesce(team, ''), period, starts_at, ends_at, revenue, profit "
        "FROM quotas WHERE starts_at < ? AND ends_at > ? ORDER BY id",
        {to, from}, [&](const Row& row) {
            Quota q;
            q.id = row.integer(0);
            q.person_id = row.optional_integer(1);
            q.team = row.text(2);
            q.period = row.text(3);
            q.starts_at = row.integer(4);
            q.ends_at = row.integer(5);
            if (!row.is_null(6)) q.revenue = row.real(6);
            if (!row.is_null(7)) q.profit = row.real(7);
            out.push_back(q);
        });
    return out;
}

namespace {
const char* const campaign_columns =
    "SELECT id, name, name_key, cost, starts_on, ends_on, starts_at, ends_at, segment, "
    "created_by, created_at FROM campaigns ";

Campaign campaign_from(const Row& row) {
    Campaign c;
    c.id = row.integer(0);
    c.name = row.text(1);
    c.name_key = row.text(2);
    c.cost = row.real(3);
    c.starts_on = row.text(4);
    c.ends_on = row.text(5);
    c.starts_at = row.integer(6);
    c.ends_at = row.integer(7);
    c.segment = row.text(8);
    c.created_by = row.optional_integer(9);
    c.created_at = row.integer(10);
    return c;
}
}  // namespace

std::int64_t CampaignRepository::create(const Campaign& c) {
    return db_.insert(
        "INSERT INTO campaigns (name, name_key, cost, starts_on, ends_on, starts_at, ends_at, "
        "segment, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {c.name, c.name_key, c.cost, c.starts_on, c.ends_on, c.starts_at, c.ends_at, c.segment,
         nullable(c.created_by), c.created_at});
}

std::optional<Campaign> CampaignRepository::find_by_key(const std::string& key) const {
    std::optional<Campaign> out;
    db_.query(std::string(campaign_columns) + "WHERE name_key = ?", {key},
              [&](const Row& row) { out = campaign_from(row); });
    return out;
}

std::vector<Campaign> CampaignRepository::all() const {
    std::vector<Campaign> out;
    db_.query(std::string(campaign_columns) + "ORDER BY id", {},
              [&](const Row& row) { out.push_back(campaign_from(row)); });
    return out;
}

bool CampaignRepository::touch(const CampaignTouch& t) {
    return db_.execute(
               "INSERT INTO campaign_touches (campaign_id, customer_id, at) VALUES "
               "(?, ?, ?) ON CONFLICT DO NOTHING",
               {t.campaign_id, t.customer_id, t.at}) > 0;
}

std::vector<CampaignTouch> CampaignRepository::touches() const {
    std::vector<CampaignTouch> out;
    db_.query("SELECT campaign_id, customer_id, at FROM campaign_touches ORDER BY at", {},
              [&](const Row& row) {
                  out.push_back({row.integer(0), row.integer(1), row.integer(2)});
              });
    return out;
}

void ChannelMessageLog::record(const ChannelMessage& m) {
    db_.execute(
        "INSERT INTO channel_messages (connector, channel, event_id, person_id, "
        "user_id, text, at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        {m.connector, m.channel, m.event_id, nullable(m.person_id), m.user_id, m.text, m.at});
}

namespace {
ChannelMessage message_from(const Row& row) {
    ChannelMessage m;
    m.connector = row.text(0);
    m.channel = row.text(1);
    m.event_id = row.text(2);
    m.person_id = row.optional_integer(3);
    m.user_id = row.text(4);
    m.text = row.text(5);
    m.at = row.integer(6);
    return m;
}
}  // namespace

std::vector<ChannelMessage> ChannelMessageLog::between(const std::string& connector,
                                                       const std::string& channel,
                                                       std::int64_t from, std::int64_t to) const {
    std::vector<ChannelMessage> out;
    db_.query(
        "SELECT connector, channel, event_id, person_id, user_id, text, at FROM channel_messages "
        "WHERE connector = ? AND channel = ? AND at >= ? AND at < ? ORDER BY at, id",
        {connector, channel, from, to}, [&](const Row& row) { out.push_back(message_from(row)); });
    return out;
}

std::vector<ChannelMessage> ChannelMessageLog::containing(const std::string& needle,
                                                          std::int64_t from,
                                                          std::int64_t to) const {
    std::vector<ChannelMessage> out;
    db_.query(
        "SELECT connector, channel, event_id, person_id, user_id, text, at FROM channel_messages "
        "WHERE at >= ? AND at < ? AND instr(lower(text), ?) > 0 ORDER BY at, id",
        {from, to, needle}, [&](const Row& row) { out.push_back(message_from(row)); });
    return out;
}

PersonDataPart person_data() {
    PersonDataPart part;
    part.exports = {
        {"deals",
         "SELECT id, external_id, customer_text, stage, amount, currency, company_amount, margin, "
         "reason, created_at, closed_at, source FROM deals WHERE owner_id = ?1 ORDER BY id"},
        {"quotas",
         "SELECT period, starts_at, ends_at, revenue, profit FROM quotas WHERE person_id = ?1 "
         "ORDER BY id"},
        {"campaigns",
         "SELECT id, name, cost, starts_on, ends_on, segment, created_at FROM campaigns "
         "WHERE created_by = ?1 ORDER BY id"},
        {"channel_messages",
         "SELECT connector, channel, text, at FROM channel_messages WHERE person_id = ?1 "
         "OR (connector, user_id) IN (SELECT connector, user_id FROM identities "
         "                            WHERE person_id = ?1) ORDER BY at, id"},
    };
    // Run while the person's identities are still there (PersonDataPart::deletes).
    part.deletes = {
        "DELETE FROM channel_messages WHERE person_id = ?1 OR (connector, user_id) IN "
        "(SELECT connector, user_id FROM identities WHERE person_id = ?1)",
    };
    part.scrubs = {
        "UPDATE channel_messages SET text = replace(text, ?1, ?2) WHERE instr(text, ?1) > 0",
        "UPDATE deals SET reason = replace(reason, ?1, ?2) WHERE instr(reason, ?1) > 0",
        "UPDATE campaigns SET segment = replace(segment, ?1, ?2) WHERE instr(segment, ?1) > 0",
    };
    part.expiries = {{"channel_messages", "DELETE FROM channel_messages WHERE at < ?1"}};
    return part;
}

}  // namespace twintrack::store::metrics
