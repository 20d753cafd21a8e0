#include "bot/dialogs.hpp"

#include <algorithm>

#include "bot/engine.hpp"
#include "bot/turn.hpp"
#include "core/text.hpp"

namespace twintrack::bot {
namespace {

bool is_word(const Engine& engine, const std::string& key, const std::string& text) {
    return engine.prompts().is_word(key, text);
}

std::string timeout_key(std::int64_t person_id, std::int64_t started_at) {
    return "dialog-timeout:" + std::to_string(person_id) + ":" + std::to_string(started_at);
}

}  // namespace

void Dialogs::add(DialogSpec spec) {
    const std::string kind = spec.kind;
    specs_[kind] = std::move(spec);
}

const DialogSpec* Dialogs::find(const std::string& kind) const {
    auto it = specs_.find(kind);
    return it == specs_.end() ? nullptr : &it->second;
}

void Dialogs::load_open(std::vector<std::int64_t> person_ids) {
    open_.clear();
    for (auto id : person_ids) open_[id] = true;
}

bool Dialogs::has_open(std::int64_t person_id) const { return open_.count(person_id) > 0; }

std::string Dialogs::subject(const std::string& kind, std::int64_t person_id,
                             std::int64_t started_at, int step) {
    return "dialog:" + kind + ":" + std::to_string(person_id) + ":" + std::to_string(started_at) +
           ":" + std::to_string(step);
}

Offer Dialogs::offer(Turn& turn, const DialogSpec& spec, int step, const nlohmann::json& state,
                     std::int64_t person_id, std::int64_t started_at) const {
    Offer o;
    if (!spec.choices) return o;
    o.choices = spec.choices(turn, step, state);
    o.subject = subject(spec.kind, person_id, started_at, step);
    o.audience = {person_id};
    o.ttl = std::chrono::duration_cast<std::chrono::milliseconds>(
        turn.engine().settings().dialog_timeout);
    return o;
}

void Dialogs::settle(Turn& turn, const store::DialogRecord& record,
                     const std::string& outcome_key) {
    const DialogSpec* spec = find(record.kind);
    if (spec == nullptr || !spec->choices) return;
    turn.settle(subject(record.kind, record.person_id, record.started_at, record.step),
                outcome_key);
}

void Dialogs::ask(Turn& turn, const DialogSpec& spec, int step, const nlohmann::json& state,
                  std::int64_t started_at) {
    nlohmann::json data = state;
    data["step"] = step + 1;
    data["steps"] = spec.steps.size();
    data["optional"] = spec.steps[static_cast<std::size_t>(step)].optional;
    const std::string& question = spec.steps[static_cast<std::size_t>(step)].question;
    const Offer o = turn.person() != nullptr
                        ? offer(turn, spec, step, state, turn.person()->id, started_at)
                        : Offer{};
    if (o.choices.empty()) {
        turn.reply(question, data);
    } else {
        turn.reply(question, data, o);
    }
}

void Dialogs::open(Turn& turn, store::DialogRecord d) {
    auto& store = turn.write();
    const std::int64_t now = core::to_millis(turn.now());
    const std::int64_t timeout =
        std::chrono::milliseconds(turn.engine().settings().dialog_timeout).count();
    if (auto old = store.dialogs().find(d.person_id)) {
        store.jobs().cancel(timeout_key(old->person_id, old->started_at));
        settle(turn, *old, "actions.outcome.question_closed");
    }
    d.step = 0;
    d.started_at = now;
    d.updated_at = now;
    d.expires_at = now + timeout;
    store.dialogs().save(d);
    open_[d.person_id] = true;
    turn.engine().scheduler().schedule(
        turn, "dialog.timeout", timeout_key(d.person_id, d.started_at),
        core::from_millis(d.expires_at), {{"person_id", d.person_id}, {"started_at", now}});
}

void Dialogs::start(Turn& turn, const std::string& kind, nlohmann::json state) {
    const DialogSpec* spec = find(kind);
    if (spec == nullptr || turn.person() == nullptr || turn.event() == nullptr) return;
    store::DialogRecord d;
    d.person_id = turn.person()->id;
    d.kind = kind;
    d.state = state.dump();
    d.connector = turn.event()->where.connector;
    d.channel = turn.event()->where.channel;
    d.thread = turn.event()->where.thread;
    open(turn, std::move(d));
    ask(turn, *spec, 0, state, core::to_millis(turn.now()));
}

bool Dialogs::start_with(Turn& turn, const store::Person& person, const std::string& kind,
                         nlohmann::json state) {
    const DialogSpec* spec = find(kind);
    if (spec == nullptr || has_open(person.id)) return false;
    const auto address = turn.engine().direct_address(person, "");
    if (!address) return false;
    store::DialogRecord d;
    d.person_id = person.id;
    d.kind = kind;
    d.state = state.dump();
    d.connector = address->connector;
    d.channel = address->channel;
    d.thread = address->thread;
    open(turn, std::move(d));
    nlohmann::json data = state;
    data["step"] = 1;
    data["steps"] = spec->steps.size();
    data["optional"] = spec->steps.front().optional;
    turn.post(*address, turn.engine().locale_for(&person), spec->steps.front().question, data);
    const Offer o = offer(turn, *spec, 0, state, person.id, core::to_millis(turn.now()));
    if (!o.choices.empty()) turn.engine().actions().attach(turn, turn.posts().back(), o, &person);
    return true;
}

bool Dialogs::handle(Turn& turn, const std::string& text) {
    if (turn.person() == nullptr || !has_open(turn.person()->id)) return false;
    auto record = turn.read().dialogs().find(turn.person()->id);
    // A dialog lives where it started; elsewhere the person is giving ordinary commands.
    const auto& where = turn.event()->where;
    if (record && !turn.event()->direct &&
        (where.connector != record->connector || where.channel != record->channel)) {
        return false;
    }
    auto& store = turn.write();
    const DialogSpec* spec = record ? find(record->kind) : nullptr;
    const std::int64_t now = core::to_millis(turn.now());
    if (!record || spec == nullptr || record->expires_at <= now) {
        if (record) {
            settle(turn, *record, "actions.outcome.question_closed");
            store.dialogs().remove(record->person_id);
            store.jobs().cancel(timeout_key(record->person_id, record->started_at));
        }
        open_.erase(turn.person()->id);
        return false;
    }
    auto state = nlohmann::json::parse(record->state, nullptr, false);
    if (state.is_discarded()) state = nlohmann::json::object();
    auto close = [&] {
        store.dialogs().remove(record->person_id);
        store.jobs().cancel(timeout_key(record->person_id, record->started_at));
        open_.erase(record->person_id);
    };
    int step = std::clamp(record->step, 0, static_cast<int>(spec->steps.size()) - 1);
    const bool dialog_word = is_word(turn.engine(), "core.words.cancel", text) ||
                             is_word(turn.engine(), "core.words.back", text) ||
                             is_word(turn.engine(), "core.words.skip", text);
    if (!dialog_word && spec->is_answer && !spec->is_answer(turn, state, text)) {
        settle(turn, *record, "actions.outcome.question_closed");
        close();
        return false;
    }
    if (is_word(turn.engine(), "core.words.cancel", text)) {
        settle(turn, *record, "actions.outcome.question_closed");
        close();
        turn.reply("core.dialog_cancelled");
        return true;
    }
    bool advance = false;
    if (is_word(turn.engine(), "core.words.back", text)) {
        if (step > 0) --step;
    } else if (is_word(turn.engine(), "core.words.skip", text)) {
        if (spec->steps[static_cast<std::size_t>(step)].optional) {
            advance = true;
        } else {
            turn.reply("core.dialog_cannot_skip");
        }
    } else if (spec->steps[static_cast<std::size_t>(step)].accept(turn, state, text)) {
        advance = true;
    }
    if (advance) ++step;
    if (step != record->step) {
        settle(turn, *record,
               advance ? "actions.outcome.answered" : "actions.outcome.question_closed");
    }
    if (step >= static_cast<int>(spec->steps.size())) {
        close();
        spec->finish(turn, state);
        return true;
    }
    record->step = step;
    record->state = state.dump();
    record->updated_at = now;
    record->expires_at =
        now + std::chrono::milliseconds(turn.engine().settings().dialog_timeout).count();
    store.dialogs().save(*record);
    store.jobs().reschedule(timeout_key(record->person_id, record->started_at), record->expires_at);
    // An answer that was refused has been explained by accept(); ask again either way.
    ask(turn, *spec, step, state, record->started_at);
    return true;
}

bool Dialogs::answer(Turn& turn, const std::string& about, const std::string& answer) {
    if (turn.person() == nullptr) return false;
    const auto record = turn.read().dialogs().find(turn.person()->id);
    if (!record || record->expires_at <= core::to_millis(turn.now()) ||
        subject(record->kind, record->person_id, record->started_at, record->step) != about) {
        return false;
    }
    return handle(turn, answer);
}

void Dialogs::expire(Turn& turn, std::int64_t person_id, std::int64_t started_at) {
    auto& store = turn.write();
    auto record = store.dialogs().find(person_id);
    if (!record || record->started_at != started_at) return;
    if (record->expires_at > core::to_millis(turn.now())) {
        turn.engine().scheduler().schedule(
            turn, "dialog.timeout",
            timeout_key(person_id, started_at) + ":" + std::to_string(record->expires_at),
            core::from_millis(record->expires_at),
            {{"person_id", person_id}, {"started_at", started_at}});
        return;
    }
    settle(turn, *record, "actions.outcome.question_closed");
    store.dialogs().remove(person_id);
    open_.erase(person_id);
    const DialogSpec* spec = find(record->kind);
    if (spec != nullptr && spec->quiet_timeout) return;
    const Person* person = turn.engine().directory().by_id(person_id);
    const std::string locale = turn.engine().locale_for(person);
    turn.post({record->connector, record->channel, record->thread}, locale, "core.dialog_timed_out",
              {});
}

}  // namespace twintrack::bot
