#include "bot/features/kit/kit.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>

#include "bot/engine.hpp"
#include "bot/features/kit/kit_stats.hpp"
#include "bot/features/kit/store/kit_store.hpp"
#include "bot/local_time.hpp"
#include "bot/report_follow_up.hpp"
#include "bot/turn.hpp"
#include "core/base64.hpp"
#include "core/text.hpp"

namespace twintrack::bot::kit {
namespace {

using nlohmann::json;
using store::kit::KitItem;
using KitTable = store::kit::KitRepository;

const std::size_t max_title_bytes = 200;
const std::size_t max_tag_bytes = 60;
const std::size_t max_tags = 20;
const std::size_t max_found = 10;
const std::size_t max_offered = 3;
const std::int64_t stats_days = 30;

std::int64_t now_ms(const Turn& turn) { return core::to_millis(turn.now()); }

const KitSettings& settings_of(Turn& turn) {
    return turn.engine().settings().features.get<KitSettings>();
}

void usage(Turn& turn, const std::string& command) {
    const CommandText* t = turn.engine().prompts().command(turn.locale(), command);
    turn.reply("core.usage", {{"usage", t ? t->usage : command},
                              {"example", t ? t->example : std::string()},
                              {"has_example", t != nullptr && !t->example.empty()}});
}

/// Marketing, managers and admins look after the kit (add, gaps, stats).
bool curates(const Person& p) {
    return p.department == "marketing" || p.role == "manager" || p.role == "admin";
}

std::string clip(const std::string& text, std::size_t bytes = 80) {
    return std::string(core::utf8_prefix(text, bytes));
}

std::string local_day(Turn& turn, std::int64_t at_ms) {
    const Person* p = turn.person();
    const std::string zone = p != nullptr && !p->timezone.empty()
                                 ? p->timezone
                                 : turn.engine().settings().company_timezone;
    return format_local(core::from_millis(at_ms), zone).substr(0, 10);
}

std::string size_text(std::int64_t bytes) {
    if (bytes < 1024 * 1024) return std::to_string((bytes + 1023) / 1024) + " KB";
    const double mb = static_cast<double>(bytes) / (1024.0 * 1024.0);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f MB", mb);
    return buf;
}

json item_data(Turn& turn, const KitItem& item) {
    return {{"id", item.id},
            {"title", item.title},
            {"lang", item.lang},
            {"tags", turn.list_data(item.tags)},
            {"has_tags", !item.tags.empty()},
            {"useful", item.useful},
            {"has_useful", item.useful > 0},
            {"is_link", item.file_name.empty()},
            {"url", item.url},
            {"is_file", !item.file_name.empty()},
            {"file", item.file_name},
            {"size", size_text(item.file_size)}};
}

// --- kit add ----------------------------------------------------------------------------

/// What `kit add "TITLE" [tags...] [lang=en|zh-CN] [URL]` says. Kept in one function so
/// that it can move to a declared argument parser.
struct AddArgs {
    bool has_title = false;
    std::string title;
    std::vector<std::string> tags;
    std::string lang;      ///< "en" or "zh-CN"; empty: the writer's
    std::string bad_lang;  ///< a lang= value not understood
    std::string url;       ///< the last word that looks like a link
};

AddArgs parse_add(Turn& turn, const CommandArgs& args) {
    AddArgs out;
    const std::string rest(core::trim(args.rest));
    // The title is quoted ("..." or “...”), so a one-word title is not taken for a tag.
    out.has_title = !args.words.empty() && (rest.rfind('"', 0) == 0 || rest.rfind("“", 0) == 0);
    if (!out.has_title) return out;
    out.title = clip(std::string(core::trim(args.parsed.word("title"))), max_title_bytes);
    out.has_title = !out.title.empty();
    // Declared: "TITLE" [TAGS... URL] [lang=LANG].
    if (args.parsed.has("lang")) {
        const std::string value = args.parsed.word("lang");
        // A locale's code or name (en, zh-CN, zh, 中文, english), as `language` takes.
        out.lang = turn.engine().prompts().locale_named(value);
        if (out.lang.empty()) out.bad_lang = clip(value, 32);
    }
    for (const std::string& w : core::split_words(args.parsed.word("tags"))) {
        if (w.find("://") != std::string::npos || core::ascii_lower(w).rfind("www.", 0) == 0) {
            out.url = w;
            continue;
        }
        std::string tag = normalise(w.front() == '#' ? w.substr(1) : w);
        tag = clip(tag, max_tag_bytes);
        if (!tag.empty() && out.tags.size() < max_tags &&
            std::find(out.tags.begin(), out.tags.end(), tag) == out.tags.end()) {
            out.tags.push_back(tag);
        }
    }
    return out;
}

/// Keeps an item (a link, or a file already checked), closes the gaps its tags cover,
/// audits and answers.
void keep(Turn& turn, KitItem item, const std::string& file_base64) {
    auto kit = turn.write_table<KitTable>();
    item.added_by = turn.person()->id;
    item.added_at = now_ms(turn);
    item.id = kit.add_item(item, file_base64);
    turn.audit("kit.add", {{"item", item.id},
                           {"title", item.title},
                           {"tags", item.tags},
                           {"lang", item.lang},
                           {"url", item.url},
                           {"file", item.file_name},
                           {"size", item.file_size}});
    std::vector<std::string> closed;
    for (const auto& gap : kit.open_gaps()) {
        const bool covered = std::any_of(item.tags.begin(), item.tags.end(), [&](const auto& t) {
            return tag_covers(t, gap.need_key);
        });
        if (!covered) continue;
        kit.close_gap(gap.id, item.id, item.added_at);
        turn.audit("kit.gap_close", {{"gap", gap.id}, {"need", gap.need}, {"item", item.id}});
        closed.push_back(gap.need);
    }
    json data = item_data(turn, item);
    data["closed"] = turn.list_data(closed);
    data["has_closed"] = !closed.empty();
    turn.reply("kit.added", data);
}

void add(Turn& turn, const CommandArgs& args) {
    if (!curates(*turn.person())) {
        turn.refuse("kit.add_not_allowed");
        return;
    }
    const AddArgs a = parse_add(turn, args);
    if (!a.has_title) {
        turn.reply("kit.no_title");
        return;
    }
    if (!a.bad_lang.empty()) {
        turn.reply("kit.bad_lang", {{"value", a.bad_lang}});
        return;
    }
    if (a.url.empty()) {
        turn.reply("kit.no_link");
        return;
    }
    const KitSettings& settings = settings_of(turn);
    if (const auto problem = link_problem(a.url, settings)) {
        turn.reply(*problem == "bad_type" ? "kit.bad_link_type" : "kit.bad_url",
                   {{"url", clip(a.url)}, {"types", turn.list_data(settings.types)}});
        return;
    }
    KitItem item;
    item.title = a.title;
    item.tags = a.tags;
    item.lang = a.lang.empty() ? turn.engine().prompts().normalize_locale(turn.locale()) : a.lang;
    if (item.lang != "zh-CN") item.lang = "en";
    item.url = a.url;
    keep(turn, item, "");
}

// --- kit find, kit ITEM, useful -------------------------------------------------------------

void find(Turn& turn, const CommandArgs& args) {
    // Declared: WORDS, the rest of the line.
    const std::string query = clip(args.parsed.word("query"), 200);
    const auto words =
        search_words(query, turn.engine().prompts().words_all_locales("kit.words.ignore"));
    if (query.empty()) {
        usage(turn, "kit find");
        return;
    }
    const auto items = turn.read_table<KitTable>().items();
    std::vector<Searchable> searchable;
    for (const auto& i : items) searchable.push_back({i.title, i.tags, i.useful, i.id});
    const auto order = rank(searchable, words);
    if (order.empty()) {
        turn.reply("kit.none_found", {{"query", query}});
        return;
    }
    json list = json::array();
    for (std::size_t n = 0; n < order.size() && n < max_found; ++n) {
        list.push_back(item_data(turn, items[order[n]]));
    }
    turn.reply("kit.found", {{"query", query},
                             {"count", order.size()},
                             {"items", list},
                             {"more", order.size() > max_found},
                             {"shown", std::min(order.size(), max_found)}});
}

std::string useful_subject(std::int64_t item, std::int64_t person) {
    return "kit-useful:" + std::to_string(item) + ":" + std::to_string(person);
}

void list(Turn& turn) {
    auto items = turn.read_table<KitTable>().items();
    if (items.empty()) {
        turn.reply("kit.empty");
        return;
    }
    std::reverse(items.begin(), items.end());
    json list = json::array();
    for (std::size_t n = 0; n < items.size() && n < max_found; ++n) {
        list.push_back(item_data(turn, items[n]));
    }
    turn.reply("kit.latest", {{"items", list}, {"count", items.size()}});
}

void show(Turn& turn, const CommandArgs& args) {
    // Declared: [ID].
    const auto id = args.parsed.id("id");
    if (!id) {
        list(turn);
        return;
    }
    const auto item = turn.read_table<KitTable>().item(*id);
    if (!item) {
        turn.reply("kit.not_found", {{"id", *id}});
        return;
    }
    json data = item_data(turn, *item);
    data["by"] = [&] {
        const Person* p = turn.engine().directory().by_id(item->added_by);
        return p ? p->name : "#" + std::to_string(item->added_by);
    }();
    data["date"] = local_day(turn, item->added_at);
    const Person& me = *turn.person();
    if (turn.read_table<KitTable>().marked_useful(item->id, me.id)) {
        turn.reply("kit.card", data);
    } else {
        Offer offer;
        offer.subject = useful_subject(item->id, me.id);
        offer.audience = {me.id};
        offer.choices.push_back({"kit.button.useful",
                                 {{"id", item->id}},
                                 "kit useful",
                                 std::to_string(item->id),
                                 "primary",
                                 "",
                                 "",
                                 ""});
        turn.reply("kit.card", data, offer);
    }
    if (!item->file_name.empty() && !turn.posts().empty()) {
        if (const auto stored = turn.read_table<KitTable>().file_data(item->id)) {
            if (auto bytes = core::base64_decode(*stored)) {
                turn.posts().back().attachments.push_back(
                    {item->file_name, item->file_mime, std::move(*bytes)});
            }
        }
    }
}

void useful(Turn& turn, const CommandArgs& args) {
    // Declared: ID.
    const auto id = args.parsed.id("id");
    if (!id) {
        usage(turn, "kit useful");
        return;
    }
    auto kit = turn.write_table<KitTable>();
    auto item = kit.item(*id);
    if (!item) {
        turn.reply("kit.not_found", {{"id", *id}});
        return;
    }
    const Person& me = *turn.person();
    const bool marked = kit.mark_useful(item->id, me.id, now_ms(turn));
    if (marked) {
        turn.audit("kit.useful", {{"item", item->id}});
        ++item->useful;
    }
    turn.settle(useful_subject(item->id, me.id), "kit.outcome.useful");
    turn.reply(marked ? "kit.useful_saved" : "kit.useful_already", item_data(turn, *item));
}

// --- marketing: gaps and stats --------------------------------------------------------------

void gaps(Turn& turn, const CommandArgs&) {
    if (!curates(*turn.person())) {
        turn.refuse("kit.curators_only");
        return;
    }
    const auto open = turn.read_table<KitTable>().open_gaps();
    if (open.empty()) {
        turn.reply("kit.gaps_empty");
        return;
    }
    json list = json::array();
    for (std::size_t n = 0; n < open.size() && n < 20; ++n) {
        list.push_back({{"need", open[n].need},
                        {"asked", open[n].asked},
                        {"first", local_day(turn, open[n].first_asked)},
                        {"last", local_day(turn, open[n].last_asked)}});
    }
    turn.reply("kit.gaps", {{"items", list}, {"count", open.size()}});
}

void stats(Turn& turn, const CommandArgs&) {
    if (!curates(*turn.person())) {
        turn.refuse("kit.curators_only");
        return;
    }
    const auto& kit = turn.read_table<KitTable>();
    const std::int64_t to = now_ms(turn) + 1;
    const std::int64_t from = to - stats_days * 24 * 3600 * 1000;
    const std::int64_t total = kit.needs_total(from, to);
    const std::int64_t covered = kit.needs_covered(from, to);
    json top = json::array();
    for (const auto& i : kit.most_useful(5)) top.push_back(item_data(turn, i));
    const auto open = kit.open_gaps();
    json gap_list = json::array();
    for (std::size_t n = 0; n < open.size() && n < 3; ++n) {
        gap_list.push_back({{"need", open[n].need}, {"asked", open[n].asked}});
    }
    turn.reply("kit.stats", {{"days", stats_days},
                             {"total", total},
                             {"covered", covered},
                             {"has_needs", total > 0},
                             {"share", total > 0 ? static_cast<std::int64_t>(std::lround(
                                                       100.0 * static_cast<double>(covered) /
                                                       static_cast<double>(total)))
                                                 : 0},
                             {"top", top},
                             {"has_top", !top.empty()},
                             {"gaps", open.size()},
                             {"gap_items", gap_list},
                             {"has_gaps", !open.empty()}});
}

// --- services -------------------------------------------------------------------------------

/// After a field report: the items whose tags name its competitors or cover its needs
/// (up to three, most useful first) are offered to the reporter; each need is recorded,
/// and one no item covers is counted on the gaps list.
class KitFollowUp final : public ReportFollowUp {
  public:
    void report_filed(Turn& turn, const FiledReport& report) override {
        auto kit = turn.write_table<KitTable>();
        auto items = kit.items();
        std::stable_sort(items.begin(), items.end(), [](const KitItem& a, const KitItem& b) {
            return a.useful != b.useful ? a.useful > b.useful : a.id > b.id;
        });
        std::vector<std::pair<const KitItem*, std::string>> offered;
        auto offer = [&](const KitItem& item, const std::string& why) {
            for (const auto& o : offered) {
                if (o.first->id == item.id) return;
            }
            offered.push_back({&item, why});
        };
        for (const auto& competitor : report.competitors) {
            const std::string key = normalise(competitor);
            for (const auto& item : items) {
                if (std::find(item.tags.begin(), item.tags.end(), key) != item.tags.end()) {
                    offer(item, competitor);
                }
            }
        }
        const std::int64_t now = now_ms(turn);
        for (const auto& need : report.needs) {
            const std::string key = normalise(need);
            if (key.empty()) continue;
            std::optional<std::int64_t> first;
            for (const auto& item : items) {
                const bool covers = std::any_of(item.tags.begin(), item.tags.end(),
                                                [&](const auto& t) { return tag_covers(t, key); });
                if (!covers) continue;
                if (!first) first = item.id;
                offer(item, need);
            }
            kit.record_need(report.id, key, first, now);
            if (!first) {
                kit.count_gap(key, clip(need, 200), now);
                turn.audit("kit.gap_count", {{"need", need}, {"report", report.id}});
            }
        }
        if (offered.empty()) return;
        if (offered.size() > max_offered) offered.resize(max_offered);
        json list = json::array();
        Offer buttons;
        buttons.subject = "kit-offer:" + std::to_string(report.id);
        if (turn.person() != nullptr) buttons.audience = {turn.person()->id};
        for (const auto& [item, why] : offered) {
            json data = item_data(turn, *item);
            data["why"] = why;
            list.push_back(data);
            buttons.choices.push_back({"kit.button.open",
                                       {{"id", item->id}},
                                       "kit",
                                       std::to_string(item->id),
                                       "",
                                       "",
                                       "",
                                       ""});
        }
        turn.reply("kit.offer", {{"items", list}, {"report", report.id}}, buttons);
    }
};

class EngineKitStats final : public KitStats {
  public:
    explicit EngineKitStats(Engine& engine) : engine_(engine) {}
    std::int64_t needs_reported(std::int64_t from_ms, std::int64_t to_ms) override {
        return KitTable(engine_.store().db()).needs_total(from_ms, to_ms);
    }
    std::int64_t needs_covered(std::int64_t from_ms, std::int64_t to_ms) override {
        return KitTable(engine_.store().db()).needs_covered(from_ms, to_ms);
    }
    std::int64_t open_gaps() override {
        return static_cast<std::int64_t>(KitTable(engine_.store().db()).open_gaps().size());
    }

