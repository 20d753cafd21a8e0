#include "bot/features/tone/tone.hpp"

#include <date/tz.h>

#include <memory>
#include <optional>

#include "bot/engine.hpp"
#include "bot/features/tone/store/announcements_store.hpp"
#include "bot/features/tone/tone_guide.hpp"
#include "bot/local_time.hpp"
#include "bot/turn.hpp"
#include "core/source_dir.hpp"
#include "core/text.hpp"

namespace twintrack::bot::tone {

/// The feature's own tables (store/announcements_store.hpp), opened on a turn.
using AnnouncementTable = store::tone::AnnouncementRepository;

namespace {

using nlohmann::json;
using store::tone::Announcement;
using store::tone::AnnouncementDecision;

/// The job that posts an approved announcement at its time.
const char* const post_job = "tone.announce";
/// The longest key message or variant, in characters.
const std::size_t max_text_chars = 2000;
/// What starts a message the draft watch answers.
const std::string draft_marker = "[draft]";

using Guide = std::shared_ptr<const ToneGuide>;

std::int64_t now_ms(const Turn& turn) { return core::to_millis(turn.now()); }

void usage(Turn& turn, const std::string& command) { reply_usage(turn, command); }

/// True when `word` is one of the words `tone.words.<name>` of any locale.
bool is_word(Turn& turn, const std::string& name, const std::string& word) {
    return turn.engine().prompts().is_word("tone.words." + name, word);
}

std::string zone_of(Turn& turn, const Person* p) {
    if (p != nullptr && valid_timezone(p->timezone)) return p->timezone;
    return turn.engine().settings().company_timezone;
}

std::string person_name(Turn& turn, std::int64_t id) {
    const Person* p = turn.engine().directory().by_id(id);
    return p ? p->name : std::string("#") + std::to_string(id);
}

std::string department_text(Turn& turn, const std::string& department) {
    return turn.text("core.department." + department);
}

std::optional<std::int64_t> parse_id(const std::string& word) {
    std::string w = word;
    if (!w.empty() && w[0] == '#') w.erase(0, 1);
    if (w.empty() || w.size() > 12) return std::nullopt;
    for (char c : w) {
        if (c < '0' || c > '9') return std::nullopt;
    }
    return std::stoll(w);
}

// --- findings ---------------------------------------------------------------------------

json finding_items(Turn& turn, const std::vector<Finding>& findings, const std::string& part) {
    json items = json::array();
    for (const auto& f : findings) {
        items.push_back({{"level", turn.text(std::string("tone.level.") + level_name(f.level))},
                         {"is_error", f.level == Level::error},
                         {"message", f.message},
                         {"matched", f.matched},
                         {"suggestion", f.suggestion},
                         {"has_suggestion", !f.suggestion.empty()},
                         {"line", f.line},
                         {"rule", f.rule},
                         {"part", part.empty() ? "" : turn.text("tone.part." + part)},
                         {"has_part", !part.empty()}});
    }
    return items;
}

json check_data(Turn& turn, const ToneGuide& guide, const std::string& text) {
    const auto findings = guide.check(text);
    const std::string fixed = guide.apply_substitutions(text);
    return {{"clean", findings.empty()},
            {"count", findings.size()},
            {"findings", finding_items(turn, findings, "")},
            {"changed", fixed != text},
            {"fixed", fixed}};
}

void tone_check(Turn& turn, const CommandArgs& args, const Guide& guide) {
    // Declared: TEXT, the rest of the line as typed.
    const std::string text = args.parsed.word("text");
    if (text.empty()) return usage(turn, "tone check");
    turn.reply("tone.check", check_data(turn, *guide, text));
}

/// True when the watch covers the channel the event came from.
bool watched(const ToneSettings& settings, const core::Address& where) {
    for (const auto& c : settings.watch_channels) {
        if (c == where.channel || c == where.connector + ":" + where.channel) return true;
    }
    return false;
}

bool draft_watch(Turn& turn, const std::string& text, const Guide& guide) {
    const core::Event* event = turn.event();
    if (event == nullptr ||
        !watched(turn.engine().settings().features.get<ToneSettings>(), event->where))
        return false;
    const std::string_view t = core::trim(text);
    if (t.size() < draft_marker.size() ||
        core::ascii_lower(t.substr(0, draft_marker.size())) != draft_marker) {
        return false;
    }
    const std::string draft(core::trim(t.substr(draft_marker.size())));
    if (draft.empty()) return false;
    turn.reply("tone.check", check_data(turn, *guide, draft));
    return true;
}

// --- announcements ----------------------------------------------------------------------

/// Every finding of an announcement's three texts.
struct Lint {
    std::vector<Finding> key, marketing, sales;
    bool has_error() const {
        return tone::has_error(key) || tone::has_error(marketing) || tone::has_error(sales);
    }
    bool empty() const { return key.empty() && marketing.empty() && sales.empty(); }
};

Lint lint(const ToneGuide& guide, const Announcement& a) {
    return {guide.check(a.key_message), guide.check(a.marketing_text), guide.check(a.sales_text)};
}

json lint_items(Turn& turn, const Lint& l) {
    json items = json::array();
    for (const auto& [part, findings] :
         std::vector<std::pair<std::string, const std::vector<Finding>*>>{
             {"key", &l.key}, {"marketing", &l.marketing}, {"sales", &l.sales}}) {
        for (auto& item : finding_items(turn, *findings, part)) items.push_back(item);
    }
    return items;
}

std::string other_department(const std::string& d) {
    return d == "marketing" ? "sales" : "marketing";
}

json decisions_data(Turn& turn, const Announcement& a) {
    json items = json::array();
    const auto decisions = turn.read_table<AnnouncementTable>().decisions(a.id);
    for (const std::string& department : {a.lead, other_department(a.lead)}) {
        json item = {{"department", department_text(turn, department)},
                     {"first", items.empty()},
                     {"lead", department == a.lead},
                     {"approved", false},
                     {"changes", false},
                     {"pending", true},
                     {"who", ""},
                     {"note", ""}};
        for (const auto& d : decisions) {
            if (d.department != department) continue;
            item["approved"] = d.decision == "approved";
            item["changes"] = d.decision == "changes";
            item["pending"] = false;
            item["who"] = person_name(turn, d.person_id);
            item["note"] = d.note;
        }
        items.push_back(item);
    }
    return items;
}

json card_data(Turn& turn, const Announcement& a, const ToneGuide& guide) {
    const Lint l = lint(guide, a);
    const Person* reader = turn.person();
    const std::string zone = zone_of(turn, reader);
    return {{"id", a.id},
            {"status", turn.text("tone.status." + a.status)},
            {"lead", department_text(turn, a.lead)},
            {"author", person_name(turn, a.author_id)},
            {"campaign", a.campaign},
            {"has_campaign", !a.campaign.empty()},
            {"when", a.post_at ? format_local(core::from_millis(*a.post_at), zone) : ""},
            {"has_when", a.post_at.has_value()},
            {"zone", zone},
            {"key", a.key_message},
            {"marketing", a.marketing_text},
            {"sales", a.sales_text},
            {"version", a.version},
            {"findings", lint_items(turn, l)},
            {"has_findings", !l.empty()},
            {"blocked", l.has_error()},
            {"decisions", decisions_data(turn, a)}};
}

/// The card's data with the rendered card as `body`.
json with_body(Turn& turn, json data) {
    data["body"] = turn.text("tone.body", data);
    return data;
}

/// Loads announcement `word` or answers why not.
std::optional<Announcement> announcement_arg(Turn& turn, const std::string& word) {
    const auto id = parse_id(word);
    if (!id) {
        turn.reply("tone.bad_id", {{"word", word}});
        return std::nullopt;
    }
    auto a = turn.read_table<AnnouncementTable>().get(*id);
    if (!a) turn.reply("tone.not_found", {{"id", *id}});
    return a;
}

/// "2026-11-10 09:00" or "2026-11-10T09:00" in `zone`.
std::optional<core::Timestamp> parse_local(const std::string& text, const std::string& zone) {
    if (text.size() != 16 || text[4] != '-' || text[7] != '-' ||
        (text[10] != ' ' && text[10] != 'T') || text[13] != ':') {
        return std::nullopt;
    }
    for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15}) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
    }
    const int hour = std::stoi(text.substr(11, 2));
    const int minute = std::stoi(text.substr(14, 2));
    if (hour > 23 || minute > 59) return std::nullopt;
    const date::year_month_day ymd{date::year(std::stoi(text.substr(0, 4))),
                                   date::month(static_cast<unsigned>(std::stoi(text.substr(5, 2)))),
                                   date::day(static_cast<unsigned>(std::stoi(text.substr(8, 2))))};
    if (!ymd.ok()) return std::nullopt;
    const auto local =
        date::local_days(ymd) + std::chrono::hours(hour) + std::chrono::minutes(minute);
    const auto sys = zone_or_utc(zone)->to_sys(local, date::choose::earliest);
    return std::chrono::time_point_cast<std::chrono::milliseconds>(sys);
}

