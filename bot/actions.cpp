#include "bot/actions.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "bot/engine.hpp"
#include "bot/local_time.hpp"
#include "bot/turn.hpp"
#include "core/crypto.hpp"
#include "core/text.hpp"

namespace twintrack::bot {
namespace {

using json = nlohmann::json;

const char* const key_setting = "actions.token_key";
constexpr std::size_t max_token_bytes = 512;

std::vector<std::string> split(const std::string& text, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
        const auto at = text.find(sep, start);
        out.push_back(text.substr(start, at == std::string::npos ? std::string::npos : at - start));
        if (at == std::string::npos) return out;
        start = at + 1;
    }
}

std::optional<std::int64_t> number(const std::string& text) {
    if (text.empty() || text.size() > 18) return std::nullopt;
    if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    return std::stoll(text);
}

/// The command words a reader of `locale` types: the canonical name when that locale's
/// usage starts with it (English), else the locale's first alias (批准 for approve).
std::string command_word(const Prompts& prompts, const std::string& locale,
                         const std::string& name) {
    const CommandText* words = prompts.command(locale, name);
    if (words == nullptr || words->aliases.empty()) return name;
    if (words->usage.rfind(name, 0) == 0) return name;
    return words->aliases.front();
}

std::string typed(const Prompts& prompts, const std::string& locale, const Choice& c) {
    const std::string word = command_word(prompts, locale, c.command);
    return c.args.empty() ? word : word + " " + c.args;
}

/// The command line a choice runs, in the canonical words.
std::string command_line(const json& choice) {
    const std::string args = choice.value("args", "");
    const std::string command = choice.value("command", "");
    return args.empty() ? command : command + " " + args;
}

bool in_audience(const std::vector<std::int64_t>& audience, const Person* person) {
    if (audience.empty()) return true;
    return person != nullptr &&
           std::find(audience.begin(), audience.end(), person->id) != audience.end();
}

std::string dedupe_key(std::int64_t post_id) { return "action-post." + std::to_string(post_id); }

/// "10:42" in `zone`.
std::string clock_time(core::Timestamp at, const std::string& zone) {
    const std::string full = format_local(at, zone);
    const auto space = full.find(' ');
    return space == std::string::npos ? full : full.substr(space + 1, 5);
}

}  // namespace

std::string sign_token(const std::string& key, const TokenClaims& c) {
    std::string audience;
    for (const auto id : c.audience) audience += (audience.empty() ? "" : "-") + std::to_string(id);
    if (audience.empty()) audience = "*";
    const std::string body = "v1." + std::to_string(c.post_id) + "." + std::to_string(c.choice) +
                             "." + audience + "." + std::to_string(c.expires_at);
    return body + "." + core::hmac_sha256_hex(key, body);
}

std::optional<TokenClaims> verify_token(const std::string& key, const std::string& token) {
    if (key.empty() || token.size() > max_token_bytes) return std::nullopt;
    const auto dot = token.rfind('.');
    if (dot == std::string::npos) return std::nullopt;
    const std::string body = token.substr(0, dot);
    if (!core::equal_constant_time(token.substr(dot + 1), core::hmac_sha256_hex(key, body))) {
        return std::nullopt;
    }
    const auto parts = split(body, '.');
    if (parts.size() != 5 || parts[0] != "v1") return std::nullopt;
    TokenClaims c;
    const auto post = number(parts[1]);
    const auto choice = number(parts[2]);
    const auto expires = number(parts[4]);
    if (!post || !choice || !expires) return std::nullopt;
    c.post_id = *post;
    c.choice = static_cast<int>(*choice);
    c.expires_at = *expires;
    if (parts[3] != "*") {
        for (const auto& id : split(parts[3], '-')) {
            const auto n = number(id);
            if (!n) return std::nullopt;
            c.audience.push_back(*n);
        }
    }
    return c;
}

void Actions::load_key(store::Store& store) {
    key_ = store.actions().setting_or_init(key_setting, core::random_hex(32));
}

void Actions::attach(Turn& turn, core::Post& post, const Offer& offer, const Person* reader) {
    Engine& engine = turn.engine();
    const Prompts& prompts = engine.prompts();
    const std::string& locale = post.locale;
    json choices = json::array();
    for (const auto& c : offer.choices) {
        choices.push_back({{"command", c.command},
                           {"args", c.args},
                           {"ask", c.ask},
                           {"data", c.data},
                           {"label", c.label}});
    }
    store::ActionPost row;
    row.subject = offer.subject;
    row.connector = post.to.connector;
    row.channel = post.to.channel;
    row.thread = post.to.thread;
    row.locale = locale;
    row.timezone = reader != nullptr ? reader->timezone : engine.settings().company_timezone;
    row.text = post.text;
    row.choices = choices.dump();
    row.created_at = core::to_millis(turn.now());
    row.expires_at = row.created_at + offer.ttl.count();
    const std::int64_t id = turn.write().actions().add(row);
    post.dedupe_key = dedupe_key(id);

    std::vector<std::string> lines;
    for (std::size_t i = 0; i < offer.choices.size(); ++i) {
        const Choice& c = offer.choices[i];
        const std::string token =
            sign_token(key_, {id, static_cast<int>(i), offer.audience, row.expires_at});
        const std::string label = prompts.render(locale, c.label, c.data);
        // A dialog's answer is typed as is; the question already says how.
        std::string line = c.command.empty() ? c.args : typed(prompts, locale, c);
        if (!c.ask.empty()) line += " " + prompts.render(locale, "actions.ask_placeholder");
        if (c.menu.empty()) {
            core::Action a;
            a.label = label;
            a.style = c.style;
            if (!c.confirm.empty()) {
                a.confirm = prompts.render(locale, c.confirm, c.data);
                a.confirm_yes = prompts.render(locale, "actions.confirm_yes");
                a.confirm_no = prompts.render(locale, "actions.confirm_no");
            }
            a.token = token;
            a.typed = line;
            post.actions.push_back(std::move(a));
        } else {
            const std::string placeholder = prompts.render(locale, c.menu, c.data);
            if (post.actions.empty() || post.actions.back().kind != "menu" ||
                post.actions.back().label != placeholder) {
                core::Action menu;
                menu.kind = "menu";
                menu.label = placeholder;
                post.actions.push_back(std::move(menu));
            }
            post.actions.back().options.push_back({label, token, line});
        }
        if (c.command.empty()) continue;
        lines.push_back(
            prompts.render(locale, "actions.typed_choice",
                           {{"n", lines.size() + 1}, {"label", label}, {"command", line}}));
    }
    if (lines.empty()) return;
    std::string text = prompts.render(locale, "actions.typed_intro");
    for (const auto& l : lines) text += "\n" + l;
    post.actions_text = std::move(text);
}

