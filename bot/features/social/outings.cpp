// Outings: a date poll, votes, closing picks the date (most votes; a tie goes to the
// earliest of the tied dates), then RSVPs with a headcount and a reminder the day before.

#include <algorithm>
#include <set>

#include "bot/engine.hpp"
#include "bot/features/social/activity_figures.hpp"
#include "bot/features/social/common.hpp"
#include "bot/turn.hpp"
#include "core/text.hpp"

namespace twintrack::bot::social {
namespace {

using nlohmann::json;
using store::social::Outing;

const char* const remind_job = "social.outing_remind";
const std::size_t max_days = 10;
const long long max_budget = 1000000000;
/// The reminder goes out the day before at this local time (company zone).
const int remind_minute = 10 * 60;

std::string company_zone(Turn& turn) { return turn.engine().settings().company_timezone; }

/// The words as dates: split at commas (also ， and 、) and spaces.
std::vector<std::string> date_words(const std::vector<std::string>& words) {
    std::string s = core::join(words, ",");
    for (const std::string sep : {"，", "、"}) {
        for (auto at = s.find(sep); at != std::string::npos; at = s.find(sep, at)) {
            s.replace(at, sep.size(), ",");
        }
    }
    std::vector<std::string> out;
    std::size_t from = 0;
    while (from <= s.size()) {
        const std::size_t to = std::min(s.find(',', from), s.size());
        const std::string item(core::trim(s.substr(from, to - from)));
        if (!item.empty()) out.push_back(item);
        from = to + 1;
    }
    return out;
}

/// The outing of the declared `id` (the parser answered a word that is not a number),
/// answered when missing or unknown.
std::optional<Outing> outing_arg(Turn& turn, const CommandArgs& args, const std::string& command) {
    const auto id = args.parsed.id("id");
    if (!id) {
        usage(turn, command);
        return std::nullopt;
    }
    auto o = turn.read_table<SocialTable>().outing(*id);
    if (!o) turn.reply("social.outing_not_found", {{"id", *id}});
    return o;
}

json outing_data(Turn& turn, const Outing& o) {
    const auto social = turn.read_table<SocialTable>();
    json votes = json::array();
    for (const auto& v : social.vote_counts(o.id)) {
        votes.push_back({{"day", v.day}, {"votes", v.votes}});
    }
    const RsvpCount answers = rsvp_count(social.rsvps(o.id));
    return {{"id", o.id},
            {"title", o.title},
            {"days", core::join(o.days, turn.text("core.list_separator"))},
            {"votes", votes},
            {"voters", social.voter_count(o.id)},
            {"day", o.chosen_day.value_or("")},
            {"polling", o.status == "polling"},
            {"closed", o.status == "closed"},
            {"cancelled", o.status == "cancelled"},
            {"has_budget", o.budget > 0},
            {"budget", o.budget},
            {"currency", turn.engine().settings().rules.currency},
            {"yes", answers.going},
            {"no", answers.declined}};
}

/// Answers when the outing is not open for votes; true when it is.
bool open_for_votes(Turn& turn, const Outing& o) {
    if (o.status == "cancelled") {
        turn.reply("social.outing_is_cancelled", outing_data(turn, o));
        return false;
    }
    if (o.status == "closed") {
        turn.reply("social.outing_poll_closed", outing_data(turn, o));
        return false;
    }
    return true;
}

std::int64_t day_start(Turn& turn, const std::string& day) {
    const auto ymd = parse_date(day);
    return local_instant(date::local_days{*ymd}, 0, company_zone(turn)).value_or(0);
}

// --- commands ---------------------------------------------------------------------------

std::string poll_subject(std::int64_t id) { return "outing-poll:" + std::to_string(id); }
std::string rsvp_subject(std::int64_t id) { return "outing-rsvp:" + std::to_string(id); }

/// The dates of the poll as a menu on each invitation (`vote ID DATE`).
Offer poll_offer(const Outing& o, const Person& to) {
    Offer offer;
    offer.subject = poll_subject(o.id);
    offer.audience = {to.id};
    for (const auto& day : o.days) {
        offer.choices.push_back({"social.button.outing_day",
                                 {{"day", day}},
                                 "vote",
                                 std::to_string(o.id) + " " + day,
                                 "",
                                 "",
                                 "",
                                 "social.menu.outing_days"});
    }
    return offer;
}

/// Coming or not, as buttons once the date is fixed (`rsvp ID yes|no`, in the reader's
/// words). Not settled by an answer: people may change their mind.
Offer rsvp_offer(Turn& turn, const Outing& o, const Person& to) {
    const std::string locale = turn.engine().locale_for(&to);
    const auto& prompts = turn.engine().prompts();
    const std::string id = std::to_string(o.id);
    Offer offer;
    offer.subject = rsvp_subject(o.id);
    offer.audience = {to.id};
    offer.choices.push_back({"social.button.rsvp_yes",
                             {},
                             "rsvp",
                             id + " " + prompts.render(locale, "social.typed_yes"),
                             "primary",
                             "",
                             "",
                             ""});
    offer.choices.push_back({"social.button.rsvp_no",
                             {},
                             "rsvp",
                             id + " " + prompts.render(locale, "social.typed_no"),
                             "",
                             "",
                             "",
                             ""});
    return offer;
}

void create(Turn& turn, const CommandArgs& args) {
    // Declared: TITLE poll DATES [budget N].
    long long budget = 0;
    if (args.parsed.has("outing_budget")) {
        const std::string value = args.parsed.word("outing_budget");
        const auto n = parse_number(value, 0, max_budget);
        if (!n) {
            turn.reply("social.bad_cost", {{"value", std::string(core::utf8_prefix(value, 32))}});
            return;
        }
        budget = *n;
    }
    const std::string zone = company_zone(turn);
    const date::local_days today = local_today(turn.now(), zone);
    std::set<std::string> days;
    for (const auto& d : date_words(core::split_words(args.parsed.word("dates")))) {
        const auto ymd = parse_date(d);
        if (!ymd) {
            turn.reply("social.bad_date", {{"date", std::string(core::utf8_prefix(d, 32))}});
            return;
        }
        if (date::local_days{*ymd} < today) {
            turn.reply("social.date_past", {{"date", d}});
            return;
        }
        days.insert(d);
    }
    if (days.empty()) {
        usage(turn, "outing new");
        return;
    }
    if (days.size() > max_days) {
        turn.reply("social.outing_too_many_days", {{"max", max_days}});
        return;
    }
    Outing o;
    o.title = std::string(core::utf8_prefix(args.parsed.word("title"), 200));
    o.budget = budget;
    o.created_by = turn.person()->id;
    o.created_at = now_ms(turn);
    o.days.assign(days.begin(), days.end());
    auto social = turn.write_table<SocialTable>();
    o.id = social.add_outing(o);
    if (budget > 0) {
        social.set_cost(
            {"outing", "outing." + std::to_string(o.id), budget, day_start(turn, o.days.front())},
            now_ms(turn));
    }
    int invited = 0;
    const json data = outing_data(turn, o);
    for (const auto& p : turn.engine().directory().all()) {
        if (p.id == turn.person()->id) continue;
        ++invited;
        turn.tell(p, "social.outing_invite", data, poll_offer(o, p));
    }
    turn.audit("outing.new", {{"outing", o.id}, {"title", o.title}, {"days", o.days}});
    json reply = data;
    reply["invited"] = invited;
    turn.reply("social.outing_created", reply);
}

void vote(Turn& turn, const CommandArgs& args) {
    auto o = outing_arg(turn, args, "vote");
    if (!o || !open_for_votes(turn, *o)) return;
    const auto picked =
        date_words(std::vector<std::string>(args.words.begin() + 1, args.words.end()));
    if (picked.empty()) {
        usage(turn, "vote");
        return;
    }
    std::set<std::string> chosen;
    for (const auto& d : picked) {
        if (std::find(o->days.begin(), o->days.end(), d) == o->days.end()) {
            json data = outing_data(turn, *o);
            data["date"] = std::string(core::utf8_prefix(d, 32));
            turn.reply("social.outing_not_a_choice", data);
            return;
        }
        chosen.insert(d);
    }
    turn.write_table<SocialTable>().set_votes(
        o->id, turn.person()->id, std::vector<std::string>(chosen.begin(), chosen.end()),
        now_ms(turn));
    turn.audit("outing.vote", {{"outing", o->id}, {"days", chosen}});
    json data = outing_data(turn, *o);
    data["mine"] = core::join(std::vector<std::string>(chosen.begin(), chosen.end()),
                              turn.text("core.list_separator"));
    turn.reply("social.outing_voted", data);
}

void close(Turn& turn, const CommandArgs& args) {
    auto o = outing_arg(turn, args, "close");
    if (!o || !open_for_votes(turn, *o)) return;
    auto social = turn.write_table<SocialTable>();
    const auto counts = social.vote_counts(o->id);  // in date order
    int best = -1;
    std::string day;
    int tied = 0;
    for (const auto& c : counts) {
        if (c.votes > best) {
            best = c.votes;
            day = c.day;
            tied = 1;
        } else if (c.votes == best) {
            ++tied;
        }
    }
    social.close_outing(o->id, day, now_ms(turn));
    turn.settle(poll_subject(o->id), "social.outcome.poll_closed", {{"day", day}});
    if (o->budget > 0) {
        social.set_cost(
            {"outing", "outing." + std::to_string(o->id), o->budget, day_start(turn, day)},
            now_ms(turn));
    }
    const auto ymd = parse_date(day);
    const auto remind_at =
        local_instant(date::local_days{*ymd} - date::days(1), remind_minute, company_zone(turn));
    if (remind_at && *remind_at > now_ms(turn)) {
        turn.engine().scheduler().schedule(turn, remind_job,
                                           std::string(remind_job) + "." + std::to_string(o->id),
                                           core::from_millis(*remind_at), {{"outing", o->id}});
    }
    o = social.outing(o->id);
    json data = outing_data(turn, *o);
    data["tie"] = tied > 1 && best > 0;
    data["no_votes"] = best == 0;
    for (const auto& p : turn.engine().directory().all()) {
        if (p.id != turn.person()->id) {
            turn.tell(p, "social.outing_date_fixed", data, rsvp_offer(turn, *o, p));
        }
    }
    turn.audit("outing.close", {{"outing", o->id}, {"day", day}, {"votes", best}});
    turn.reply("social.outing_closed", data);
}

void rsvp(Turn& turn, const CommandArgs& args) {
    auto o = outing_arg(turn, args, "rsvp");
    if (!o) return;
    const std::string answer = args.parsed.word("answer");
    if (!(is_word(turn, "yes", answer) || is_word(turn, "no", answer))) {
        usage(turn, "rsvp");
        return;
    }
    if (o->status == "cancelled") {
        turn.reply("social.outing_is_cancelled", outing_data(turn, *o));
        return;
    }
    if (o->status == "polling") {
        turn.reply("social.outing_not_fixed", outing_data(turn, *o));
        return;
    }
    const auto ymd = parse_date(o->chosen_day.value_or(""));
    if (ymd && date::local_days{*ymd} < local_today(turn.now(), company_zone(turn))) {
        turn.reply("social.outing_over", outing_data(turn, *o));
        return;
    }
    const bool going = is_word(turn, "yes", answer);
    turn.write_table<SocialTable>().set_rsvp(o->id, turn.person()->id, going, now_ms(turn));
    turn.audit("outing.rsvp", {{"outing", o->id}, {"going", going}});
    turn.reply(going ? "social.outing_rsvp_yes" : "social.outing_rsvp_no", outing_data(turn, *o));
}

void cancel(Turn& turn, const CommandArgs& args) {
    auto o = outing_arg(turn, args, "outing cancel");
    if (!o) return;
    if (o->status == "cancelled") {
        turn.reply("social.outing_is_cancelled", outing_data(turn, *o));
        return;
    }
    auto social = turn.write_table<SocialTable>();
    social.cancel_outing(o->id, now_ms(turn));
    turn.settle(poll_subject(o->id), "social.outcome.cancelled");
    turn.settle(rsvp_subject(o->id), "social.outcome.cancelled");
    social.cancel_cost("outing." + std::to_string(o->id));
    o = social.outing(o->id);
    for (const auto& r : social.rsvps(o->id)) {
        const Person* p = turn.engine().directory().by_id(r.person_id);
        if (p != nullptr && r.going)
            turn.tell(*p, "social.outing_is_cancelled", outing_data(turn, *o));
    }
    turn.audit("outing.cancel", {{"outing", o->id}});
    turn.reply("social.outing_is_cancelled", outing_data(turn, *o));
}

void show(Turn& turn, const CommandArgs& args) {
    if (!args.parsed.has("id")) {
        const auto all = turn.read_table<SocialTable>().open_outings();
        if (all.empty()) {
            turn.reply("social.outings_empty");
            return;
        }
        json items = json::array();
        for (const auto& o : all) items.push_back(outing_data(turn, o));
        turn.reply("social.outings", {{"items", items}});
        return;
    }
    auto o = outing_arg(turn, args, "outing");
    if (!o) return;
    json data = outing_data(turn, *o);
    std::vector<std::string> going;
    for (const auto& r : turn.read_table<SocialTable>().rsvps(o->id)) {
        if (r.going) going.push_back(person_name(turn.engine(), r.person_id));
    }
    data["going_names"] = turn.list_data(going);
    data["has_going"] = !going.empty();
    turn.reply("social.outing_card", data);
}

void remind(Turn& turn, const json& payload) {
    const auto o = turn.read_table<SocialTable>().outing(payload.at("outing").get<std::int64_t>());
    if (!o || o->status != "closed") return;
    std::map<std::int64_t, bool> answered;
    for (const auto& r : turn.read_table<SocialTable>().rsvps(o->id))
        answered[r.person_id] = r.going;
    const json data = outing_data(turn, *o);
    for (const auto& p : turn.engine().directory().all()) {
        auto it = answered.find(p.id);
        if (it == answered.end()) {
            turn.tell(p, "social.outing_rsvp_reminder", data);
        } else if (it->second) {
            turn.tell(p, "social.outing_reminder", data);
        }
    }
}

}  // namespace

namespace {

// `todo`: outings whose date is fixed and that the reader has not answered yet.
void open_rsvps(Turn& turn, const Person& me, std::vector<std::string>& items) {
    const auto social = turn.read_table<SocialTable>();
    const auto today = local_today(turn.now(), company_zone(turn));
    for (const auto& o : social.open_outings()) {
        if (o.status != "closed") continue;
        const auto ymd = parse_date(o.chosen_day.value_or(""));
        if (!ymd || date::local_days{*ymd} < today) continue;
        bool answered = false;
        for (const auto& r : social.rsvps(o.id)) answered = answered || r.person_id == me.id;
        if (answered) continue;
        items.push_back(turn.text("social.todo_rsvp", outing_data(turn, o)));
    }
}

}  // namespace

void register_outings(Engine& engine) {
    auto& r = engine.router();
    r.add(CommandSpec("outing new", create)
              .arg(Arg::text("title"))
              .keyword("social.words.poll", Arg::text("dates"))
              .keyword("social.words.budget", Arg::word("outing_budget").optional())
              .roles(organiser_roles())
              .writes());
    r.add(
        CommandSpec("outing cancel", cancel).arg(Arg::id("id")).roles(organiser_roles()).writes());
    r.add(CommandSpec("close", close).arg(Arg::id("id")).roles(organiser_roles()).writes());
    r.add(CommandSpec("vote", vote).arg(Arg::id("id")).arg(Arg::text("days")).writes());
    r.add(CommandSpec("rsvp", rsvp).arg(Arg::id("id")).arg(Arg::word("answer")).writes());
    r.add(CommandSpec("outing", show).arg(Arg::id("id").optional()));
    r.add(CommandSpec("outings", show).arg(Arg::id("id").optional()));
    engine.scheduler().on(remind_job, remind);
    engine.add_todo_source(open_rsvps);
}

}  // namespace twintrack::bot::social