/// Posts the variants to their tracks and the key message to the joint track.
int post_announcement(Turn& turn, const Announcement& a) {
    int count = 0;
    const std::string base = std::string(post_job) + "." + std::to_string(a.id);
    const json common = {{"campaign", a.campaign}, {"has_campaign", !a.campaign.empty()}};
    for (const std::string track : {"marketing", "sales", "joint"}) {
        json data = common;
        data["text"] = track == "marketing" ? a.marketing_text
                       : track == "sales"   ? a.sales_text
                                            : a.key_message;
        const std::string key = track == "joint" ? "tone.post_key" : "tone.post_variant";
        for (const auto& c : turn.read().channel_tracks().by_track(track)) {
            turn.post({c.connector, c.channel, ""}, a.locale, key, data,
                      base + "." + c.connector + "." + c.channel);
            ++count;
        }
    }
    return count;
}

void history(Turn& turn, std::int64_t id, const std::string& action, const json& detail) {
    store::tone::AnnouncementHistoryItem item;
    item.at = now_ms(turn);
    if (turn.person()) item.person_id = turn.person()->id;
    item.action = action;
    item.detail = detail.dump();
    turn.write_table<AnnouncementTable>().add_history(id, item);
    json audit = detail;
    audit["id"] = id;
    turn.audit("announcement." + action, audit);
}

