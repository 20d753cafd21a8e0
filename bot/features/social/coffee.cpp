// Coffee pairing: programmes, rounds as jobs, introductions, the mid-round nudge and the
// "did you meet?" question at the end; pause, opt-out and the confidential avoid list.

#include <algorithm>
#include <limits>
#include <map>

#include "bot/engine.hpp"
#include "bot/features/social/common.hpp"
#include "bot/features/social/pairing.hpp"
#include "bot/features/social/social.hpp"
#include "bot/turn.hpp"
#include "core/text.hpp"

namespace twintrack::bot::social {
namespace {

using nlohmann::json;

const char* const round_job = "social.coffee_round";
const char* const nudge_job = "social.coffee_nudge";
const char* const ask_job = "social.coffee_ask";
/// How many conversation starters prompts/<locale>/social.yaml holds (starter_1 ...).
const int starter_count = 8;
const int max_every_days = 366;

/// The department a word names (English, or the words of social.words.<department>).
std::optional<std::string> department_word(Turn& turn, const std::string& word) {
    for (const auto& d : departments()) {
        if (core::ascii_lower(word) == d || is_word(turn, d, word)) return d;
    }
    return std::nullopt;
}

/// "2w", "14d", "2 weeks", "2周", "14天" -> days.
std::optional<int> interval_days(Turn& turn, const std::vector<std::string>& words) {
    std::string number;
    std::string unit;
    const std::string joined = core::join(words, "");
    std::size_t i = 0;
    while (i < joined.size() && joined[i] >= '0' && joined[i] <= '9') number += joined[i++];
    unit = joined.substr(i);
    if (number.empty() || number.size() > 4) return std::nullopt;
    const int n = std::stoi(number);
    int days = 0;
    if (is_word(turn, "weeks", unit)) {
        days = n * 7;
    } else if (is_word(turn, "days", unit)) {
        days = n;
    } else {
        return std::nullopt;
    }
    if (days < 1 || days > max_every_days) return std::nullopt;
    return days;
}

/// A person's working day on the day of `now` (their zone), in UTC minutes.
Participant participant_of(const Engine& engine, const Person& p, core::Timestamp now) {
    const std::string zone = zone_of(engine, &p);
    const date::local_days day = local_today(now, zone);
    auto start = local_instant(day, p.work_start, zone);
    if (!start) start = local_instant(day, p.work_start + 60, zone);  // starts in a DST gap
    Participant out;
    out.id = p.id;
    const std::int64_t minutes = start.value_or(0) / 60000;
    out.utc_start = static_cast<int>(((minutes % 1440) + 1440) % 1440);
    out.length =
        p.work_end > p.work_start ? p.work_end - p.work_start : p.work_end + 24 * 60 - p.work_start;
    return out;
}

std::string round_key(const char* kind, std::int64_t id) {
    return std::string(kind) + "." + std::to_string(id);
}

std::vector<std::int64_t> members_of(const store::social::CoffeeGroupRow& g) {
    std::vector<std::int64_t> out = {g.left_id, g.right_id};
    if (g.third_id) out.push_back(*g.third_id);
    return out;
}

/// The names of `who`'s partners in their group, joined in their locale.
std::string partners_text(const Engine& engine, const store::social::CoffeeGroupRow& g,
                          const Person& who) {
    std::vector<std::string> names;
    for (auto id : members_of(g)) {
        if (id != who.id) names.push_back(person_name(engine, id));
    }
    return core::join(names, text_for(engine, who, "core.list_separator"));
}

void schedule_round(Turn& turn, std::int64_t programme, int number, std::int64_t due) {
    turn.engine().scheduler().schedule(
        turn, round_job,
        std::string(round_job) + "." + std::to_string(programme) + "." + std::to_string(number),
        core::from_millis(due), {{"programme", programme}, {"number", number}});
}

// --- the round ------------------------------------------------------------------------

void introduce(Turn& turn, const store::social::CoffeeGroupRow& g,
               const store::social::CoffeeRound& r, std::size_t index) {
    Engine& engine = turn.engine();
    const int starter = static_cast<int>((r.number + static_cast<int>(index)) % starter_count) + 1;
    for (auto id : members_of(g)) {
        const Person* me = engine.directory().by_id(id);
        if (me == nullptr) continue;
        json partners = json::array();
        for (auto other : members_of(g)) {
            if (other == id) continue;
            const Person* p = engine.directory().by_id(other);
            if (p == nullptr) continue;
            partners.push_back(
                {{"name", p->name},
                 {"department", text_for(engine, *me, "core.department." + p->department)},
                 {"zone", zone_of(engine, p)},
                 {"local", local_text(engine, r.started_at, p)}});
        }
        turn.tell(
            *me, "social.coffee_intro",
            {{"round", r.number},
             {"partner_list", partners},
             {"trio", g.third_id.has_value()},
             {"ends", local_text_with_zone(engine, r.ends_at, me)},
             {"starter", text_for(engine, *me, "social.starter_" + std::to_string(starter))}});
    }
}

// Who takes part in round `number` of `programme` (people with an identity, of its two
// departments, not opted out or paused), whom they avoid, and whom they met in earlier
// rounds (the cycles that reset the history once everyone possible was met).
PairingInput pairing_input(Turn& turn, store::social::SocialRepository& social,
                           const store::social::CoffeeProgramme& programme, std::int64_t now) {
    Engine& engine = turn.engine();
    std::map<std::int64_t, store::social::CoffeePreference> prefs;
    for (const auto& p : social.all_preferences()) prefs[p.person_id] = p;
    PairingInput in;
    std::map<std::int64_t, int> side;  // 0 left, 1 right
    for (const auto& p : engine.directory().all()) {
        if (p.identities.empty()) continue;
        auto it = prefs.find(p.id);
        if (it != prefs.end() &&
            (it->second.opted_out || (it->second.paused_until && *it->second.paused_until > now)))
            continue;
        if (p.department == programme.left_department) {
            in.left.push_back(participant_of(engine, p, turn.now()));
            side[p.id] = 0;
        } else if (p.department == programme.right_department) {
            in.right.push_back(participant_of(engine, p, turn.now()));
            side[p.id] = 1;
        }
    }
    for (const auto& [a, b] : social.all_avoids()) in.avoid.insert(pair_key(a, b));
    std::map<std::int64_t, const Participant*> by_id;
    for (const auto& p : in.left) by_id[p.id] = &p;
    for (const auto& p : in.right) by_id[p.id] = &p;
    std::vector<PastPair> history;
    for (const auto& [l, r] : social.pair_history(programme.id)) history.push_back({l, r});
    in.met = cycles(history, [&](std::int64_t id) {
        std::vector<std::int64_t> out;
        auto me = by_id.find(id);
        if (me == by_id.end()) return out;
        const auto& others = side[id] == 0 ? in.right : in.left;
        for (const auto& o : others) {
            if (hours_overlap(*me->second, o) && !in.avoid.count(pair_key(id, o.id))) {
                out.push_back(o.id);
            }
        }
        return out;
    });
    return in;
}

// Stores the round with its groups; returns it with its id.
store::social::CoffeeRound add_round(store::social::SocialRepository& social,
                                     const store::social::CoffeeProgramme& programme, int number,
                                     std::int64_t now, const PairingResult& result) {
    store::social::CoffeeRound r;
    r.programme_id = programme.id;
    r.number = number;
    r.started_at = now;
    r.ends_at = now + std::int64_t{programme.every_days} * 24 * 3600 * 1000;
    std::vector<store::social::CoffeeGroupRow> rows;
    for (const auto& g : result.groups) {
        store::social::CoffeeGroupRow row;
        row.left_id = g.left;
        row.right_id = g.right;
        if (g.third != 0) row.third_id = g.third;
        rows.push_back(row);
    }
    r.id = social.add_round(r, rows);
    return r;
}

// Introduces each group (and books its cost), and tells the unpaired when the next round is.
void announce_round(Turn& turn, store::social::SocialRepository& social,
                    const store::social::CoffeeRound& r,
                    const std::vector<store::social::CoffeeGroupRow>& groups,
                    const std::vector<std::int64_t>& unpaired, std::int64_t now) {
    Engine& engine = turn.engine();
    const long long cost = engine.settings().features.get<SocialSettings>().coffee_cost_per_group;
    for (std::size_t i = 0; i < groups.size(); ++i) {
        introduce(turn, groups[i], r, i);
        if (cost > 0) {
            social.set_cost({"coffee", "coffee." + std::to_string(groups[i].id), cost, r.ends_at},
                            now);
        }
    }
    for (auto id : unpaired) {
        if (const Person* p = engine.directory().by_id(id)) {
            turn.tell(*p, "social.coffee_unpaired",
                      {{"round", r.number}, {"next", local_text_with_zone(engine, r.ends_at, p)}});
        }
    }
}

void run_round(Turn& turn, const json& payload) {
    Engine& engine = turn.engine();
    auto social = turn.write_table<SocialTable>();
    const auto programme = social.programme(payload.at("programme").get<std::int64_t>());
    if (!programme || !programme->active) return;
    const int number = payload.at("number").get<int>();
    const std::int64_t now = now_ms(turn);

    const PairingInput in = pairing_input(turn, social, *programme, now);
    std::mt19937_64 rng(static_cast<std::uint64_t>(programme->id) * 1000003u +
                        static_cast<std::uint64_t>(number));
    const PairingResult result = pair_round(in, rng);
    const store::social::CoffeeRound r = add_round(social, *programme, number, now, result);
    const auto stored = social.groups(r.id);
    announce_round(turn, social, r, stored, result.unpaired, now);
    turn.audit("coffee.round", {{"programme", programme->id},
                                {"round", number},
                                {"groups", stored.size()},
                                {"unpaired", result.unpaired.size()}});
    auto& scheduler = engine.scheduler();
    scheduler.schedule(turn, nudge_job, round_key(nudge_job, r.id),
                       core::from_millis(r.started_at + (r.ends_at - r.started_at) / 2),
                       {{"round", r.id}});
    scheduler.schedule(turn, ask_job, round_key(ask_job, r.id), core::from_millis(r.ends_at),
                       {{"round", r.id}});
    schedule_round(turn, programme->id, number + 1, r.ends_at);
}

std::string met_subject(std::int64_t round_id, std::int64_t person_id) {
    return "coffee-met:" + std::to_string(round_id) + ":" + std::to_string(person_id);
}

/// The mid-round nudge's "Skip this round" (`coffee skip ROUND`). It decides the same as
/// the "did you meet?" buttons, so any answer closes it.
Offer skip_offer(std::int64_t round_id, const Person& to) {
    Offer offer;
    offer.subject = met_subject(round_id, to.id);
    offer.audience = {to.id};
    offer.choices.push_back(
        {"social.button.coffee_skip", {}, "coffee skip", std::to_string(round_id), "", "", "", ""});
    return offer;
}

void nudge(Turn& turn, const json& payload) {
    Engine& engine = turn.engine();
    const std::int64_t round_id = payload.at("round").get<std::int64_t>();
    const auto r = turn.read_table<SocialTable>().round(round_id);
    if (!r) return;
    for (const auto& g : turn.read_table<SocialTable>().groups(round_id)) {
        for (auto id : members_of(g)) {
            const Person* p = engine.directory().by_id(id);
            if (p == nullptr || turn.read_table<SocialTable>().answer_of(round_id, id)) continue;
            turn.tell(*p, "social.coffee_nudge",
                      {{"partners", partners_text(engine, g, *p)},
                       {"ends", local_text_with_zone(engine, r->ends_at, p)}},
                      skip_offer(round_id, *p));
        }
    }
}

/// "Did you meet?" as buttons (`coffee met yes|no`, in the reader's words, and `coffee
/// skip`).
Offer met_offer(Turn& turn, std::int64_t round_id, const Person& to) {
    const std::string locale = turn.engine().locale_for(&to);
    const auto& prompts = turn.engine().prompts();
    const std::string round = " " + std::to_string(round_id);
    Offer offer;
    offer.subject = met_subject(round_id, to.id);
    offer.audience = {to.id};
    offer.choices.push_back({"social.button.coffee_met_yes",
                             {},
                             "coffee met",
                             prompts.render(locale, "social.typed_yes") + round,
                             "primary",
                             "",
                             "",
                             ""});
    offer.choices.push_back({"social.button.coffee_met_not_yet",
                             {},
                             "coffee met",
                             prompts.render(locale, "social.typed_no") + round,
                             "",
                             "",
                             "",
                             ""});
    offer.choices.push_back(
        {"social.button.coffee_skip", {}, "coffee skip", round.substr(1), "", "", "", ""});
    return offer;
}

void ask_met(Turn& turn, const json& payload) {
    Engine& engine = turn.engine();
    const std::int64_t round_id = payload.at("round").get<std::int64_t>();
    const auto r = turn.read_table<SocialTable>().round(round_id);
    if (!r) return;
    for (const auto& g : turn.read_table<SocialTable>().groups(round_id)) {
        for (auto id : members_of(g)) {
            const Person* p = engine.directory().by_id(id);
            if (p == nullptr || turn.read_table<SocialTable>().answer_of(round_id, id)) continue;
            const json state = {{"round", round_id},
                                {"number", r->number},
                                {"partners", partners_text(engine, g, *p)}};
            if (engine.dialogs().start_with(turn, *p, "coffee_met", state)) {
                // The question the dialog just posted gets the buttons too.
                engine.actions().attach(turn, turn.posts().back(), met_offer(turn, round_id, *p),
                                        p);
            } else {
                turn.tell(*p, "social.coffee_ask_command", state, met_offer(turn, round_id, *p));
            }
        }
    }
}

/// How someone answered "did you meet?": skipping the round is an answer of its own (not
/// met, and counted apart in the statistics).
enum class Answer { met, not_yet, skipped };

void record_answer(Turn& turn, std::int64_t round_id, Answer answer) {
    const bool met = answer == Answer::met;
    turn.write_table<SocialTable>().answer(round_id, turn.person()->id, met, now_ms(turn),
                                           answer == Answer::skipped);
    const char* outcome = met                         ? "social.outcome.coffee_met"
                          : answer == Answer::skipped ? "social.outcome.coffee_skipped"
                                                      : "social.outcome.coffee_not_yet";
    turn.settle(met_subject(round_id, turn.person()->id), outcome);
    turn.audit("coffee.answer",
               {{"round", round_id}, {"met", met}, {"skipped", answer == Answer::skipped}});
    turn.reply(met                         ? "social.coffee_thanks_met"
               : answer == Answer::skipped ? "social.coffee_thanks_skipped"
                                           : "social.coffee_thanks_not_met");
}

DialogSpec met_dialog() {
    DialogSpec spec;
    spec.kind = "coffee_met";
    // Optional: "skip" (a dialog word) skips the round, like `coffee skip`.
    spec.steps.push_back(
        {"social.coffee_ask_met", true, [](Turn& turn, json& state, const std::string& answer) {
             const std::string a(core::trim(answer));
             if (is_word(turn, "yes", a)) {
                 state["met"] = true;
             } else if (is_word(turn, "no", a)) {
                 state["met"] = false;
             } else {
                 turn.reply("social.coffee_yes_or_no");
                 return false;
             }
             return true;
         }});
    spec.finish = [](Turn& turn, json& state) {
        const auto round = state.at("round").get<std::int64_t>();
        if (!state.contains("met")) return record_answer(turn, round, Answer::skipped);
        record_answer(turn, round, state.at("met").get<bool>() ? Answer::met : Answer::not_yet);
    };
    // Answered meanwhile (a button, or `coffee met`): the next message is a command.
    spec.is_answer = [](Turn& turn, const json& state, const std::string&) {
        return !turn.read_table<SocialTable>().answer_of(state.value("round", std::int64_t{0}),
                                                         turn.person()->id);
    };
    return spec;
}

// --- commands -------------------------------------------------------------------------

void start(Turn& turn, const CommandArgs& args) {
    // Declared: [every] PERIOD DEPARTMENT x DEPARTMENT.
    std::vector<std::string> period = core::split_words(args.parsed.word("every"));
    if (!period.empty() && is_word(turn, "every", period.front())) period.erase(period.begin());
    const std::string left_w = args.parsed.word("left");
    const std::string right_w = args.parsed.word("right");
    const auto left = department_word(turn, left_w);
    const auto right = department_word(turn, right_w);
    const auto every = interval_days(turn, period);
    if (!every) {
        turn.reply("social.coffee_bad_interval",
                   {{"max", max_every_days},
                    {"value", std::string(core::utf8_prefix(core::join(period, " "), 32))}});
        return;
    }
    if (!left || !right) {
        turn.reply("social.coffee_bad_department", {{"word", !left ? left_w : right_w}});
        return;
    }
    if (*left == *right) {
        turn.reply("social.coffee_same_department");
        return;
    }
    store::social::CoffeeProgramme p;
    p.left_department = *left;
    p.right_department = *right;
    p.every_days = *every;
    p.started_by = turn.person()->id;
    p.created_at = now_ms(turn);
    const std::int64_t id = turn.write_table<SocialTable>().start_programme(p);
    schedule_round(turn, id, 1, now_ms(turn));
    turn.audit("coffee.start", {{"programme", id}, {"every_days", *every}});
    turn.reply("social.coffee_started", {{"left", department_text(turn, *left)},
                                         {"right", department_text(turn, *right)},
                                         {"days", *every}});
}

void stop(Turn& turn, const CommandArgs&) {
    auto social = turn.write_table<SocialTable>();
    const auto active = social.active_programmes();
    if (active.empty()) {
        turn.reply("social.coffee_none");
        return;
    }
    for (const auto& p : active) social.stop_programme(p.id, now_ms(turn));
    turn.audit("coffee.stop", {{"programmes", active.size()}});
    turn.reply("social.coffee_stopped");
}

void pause(Turn& turn, const CommandArgs& args) {
    // Declared: [until DATE].
    auto pref = turn.read_table<SocialTable>().preference(turn.person()->id);
    const std::string zone = zone_of(turn.engine(), turn.person());
    const auto day = args.parsed.date("until");
    if (!day) {
        pref.paused_until = std::numeric_limits<std::int64_t>::max();
        turn.write_table<SocialTable>().set_preference(pref, now_ms(turn));
        turn.reply("social.coffee_paused");
        return;
    }
    const std::string written = args.parsed.word("until");
    if (date::local_days{*day} < local_today(turn.now(), zone)) {
        turn.reply("social.date_past", {{"date", written}});
        return;
    }
    pref.paused_until = local_instant(date::local_days{*day} + date::days(1), 0, zone)
                            .value_or(std::numeric_limits<std::int64_t>::max());
    turn.write_table<SocialTable>().set_preference(pref, now_ms(turn));
    turn.reply("social.coffee_paused_until", {{"date", written}});
}

void resume(Turn& turn, const CommandArgs&) {
    auto pref = turn.read_table<SocialTable>().preference(turn.person()->id);
    pref.paused_until.reset();
    pref.opted_out = false;
    turn.write_table<SocialTable>().set_preference(pref, now_ms(turn));
    turn.reply("social.coffee_resumed");
}

void optout(Turn& turn, const CommandArgs&) {
    auto pref = turn.read_table<SocialTable>().preference(turn.person()->id);
    pref.opted_out = true;
    turn.write_table<SocialTable>().set_preference(pref, now_ms(turn));
    turn.reply("social.coffee_opted_out");
}

/// The avoid list is confidential: only handled in a direct message.
bool in_private(Turn& turn) {
    if (turn.event() != nullptr && turn.event()->direct) return true;
    turn.reply("social.coffee_private");
    return false;
}

void avoid(Turn& turn, const CommandArgs& args) {
    if (!in_private(turn)) return;
    // Declared: @PERSON, as a word: resolved here, only in a direct message.
    const Person* p = turn.person_arg(args.parsed.word("person"));
    if (p == nullptr) return;
    if (p->id == turn.person()->id) {
        turn.reply("social.coffee_avoid_self");
        return;
    }
    turn.write_table<SocialTable>().add_avoid(turn.person()->id, p->id, now_ms(turn));
    turn.reply("social.coffee_avoided", {{"name", p->name}});
}

void unavoid(Turn& turn, const CommandArgs& args) {
    if (!in_private(turn)) return;
    // Declared: @PERSON, as a word: resolved here, only in a direct message.
    const Person* p = turn.person_arg(args.parsed.word("person"));
    if (p == nullptr) return;
    const bool removed = turn.write_table<SocialTable>().remove_avoid(turn.person()->id, p->id);
    turn.reply(removed ? "social.coffee_unavoided" : "social.coffee_not_avoided",
               {{"name", p->name}});
}

/// The coffee group of the round `word` names ("12" or "#12"), or of the latest round when
/// `word` is empty; answered (usage of `command`, or no round) when there is none.
std::optional<store::social::CoffeeGroupRow> round_group(Turn& turn, const std::string& word,
                                                         const std::string& command) {
    // The buttons of "did you meet?" name their round (the next one has begun by then).
    std::optional<store::social::CoffeeGroupRow> g;
    if (!word.empty()) {
        std::string round = word;
        if (!round.empty() && round.front() == '#') round.erase(0, 1);
        if (round.empty() || round.size() > 12 ||
            !std::all_of(round.begin(), round.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            usage(turn, command);
            return std::nullopt;
        }
        g = turn.read_table<SocialTable>().group_of(std::stoll(round), turn.person()->id);
    } else {
        g = turn.read_table<SocialTable>().latest_group(turn.person()->id);
    }
    if (!g) turn.reply("social.coffee_no_round");
    return g;
}

void met(Turn& turn, const CommandArgs& args) {
    // Declared: yes|no [ROUND].
    const std::string answer = args.parsed.word("answer");
    if (!(is_word(turn, "yes", answer) || is_word(turn, "no", answer))) {
        usage(turn, "coffee met");
        return;
    }
    const auto g = round_group(turn, args.parsed.word("round"), "coffee met");
    if (!g) return;
    record_answer(turn, g->round_id, is_word(turn, "yes", answer) ? Answer::met : Answer::not_yet);
}

/// `coffee skip [ROUND]`: no meeting this round; no more reminders about it.
void skip(Turn& turn, const CommandArgs& args) {
    // Declared: [ROUND].
    const auto g = round_group(turn, args.parsed.word("round"), "coffee skip");
    if (!g) return;
    record_answer(turn, g->round_id, Answer::skipped);
}

void status(Turn& turn, const CommandArgs&) {
    Engine& engine = turn.engine();
    const auto social = turn.read_table<SocialTable>();
    const Person& me = *turn.person();
    json programmes = json::array();
    for (const auto& p : social.active_programmes()) {
        programmes.push_back({{"left", department_text(turn, p.left_department)},
                              {"right", department_text(turn, p.right_department)},
                              {"days", p.every_days}});
    }
    const auto pref = social.preference(me.id);
    const bool paused = pref.paused_until && *pref.paused_until > now_ms(turn);
    const bool forever = paused && *pref.paused_until == std::numeric_limits<std::int64_t>::max();
    std::string partners;
    std::string ends;
    if (auto g = social.latest_group(me.id)) {
        const auto r = social.round(g->round_id);
        if (r && r->ends_at > now_ms(turn)) {
            partners = partners_text(engine, *g, me);
            ends = local_text_with_zone(engine, r->ends_at, &me);
        }
    }
    std::vector<std::string> avoided;
    const bool direct = turn.event() != nullptr && turn.event()->direct;
    if (direct) {
        for (auto id : social.avoided_by(me.id)) avoided.push_back(person_name(engine, id));
    }
    turn.reply(
        "social.coffee_status",
        {{"programmes", programmes},
         {"has_programmes", !programmes.empty()},
         {"opted_out", pref.opted_out},
         {"paused", paused && !pref.opted_out},
         {"paused_forever", forever},
         {"paused_until", paused && !forever ? local_text_with_zone(engine, *pref.paused_until, &me)
                                             : std::string()},
         {"partners", partners},
         {"has_partners", !partners.empty()},
         {"ends", ends},
         {"avoided", turn.list_data(avoided)},
         {"has_avoided", !avoided.empty()}});
}

void stats(Turn& turn, const CommandArgs&) {
    json rounds = json::array();
    for (const auto& p : turn.read_table<SocialTable>().active_programmes()) {
        // The round in progress and the one before, whose answers are coming in.
        for (const auto& r : turn.read_table<SocialTable>().recent_rounds(p.id, 2)) {
            const auto s = turn.read_table<SocialTable>().round_stats(r.id);
            rounds.push_back({{"left", department_text(turn, p.left_department)},
                              {"right", department_text(turn, p.right_department)},
                              {"round", r.number},
                              {"groups", s.groups},
                              {"answered", s.answered},
                              {"yes", s.met_yes},
                              {"no", s.met_no},
                              {"skipped", s.skipped}});
        }
    }
    if (rounds.empty()) {
        turn.reply("social.coffee_none");
        return;
    }
    turn.reply("social.coffee_stats", {{"rounds", rounds}});
}

// `todo`: the reader's coffee partner this round, until they said whether they met.
void coffee_partner(Turn& turn, const Person& me, std::vector<std::string>& items) {
    const auto social = turn.read_table<SocialTable>();
    const auto g = social.latest_group(me.id);
    if (!g) return;
    const auto r = social.round(g->round_id);
    if (!r || r->ends_at <= now_ms(turn) || social.answer_of(r->id, me.id)) return;
    items.push_back(turn.text("social.todo_coffee",
                              {{"partners", partners_text(turn.engine(), *g, me)},
                               {"ends", local_text_with_zone(turn.engine(), r->ends_at, &me)}}));
}

}  // namespace

void register_coffee(Engine& engine) {
    auto& r = engine.router();
    const std::vector<std::string> hr = {"hr", "admin"};
    r.add(CommandSpec("coffee start", start)
              .arg(Arg::text("every"))
              .arg(Arg::word("left"))
              .keyword("social.words.cross", Arg::word("right"))
              .roles(hr)
              .writes());
    r.add(CommandSpec("coffee stop", stop).roles(hr).no_args().writes());
    r.add(CommandSpec("coffee stats", stats).roles(organiser_roles()).no_args());
    r.add(CommandSpec("coffee", status).no_args());
    r.add(CommandSpec("coffee pause", pause)
              .keyword("social.words.until", Arg::date("until").optional())
              .arg(Arg::date("until").optional())
              .writes());
    r.add(CommandSpec("coffee resume", resume).no_args().writes());
    r.add(CommandSpec("coffee optout", optout).no_args().writes());
    // The person is a word here: the avoid list is confidential, so the handler resolves
    // it only in a direct message.
    r.add(CommandSpec("coffee avoid", avoid).arg(Arg::word("person")).writes());
    r.add(CommandSpec("coffee unavoid", unavoid).arg(Arg::word("person")).writes());
    r.add(CommandSpec("coffee met", met)
              .arg(Arg::word("answer"))
              .arg(Arg::id("round").optional())
              .writes());
    r.add(CommandSpec("coffee skip", skip).arg(Arg::id("round").optional()).writes());
    engine.dialogs().add(met_dialog());
    engine.scheduler().on(round_job, run_round);
    engine.scheduler().on(nudge_job, nudge);
    engine.scheduler().on(ask_job, ask_met);
    engine.add_todo_source(coffee_partner);
}

}  // namespace twintrack::bot::social
