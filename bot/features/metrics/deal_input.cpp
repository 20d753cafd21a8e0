#include "bot/features/metrics/deal_input.hpp"

#include <date/tz.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "bot/local_time.hpp"
#include "bot/name_key.hpp"
#include "core/csv.hpp"
#include "core/numbers.hpp"
#include "core/text.hpp"

namespace twintrack::bot::metrics {
namespace {

using nlohmann::json;

using amounts::all_digits;
using amounts::local_ms;

/// The feature's own tables on the store's database (bot/features/metrics/store/).
store::metrics::DealRepository deal_table(store::Store& store) {
    return store::metrics::DealRepository(store.db());
}
store::metrics::QuotaRepository quota_table(store::Store& store) {
    return store::metrics::QuotaRepository(store.db());
}
store::metrics::CampaignRepository campaign_table(store::Store& store) {
    return store::metrics::CampaignRepository(store.db());
}

/// The customer whose name or alias matches `text`, from the engagements feature.
std::optional<Customer> known_customer(const Customers* customers, const std::string& text) {
    return customers != nullptr ? customers->find(text) : std::nullopt;
}

/// "2026-11-02T10:00:00Z" (optionally with .sss), "2026-11-02" (UTC midnight) or
/// milliseconds since the epoch.
std::optional<std::int64_t> json_time(const json& v) {
    if (v.is_number_integer()) return v.get<std::int64_t>();
    if (!v.is_string()) return std::nullopt;
    const std::string s = v.get<std::string>();
    const auto day = parse_day(s.substr(0, 10), "UTC");
    if (!day) return std::nullopt;
    if (s.size() == 10) return day;
    if (s.size() < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s.back() != 'Z') {
        return std::nullopt;
    }
    const std::string hh = s.substr(11, 2), mm = s.substr(14, 2), ss = s.substr(17, 2);
    if (!all_digits(hh) || !all_digits(mm) || !all_digits(ss)) return std::nullopt;
    const int h = std::stoi(hh), m = std::stoi(mm), sec = std::stoi(ss);
    if (h > 23 || m > 59 || sec > 60) return std::nullopt;
    std::int64_t ms = 0;
    const std::string rest = s.substr(19, s.size() - 20);
    if (!rest.empty()) {
        if (rest[0] != '.' || rest.size() < 2 || rest.size() > 4 || !all_digits(rest.substr(1))) {
            return std::nullopt;
        }
        std::string frac = rest.substr(1);
        while (frac.size() < 3) frac += '0';
        ms = std::stoi(frac);
    }
    return *day + ((h * 60LL + m) * 60 + sec) * 1000 + ms;
}

const Person* person_by_text(const Directory& directory, const std::string& text) {
    if (text.empty()) return nullptr;
    if (const Person* p = directory.by_name_or_email(text)) return p;
    const auto matches = directory.match_mention(text);
    return matches.size() == 1 ? matches.front() : nullptr;
}

/// Times a repeated update leaves out are the stored ones, so that sending the same deal
/// again (or later) changes nothing.
void keep_stored_times(store::Store& store, DealInput& in, bool created_given) {
    if (!in.external_id) return;
    const auto stored = deal_table(store).by_external(*in.external_id);
    if (!stored) return;
    if (!created_given) in.created_at = stored->created_at;
    if (!in.closed_at && stored->stage == in.stage) in.closed_at = stored->closed_at;
}

std::vector<std::string> trimmed(const std::vector<std::string>& fields) {
    std::vector<std::string> f;
    for (const auto& v : fields) f.emplace_back(core::trim(v));
    return f;
}

/// Reads the header; false (with the error recorded) when it is not `expected`.
bool check_header(core::CsvReader& csv, const std::vector<std::string>& expected,
                  const Prompts& prompts, const std::string& locale, ImportOutcome& out) {
    auto head = csv.next();
    if (!head) {
        out.errors.push_back(prompts.render(locale, "import.empty_file",
                                            {{"line", 1}, {"header", core::join(expected, ",")}}));
        return false;
    }
    std::vector<std::string> got;
    for (const auto& f : head->fields) got.push_back(core::ascii_lower(std::string(core::trim(f))));
    if (got != expected) {
        out.errors.push_back(prompts.render(locale, "import.bad_header",
                                            {{"line", head->line},
                                             {"expected", core::join(expected, ",")},
                                             {"got", core::join(head->fields, ",")}}));
        return false;
    }
    return true;
}

/// Reads every row, calling `row(line, fields)`; shape errors are recorded.
template <typename F>
void each_row(core::CsvReader& csv, std::size_t width, const Prompts& prompts,
              const std::string& locale, ImportOutcome& out, F row) {
    while (auto r = csv.next()) {
        if (r->fields.size() != width) {
            out.errors.push_back(prompts.render(
                locale, "import.field_count",
                {{"line", r->line}, {"expected", width}, {"got", r->fields.size()}}));
            continue;
        }
        bool utf8 = true;
        for (const auto& f : r->fields) utf8 = utf8 && core::valid_utf8(f);
        if (!utf8) {
            out.errors.push_back(
                prompts.render(locale, "import.invalid_utf8", {{"line", r->line}}));
            continue;
        }
        row(r->line, trimmed(r->fields));
    }
    if (!csv.error().empty()) {
        out.errors.push_back(
            prompts.render(locale, "import.unclosed_quote", {{"detail", csv.error()}}));
    }
}

}  // namespace

std::optional<double> to_company(double amount, const std::string& currency,
                                 const BotSettings& settings, Problem* problem) {
    const std::string& company = settings.rules.currency;
    if (currency.empty() || currency == company) return amount;
    const auto& rates = settings.features.get<metrics::MetricsSettings>().rates;
    auto it = rates.find(currency);
    if (it == rates.end()) {
        if (problem) *problem = {"no_rate", {{"currency", currency}, {"company", company}}};
        return std::nullopt;
    }
    return std::round(amount * it->second * 100.0) / 100.0;
}

std::optional<Problem> make_deal(const Customers* customers, const BotSettings& settings,
                                 const DealInput& in, std::int64_t now_ms,
                                 store::metrics::Deal& out) {
    if (std::string(core::trim(in.customer)).empty()) return Problem{"no_customer"};
    if (in.stage != "open" && in.stage != "won" && in.stage != "lost") {
        return Problem{"bad_stage", {{"value", in.stage}}};
    }
    if (!(in.amount >= 0) || !std::isfinite(in.amount)) {
        return Problem{"bad_amount", {{"value", std::to_string(in.amount)}}};
    }
    if (in.margin && (*in.margin < 0 || *in.margin > 1)) {
        return Problem{"bad_margin", {{"value", std::to_string(*in.margin * 100)}}};
    }
    Problem p;
    const auto company = to_company(in.amount, in.currency, settings, &p);
    if (!company) return p;
    out = store::metrics::Deal{};
    out.external_id = in.external_id;
    out.customer_text = std::string(core::trim(in.customer));
    if (auto c = known_customer(customers, out.customer_text)) {
        out.customer_id = c->id;
        out.customer_text = c->name;
        std::optional<Engagement> newest;
        for (const auto& e : customers->engagements_of(c->id)) {
            if (!e.closed) {
                out.engagement_id = e.id;
                break;
            }
            if (!newest || e.created_at > newest->created_at) newest = e;
        }
        if (!out.engagement_id && newest) out.engagement_id = newest->id;
    }
    out.stage = in.stage;
    out.amount = in.amount;
    out.currency = in.currency.empty() ? settings.rules.currency : in.currency;
    out.company_amount = *company;
    out.margin = in.margin;
    out.owner_id = in.owner_id;
    out.reason = in.reason;
    out.created_at = in.created_at ? in.created_at : now_ms;
    out.closed_at = in.closed_at;
    if (in.stage != "open" && !out.closed_at) out.closed_at = now_ms;
    if (in.stage == "open") out.closed_at.reset();
    out.source = in.source;
    out.source_updated = in.source_updated ? in.source_updated : now_ms;
    out.updated_at = now_ms;
    return std::nullopt;
}

ApiOutcome apply_deal_json(store::Store& store, const Customers* customers,
                           const Directory& directory, const BotSettings& settings,
                           const Prompts& prompts, const std::string& body, std::int64_t now_ms) {
    const std::string& locale = settings.default_locale;
    auto bad = [&](const std::string& code, const Problem& p) {
        return ApiOutcome{
            400,
            {{"error", code}, {"message", prompts.render(locale, "metrics." + p.key, p.data)}}};
    };
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return bad("bad_json", {"api_bad_json"});
    DealInput in;
    in.source = "api";
    const json& ext = j.value("external_id", json());
    if (!ext.is_string() || ext.get<std::string>().empty() || ext.get<std::string>().size() > 200) {
        return bad("bad_field", {"api_missing", {{"field", "external_id"}}});
    }
    in.external_id = ext.get<std::string>();
    if (!j.value("customer", json()).is_string()) {
        return bad("bad_field", {"api_missing", {{"field", "customer"}}});
    }
    in.customer = j["customer"].get<std::string>();
    for (const char* field : {"stage", "reason"}) {
        if (j.contains(field) && !j[field].is_string() && !j[field].is_null()) {
            return bad("bad_field", {"api_missing", {{"field", field}}});
        }
    }
    in.stage = j.contains("stage") && j["stage"].is_string()
                   ? core::ascii_lower(j["stage"].get<std::string>())
                   : std::string("open");
    const json& amount = j.value("amount", json());
    if (!amount.is_number() || amount.get<double>() < 0) {
        return bad("bad_field", {"api_missing", {{"field", "amount"}}});
    }
    in.amount = amount.get<double>();
    if (j.contains("currency")) {
        const auto c = j["currency"].is_string() ? parse_currency(j["currency"].get<std::string>())
                                                 : std::nullopt;
        if (!c) return bad("bad_field", {"api_missing", {{"field", "currency"}}});
        in.currency = *c;
    }
    if (j.contains("margin") && !j["margin"].is_null()) {
        if (!j["margin"].is_number())
            return bad("bad_field", {"api_missing", {{"field", "margin"}}});
        in.margin = j["margin"].get<double>();
    }
    if (j.contains("owner") && !j["owner"].is_null()) {
        const Person* p = j["owner"].is_string()
                              ? person_by_text(directory, j["owner"].get<std::string>())
                              : nullptr;
        if (!p) return bad("bad_field", {"unknown_owner", {{"value", j["owner"].dump()}}});
        in.owner_id = p->id;
    }
    if (j.contains("reason") && j["reason"].is_string()) in.reason = j["reason"].get<std::string>();
    for (const char* field : {"created_at", "closed_at", "updated_at"}) {
        if (!j.contains(field) || j[field].is_null()) continue;
        const auto t = json_time(j[field]);
        if (!t) return bad("bad_field", {"api_missing", {{"field", field}}});
        if (std::string(field) == "created_at") in.created_at = *t;
        if (std::string(field) == "closed_at") in.closed_at = *t;
        if (std::string(field) == "updated_at") in.source_updated = *t;
    }
    if (!in.source_updated) return bad("bad_field", {"api_missing", {{"field", "updated_at"}}});
    keep_stored_times(store, in, in.created_at != 0);
    store::metrics::Deal deal;
    if (auto p = make_deal(customers, settings, in, now_ms, deal)) {
        return bad(p->key == "no_rate" ? "no_rate" : "bad_field", *p);
    }
    std::int64_t id = 0;
    const store::metrics::DealWrite w = deal_table(store).upsert_external(deal, &id);
    static const char* const names[] = {"created", "updated", "unchanged", "stale"};
    const auto stored = deal_table(store).get(id);
    return ApiOutcome{w == store::metrics::DealWrite::created ? 201 : 200,
                      {{"status", names[static_cast<int>(w)]},
                       {"id", id},
                       {"external_id", *in.external_id},
                       {"stage", stored ? stored->stage : deal.stage},
                       {"company_amount", stored ? stored->company_amount : deal.company_amount},
                       {"currency", settings.rules.currency}}};
}

ImportOutcome import_deals_csv(std::istream& in, store::Store& store, const Customers* customers,
                               const Directory& directory, const BotSettings& settings,
                               const Prompts& prompts, const std::string& locale,
                               std::int64_t now_ms) {
    static const std::vector<std::string> header = {"external_id", "customer", "stage", "amount",
                                                    "currency",    "margin",   "owner", "created",
                                                    "closed",      "reason"};
    ImportOutcome out;
    core::CsvReader csv(in);
    if (!check_header(csv, header, prompts, locale, out)) return out;
    const std::string& zone = settings.company_timezone;
    std::vector<store::metrics::Deal> rows;
    std::map<std::string, int> seen;
    auto err = [&](int line, const Problem& p) {
        json d = p.data;
        d["line"] = line;
        d["problem"] = prompts.render(locale, "metrics." + p.key, p.data);
        out.errors.push_back(prompts.render(locale, "metrics.import_row", d));
    };
    each_row(csv, header.size(), prompts, locale, out, [&](int line, std::vector<std::string> f) {
        DealInput d;
        d.source = "csv";
        if (!f[0].empty()) {
            if (seen.count(f[0])) {
                return err(line, {"import_duplicate", {{"value", f[0]}, {"other", seen[f[0]]}}});
            }
            seen[f[0]] = line;
            d.external_id = f[0];
        }
        d.customer = f[1];
        d.stage = core::ascii_lower(f[2]);
        const auto amount = parse_amount(f[3]);
        if (!amount) return err(line, {"bad_amount", {{"value", f[3]}}});
        d.amount = *amount;
        if (!f[4].empty()) {
            const auto c = parse_currency(f[4]);
            if (!c) return err(line, {"bad_currency", {{"value", f[4]}}});
            d.currency = *c;
        }
        if (!f[5].empty()) {
            d.margin = parse_percent(f[5]);
            if (!d.margin) return err(line, {"bad_margin", {{"value", f[5]}}});
        }
        if (!f[6].empty()) {
            const Person* p = person_by_text(directory, f[6]);
            if (!p) return err(line, {"unknown_owner", {{"value", f[6]}}});
            d.owner_id = p->id;
        }
        const auto created =
            f[7].empty() ? std::optional<std::int64_t>(now_ms) : parse_day(f[7], zone);
        if (!created) return err(line, {"bad_date", {{"value", f[7]}}});
        d.created_at = *created;
        if (!f[8].empty()) {
            d.closed_at = parse_day(f[8], zone);
            if (!d.closed_at) return err(line, {"bad_date", {{"value", f[8]}}});
        }
        d.reason = f[9];
        d.source_updated = now_ms;
        keep_stored_times(store, d, !f[7].empty());
        store::metrics::Deal deal;
        if (auto p = make_deal(customers, settings, d, now_ms, deal)) return err(line, *p);
        rows.push_back(deal);
    });
    if (!out.errors.empty()) return out;
    store::Transaction tx(store.db());
    for (const auto& d : rows) {
        if (d.external_id) {
            const auto w = deal_table(store).upsert_external(d);
            if (w == store::metrics::DealWrite::created) ++out.added;
            if (w == store::metrics::DealWrite::updated) ++out.updated;
        } else {
            deal_table(store).add(d);
            ++out.added;
        }
    }
    tx.commit();
    return out;
}

ImportOutcome import_quotas_csv(std::istream& in, store::Store& store, const Directory& directory,
                                const BotSettings& settings, const Prompts& prompts,
                                const std::string& locale, std::int64_t now_ms) {
    static const std::vector<std::string> header = {"subject", "period", "revenue", "profit"};
    ImportOutcome out;
    core::CsvReader csv(in);
    if (!check_header(csv, header, prompts, locale, out)) return out;
    std::vector<store::metrics::Quota> rows;
    auto err = [&](int line, const Problem& p) {
        json d = p.data;
        d["line"] = line;
        d["problem"] = prompts.render(locale, "metrics." + p.key, p.data);
        out.errors.push_back(prompts.render(locale, "metrics.import_row", d));
    };
    each_row(csv, header.size(), prompts, locale, out, [&](int line, std::vector<std::string> f) {
        store::metrics::Quota q;
        const std::string dept = core::ascii_lower(f[0]);
        if (std::find(departments().begin(), departments().end(), dept) != departments().end()) {
            q.team = dept;
        } else if (const Person* p = person_by_text(directory, f[0])) {
            q.person_id = p->id;
        } else {
            return err(line, {"unknown_owner", {{"value", f[0]}}});
        }
        const auto period = parse_period(f[1], settings.company_timezone);
        if (!period) return err(line, {"bad_period", {{"value", f[1]}}});
        q.period = period->name;
        q.starts_at = period->starts_at;
        q.ends_at = period->ends_at;
        if (!f[2].empty()) {
            q.revenue = parse_amount(f[2]);
            if (!q.revenue) return err(line, {"bad_amount", {{"value", f[2]}}});
        }
        if (!f[3].empty()) {
            q.profit = parse_amount(f[3]);
            if (!q.profit) return err(line, {"bad_amount", {{"value", f[3]}}});
        }
        if (!q.revenue && !q.profit) return err(line, {"quota_empty"});
        rows.push_back(q);
    });
    if (!out.errors.empty()) return out;
    store::Transaction tx(store.db());
    for (const auto& q : rows) (quota_table(store).set(q, now_ms) ? out.added : out.updated)++;
    tx.commit();
    return out;
}

ImportOutcome import_campaigns_csv(std::istream& in, store::Store& store,
                                   const BotSettings& settings, const Prompts& prompts,
                                   const std::string& locale, std::int64_t now_ms) {
    static const std::vector<std::string> header = {"name", "cost", "currency",
                                                    "from", "to",   "segment"};
    ImportOutcome out;
    core::CsvReader csv(in);
    if (!check_header(csv, header, prompts, locale, out)) return out;
    std::vector<store::metrics::Campaign> rows;
    std::map<std::string, int> seen;
    auto err = [&](int line, const Problem& p) {
        json d = p.data;
        d["line"] = line;
        d["problem"] = prompts.render(locale, "metrics." + p.key, p.data);
        out.errors.push_back(prompts.render(locale, "metrics.import_row", d));
    };
    each_row(csv, header.size(), prompts, locale, out, [&](int line, std::vector<std::string> f) {
        Problem p;
        auto c = make_campaign(store, settings, f[0], f[1], f[2], f[3], f[4], &p);
        if (!c) return err(line, p);
        c->segment = f[5];
        c->created_at = now_ms;
        if (seen.count(c->name_key)) {
            return err(line, {"import_duplicate", {{"value", f[0]}, {"other", seen[c->name_key]}}});
        }
        seen[c->name_key] = line;
        rows.push_back(*c);
    });
    if (!out.errors.empty()) return out;
    store::Transaction tx(store.db());
    for (const auto& c : rows) {
        campaign_table(store).create(c);
        ++out.added;
    }
    tx.commit();
    return out;
}

std::optional<store::metrics::Campaign> make_campaign(
    store::Store& store, const BotSettings& settings, const std::string& name,
    const std::string& cost, const std::string& currency, const std::string& from,
    const std::string& to, Problem* problem) {
    const std::string& zone = settings.company_timezone;
    store::metrics::Campaign c;
    c.name = std::string(core::trim(name));
    c.name_key = bot::name_key(c.name);
    if (c.name_key.empty()) return *problem = {"no_campaign_name"}, std::nullopt;
    if (campaign_table(store).find_by_key(c.name_key)) {
        return *problem = {"campaign_exists", {{"name", c.name}}}, std::nullopt;
    }
    const auto amount = cost == "0" ? std::optional<double>(0.0) : parse_amount(cost);
    if (!amount) return *problem = {"bad_amount", {{"value", cost}}}, std::nullopt;
    std::string code;
    if (!currency.empty()) {
        const auto cur = parse_currency(currency);
        if (!cur) return *problem = {"bad_currency", {{"value", currency}}}, std::nullopt;
        code = *cur;
    }
    const auto company = to_company(*amount, code, settings, problem);
    if (!company) return std::nullopt;
    const auto start = parse_day(from, zone);
    if (!start) return *problem = {"bad_date", {{"value", from}}}, std::nullopt;
    const auto end = parse_day(to, zone);
    if (!end) return *problem = {"bad_date", {{"value", to}}}, std::nullopt;
    if (*end < *start) {
        return *problem = {"bad_range", {{"from", from}, {"to", to}}}, std::nullopt;
    }
    c.cost = *company;
    c.starts_on = from;
    c.ends_on = to;
    c.starts_at = *start;
    // The end of the last day: the next local midnight.
    const date::year_month_day ymd{date::year(std::stoi(to.substr(0, 4))),
                                   date::month(static_cast<unsigned>(std::stoi(to.substr(5, 2)))),
                                   date::day(static_cast<unsigned>(std::stoi(to.substr(8, 2))))};
    c.ends_at = local_ms(date::local_days{ymd} + date::days(1), zone);
    return c;
}

std::vector<store::metrics::Deal> open_deals_of(store::Store& store, const Customers* customers,
                                                const std::string& customer) {
    const std::string key = bot::name_key(std::string(core::trim(customer)));
    std::vector<store::metrics::Deal> out;
    std::set<std::string> keys = {key};
    if (auto c = known_customer(customers, customer)) {
        out = deal_table(store).open_of(c->id);
        keys.insert(bot::name_key(c->name));
    }
    for (auto& d : deal_table(store).open_without_customer()) {
        if (keys.count(bot::name_key(d.customer_text))) out.push_back(std::move(d));
    }
    std::stable_sort(
        out.begin(), out.end(), [](const store::metrics::Deal& a, const store::metrics::Deal& b) {
            return a.created_at != b.created_at ? a.created_at < b.created_at : a.id < b.id;
        });
    return out;
}

OpenDealMatch match_open_deal(store::Store& store, const Customers* customers,
                              const BotSettings& settings, const std::string& customer,
                              double amount, const std::string& currency,
                              std::optional<std::int64_t> deal_id) {
    OpenDealMatch m;
    const auto open = open_deals_of(store, customers, customer);
    if (deal_id) {
        for (const auto& d : open) {
            if (d.id == *deal_id) m.deal = d;
        }
        m.unknown_ref = !m.deal;
        return m;
    }
    if (open.size() == 1) {
        m.deal = open.front();
        return m;
    }
    const std::string& code = currency.empty() ? settings.rules.currency : currency;
    std::vector<store::metrics::Deal> same;
    for (const auto& d : open) {
        if (d.currency == code && std::fabs(d.amount - amount) < 0.005) same.push_back(d);
    }
    if (same.size() == 1) {
        m.deal = same.front();
    } else if (!open.empty()) {
        m.ambiguous = same.empty() ? open : same;
    }
    return m;
}

store::metrics::Deal close_open_deal(store::metrics::Deal won, const store::metrics::Deal& open,
                                     bool owner_named) {
    won.id = open.id;
    won.created_at = open.created_at;
    won.external_id = open.external_id;
    if (!won.customer_id) won.customer_text = open.customer_text;
    if (!won.engagement_id) won.engagement_id = open.engagement_id;
    if (!won.margin) won.margin = open.margin;
    if (!owner_named && open.owner_id) won.owner_id = open.owner_id;
    return won;
}

}  // namespace twintrack::bot::metrics