/// Both departments approved: posts now, or schedules the post for `post_at`. Returns
/// the reply's data additions.
json publish(Turn& turn, const Announcement& a, const ToneGuide& guide) {
    auto repo = turn.write_table<AnnouncementTable>();
    const std::int64_t now = now_ms(turn);
    if (a.post_at && *a.post_at > now) {
        repo.set_status(a.id, "scheduled", now);
        turn.engine().scheduler().schedule(
            turn, post_job,
            std::string(post_job) + "." + std::to_string(a.id) + ".v" + std::to_string(a.version),
            core::from_millis(*a.post_at), {{"id", a.id}, {"version", a.version}});
        history(turn, a.id, "scheduled", {{"at", *a.post_at}});
        return {
            {"scheduled", true},
            {"posted", false},
            {"when", format_local(core::from_millis(*a.post_at), zone_of(turn, turn.person()))}};
    }
    (void)guide;
    const int channels = post_announcement(turn, a);
    repo.mark_posted(a.id, now);
    history(turn, a.id, "posted", {{"channels", channels}});
    return {{"scheduled", false}, {"posted", true}, {"channels", channels}};
}

/// What a manager decides on an announcement: one decision per department and version.
std::string decision_subject(std::int64_t id, const std::string& department) {
    return "announcement:" + std::to_string(id) + ":" + department;
}

/// Approve or request changes, as buttons on the request to a manager.
Offer approval_offer(std::int64_t id, const Person& manager) {
    Offer offer;
    offer.subject = decision_subject(id, manager.department);
    offer.audience = {manager.id};
    const std::string args = std::to_string(id);
    offer.choices.push_back({"tone.button.approve", {}, "approve", args, "primary", "", "", ""});
    offer.choices.push_back(
        {"tone.button.changes", {{"id", id}}, "changes", args, "", "", "tone.ask_changes", ""});
    return offer;
}