void Actions::settle(Turn& turn, const std::string& subject, const std::string& outcome_key,
                     const json& data) {
    Engine& engine = turn.engine();
    auto& repo = turn.write().actions();
    const std::int64_t now = core::to_millis(turn.now());
    const Person* by = turn.person();
    for (const auto& row : repo.open_about(subject)) {
        json d = data;
        d["name"] = by != nullptr ? by->name : std::string();
        d["time"] = clock_time(turn.now(), row.timezone);
        const std::string outcome = engine.prompts().render(row.locale, outcome_key, d);
        if (!repo.settle(row.id, outcome, by ? std::optional<std::int64_t>(by->id) : std::nullopt,
                         now)) {
            continue;
        }
        if (!engine.shows_actions(row.connector)) continue;
        const std::string platform_id = repo.platform_id(dedupe_key(row.id));
        if (platform_id.empty()) continue;  // never delivered: nothing to update
        core::Post update;
        update.to = {row.connector, row.channel, row.thread};
        update.text = row.text + "\n" + outcome;
        update.locale = row.locale;
        update.replaces = platform_id;
        turn.posts().push_back(std::move(update));
    }
}

core::Event Actions::as_typed(const core::Event& click) {
    core::Event e = click;
    e.where = {click.where.connector, "@" + click.who.user_id, ""};
    e.direct = true;
    e.addressed = true;
    return e;
}

void Actions::click(Turn& turn, core::Event& event) {
    Engine& engine = turn.engine();
    const Person* person = turn.person();
    const auto refuse = [&](const std::string& key, const json& data = json::object()) {
        spdlog::info("action on {} refused: {}", event.where.connector, key);
        turn.refuse(key, data);
    };
    if (person == nullptr) {
        return refuse("core.unknown_sender",
                      {{"user", event.who.user_id}, {"connector", event.who.connector}});
    }
    // Records the click's id first: a replayed click is dropped, even after a restart and
    // even when the first one was refused.
    turn.write();
    const auto claims = verify_token(key_, event.text);
    if (!claims) return refuse("actions.invalid");
    const auto row = turn.read().actions().get(claims->post_id);
    if (!row || row->connector != event.where.connector) return refuse("actions.invalid");
    std::string message_id;
    if (event.extra.is_object()) {
        const auto it = event.extra.find("message_id");
        if (it != event.extra.end() && it->is_string()) message_id = it->get<std::string>();
    }
    if (!message_id.empty()) {
        const std::string platform_id = turn.read().actions().platform_id(dedupe_key(row->id));
        if (!platform_id.empty() && platform_id != message_id) return refuse("actions.invalid");
    }
    const json choices = json::parse(row->choices, nullptr, false);
    if (!choices.is_array() || claims->choice < 0 ||
        static_cast<std::size_t>(claims->choice) >= choices.size()) {
        return refuse("actions.invalid");
    }
    if (!in_audience(claims->audience, person)) return refuse("actions.not_for_you");
    if (core::to_millis(turn.now()) > claims->expires_at) return refuse("actions.expired");
    if (row->status != "open") {
        return refuse("actions.already_decided", {{"outcome", row->outcome}});
    }
    const json& choice = choices[static_cast<std::size_t>(claims->choice)];
    if (choice.value("command", "").empty()) {
        // An answer to the clicker's open dialog, as if typed there.
        const std::string answer = choice.value("args", "");
        turn.audit("action.click", {{"post", row->id}, {"answer", answer}});
        event.text = answer;
        if (!engine.dialogs().answer(turn, row->subject, answer)) {
            return refuse("actions.question_closed");
        }
        return;
    }
    const std::string line = command_line(choice);
    turn.audit("action.click", {{"post", row->id}, {"command", line}});
    event.text = line;  // what the handler (and a which-person dialog) sees as typed
    const std::string ask = choice.value("ask", "");
    if (!ask.empty()) {
        const json data = choice.value("data", json::object());
        engine.dialogs().start(turn, "action_follow_up",
                               {{"command", line}, {"question", turn.text(ask, data)}});
        return;
    }
    engine.router().dispatch(turn, line);
}

DialogSpec Actions::follow_up_dialog() {
    DialogSpec spec;
    spec.kind = "action_follow_up";
    spec.steps.push_back(
        {"actions.ask", false, [](Turn& turn, json& state, const std::string& answer) {
             const std::string text(core::trim(answer));
             if (text.empty()) {
                 turn.reply("actions.ask", state);
                 return false;
             }
             state["answer"] = text;
             return true;
         }});
    spec.finish = [](Turn& turn, json& state) {
        turn.engine().router().dispatch(
            turn, state.value("command", "") + " " + state.value("answer", ""));
    };
    return spec;
}

}  // namespace twintrack::bot