  private:
    Engine& engine_;
};

}  // namespace

void read_config(core::SectionReader& s, FeatureSettings& settings) {
    KitSettings& kit = settings.edit<KitSettings>();
    if (auto v = s.integer("max_file_mb", 1, 1024)) kit.max_file_mb = *v;
    if (s.has("types")) {
        std::vector<std::string> types;
        for (const auto& word : s.word_list("types", "file types")) {
            std::string t = core::ascii_lower(word);
            if (!t.empty() && t.front() == '.') t.erase(0, 1);
            if (t == "jpeg") t = "jpg";
            if (mime_of(t).empty()) {
                s.error("types", "unknown file type \"" + word +
                                     "\"; known: " + core::join(known_types(), ", "));
                continue;
            }
            if (std::find(types.begin(), types.end(), t) == types.end()) types.push_back(t);
        }
        if (!types.empty()) kit.types = types;
    }
    s.finish();
}

Feature feature() {
    Feature f{
        "kit", "kit", read_config, {22}, [](Engine& engine, Services&) { register_kit(engine); }};
    f.person_data = store::kit::person_data;
    return f;
}

void register_kit(Engine& engine) {
    auto& r = engine.router();
    r.add(CommandSpec("kit add", add)
              .arg(Arg::word("title"))
              .arg(Arg::text("tags").optional())
              .option("kit.words.lang", Arg::word("lang"))
              .writes());
    r.add(CommandSpec("kit find", find).arg(Arg::note("query")));
    r.add(CommandSpec("kit useful", useful).arg(Arg::id("id")).writes());
    r.add(CommandSpec("kit gaps", gaps).no_args());
    r.add(CommandSpec("kit stats", stats).no_args());
    r.add(CommandSpec("kit", show).arg(Arg::id("id").optional()));
    engine.services().provide<ReportFollowUp>(std::make_shared<KitFollowUp>());
    engine.services().provide<KitStats>(std::make_shared<EngineKitStats>(engine));
}

}  // namespace twintrack::bot::kit