void announce_draft(Turn& turn, const CommandArgs& args, const Guide& guide) {
    const Person* author = turn.person();
    // Declared: KEY-MESSAGE... [campaign=C] [when=T] [lead=marketing|sales].
    const std::string campaign(core::trim(args.parsed.word("campaign")));
    std::optional<core::Timestamp> when;
    std::string lead = author->department == "sales" || author->department == "marketing"
                           ? author->department
                           : "marketing";
    if (args.parsed.has("when")) {
        const std::string value = args.parsed.word("when");
        when = parse_local(std::string(core::trim(value)), zone_of(turn, author));
        if (!when) return turn.reply("tone.bad_when", {{"when", value}});
    }
    if (args.parsed.has("lead")) {
        const std::string value = args.parsed.word("lead");
        if (is_word(turn, "marketing", value)) {
            lead = "marketing";
        } else if (is_word(turn, "sales", value)) {
            lead = "sales";
        } else {
            return turn.reply("tone.bad_lead", {{"lead", value}});
        }
    }
    const std::string key = args.parsed.word("message");
    if (key.empty()) return usage(turn, "announce draft");
    if (core::utf8_length(key) > max_text_chars) {
        return turn.reply("tone.too_long", {{"limit", max_text_chars}});
    }
    if (when && *when <= turn.now()) {
        return turn.reply("tone.when_past", {{"when", format_local(*when, zone_of(turn, author))}});
    }
    const json variant_data = {
        {"key", key}, {"campaign", campaign}, {"has_campaign", !campaign.empty()}};
    Announcement a;
    a.author_id = author->id;
    a.lead = lead;
    a.key_message = key;
    a.campaign = campaign;
    a.marketing_text = std::string(core::trim(turn.text("tone.variant.marketing", variant_data)));
    a.sales_text = std::string(core::trim(turn.text("tone.variant.sales", variant_data)));
    a.locale = turn.locale();
    if (when) a.post_at = core::to_millis(*when);
    a.created_at = now_ms(turn);
    a.updated_at = a.created_at;
    a.id = turn.write_table<AnnouncementTable>().create(a);
    history(turn, a.id, "drafted", {{"key", key}, {"lead", lead}});
    turn.reply("tone.drafted", with_body(turn, card_data(turn, a, *guide)));
    for (const std::string department : {"marketing", "sales"}) {
        for (const Person* m : turn.engine().directory().managers_of(department)) {
            if (m->id == author->id) continue;
            turn.tell(*m, "tone.approval_request",
                      {{"id", a.id}, {"author", author->name}, {"key", key}},
                      approval_offer(a.id, *m));
        }
    }
}

void announce_edit(Turn& turn, const CommandArgs& args, const Guide& guide) {
    // Declared: ID TRACK TEXT; the text is everything after the id and the track, as written.
    auto a = announcement_arg(turn, args.parsed.word("id"));
    if (!a) return;
    const std::string word = args.parsed.word("track");
    std::string track;
    if (is_word(turn, "marketing", word)) track = "marketing";
    if (is_word(turn, "sales", word)) track = "sales";
    if (track.empty()) return turn.reply("tone.bad_track", {{"track", word}});
    const std::string rest = args.parsed.word("text");
    if (core::utf8_length(rest) > max_text_chars) {
        return turn.reply("tone.too_long", {{"limit", max_text_chars}});
    }
    const Person* p = turn.person();
    const bool may = p->id == a->author_id || p->role == "admin" ||
                     (p->role == "manager" && p->department == track);
    if (!may) {
        return turn.reply("tone.edit_not_allowed",
                          {{"id", a->id}, {"department", department_text(turn, track)}});
    }
    if (a->status == "posted") return turn.reply("tone.already_posted", {{"id", a->id}});
    auto repo = turn.write_table<AnnouncementTable>();
    const bool had_approvals = !repo.decisions(a->id).empty() || a->status == "scheduled";
    repo.edit_variant(a->id, track, rest, now_ms(turn));
    history(turn, a->id, "edited", {{"track", track}, {"text", rest}});
    if (had_approvals) history(turn, a->id, "reset", json::object());
    a = repo.get(a->id);
    json data = card_data(turn, *a, *guide);
    data["reset"] = had_approvals;
    data["track"] = department_text(turn, track);
    turn.reply("tone.edited", with_body(turn, data));
    if (!had_approvals) return;
    // The decisions are gone: the open requests say so, and every manager gets a fresh
    // one with buttons for the new version.
    for (const std::string department : {"marketing", "sales"}) {
        turn.settle(decision_subject(a->id, department), "tone.outcome.edited",
                    {{"version", a->version}});
    }
    for (const std::string department : {"marketing", "sales"}) {
        for (const Person* m : turn.engine().directory().managers_of(department)) {
            if (m->id == p->id || m->id == a->author_id) continue;
            const std::string track_text = turn.engine().prompts().render(
                turn.engine().locale_for(m), "core.department." + track);
            turn.tell(*m, "tone.approval_request_edited",
                      {{"id", a->id},
                       {"editor", p->name},
                       {"key", a->key_message},
                       {"version", a->version},
                       {"track", track_text}},
                      approval_offer(a->id, *m));
        }
    }
}

void announce_show(Turn& turn, const CommandArgs& args, const Guide& guide) {
    const auto a = announcement_arg(turn, args.parsed.word("id"));  // declared: ID
    if (!a) return;
    json data = card_data(turn, *a, *guide);
    json items = json::array();
    const std::string zone = zone_of(turn, turn.person());
    for (const auto& h : turn.read_table<AnnouncementTable>().history(a->id)) {
        items.push_back({{"at", format_local(core::from_millis(h.at), zone)},
                         {"who", h.person_id ? person_name(turn, *h.person_id) : ""},
                         {"has_who", h.person_id.has_value()},
                         {"action", turn.text("tone.action." + h.action)}});
    }
    data["history"] = items;
    turn.reply("tone.card", with_body(turn, data));
}

