#include "bot/features/reports/reports.hpp"

#include <date/tz.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>
#include <optional>
#include <sstream>

#include "bot/customers.hpp"
#include "bot/engine.hpp"
#include "bot/facts.hpp"
#include "bot/features/reports/extraction.hpp"
#include "bot/features/reports/report_export.hpp"
#include "bot/features/reports/report_windows.hpp"
#include "bot/features/reports/rotation.hpp"
#include "bot/features/reports/store/reports_store.hpp"
#include "bot/field_facts.hpp"
#include "bot/field_figures.hpp"
#include "bot/local_time.hpp"
#include "bot/report_follow_up.hpp"
#include "bot/report_retention.hpp"
#include "bot/report_texts.hpp"
#include "bot/turn.hpp"
#include "core/text.hpp"

namespace twintrack::bot::reports {
namespace {

/// The customers the engagements feature keeps (bot/customers.hpp); none when it is not
/// registered on this engine.
class NoCustomers final : public Customers {
  public:
    std::string key_of(const std::string& name) const override {
        return std::string(core::trim(name));
    }
    std::vector<Customer> all() const override { return {}; }
    std::optional<Customer> get(std::int64_t) const override { return std::nullopt; }
    std::optional<Customer> find(const std::string&) const override { return std::nullopt; }
    std::optional<Engagement> open_engagement(std::int64_t,
                                              std::optional<std::int64_t>) const override {
        return std::nullopt;
    }
    std::optional<Engagement> engagement(std::int64_t) const override { return std::nullopt; }
    std::vector<Engagement> engagements_of(std::int64_t) const override { return {}; }
    std::vector<Engagement> engagements() const override { return {}; }
    std::vector<std::pair<Engagement, EngagementEvent>> events_of_kind(
        const std::string&) const override {
        return {};
    }
    std::int64_t add_consultation(Turn&, const Consultation&) const override { return 0; }
};

const Customers& customers(const Engine& engine) {
    static const NoCustomers none;
    const Customers* c = engine.services().find<Customers>();
    return c != nullptr ? *c : none;
}

const Customers& customers(Turn& turn) { return customers(turn.engine()); }

using nlohmann::json;
using store::Report;
using store::ReportMention;
using ReportTable = store::reports::ReportRepository;

/// The longest report text, in characters.
const std::size_t max_report_chars = 2000;
/// The longest customer name before the colon, in characters.
const std::size_t max_customer_chars = 100;
/// How many reports a query or timeline shows.
const int list_limit = 20;
/// How far ahead a pause may go, in days.
const int max_pause_days = 366;

std::int64_t now_ms(const Turn& turn) { return core::to_millis(turn.now()); }

void usage(Turn& turn, const std::string& command) {
    const CommandText* t = turn.engine().prompts().command(turn.locale(), command);
    turn.reply("core.usage", {{"usage", t ? t->usage : command},
                              {"example", t ? t->example : std::string()},
                              {"has_example", t != nullptr && !t->example.empty()}});
}

/// True when `word` is one of the words `reports.words.<name>` of any locale.
bool is_word(Turn& turn, const std::string& name, const std::string& word) {
    return turn.engine().prompts().is_word("reports.words." + name, word);
}

/// The zone to read and show times in for `p`: theirs, else the company's.
std::string zone_of(Turn& turn, const Person* p) {
    if (p != nullptr && valid_timezone(p->timezone)) return p->timezone;
    return turn.engine().settings().company_timezone;
}

std::string person_name(Turn& turn, std::int64_t id) {
    const Person* p = turn.engine().directory().by_id(id);
    return p ? p->name : std::string("#") + std::to_string(id);
}

std::string join_local(Turn& turn, const std::vector<std::string>& parts) {
    return core::join(parts, turn.text("reports.separator"));
}

// --- dates ----------------------------------------------------------------------------

/// The instant local midnight of `day` begins in `zone`.
std::int64_t local_midnight(date::local_days day, const std::string& zone) {
    const auto* tz = zone_or_utc(zone);
    const auto sys = tz->to_sys(day, date::choose::earliest);
    return core::to_millis(std::chrono::time_point_cast<std::chrono::milliseconds>(sys));
}

date::local_days local_today(core::Timestamp now, const std::string& zone) {
    const auto* tz = zone_or_utc(zone);
    return date::floor<date::days>(tz->to_local(now));
}

// --- extraction -----------------------------------------------------------------------

ExtractionConfig config_of(const Engine& engine) {
    std::vector<KnownCustomer> known;
    for (const auto& c : customers(engine).all()) known.push_back({c.id, c.name, c.aliases});
    ExtractionConfig c =
        extraction_config(engine.settings().features.get<ReportSettings>(), std::move(known));
    c.prices = price_words(engine.prompts(), engine.settings());
    return c;
}

ExtractionConfig config_of(Turn& turn) { return config_of(turn.engine()); }

/// How qualifiers of price signals are written in the turn's language: "per seat".
std::map<std::string, std::string> per_text(Turn& turn) {
    std::map<std::string, std::string> out;
    for (const char* q : {"seat", "user", "unit", "year", "month"}) {
        out[q] = turn.text(std::string("reports.price_per_") + q);
    }
    return out;
}

/// The mentions to store: the report's own customer first, then what the text says.
std::vector<ReportMention> mentions_of(Turn& turn, const Extraction& e,
                                       const std::optional<Customer>& customer,
                                       const std::string& customer_text) {
    std::vector<ReportMention> out;
    if (customer) {
        out.push_back({"customer", customer->name, core::ascii_lower(customer->name), customer_text,
                       customer->id, std::nullopt, ""});
    }
    for (const auto& c : e.customers) {
        if (customer && c.id == customer->id) continue;
        out.push_back(
            {"customer", c.name, core::ascii_lower(c.name), c.matched, c.id, std::nullopt, ""});
    }
    for (const auto& c : e.competitors) {
        out.push_back({"competitor", c.name, core::ascii_lower(c.name), c.matched, std::nullopt,
                       std::nullopt, ""});
    }
    const auto per = per_text(turn);
    for (const auto& p : e.prices) {
        const std::string text = format_price(p, per);
        out.push_back({"price", text, text, "", std::nullopt, p.value, p.unit});
    }
    for (const auto& n : e.needs) {
        out.push_back({"need", n, core::ascii_lower(n), n, std::nullopt, std::nullopt, ""});
    }
    return out;
}

/// Lists of one kind of mention, ready to show.
std::vector<std::string> values(const std::vector<ReportMention>& mentions,
                                const std::string& kind) {
    std::vector<std::string> out;
    for (const auto& m : mentions) {
        if (m.kind != kind) continue;
        const bool same = m.matched.empty() || core::ascii_lower(m.matched) == m.value_key ||
                          kind == "need" || kind == "price";
        out.push_back(same ? m.value : m.value + " (" + m.matched + ")");
    }
    return out;
}

/// "Competitors: ... Price signals: ... Needs: ..." in the writer's locale.
std::string understood(Turn& turn, const std::vector<ReportMention>& mentions,
                       std::int64_t own_customer) {
    std::vector<std::string> customers;
    for (const auto& m : mentions) {
        if (m.kind == "customer" && m.customer_id && *m.customer_id != own_customer) {
            customers.push_back(m.value);
        }
    }
    const auto competitors = values(mentions, "competitor");
    const auto prices = values(mentions, "price");
    const auto needs = values(mentions, "need");
    const auto help = values(mentions, "help");
    const std::string text = turn.text(
        "reports.understood",
        {{"competitors", join_local(turn, competitors)},
         {"has_competitors", !competitors.empty()},
         {"prices", join_local(turn, prices)},
         {"has_prices", !prices.empty()},
         {"needs", join_local(turn, needs)},
         {"has_needs", !needs.empty()},
         {"customers", join_local(turn, customers)},
         {"has_customers", !customers.empty()},
         {"help", join_local(turn, help)},
         {"has_help", !help.empty()},
         {"nothing", competitors.empty() && prices.empty() && needs.empty() && help.empty()}});
    return std::string(core::trim(text));
}

// --- filing ---------------------------------------------------------------------------

/// Checks a report text; answers and returns false when it is empty or too long.
bool text_ok(Turn& turn, const std::string& text) {
    if (text.empty()) {
        turn.reply("reports.empty");
        return false;
    }
    const std::size_t n = core::utf8_length(text);
    if (n > max_report_chars) {
        turn.reply("reports.too_long", {{"limit", max_report_chars}, {"length", n}});
        return false;
    }
    return true;
}

/// The open engagement of a customer a report belongs to: the writer's own first.
std::optional<Engagement> engagement_for(Turn& turn, std::int64_t customer_id) {
    return customers(turn).open_engagement(
        customer_id, turn.person() ? std::optional<std::int64_t>(turn.person()->id) : std::nullopt);
}

std::string strip_quotes(std::string s) {
    for (const std::string q : {"\"", "“", "”"}) {
        if (s.compare(0, q.size(), q) == 0) s.erase(0, q.size());
        if (s.size() >= q.size() && s.compare(s.size() - q.size(), q.size(), q) == 0) {
            s.erase(s.size() - q.size());
        }
    }
    return std::string(core::trim(s));
}

/// Where CUSTOMER ends in "CUSTOMER: TEXT" (ASCII or full-width colon).
std::optional<std::pair<std::size_t, std::size_t>> colon_at(const std::string& rest) {
    const std::size_t ascii = rest.find(':');
    const std::size_t wide = rest.find("：");
    if (ascii == std::string::npos && wide == std::string::npos) return std::nullopt;
    if (wide == std::string::npos || (ascii != std::string::npos && ascii < wide)) {
        return std::make_pair(ascii, std::size_t{1});
    }
    return std::make_pair(wide, std::string("：").size());
}

std::optional<std::int64_t> parse_id(std::string word) {
    if (!word.empty() && word.front() == '#') word.erase(0, 1);
    if (word.empty() || word.size() > 15) return std::nullopt;
    for (char c : word) {
        if (c < '0' || c > '9') return std::nullopt;
    }
    return std::stoll(word);
}

void show_report(Turn& turn, std::int64_t id);

/// Each help-wanted item of a report on an engagement becomes a consult request: the
/// marketing managers are added as consultants and told. False when there is no item
/// or no marketing manager (the digest lists the item either way).
bool ask_marketing(Turn& turn, const Engagement& e, const Report& r, std::int64_t id) {
    std::vector<std::string> help;
    for (const auto& m : r.mentions) {
        if (m.kind == "help") help.push_back(m.value);
    }
    const auto managers = turn.engine().directory().managers_of("marketing");
    if (help.empty() || managers.empty()) return false;
    const std::string note = core::join(help, "; ");
    for (const Person* m : managers) {
        Consultation c;
        c.engagement_id = e.id;
        c.consultant_id = m->id;
        c.requested_by = r.author_id;
        c.note = note;
        c.requested_at = r.created_at;
        customers(turn).add_consultation(turn, c);
        turn.tell(*m, "reports.help_request",
                  {{"who", turn.person()->name},
                   {"customer", e.customer_name},
                   {"tag", e.tag},
                   {"help", note},
                   {"id", id}});
    }
    turn.audit("report.help_wanted", {{"report", id}, {"engagement", e.id}, {"help", note}});
    return true;
}

/// Up to three known customers close to `text` (containing it, or a few edits away),
/// best first, as dialog options {n, id, label}.
json customer_options(Turn& turn, const std::string& text) {
    const std::string key = customers(turn).key_of(text);
    const std::size_t limit = std::max<std::size_t>(1, core::utf8_length(key) / 3);
    std::vector<std::pair<std::size_t, const Customer*>> scored;
    const auto all = customers(turn).all();
    for (const auto& c : all) {
        std::size_t best = core::edit_distance(key, c.name_key);
        // Containment either way: "Acm" for "ACME", "ACME Asia" for "ACME".
        auto overlaps = [&key](const std::string& k) {
            return !key.empty() && core::utf8_length(k) >= 2 &&
                   (k.find(key) != std::string::npos || key.find(k) != std::string::npos);
        };
        bool contains = overlaps(c.name_key);
        for (const auto& a : c.alias_keys) {
            best = std::min(best, core::edit_distance(key, a));
            contains = contains || overlaps(a);
        }
        if (contains) best = std::min<std::size_t>(best, 1);
        if (best <= limit) scored.push_back({best, &c});
    }
    std::stable_sort(scored.begin(), scored.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    json out = json::array();
    for (const auto& [distance, c] : scored) {
        if (out.size() == 3) break;
        std::string label = c->name;
        if (!c->aliases.empty()) label += " (" + core::join(c->aliases, ", ") + ")";
        out.push_back({{"n", out.size() + 1}, {"id", c->id}, {"label", label}});
    }
    return out;
}

/// Files report `report_id` under customer `customer_id`, asks marketing for the help
/// it wants now that it has an engagement, and says so.
void link_report(Turn& turn, std::int64_t report_id, const Customer& customer) {
    const auto engagement = engagement_for(turn, customer.id);
    turn.write_table<ReportTable>().set_customer(
        report_id, customer.name, customer.id,
        engagement ? std::optional<std::int64_t>(engagement->id) : std::nullopt);
    turn.audit("report.customer", {{"report", report_id}, {"customer", customer.id}});
    bool consulted = false;
    if (engagement) {
        if (const auto r = turn.read_table<ReportTable>().get(report_id)) {
            consulted = ask_marketing(turn, *engagement, *r, report_id);
        }
    }
    turn.reply("reports.customer_linked", {{"id", report_id},
                                           {"customer", customer.name},
                                           {"tag", engagement ? engagement->tag : std::string()},
                                           {"has_tag", engagement.has_value()},
                                           {"consulted", consulted}});
}

/// After a one-line report named an unknown customer: pick a close match by number,
/// "new" to create the engagement, or skip to keep the report unlinked.
DialogSpec pick_customer_dialog() {
    DialogStep step;
    step.question = "reports.pick_customer";
    step.optional = true;
    step.accept = [](Turn& turn, json& state, const std::string& answer) {
        const std::string a(core::trim(answer));
        const auto& options = state["options"];
        if (!a.empty() && a.size() <= 2 &&
            std::all_of(a.begin(), a.end(), [](unsigned char c) { return std::isdigit(c); })) {
            const std::size_t n = std::stoul(a);
            if (n >= 1 && n <= options.size()) {
                state["picked"] = options[n - 1]["id"];
                return true;
            }
        }
        if (is_word(turn, "new", a)) {
            state["create"] = true;
            return true;
        }
        if (auto c = customers(turn).find(a)) {
            state["picked"] = c->id;
            return true;
        }
        turn.reply("reports.pick_customer_again", state);
        return false;
    };
    DialogSpec spec;
    spec.kind = "report_customer";
    spec.steps = {step};
    spec.finish = [](Turn& turn, json& state) {
        const std::int64_t report_id = state.value("id", 0LL);
        const std::string name = state.value("customer", "");
        if (state.contains("picked")) {
            if (auto c = customers(turn).get(state["picked"].get<std::int64_t>())) {
                link_report(turn, report_id, *c);
            }
        } else if (state.value("create", false)) {
            turn.engine().router().dispatch(turn, "engagement new " + name);
            if (auto c = customers(turn).find(name)) {
                link_report(turn, report_id, *c);
            }
        } else {
            turn.reply("reports.customer_left", {{"id", report_id}, {"customer", name}});
        }
    };
    // Answers are a number, "new" or a known customer's name; anything else is an
    // ordinary command, so the question never stands in anyone's way.
    spec.is_answer = [](Turn& turn, const json&, const std::string& text) {
        const std::string a(core::trim(text));
        if (!a.empty() && a.size() <= 2 &&
            std::all_of(a.begin(), a.end(), [](unsigned char c) { return std::isdigit(c); })) {
            return true;
        }
        if (is_word(turn, "new", a)) return true;
        return customers(turn).find(a).has_value();
    };
    spec.quiet_timeout = true;
    // The close matches, "New customer" and "Skip" as buttons, each the typed answer.
    spec.choices = [](Turn& turn, int, const json& state) {
        std::vector<Choice> out;
        for (const auto& o : state.value("options", json::array())) {
            Choice c;
            c.label = "reports.button.customer";
            c.data = {{"customer", o.value("label", "")}};
            c.args = std::to_string(o.value("n", 0));
            out.push_back(std::move(c));
        }
        Choice create;
        create.label = "reports.button.new_customer";
        create.data = {{"customer", state.value("customer", "")}};
        create.args = turn.text("reports.typed_new");
        create.style = "primary";
        out.push_back(std::move(create));
        Choice skip;
        skip.label = "reports.button.skip";
        skip.args = turn.text("reports.typed_skip");
        out.push_back(std::move(skip));
        return out;
    };
    return spec;
}

/// Saves a report (committed with the turn) and says "saved #id" with what was understood.
/// `extra` are facts the dialog knows without extraction (needs, help wanted).
void save_report(Turn& turn, const std::string& customer_text, const std::string& text,
                 const std::string& source, const json& answers,
                 const std::vector<ReportMention>& extra) {
    std::optional<Customer> customer;
    if (!customers(turn).key_of(customer_text).empty()) {
        customer = customers(turn).find(customer_text);
    }
    std::optional<Engagement> engagement;
    if (customer) engagement = engagement_for(turn, customer->id);

    Report r;
    r.author_id = turn.person()->id;
    r.customer_text = customer ? customer->name : customer_text;
    if (customer) r.customer_id = customer->id;
    if (engagement) r.engagement_id = engagement->id;
    r.source = source;
    r.created_at = now_ms(turn);
    r.text = text;
    r.tags = report_tags(turn);
    r.mentions = mentions_of(turn, extract(text, config_of(turn)), customer, customer_text);
    for (const auto& m : extra) {
        const bool known = std::any_of(r.mentions.begin(), r.mentions.end(), [&](const auto& o) {
            return o.kind == m.kind && o.value_key == m.value_key;
        });
        if (!known) r.mentions.push_back(m);
    }
    const std::int64_t id = turn.write_table<ReportTable>().create(r, answers.dump());
    turn.audit("report.create", {{"report", id}, {"customer", customer_text}, {"source", source}});
    const bool consulted = engagement && ask_marketing(turn, *engagement, r, id);
    turn.reply("reports.saved",
               {{"id", id},
                {"customer", r.customer_text},
                {"has_customer", !r.customer_text.empty()},
                {"unknown", !customer && !customer_text.empty()},
                {"tag", engagement ? engagement->tag : std::string()},
                {"has_tag", engagement.has_value()},
                {"understood", understood(turn, r.mentions, customer ? customer->id : 0)},
                {"rotation", !r.tags.empty()},
                {"consulted", consulted}});
    if (auto* follow_up = turn.engine().services().find<ReportFollowUp>()) {
        FiledReport filed{id, {}, {}};
        for (const auto& m : r.mentions) {
            if (m.kind == "competitor") filed.competitors.push_back(m.value);
            if (m.kind == "need") filed.needs.push_back(m.value);
        }
        follow_up->report_filed(turn, filed);
    }
    if (!customer && !customer_text.empty() && source == "line") {
        const json options = customer_options(turn, customer_text);
        turn.engine().dialogs().start(turn, "report_customer",
                                      {{"id", id},
                                       {"customer", r.customer_text},
                                       {"options", options},
                                       {"has_options", !options.empty()}});
    }
}

void file_report(Turn& turn, const CommandArgs& args) {
    if (args.words.empty()) {
        turn.engine().dialogs().start(turn, "report", json::object());
        return;
    }
    if (args.words.size() == 1) {
        if (auto id = parse_id(args.words[0])) {
            show_report(turn, *id);
            return;
        }
    }
    const auto colon = colon_at(args.rest);
    if (!colon) {
        turn.reply("reports.needs_customer");
        return;
    }
    const std::string customer_text = strip_quotes(args.rest.substr(0, colon->first));
    const std::string text(core::trim(args.rest.substr(colon->first + colon->second)));
    // A very long "customer" is text whose colon came later: the customer was left out.
    if (customers(turn).key_of(customer_text).empty() ||
        core::utf8_length(customer_text) > max_customer_chars) {
        turn.reply("reports.needs_customer");
        return;
    }
    if (!text_ok(turn, text)) return;
    save_report(turn, customer_text, text, "line", json::object(), {});
}

void show_report(Turn& turn, std::int64_t id) {
    const auto r = turn.read_table<ReportTable>().get(id);
    if (!r) {
        turn.reply("reports.not_found", {{"id", id}});
        return;
    }
    const std::string zone = zone_of(turn, turn.person());
    std::string tag;
    if (r->engagement_id) {
        if (auto e = customers(turn).engagement(*r->engagement_id)) tag = e->tag;
    }
    json history = json::array();
    const auto versions = turn.read_table<ReportTable>().versions(id);
    for (const auto& v : versions) {
        history.push_back({{"version", v.version},
                           {"at", format_local(core::from_millis(v.created_at), zone)},
                           {"who", v.edited_by ? person_name(turn, *v.edited_by) : std::string()},
                           {"text", v.text}});
    }
    turn.reply("reports.card",
               {{"id", r->id},
                {"customer", r->customer_text},
                {"has_customer", !r->customer_text.empty()},
                {"tag", tag},
                {"has_tag", !tag.empty()},
                {"who", person_name(turn, r->author_id)},
                {"at", format_local(core::from_millis(r->created_at), zone)},
                {"zone", zone},
                {"version", r->version},
                {"text", r->text},
                {"understood", understood(turn, r->mentions, r->customer_id.value_or(0))},
                {"edited", versions.size() > 1},
                {"rotation", r->tags.find("rotation") != std::string::npos},
                {"history", history}});
}

void edit_report(Turn& turn, const CommandArgs& args) {
    // Declared: ID TEXT (the text as typed).
    const auto id = args.parsed.id("id");
    if (!id) {
        usage(turn, "report edit");
        return;
    }
    const auto r = turn.read_table<ReportTable>().get(*id);
    if (!r) {
        turn.reply("reports.not_found", {{"id", *id}});
        return;
    }
    if (r->author_id != turn.person()->id) {
        turn.reply("reports.not_author", {{"id", *id}, {"who", person_name(turn, r->author_id)}});
        return;
    }
    const std::string text(core::trim(args.parsed.word("text")));
    if (!text_ok(turn, text)) return;
    std::optional<Customer> customer;
    if (r->customer_id) customer = customers(turn).get(*r->customer_id);
    const auto mentions =
        mentions_of(turn, extract(text, config_of(turn)), customer, r->customer_text);
    const int version = turn.write_table<ReportTable>().add_version(
        *id, text, "{}", turn.person()->id, now_ms(turn), mentions);
    turn.audit("report.edit", {{"report", *id}, {"version", version}});
    turn.reply("reports.edited",
               {{"id", *id},
                {"version", version},
                {"understood", understood(turn, mentions, r->customer_id.value_or(0))}});
}

void pause_reports(Turn& turn, const CommandArgs& args) {
    // Declared: [until] DATE.
    const auto ymd = args.parsed.date("until");
    if (!ymd) {
        usage(turn, "report pause");
        return;
    }
    // Kept and shown as YYYY-MM-DD, however it was written (12月31日, tomorrow).
    std::ostringstream written;
    written << *ymd;
    const std::vector<std::string> words = {written.str()};
    const std::string zone = zone_of(turn, turn.person());
    const date::local_days day{*ymd};
    const date::local_days today = local_today(turn.now(), zone);
    if (day < today) {
        turn.reply("reports.pause_past", {{"date", words[0]}});
        return;
    }
    if (day - today > date::days(max_pause_days)) {
        turn.reply("reports.pause_too_far", {{"date", words[0]}, {"days", max_pause_days}});
        return;
    }
    store::reports::ReportPause p;
    p.person_id = turn.person()->id;
    p.until_date = words[0];
    p.until_at = local_midnight(day + date::days(1), zone);
    turn.write_table<ReportTable>().set_pause(p, now_ms(turn));
    turn.audit("report.pause", {{"until", words[0]}, {"zone", zone}});
    turn.reply("reports.paused", {{"date", words[0]},
                                  {"zone", zone},
                                  {"resume", format_local(core::from_millis(p.until_at), zone)}});
}

// --- queries --------------------------------------------------------------------------

json report_item(Turn& turn, const Report& r, const std::string& zone) {
    std::vector<std::string> customers;
    if (!r.customer_id && !r.customer_text.empty()) customers.push_back(r.customer_text);
    for (const auto& m : r.mentions) {
        if (m.kind == "customer") customers.push_back(m.value);
    }
    const auto competitors = values(r.mentions, "competitor");
    std::vector<std::string> prices;
    for (const auto& p : price_signals_of(r)) prices.push_back(p.text);
    const auto needs = values(r.mentions, "need");
    std::string text(core::utf8_prefix(r.text, 160));
    if (text.size() < r.text.size()) text += "…";
    return {{"id", r.id},
            {"at", format_local(core::from_millis(r.created_at), zone)},
            {"who", person_name(turn, r.author_id)},
            {"customer", r.customer_text},
            {"has_customer", !r.customer_text.empty()},
            {"customers", join_local(turn, customers)},
            {"competitors", join_local(turn, competitors)},
            {"has_competitors", !competitors.empty()},
            {"prices", join_local(turn, prices)},
            {"has_prices", !prices.empty()},
            {"needs", join_local(turn, needs)},
            {"has_needs", !needs.empty()},
            {"edited", r.version > 1},
            {"rotation", r.tags.find("rotation") != std::string::npos},
            {"text", text}};
}

void list_reports(Turn& turn, const CommandArgs& args) {
    const std::string zone = zone_of(turn, turn.person());
    store::ReportFilter f;
    f.limit = list_limit;
    json period = nullptr;
    // Declared: [since DATE] [by @PERSON] [customer CUSTOMER] [competitor NAME] [week], the
    // key words in any order; `week` may also end a customer's or competitor's name.
    bool week = false;
    if (args.parsed.has("week")) {
        if (!is_word(turn, "week", args.parsed.word("week"))) {
            usage(turn, "reports");
            return;
        }
        week = true;
    }
    auto name_of = [&](const std::string& arg) {
        std::vector<std::string> words = core::split_words(args.parsed.word(arg));
        while (!words.empty() && is_word(turn, "week", words.back())) {
            words.pop_back();
            week = true;
        }
        return strip_quotes(core::join(words, " "));
    };
    if (args.parsed.has("customer")) {
        const std::string name = name_of("customer");
        if (customers(turn).key_of(name).empty()) {
            usage(turn, "reports");
            return;
        }
        if (auto c = customers(turn).find(name)) {
            f.customer_id = c->id;
        } else {
            f.customer_text = core::ascii_lower(name);
        }
    }
    if (args.parsed.has("competitor")) {
        const std::string name = name_of("competitor");
        if (name.empty()) {
            usage(turn, "reports");
            return;
        }
        f.competitor_key = core::ascii_lower(competitor_name(name, config_of(turn)));
    }
    if (const Person* p = args.parsed.person("by")) f.author_id = p->id;
    if (week) {
        const date::local_days today = local_today(turn.now(), zone);
        const date::local_days monday = today - (date::weekday{today} - date::Monday);
        f.since_ms = local_midnight(monday, zone);
        f.until_ms = local_midnight(monday + date::days(7), zone);
    }
    if (const auto since = args.parsed.date("since")) {
        f.since_ms = local_midnight(date::local_days{*since}, zone);
    }
    const auto found = turn.read_table<ReportTable>().find(f);
    if (found.empty()) {
        turn.reply("reports.list_empty");
        return;
    }
    json items = json::array();
    for (const auto& r : found) items.push_back(report_item(turn, r, zone));
    const std::int64_t total = turn.read_table<ReportTable>().count(f);
    turn.reply(
        "reports.list",
        {{"count", total},
         {"shown", items.size()},
         {"more", total > static_cast<std::int64_t>(items.size())},
         {"since", f.since_ms ? format_local(core::from_millis(*f.since_ms), zone) : std::string()},
         {"has_since", f.since_ms.has_value()},
         {"zone", zone},
         {"items", items}});
}

void intel(Turn& turn, const CommandArgs& args) {
    // Declared: COMPETITOR, the rest of the line (quotes around it are dropped).
    const std::string asked = strip_quotes(args.parsed.word("competitor"));
    if (asked.empty()) {
        usage(turn, "intel");
        return;
    }
    const std::string zone = zone_of(turn, turn.person());
    const std::string name = competitor_name(asked, config_of(turn));
    store::ReportFilter f;
    f.limit = list_limit;
    f.competitor_key = core::ascii_lower(name);
    auto found = turn.read_table<ReportTable>().find(f);
    if (found.empty()) {
        turn.reply("reports.intel_empty", {{"competitor", name}});
        return;
    }
    std::reverse(found.begin(), found.end());  // a timeline: oldest first
    json items = json::array();
    for (const auto& r : found) items.push_back(report_item(turn, r, zone));
    const std::int64_t total = turn.read_table<ReportTable>().count(f);
    turn.reply("reports.intel", {{"competitor", name},
                                 {"count", total},
                                 {"shown", items.size()},
                                 {"more", total > static_cast<std::int64_t>(items.size())},
                                 {"zone", zone},
                                 {"items", items}});
}

// --- the report dialog ----------------------------------------------------------------

/// The dialog's questions, in order: the state key each answer is kept under.
const std::vector<std::string>& questions() {
    static const std::vector<std::string> q = {"customers", "stages", "competitors", "needs",
                                               "help"};
    return q;
}

/// The items of an answer: split at commas, semicolons and 、.
std::vector<std::string> items_of(const std::string& answer) {
    std::string s = answer;
    for (const std::string sep : {"，", "、", "；", ";"}) {
        for (std::size_t at = s.find(sep); at != std::string::npos; at = s.find(sep, at)) {
            s.replace(at, sep.size(), ",");
        }
    }
    std::vector<std::string> out;
    std::size_t from = 0;
    while (from <= s.size()) {
        const std::size_t to = std::min(s.find(',', from), s.size());
        const std::string item = strip_quotes(s.substr(from, to - from));
        if (!item.empty()) out.push_back(std::string(core::utf8_prefix(item, 200)));
        from = to + 1;
    }
    return out;
}

bool accept_answer(Turn& turn, json& state, const std::string& key, const std::string& answer) {
    const std::string text(core::trim(answer));
    if (text.empty()) {
        turn.reply("reports.answer_empty");
        return false;
    }
    if (core::utf8_length(text) > max_report_chars) {
        turn.reply("reports.too_long",
                   {{"limit", max_report_chars}, {"length", core::utf8_length(text)}});
        return false;
    }
    state[key] = text;
    return true;
}

/// Saves what the dialog was told: a labelled line per answer; the first customer named
/// is the report's customer; each need and the help wanted are kept as facts.
void finish_dialog(Turn& turn, json& state) {
    std::vector<std::string> lines;
    json answers = json::object();
    for (const auto& key : questions()) {
        if (!state.contains(key) || !state[key].is_string()) continue;
        answers[key] = state[key];
        lines.push_back(turn.text("reports.label_" + key) + state[key].get<std::string>());
    }
    if (lines.empty()) {
        turn.reply("reports.dialog_nothing");
        return;
    }
    std::string customer;
    if (answers.contains("customers")) {
        const auto names = items_of(answers["customers"].get<std::string>());
        if (!names.empty()) customer = names.front();
    }
    std::vector<ReportMention> extra;
    if (answers.contains("needs")) {
        // Each need named, unless extraction already finds one in it (a keyword or tag).
        const ExtractionConfig config = config_of(turn);
        for (const auto& n : items_of(answers["needs"].get<std::string>())) {
            if (!extract(n, config).needs.empty()) continue;
            extra.push_back({"need", n, core::ascii_lower(n), n, std::nullopt, std::nullopt, ""});
        }
    }
    if (answers.contains("help")) {
        const std::string h = answers["help"].get<std::string>();
        extra.push_back({"help", h, core::ascii_lower(h), h, std::nullopt, std::nullopt, ""});
    }
    save_report(turn, customer, core::join(lines, "\n"), "dialog", answers, extra);
}

DialogSpec report_dialog() {
    DialogSpec spec;
    spec.kind = "report";
    for (const auto& key : questions()) {
        spec.steps.push_back(
            {"reports.ask_" + key, true, [key](Turn& turn, json& state, const std::string& a) {
                 return accept_answer(turn, state, key, a);
             }});
    }
    spec.finish = finish_dialog;
    return spec;
}

/// "Sales, Fri 15:00 to Mon 10:00 ..." for every configured report window, in the
/// reader's words: `report_window` of `rules`.
void rules_data(Turn& turn, json& data) {
    std::vector<std::string> parts;
    auto at = [&](unsigned weekday, int minute) {
        char hhmm[16];
        std::snprintf(hhmm, sizeof hhmm, "%02d:%02d", minute / 60, minute % 60);
        return turn.text("core.weekday." + std::to_string(weekday)) + " " + hhmm;
    };
    for (const auto& w : turn.engine().settings().features.get<ReportSettings>().windows) {
        parts.push_back(turn.text("core.report_window",
                                  {{"department", turn.text("core.department." + w.department)},
                                   {"opens", at(w.open_weekday, w.open_minute)},
                                   {"closes", at(w.close_weekday, w.close_minute)}}));
    }
    data["report_window"] = core::join(parts, turn.text("core.list_separator"));
}

/// Reports about a customer in a period, for features that weigh facts (rules).
class EngineReportFacts final : public ReportFacts {
  public:
    std::vector<CustomerReport> reports_about(Turn& turn, std::int64_t customer_id,
                                              std::int64_t from_ms, std::int64_t to_ms) override {
        store::ReportFilter filter;
        filter.customer_id = customer_id;
        filter.since_ms = from_ms;
        filter.until_ms = to_ms;
        filter.limit = 500;
        std::vector<CustomerReport> out;
        for (const auto& r : turn.read_table<ReportTable>().find(filter)) {
            out.push_back({r.id, r.author_id, r.created_at, r.text});
        }
        return out;
    }
};

/// The facts of each report for other features (the 3-1-3 plan).
class StoredFieldFacts final : public FieldFacts {
  public:
    explicit StoredFieldFacts(store::Database& db) : db_(db) {}
    std::vector<FieldFact> filed_between(std::int64_t from_ms, std::int64_t to_ms) override {
        store::ReportFilter f;
        f.since_ms = from_ms;
        f.until_ms = to_ms;
        return matching(f);
    }
    std::vector<FieldFact> matching(store::ReportFilter filter) override {
        filter.limit = -1;
        std::vector<FieldFact> out;
        for (const auto& r : ReportTable(db_).find(filter)) out.push_back(field_fact_of(r));
        std::reverse(out.begin(), out.end());
        return out;
    }
    std::int64_t count(const store::ReportFilter& filter) override {
        return ReportTable(db_).count(filter);
    }

  private:
    store::Database& db_;
};

/// The extraction as a reader of any text, with the names it knows (ReportTexts).
class ConfiguredMentionReader final : public MentionReader {
  public:
    explicit ConfiguredMentionReader(ExtractionConfig config) : config_(std::move(config)) {
        for (const auto& c : config_.competitors) competitors_.push_back({c.name, c.aliases});
        for (const auto& c : config_.customers) customers_.push_back({c.name, c.aliases});
    }
    TextMentions read(const std::string& text) const override {
        const Extraction e = extract(text, config_);
        TextMentions out;
        for (const auto& c : e.competitors) out.competitors.push_back(c.name);
        out.needs = e.needs;
        return out;
    }
    const std::vector<KnownName>& competitors() const override { return competitors_; }
    const std::vector<KnownName>& customers() const override { return customers_; }

  private:
    ExtractionConfig config_;
    std::vector<KnownName> competitors_;
    std::vector<KnownName> customers_;
};

/// The reports' texts and the extraction for other features (the metrics' summaries).
class EngineReportTexts final : public ReportTexts {
  public:
    explicit EngineReportTexts(Engine& engine) : engine_(engine) {}
    std::vector<store::Report> filed(store::ReportFilter filter) const override {
        auto out = ReportTable(engine_.store().db()).find(filter);
        std::reverse(out.begin(), out.end());
        return out;
    }
    std::optional<store::Report> report(std::int64_t id) const override {
        return ReportTable(engine_.store().db()).get(id);
    }
    std::unique_ptr<MentionReader> mention_reader() const override {
        return std::make_unique<ConfiguredMentionReader>(config_of(engine_));
    }

  private:
    Engine& engine_;
};

/// Retention's deleting of old reports (bot/report_retention.hpp).
class EngineReportRetention final : public ReportRetention {
  public:
    int delete_filed_before(Turn& turn, std::int64_t before_ms) override {
        return turn.write_table<ReportTable>().delete_filed_before(before_ms);
    }
};

}  // namespace

Feature feature() {
    Feature f{"reports", "reports", read_config, {3, 4, 5}, [](Engine& engine, Services&) {
                  register_reports(engine);
                  engine.add_rules_source(rules_data);
                  engine.services().provide<ReportFacts>(std::make_shared<EngineReportFacts>());
              }};
    f.person_data = store::reports::person_data;
    return f;
}

std::shared_ptr<FieldFacts> field_facts_on(store::Database& db) {
    return std::make_shared<StoredFieldFacts>(db);
}

void register_reports(Engine& engine) {
    auto& r = engine.router();
    // The line is read as typed (CUSTOMER: TEXT, a customer's name may hold any word).
    r.add(CommandSpec("report", file_report).arg(Arg::verbatim("report").optional()).writes());
    r.add(CommandSpec("report edit", edit_report)
              .arg(Arg::id("id"))
              .arg(Arg::verbatim("text"))
              .writes());
    r.add(CommandSpec("report pause", pause_reports)
              .keyword("reports.words.until", Arg::date("until").optional())
              .arg(Arg::date("until"))
              .writes());
    r.add(CommandSpec("reports", list_reports)
              .keyword("reports.words.since", Arg::date("since").optional())
              .keyword("reports.words.by", Arg::person("by").optional())
              .keyword("reports.words.customer", Arg::text("customer").optional())
              .keyword("reports.words.competitor", Arg::text("competitor").optional())
              .arg(Arg::word("week").optional()));
    r.add(CommandSpec("intel", intel).arg(Arg::note("competitor")));
    engine.dialogs().add(report_dialog());
    engine.dialogs().add(pick_customer_dialog());
    register_windows(engine);
    register_rotation(engine);
    engine.services().provide<FieldFacts>(field_facts_on(engine.store().db()));
    engine.services().provide<ReportTexts>(std::make_shared<EngineReportTexts>(engine));
    engine.services().provide<ReportRetention>(std::make_shared<EngineReportRetention>());
    // GET /api/v1/reports.csv: the same file as `twintrack export reports`.
    engine.api().add(
        {"GET", "/api/v1/reports.csv", false,
         [](Turn& turn, const ApiCall&) {
             std::ostringstream csv;
             write_reports_csv(turn.read_table<ReportTable>(), turn.engine().directory(), csv);
             core::ApiResponse r;
             r.content_type = "text/csv; charset=utf-8";
             r.body = csv.str();
             r.headers.emplace_back("Content-Disposition", "attachment; filename=\"reports.csv\"");
             return r;
         }},
        "reports:read");
}

}  // namespace twintrack::bot::reports
