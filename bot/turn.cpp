#include "bot/turn.hpp"

#include <cassert>

#include "bot/engine.hpp"

namespace twintrack::bot {

Turn::Turn(Engine& engine, const core::Event* event, const Person* person)
    : engine_(engine), event_(event), person_(person), locale_(engine.locale_for(person)) {
    assert(engine.on_engine_thread());
}

core::Timestamp Turn::now() const { return engine_.clock().now(); }

const store::Store& Turn::read() { return engine_.store(); }

store::Database& Turn::database() { return engine_.store().db(); }

store::Store& Turn::write() {
    if (!writing_) {
        engine_.store().db().begin();
        writing_ = true;
        if (event_ != nullptr && !event_->id.empty()) {
            const bool fresh = engine_.store().processed_events().record(
                event_->where.connector, event_->id, core::to_millis(now()));
            if (!fresh) throw AlreadyProcessed{};
        }
    }
    return engine_.store();
}

nlohmann::json Turn::list_data(const std::vector<std::string>& items) const {
    nlohmann::json out = nlohmann::json::array();
    const std::string sep = text("core.list_separator");
    for (std::size_t i = 0; i < items.size(); ++i) {
        out.push_back({{"item", items[i]}, {"sep", i == 0 ? std::string() : sep}});
    }
    return out;
}

std::string Turn::text(const std::string& key, const nlohmann::json& data) const {
    return engine_.prompts().render(locale_, key, data);
}

void Turn::reply(const std::string& key, const nlohmann::json& data) {
    reply_text(text(key, data));
}

void Turn::refuse(const std::string& key, const nlohmann::json& data) {
    const std::size_t before = posts_.size();
    reply(key, data);
    if (posts_.size() > before && event_->kind == core::EventKind::action) {
        posts_.back().private_reply = true;
    }
}

void Turn::reply_text(std::string text, const std::string& locale) {
    if (event_ == nullptr) return;
    core::Post p;
    p.to = event_->where;
    p.text = std::move(text);
    p.locale = locale.empty() ? locale_ : locale;
    if (event_->extra.is_object()) {
        p.reply_to = event_->extra.value("message_id", event_->id);
    } else {
        p.reply_to = event_->id;
    }
    posts_.push_back(std::move(p));
}

void Turn::tell(const Person& to, const std::string& key, const nlohmann::json& data) {
    // The writer of a direct message is answered in that conversation (the console has
    // no identities of its own); anyone else on the platform they use, if they are there.
    const bool writer =
        event_ != nullptr && event_->direct && person_ != nullptr && person_->id == to.id;
    const std::string hint = event_ ? event_->where.connector : std::string();
    auto address =
        writer ? std::optional<core::Address>(event_->where) : engine_.direct_address(to, hint);
    if (!address) return;
    core::Post p;
    p.to = *address;
    p.locale = engine_.locale_for(&to);
    p.text = engine_.prompts().render(p.locale, key, data);
    posts_.push_back(std::move(p));
}

void Turn::reply(const std::string& key, const nlohmann::json& data, const Offer& offer) {
    const std::size_t before = posts_.size();
    reply(key, data);
    if (posts_.size() > before) engine_.actions().attach(*this, posts_.back(), offer, person_);
}

void Turn::tell(const Person& to, const std::string& key, const nlohmann::json& data,
                const Offer& offer) {
    const std::size_t before = posts_.size();
    tell(to, key, data);
    if (posts_.size() > before) engine_.actions().attach(*this, posts_.back(), offer, &to);
}

void Turn::settle(const std::string& subject, const std::string& outcome_key,
                  const nlohmann::json& data) {
    engine_.actions().settle(*this, subject, outcome_key, data);
}

void Turn::post(const core::Address& to, const std::string& locale, const std::string& key,
                const nlohmann::json& data, const std::string& dedupe_key) {
    core::Post p;
    p.to = to;
    p.text = engine_.prompts().render(locale, key, data);
    p.locale = locale;
    p.dedupe_key = dedupe_key;
    posts_.push_back(std::move(p));
}

void Turn::audit(const std::string& action, const nlohmann::json& detail) {
    store::AuditEntry e;
    e.at = core::to_millis(now());
    e.person_id = person_ ? person_->id : 0;
    e.action = action;
    e.detail = detail.dump();
    e.event_id = event_ ? event_->where.connector + ":" + event_->id : std::string();
    write().audit().record(e);
}

const Person* Turn::person_arg(const std::string& mention) {
    const auto matches = engine_.directory().match_mention(mention);
    if (matches.size() == 1) return matches.front();
    if (matches.empty()) {
        std::vector<std::string> names;
        for (const Person* p : engine_.directory().similar(mention, 3)) {
            names.push_back(p->name + " <" + p->email + ">");
        }
        reply("core.unknown_person", {{"mention", mention},
                                      {"suggestions", list_data(names)},
                                      {"has_suggestions", !names.empty()}});
        return nullptr;
    }
    nlohmann::json options = nlohmann::json::array();
    nlohmann::json emails = nlohmann::json::array();
    int n = 1;
    for (const Person* p : matches) {
        options.push_back({{"n", n++},
                           {"name", p->name},
                           {"email", p->email},
                           {"department", text("core.department." + p->department)}});
        emails.push_back(p->email);
    }
    const std::string command = event_ ? event_->text : std::string();
    engine_.dialogs().start(
        *this, "clarify_person",
        {{"mention", mention}, {"command", command}, {"emails", emails}, {"options", options}});
    return nullptr;
}

}  // namespace twintrack::bot