/// Checks that the writer may decide on `a` for their department; answers when not.
bool may_decide(Turn& turn, const Announcement& a) {
    const Person* p = turn.person();
    if (p->role != "manager" || (p->department != "marketing" && p->department != "sales")) {
        turn.refuse("tone.not_approver",
                    {{"id", a.id},
                     {"lead", department_text(turn, a.lead)},
                     {"other", department_text(turn, other_department(a.lead))}});
        return false;
    }
    if (a.status == "posted") {
        turn.reply("tone.already_posted", {{"id", a.id}});
        return false;
    }
    if (a.status == "scheduled") {
        turn.reply(
            "tone.already_scheduled",
            {{"id", a.id},
             {"when",
              a.post_at ? format_local(core::from_millis(*a.post_at), zone_of(turn, p)) : ""}});
        return false;
    }
    return true;
}

void approve(Turn& turn, const CommandArgs& args, const Guide& guide) {
    auto a = announcement_arg(turn, args.parsed.word("id"));  // declared: ID
    if (!a || !may_decide(turn, *a)) return;
    const Person* p = turn.person();
    auto repo = turn.write_table<AnnouncementTable>();
    for (const auto& d : repo.decisions(a->id)) {
        if (d.department == p->department && d.decision == "approved") {
            return turn.reply("tone.already_approved",
                              {{"id", a->id},
                               {"you", d.person_id == p->id},
                               {"who", person_name(turn, d.person_id)},
                               {"department", department_text(turn, d.department)}});
        }
    }
    const Lint l = lint(*guide, *a);
    if (l.has_error()) {
        return turn.reply("tone.has_errors", with_body(turn, card_data(turn, *a, *guide)));
    }
    AnnouncementDecision d;
    d.department = p->department;
    d.person_id = p->id;
    d.decision = "approved";
    d.version = a->version;
    d.decided_at = now_ms(turn);
    repo.decide(a->id, d);
    history(turn, a->id, "approved", {{"department", p->department}, {"version", a->version}});
    turn.settle(decision_subject(a->id, p->department), "tone.outcome.approved");
    bool both = true;
    const auto decisions = repo.decisions(a->id);
    for (const std::string department : {"marketing", "sales"}) {
        bool ok = false;
        for (const auto& x : decisions) {
            ok = ok || (x.department == department && x.decision == "approved");
        }
        both = both && ok;
    }
    json data = {{"id", a->id},
                 {"department", department_text(turn, p->department)},
                 {"other", department_text(turn, other_department(p->department))},
                 {"both", both},
                 {"scheduled", false},
                 {"posted", false}};
    if (both) data.update(publish(turn, *a, *guide));
    turn.reply("tone.approved", data);
    if (both) {
        const Person* author = turn.engine().directory().by_id(a->author_id);
        if (author != nullptr && author->id != p->id) {
            json told = data;
            told.erase("department");
            turn.tell(*author, "tone.author_published", told);
        }
    }
}

void changes(Turn& turn, const CommandArgs& args, const Guide&) {
    // Declared: ID NOTE; the note as written.
    auto a = announcement_arg(turn, args.parsed.word("id"));
    if (!a || !may_decide(turn, *a)) return;
    const std::string note = args.parsed.word("note");
    const Person* p = turn.person();
    AnnouncementDecision d;
    d.department = p->department;
    d.person_id = p->id;
    d.decision = "changes";
    d.note = note;
    d.version = a->version;
    d.decided_at = now_ms(turn);
    turn.write_table<AnnouncementTable>().decide(a->id, d);
    history(turn, a->id, "changes", {{"department", p->department}, {"note", note}});
    turn.settle(decision_subject(a->id, p->department), "tone.outcome.changes");
    turn.reply("tone.changes_recorded", {{"id", a->id}});
    const Person* author = turn.engine().directory().by_id(a->author_id);
    if (author != nullptr && author->id != p->id) {
        turn.tell(*author, "tone.changes_requested",
                  {{"id", a->id}, {"who", p->name}, {"note", note}});
    }
}

