// Trainings and business exchange: registration with a capacity and a waiting list,
// reminders, and attendance after the session.

#include <algorithm>

#include "bot/engine.hpp"
#include "bot/features/social/activity_figures.hpp"
#include "bot/features/social/common.hpp"
#include "bot/features/social/training_plan.hpp"
#include "bot/turn.hpp"
#include "core/text.hpp"

namespace twintrack::bot::social {
namespace {

using nlohmann::json;
using store::social::Training;
using store::social::TrainingSeat;

const char* const remind_job = "social.training_remind";
const char* const after_job = "social.training_after";
/// When the organiser is asked for attendance, after the start.
const std::int64_t attendance_after_ms = 2 * 3600 * 1000;

std::string audience_text(Turn& turn, const std::string& audience) {
    return audience == "all" ? turn.text("social.audience_all") : department_text(turn, audience);
}

bool in_audience(const Person& p, const std::string& audience) {
    return audience == "all" || p.department == audience;
}

/// The training of the declared `id` (the parser answered a word that is not a number),
/// answered when missing or unknown.
std::optional<Training> training_arg(Turn& turn, const CommandArgs& args,
                                     const std::string& command) {
    const auto id = args.parsed.id("id");
    if (!id) {
        usage(turn, command);
        return std::nullopt;
    }
    auto t = turn.read_table<SocialTable>().training(*id);
    if (!t) turn.reply("social.training_not_found", {{"id", *id}});
    return t;
}

json training_data(Turn& turn, const Training& t, const Person* reader) {
    const SeatCount seats = seat_count(turn.read_table<SocialTable>().seats(t.id));
    return {{"id", t.id},
            {"topic", t.topic},
            {"trainer", person_name(turn.engine(), t.trainer_id)},
            {"audience", audience_text(turn, t.audience)},
            {"at", local_text(turn.engine(), t.starts_at, reader)},
            {"zone", zone_of(turn.engine(), reader)},
            {"registered", seats.registered},
            {"waiting", seats.waiting},
            {"has_capacity", t.capacity.has_value()},
            {"capacity", t.capacity.value_or(0)},
            {"cancelled", t.status == "cancelled"}};
}

// --- buttons ----------------------------------------------------------------------------

/// Whether `person` registered (or not): settled by `training join`.
std::string join_subject(std::int64_t training, std::int64_t person) {
    return "training-join:" + std::to_string(training) + ":" + std::to_string(person);
}

/// Whether `person` keeps their seat or waiting place: settled by `training leave`.
std::string seat_subject(std::int64_t training, std::int64_t person) {
    return "training-seat:" + std::to_string(training) + ":" + std::to_string(person);
}

/// "Register" (`training join ID`) for `to`, usable until the training starts.
Offer register_offer(Turn& turn, const Training& t, const Person& to) {
    Offer offer;
    offer.subject = join_subject(t.id, to.id);
    offer.audience = {to.id};
    offer.ttl = std::min(offer.ttl, std::chrono::milliseconds(t.starts_at - now_ms(turn)));
    offer.choices.push_back({"social.button.training_register",
                             {},
                             "training join",
                             std::to_string(t.id),
                             "primary",
                             "",
                             "",
                             ""});
    return offer;
}

/// "Withdraw" (`training leave ID`) for someone with a seat or a waiting place.
Offer withdraw_offer(const Training& t, const Person& to) {
    Offer offer;
    offer.subject = seat_subject(t.id, to.id);
    offer.audience = {to.id};
    offer.choices.push_back({"social.button.training_withdraw",
                             {{"id", t.id}, {"topic", t.topic}},
                             "training leave",
                             std::to_string(t.id),
                             "danger",
                             "social.confirm.training_withdraw",
                             "",
                             ""});
    return offer;
}

// --- organising ------------------------------------------------------------------------

void create(Turn& turn, const CommandArgs& args) {
    // Declared: TOPIC by @TRAINER for AUDIENCE on DATE TIME [capacity N] [cost N].
    const Person* trainer = args.parsed.person("trainer");
    if (trainer == nullptr) return;
    TrainingAsk ask;
    ask.topic = args.parsed.word("topic");
    ask.trainer_id = trainer->id;
    ask.audience = args.parsed.word("audience");
    ask.day = *args.parsed.date("date");
    ask.day_text = args.parsed.word("date");
    ask.time = args.parsed.word("time");
    if (args.parsed.has("capacity")) ask.capacity = args.parsed.word("capacity");
    if (args.parsed.has("cost")) ask.cost = args.parsed.word("cost");
    const TrainingContext context{turn.engine().prompts(), turn.person()->id,
                                  zone_of(turn.engine(), turn.person()), now_ms(turn)};
    auto plan = plan_training(ask, context);
    if (!plan.training) {
        turn.reply("social." + plan.problem, plan.data);
        return;
    }
    Training& t = *plan.training;
    auto social = turn.write_table<SocialTable>();
    t.id = social.add_training(t);
    if (t.cost > 0) {
        social.set_cost({"training", "training." + std::to_string(t.id), t.cost, t.starts_at},
                        now_ms(turn));
    }
    auto& scheduler = turn.engine().scheduler();
    const std::string key = std::to_string(t.id);
    for (const auto& [hours, due] : reminder_times(t.starts_at, now_ms(turn))) {
        scheduler.schedule(turn, remind_job,
                           std::string(remind_job) + "." + key + "." + std::to_string(hours),
                           core::from_millis(due), {{"training", t.id}, {"hours", hours}});
    }
    scheduler.schedule(turn, after_job, std::string(after_job) + "." + key,
                       core::from_millis(t.starts_at + attendance_after_ms), {{"training", t.id}});
    int invited = 0;
    for (const auto& p : turn.engine().directory().all()) {
        if (p.id == trainer->id || p.id == turn.person()->id || !in_audience(p, t.audience)) {
            continue;
        }
        ++invited;
        json data = training_data(turn, t, &p);
        data["audience"] =
            text_for(turn.engine(), p,
                     t.audience == "all" ? "social.audience_all" : "core.department." + t.audience);
        turn.tell(p, "social.training_invite", data, register_offer(turn, t, p));
    }
    turn.audit("training.new", {{"training", t.id}, {"topic", t.topic}, {"at", t.starts_at}});
    json data = training_data(turn, t, turn.person());
    data["invited"] = invited;
    turn.reply("social.training_created", data);
}

void cancel(Turn& turn, const CommandArgs& args) {
    auto t = training_arg(turn, args, "training cancel");
    if (!t) return;
    if (t->status == "cancelled") {
        turn.reply("social.training_cancelled_already", {{"id", t->id}});
        return;
    }
    auto social = turn.write_table<SocialTable>();
    social.set_training_status(t->id, "cancelled");
    social.cancel_cost("training." + std::to_string(t->id));
    for (const auto& s : social.seats(t->id)) {
        if (const Person* p = turn.engine().directory().by_id(s.person_id)) {
            turn.tell(*p, "social.training_cancel_notice", training_data(turn, *t, p));
        }
    }
    // Nobody can register or withdraw any more: close the buttons of the invitations.
    for (const auto& p : turn.engine().directory().all()) {
        if (!in_audience(p, t->audience)) continue;
        turn.settle(join_subject(t->id, p.id), "social.outcome.cancelled");
        turn.settle(seat_subject(t->id, p.id), "social.outcome.cancelled");
    }
    turn.audit("training.cancel", {{"training", t->id}});
    turn.reply("social.training_cancelled", {{"id", t->id}, {"topic", t->topic}});
}

// --- joining ------------------------------------------------------------------------

void join(Turn& turn, const CommandArgs& args) {
    auto t = training_arg(turn, args, "training join");
    if (!t) return;
    const Person& me = *turn.person();
    json data = training_data(turn, *t, &me);
    if (t->status == "cancelled") {
        turn.reply("social.training_is_cancelled", data);
        return;
    }
    if (t->starts_at <= now_ms(turn)) {
        turn.reply("social.training_started", data);
        return;
    }
    if (!in_audience(me, t->audience)) {
        turn.reply("social.training_not_for_you", data);
        return;
    }
    auto social = turn.write_table<SocialTable>();
    const auto seats = social.seats(t->id);
    for (std::size_t i = 0; i < seats.size(); ++i) {
        if (seats[i].person_id == me.id) {
            const bool registered = seats[i].status == "registered";
            turn.settle(join_subject(t->id, me.id),
                        registered ? "social.outcome.training_registered"
                                   : "social.outcome.training_on_waiting_list");
            turn.reply(registered ? "social.training_already" : "social.training_already_waiting",
                       data);
            return;
        }
    }
    const auto registered = std::count_if(seats.begin(), seats.end(),
                                          [](const auto& s) { return s.status == "registered"; });
    TrainingSeat seat;
    seat.person_id = me.id;
    seat.joined_at = now_ms(turn);
    seat.status = (!t->capacity || registered < *t->capacity) ? "registered" : "waiting";
    social.add_seat(t->id, seat);
    turn.audit("training.join", {{"training", t->id}, {"status", seat.status}});
    data = training_data(turn, *t, &me);
    data["position"] = static_cast<long>(seats.size()) - registered + 1;
    const bool seated = seat.status == "registered";
    turn.settle(join_subject(t->id, me.id),
                seated ? "social.outcome.training_registered" : "social.outcome.training_waiting",
                {{"position", data["position"]}});
    turn.reply(seated ? "social.training_joined" : "social.training_waiting", data,
               withdraw_offer(*t, me));
}

void leave(Turn& turn, const CommandArgs& args) {
    auto t = training_arg(turn, args, "training leave");
    if (!t) return;
    const Person& me = *turn.person();
    auto social = turn.write_table<SocialTable>();
    const auto seats = social.seats(t->id);
    const auto mine = std::find_if(seats.begin(), seats.end(),
                                   [&](const auto& s) { return s.person_id == me.id; });
    if (mine == seats.end()) {
        turn.reply("social.training_not_registered", training_data(turn, *t, &me));
        return;
    }
    social.remove_seat(t->id, me.id);
    turn.audit("training.leave", {{"training", t->id}});
    if (mine->status == "registered" && t->status == "scheduled" && t->starts_at > now_ms(turn)) {
        const auto first = std::find_if(seats.begin(), seats.end(),
                                        [](const auto& s) { return s.status == "waiting"; });
        if (first != seats.end()) {
            social.set_seat_status(t->id, first->person_id, "registered");
            turn.audit("training.promote", {{"training", t->id}, {"person", first->person_id}});
            if (const Person* p = turn.engine().directory().by_id(first->person_id)) {
                turn.tell(*p, "social.training_promoted", training_data(turn, *t, p));
            }
        }
    }
    turn.settle(seat_subject(t->id, me.id), "social.outcome.training_withdrawn");
    // Changed their mind again: "Register" while it is still open to them.
    if (t->status == "scheduled" && t->starts_at > now_ms(turn) && in_audience(me, t->audience)) {
        turn.reply("social.training_left", training_data(turn, *t, &me),
                   register_offer(turn, *t, me));
    } else {
        turn.reply("social.training_left", training_data(turn, *t, &me));
    }
}

// --- after the session ------------------------------------------------------------------

void attended(Turn& turn, const CommandArgs& args) {
    auto t = training_arg(turn, args, "attended");
    if (!t) return;
    const Person& me = *turn.person();
    const bool organiser =
        std::count(organiser_roles().begin(), organiser_roles().end(), me.role) > 0;
    if (!organiser && me.id != t->trainer_id) {
        turn.reply("social.attendance_not_allowed", training_data(turn, *t, &me));
        return;
    }
    if (t->status == "cancelled") {
        turn.reply("social.training_is_cancelled", training_data(turn, *t, &me));
        return;
    }
    if (t->starts_at > now_ms(turn)) {
        turn.reply("social.training_not_started", training_data(turn, *t, &me));
        return;
    }
    // Declared: ID @PERSON...; the people are the words after the number.
    std::vector<const Person*> people;
    for (std::size_t i = 1; i < args.words.size(); ++i) {
        const Person* p = turn.person_arg(args.words[i]);
        if (p == nullptr) return;  // answered; nothing is recorded
        people.push_back(p);
    }
    auto social = turn.write_table<SocialTable>();
    std::vector<std::string> names;
    for (const Person* p : people) {
        social.mark_attended(t->id, p->id, now_ms(turn));
        names.push_back(p->name);
    }
    const auto seats = social.seats(t->id);
    const auto count =
        std::count_if(seats.begin(), seats.end(), [](const auto& s) { return s.attended; });
    turn.audit("training.attended", {{"training", t->id}, {"people", names}});
    json data = training_data(turn, *t, &me);
    data["names"] = turn.list_data(names);
    data["attended"] = count;
    turn.reply("social.attendance_saved", data);
}

// --- lists ------------------------------------------------------------------------------

void list(Turn& turn, const CommandArgs&) {
    const auto upcoming = turn.read_table<SocialTable>().upcoming_trainings(now_ms(turn), 20);
    if (upcoming.empty()) {
        turn.reply("social.trainings_empty");
        return;
    }
    json items = json::array();
    for (const auto& t : upcoming) items.push_back(training_data(turn, t, turn.person()));
    turn.reply("social.trainings",
               {{"items", items}, {"zone", zone_of(turn.engine(), turn.person())}});
}

void show(Turn& turn, const CommandArgs& args) {
    if (!args.parsed.has("id")) {
        list(turn, args);
        return;
    }
    auto t = training_arg(turn, args, "training");
    if (!t) return;
    std::vector<std::string> registered, waiting, present;
    for (const auto& s : turn.read_table<SocialTable>().seats(t->id)) {
        const std::string name = person_name(turn.engine(), s.person_id);
        (s.status == "registered" ? registered : waiting).push_back(name);
        if (s.attended) present.push_back(name);
    }
    json data = training_data(turn, *t, turn.person());
    data["registered_names"] = turn.list_data(registered);
    data["waiting_names"] = turn.list_data(waiting);
    data["has_waiting"] = !waiting.empty();
    data["attended_names"] = turn.list_data(present);
    data["has_attended"] = !present.empty();
    turn.reply("social.training_card", data);
}

// --- jobs -------------------------------------------------------------------------------

void remind(Turn& turn, const json& payload) {
    const auto t =
        turn.read_table<SocialTable>().training(payload.at("training").get<std::int64_t>());
    if (!t || t->status != "scheduled") return;
    for (const auto& s : turn.read_table<SocialTable>().seats(t->id)) {
        const Person* p = turn.engine().directory().by_id(s.person_id);
        if (p == nullptr || s.status != "registered") continue;
        json data = training_data(turn, *t, p);
        data["hours"] = payload.at("hours");
        turn.tell(*p, "social.training_reminder", data);
    }
    if (const Person* trainer = turn.engine().directory().by_id(t->trainer_id)) {
        json data = training_data(turn, *t, trainer);
        data["hours"] = payload.at("hours");
        turn.tell(*trainer, "social.training_trainer_reminder", data);
    }
}

void after(Turn& turn, const json& payload) {
    const auto t =
        turn.read_table<SocialTable>().training(payload.at("training").get<std::int64_t>());
    if (!t || t->status != "scheduled") return;
    std::vector<std::int64_t> ask = {t->created_by};
    if (t->trainer_id != t->created_by) ask.push_back(t->trainer_id);
    for (auto id : ask) {
        if (const Person* p = turn.engine().directory().by_id(id)) {
            turn.tell(*p, "social.training_ask_attendance", training_data(turn, *t, p));
        }
    }
}

}  // namespace

void register_trainings(Engine& engine) {
    auto& r = engine.router();
    r.add(CommandSpec("training new", create)
              .arg(Arg::text("topic"))
              .keyword("social.words.by", Arg::person("trainer"))
              .keyword("social.words.for", Arg::word("audience"))
              .keyword("social.words.on", Arg::date("date"))
              .arg(Arg::word("time"))
              .keyword("social.words.capacity", Arg::word("capacity").optional())
              .keyword("social.words.cost", Arg::word("cost").optional())
              .roles(organiser_roles())
              .writes());
    r.add(CommandSpec("training cancel", cancel)
              .arg(Arg::id("id"))
              .roles(organiser_roles())
              .writes());
    r.add(CommandSpec("training join", join).arg(Arg::id("id")).writes());
    r.add(CommandSpec("training leave", leave).arg(Arg::id("id")).writes());
    r.add(CommandSpec("training", show).arg(Arg::id("id").optional()));
    r.add(CommandSpec("trainings", list));
    r.add(CommandSpec("attended", attended).arg(Arg::id("id")).arg(Arg::text("people")).writes());
    engine.scheduler().on(remind_job, remind);
    engine.scheduler().on(after_job, after);
}

}  // namespace twintrack::bot::social