/// The scheduled post: only when the approved version is still the current one.
void scheduled_post(Turn& turn, const json& payload, const Guide& guide) {
    const std::int64_t id = payload.value("id", std::int64_t{0});
    const int version = payload.value("version", 0);
    auto a = turn.read_table<AnnouncementTable>().get(id);
    if (!a || a->status != "scheduled" || a->version != version) return;
    const Lint l = lint(*guide, *a);
    const Person* author = turn.engine().directory().by_id(a->author_id);
    if (l.has_error()) {
        turn.write_table<AnnouncementTable>().set_status(id, "blocked", now_ms(turn));
        history(turn, id, "blocked", json::object());
        if (author != nullptr) turn.tell(*author, "tone.blocked", {{"id", id}});
        return;
    }
    const int channels = post_announcement(turn, *a);
    turn.write_table<AnnouncementTable>().mark_posted(id, now_ms(turn));
    history(turn, id, "posted", {{"channels", channels}});
    if (author != nullptr) {
        turn.tell(*author, "tone.author_published",
                  {{"id", id}, {"both", true}, {"posted", true}, {"channels", channels}});
    }
}

}  // namespace

std::string rules_dir(const ToneSettings& settings) {
    if (!settings.rules_dir.empty()) return settings.rules_dir;
    return core::source_dir() + "/config/tone";
}

void read_config(core::SectionReader& s, FeatureSettings& settings) {
    ToneSettings& tone = settings.edit<ToneSettings>();
    if (auto v = s.string("rules")) {
        if (std::string(core::trim(*v)).empty()) {
            s.error("rules", "must name a folder of tone rule files");
        } else {
            tone.rules_dir = *v;
        }
    }
    tone.watch_channels = s.word_list("watch", "channel names");
    s.finish();
}

Feature feature() {
    Feature f{
        "tone", "tone", read_config, {6}, [](Engine& engine, Services&) { register_tone(engine); }};
    f.person_data = store::tone::person_data;
    return f;
}

namespace {

// `todo`: announcements waiting for the reader's department's approval.
void pending_approvals(Turn& turn, const Person& me, std::vector<std::string>& items) {
    if (me.role != "manager" || (me.department != "marketing" && me.department != "sales")) return;
    const auto repo = turn.read_table<AnnouncementTable>();
    for (const auto& a : repo.recent(50)) {
        if (a.status == "posted" || a.status == "scheduled") continue;
        bool decided = false;
        for (const auto& d : repo.decisions(a.id)) {
            if (d.department != me.department) continue;
            decided = decided || d.decision == "approved" || d.version == a.version;
        }
        if (decided) continue;
        items.push_back(
            turn.text("tone.todo_approval", {{"id", a.id}, {"message", a.key_message}}));
    }
}

}  // namespace

void register_tone(Engine& engine) {
    const Guide guide = std::make_shared<const ToneGuide>(
        ToneGuide::load(rules_dir(engine.settings().features.get<ToneSettings>())));
    auto with = [guide](void (*fn)(Turn&, const CommandArgs&, const Guide&)) {
        return [guide, fn](Turn& turn, const CommandArgs& args) { fn(turn, args, guide); };
    };
    engine.router().add(CommandSpec("tone check", with(tone_check)).arg(Arg::note("text")));
    engine.router().add(CommandSpec("announce draft", with(announce_draft))
                            .arg(Arg::text("message"))
                            .option("tone.words.campaign", Arg::word("campaign"))
                            .option("tone.words.when", Arg::word("when"))
                            .option("tone.words.lead", Arg::word("lead"))
                            .writes());
    engine.router().add(CommandSpec("announce edit", with(announce_edit))
                            .arg(Arg::word("id"))
                            .arg(Arg::word("track"))
                            .arg(Arg::verbatim("text"))
                            .writes());
    engine.router().add(CommandSpec("announce", with(announce_show)).arg(Arg::word("id")));
    engine.router().add(CommandSpec("approve", with(approve)).arg(Arg::word("id")).writes());
    engine.router().add(CommandSpec("changes", with(changes))
                            .arg(Arg::word("id"))
                            .arg(Arg::verbatim("note"))
                            .writes());
    engine.add_todo_source(pending_approvals);
    engine.scheduler().on(post_job, [guide](Turn& turn, const json& payload) {
        scheduled_post(turn, payload, guide);
    });
    if (!engine.settings().features.get<ToneSettings>().watch_channels.empty()) {
        engine.add_watcher([guide](Turn& turn, const std::string& text) {
            return draft_watch(turn, text, guide);
        });
    }
}

}  // namespace twintrack::bot::tone
