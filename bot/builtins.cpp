#include "bot/builtins.hpp"

#include <algorithm>
#include <iomanip>
#include <sstream>

#include "bot/engine.hpp"
#include "bot/local_time.hpp"
#include "bot/turn.hpp"
#include "core/crypto.hpp"
#include "core/text.hpp"

namespace twintrack::bot {
namespace {

using nlohmann::json;

json person_card(Turn& turn, const Person& p) {
    json identities = json::array();
    for (const auto& i : p.identities) identities.push_back(i.connector + ":" + i.user_id);
    return {{"name", p.name},
            {"email", p.email},
            {"department", turn.text("core.department." + p.department)},
            {"role", turn.text("core.role." + p.role)},
            {"timezone", p.timezone},
            {"locale", p.locale},
            {"working_hours", format_working_hours(p.work_start, p.work_end)},
            {"local_time", format_local(turn.now(), p.timezone)},
            {"identities", core::join(identities.get<std::vector<std::string>>(), ", ")}};
}

// The topics of `help TOPIC`: each groups the commands of one part of the product. The
// words people type for a topic are `core.help_topic_word.KEY` in every locale.
struct HelpTopic {
    const char* key;
    std::vector<const char*> commands;
};

const std::vector<HelpTopic>& help_topics() {
    static const std::vector<HelpTopic> topics = {
        {"reports",
         {"report", "report edit", "report pause", "reports", "intel", "rotation", "rotation plan",
          "rotation stop"}},
        {"engagements",
         {"engagement new", "engagement", "engagements", "who owns", "stage", "consult", "handoff",
          "accept", "decline", "customer alias", "track set"}},
        {"meetings",
         {"meetings", "meet", "book", "meeting cancel", "joint-meetings", "joint-meeting", "agenda",
          "minutes"}},
        {"metrics",
         {"metrics", "deal won", "deal lost", "quota set", "campaign new", "campaign touch",
          "summary reports", "summary channel", "summary customer"}},
        {"activities",
         {"coffee",        "coffee start",   "coffee stop",  "coffee stats",   "coffee pause",
          "coffee resume", "coffee optout",  "coffee avoid", "coffee unavoid", "coffee met",
          "coffee skip",   "trainings",      "training",     "training new",   "training cancel",
          "training join", "training leave", "attended",     "outings",        "outing",
          "outing new",    "outing cancel",  "vote",         "rsvp",           "close",
          "budget"}},
        {"announcements",
         {"tone check", "announce draft", "announce edit", "announce", "approve", "changes"}},
        {"account",
         {"todo", "whoami", "whois", "rules", "profile", "language", "link", "ping", "help"}},
    };
    return topics;
}

}  // namespace

std::vector<std::string> first_commands(const std::string& department, const std::string& role) {
    if (role == "hr" || department == "hr") {
        return {"todo",       "coffee start", "coffee stats", "training new",
                "outing new", "budget",       "trainings"};
    }
    if (role == "admin") {
        return {"todo", "summary reports", "approve", "metrics", "engagements", "track set"};
    }
    if (department == "management") {
        return {"todo", "summary reports", "approve", "metrics", "summary channel", "meet"};
    }
    if (role == "manager" && department == "marketing") {
        return {"todo",           "summary reports", "approve",      "metrics",
                "announce draft", "engagements",     "rotation plan"};
    }
    if (role == "manager") {
        return {"todo",        "summary reports", "approve", "metrics",
                "engagements", "quota set",       "intel"};
    }
    if (department == "marketing") {
        return {"todo", "engagement new", "handoff", "tone check", "metrics", "coffee"};
    }
    return {"todo", "report", "engagements", "accept", "metrics", "coffee"};
}

namespace {

// A command's usage line (from its declaration when it has one) and summary.
nlohmann::json command_line(Turn& turn, const CommandSpec& spec) {
    const Prompts& prompts = turn.engine().prompts();
    const CommandText* t = prompts.command(turn.locale(), spec.name());
    if (t == nullptr) t = prompts.command(prompts.default_locale(), spec.name());
    return {{"usage", turn.engine().router().usage(spec.name(), prompts, turn.locale())},
            {"summary", t ? t->summary : std::string()}};
}

const HelpTopic* find_topic(Turn& turn, const std::string& word) {
    const Prompts& prompts = turn.engine().prompts();
    const std::string w = core::ascii_lower(std::string(core::trim(word)));
    for (const auto& topic : help_topics()) {
        for (const auto& locale : prompts.locales()) {
            const std::string said = core::ascii_lower(
                prompts.render(locale, std::string("core.help_topic_word.") + topic.key));
            if (w == said) return &topic;
        }
    }
    return nullptr;
}

void help_all(Turn& turn) {
    Engine& engine = turn.engine();
    json commands = json::array();
    for (const auto& spec : engine.router().commands()) {
        if (!Router::allowed(spec, turn.person() ? turn.person()->role : "")) continue;
        commands.push_back(command_line(turn, spec));
    }
    turn.reply("core.help", {{"commands", commands}, {"bot", engine.settings().bot_user}});
}

void help_topic(Turn& turn, const HelpTopic& topic) {
    const std::string role = turn.person() ? turn.person()->role : "";
    json commands = json::array();
    for (const char* name : topic.commands) {
        const CommandSpec* spec = turn.engine().router().find(name);
        if (spec == nullptr || !Router::allowed(*spec, role)) continue;
        commands.push_back(command_line(turn, *spec));
    }
    const std::string key = topic.key;
    turn.reply("core.help_topic", {{"topic", turn.text("core.help_topic_word." + key)},
                                   {"about", turn.text("core.help_topic." + key)},
                                   {"commands", commands}});
}

// `help` alone: the few commands this person most likely needs, then the topics.
json help_short_data(Turn& turn) {
    Engine& engine = turn.engine();
    const Person* me = turn.person();
    const std::string role = me ? me->role : "";
    json commands = json::array();
    for (const auto& name : first_commands(me ? me->department : "", role)) {
        const CommandSpec* spec = engine.router().find(name);
        if (spec == nullptr || !Router::allowed(*spec, role)) continue;
        commands.push_back(command_line(turn, *spec));
    }
    json topics = json::array();
    for (const auto& topic : help_topics()) {
        const std::string key = topic.key;
        topics.push_back({{"word", turn.text("core.help_topic_word." + key)},
                          {"about", turn.text("core.help_topic." + key)}});
    }
    return {{"name", me ? me->name : std::string()},
            {"department", me ? turn.text("core.department." + me->department) : ""},
            {"role", me ? turn.text("core.role." + me->role) : ""},
            {"commands", commands},
            {"topics", topics},
            {"bot", engine.settings().bot_user}};
}

void help(Turn& turn, const CommandArgs& args) {
    Engine& engine = turn.engine();
    const Prompts& prompts = engine.prompts();
    if (args.words.empty()) {
        turn.reply("core.help_short", help_short_data(turn));
        return;
    }
    if (args.words.size() == 1 && prompts.is_word("core.words.help_all", args.words.front())) {
        help_all(turn);
        return;
    }
    if (args.words.size() == 1) {
        if (const HelpTopic* topic = find_topic(turn, args.words.front())) {
            help_topic(turn, *topic);
            return;
        }
    }
    const CommandSpec* spec = engine.router().find(args.rest);
    if (spec == nullptr) spec = engine.router().find(args.words.front());
    if (spec == nullptr) {
        const auto suggestions = engine.router().suggest(args.words.front(), 3);
        std::vector<std::string> lines;
        for (const auto& s : suggestions)
            lines.push_back(turn.text("core.help_line", {{"command", s}}));
        turn.reply("core.unknown_command",
                   {{"word", std::string(core::utf8_prefix(args.words.front(), 64))},
                    {"suggestions", turn.list_data(lines)},
                    {"has_suggestions", !suggestions.empty()}});
        return;
    }
    json aliases = json::array();
    for (const auto& locale : prompts.locales()) {
        if (const CommandText* t = prompts.command(locale, spec->name())) {
            for (const auto& a : t->aliases) aliases.push_back(a);
        }
    }
    const CommandText* t = prompts.command(turn.locale(), spec->name());
    if (t == nullptr) t = prompts.command(prompts.default_locale(), spec->name());
    json roles = json::array();
    for (const auto& r : spec->allowed_roles()) roles.push_back(turn.text("core.role." + r));
    turn.reply("core.help_command",
               {{"name", spec->name()},
                {"usage", engine.router().usage(spec->name(), prompts, turn.locale())},
                {"summary", t ? t->summary : std::string()},
                {"aliases", core::join(aliases.get<std::vector<std::string>>(), ", ")},
                {"has_aliases", !aliases.empty()},
                {"roles", core::join(roles.get<std::vector<std::string>>(), " / ")},
                {"has_roles", !roles.empty()}});
}

// What is waiting for the writer, from every feature that has something, as one text.
std::string todo_text(Turn& turn) {
    std::vector<std::string> items;
    for (const auto& source : turn.engine().todo_sources()) source(turn, *turn.person(), items);
    if (items.empty()) return turn.text("core.todo_none");
    return turn.text("core.todo", {{"items", items}, {"count", items.size()}});
}

// `todo`: what is waiting for the writer.
void todo(Turn& turn, const CommandArgs&) { turn.reply_text(todo_text(turn)); }

// A channel message that is only a command word ("help", "待办"), typed without "!":
// the writer meant the bot, so say how to reach it.
bool command_without_bang(Turn& turn, const std::string& text) {
    const std::string line(core::trim(text));
    if (line.empty() || line.size() > 64 || turn.engine().router().find(line) == nullptr) {
        return false;
    }
    turn.reply("core.channel_hint", {{"line", line}});
    return true;
}

// "Usage: ..." and, when the command has one, a whole line to type as it is.
void usage_of(Turn& turn, const std::string& command) { reply_usage(turn, command); }

void whoami(Turn& turn, const CommandArgs&) {
    turn.reply("core.whoami", person_card(turn, *turn.person()));
}

// Declared: whois @PERSON (resolved by the Router).
void whois(Turn& turn, const CommandArgs& args) {
    turn.reply("core.whois", person_card(turn, *args.parsed.person("person")));
}

std::string percent(double rate) {
    std::ostringstream out;
    out << std::setprecision(4) << rate * 100;
    return out.str();
}

void rules(Turn& turn, const CommandArgs&) {
    const Rules& r = turn.engine().settings().rules;
    json notes = json::array();
    auto it = r.notes.find(turn.locale());
    if (it == r.notes.end()) it = r.notes.find(turn.engine().settings().default_locale);
    if (it != r.notes.end()) {
        for (const auto& n : it->second) notes.push_back(n);
    }
    json data = {{"company", turn.engine().settings().company_name},
                 {"handoff_hours", r.handoff_acceptance_hours},
                 {"pool_rate", percent(r.commission_pool_rate)},
                 {"key_amount", std::to_string(r.key_engagement_amount)},
                 {"currency", r.currency},
                 {"notes", notes},
                 {"has_notes", !notes.empty()}};
    for (const auto& source : turn.engine().rules_sources()) source(turn, data);
    turn.reply("core.rules", data);
}

void ping(Turn& turn, const CommandArgs&) { turn.reply("core.pong"); }

bool set_language(Turn& turn, const std::string& requested, Person& updated) {
    const Prompts& prompts = turn.engine().prompts();
    // A locale's code, or its names in every locale (core.words.language_en, ...).
    if (std::string l = prompts.locale_named(requested); !l.empty()) {
        updated.locale = l;
        return true;
    }
    json known = json::array();
    for (const auto& l : prompts.locales()) known.push_back(l);
    turn.reply("core.unknown_language",
               {{"language", std::string(core::utf8_prefix(requested, 64))},
                {"known", core::join(known.get<std::vector<std::string>>(), ", ")}});
    return false;
}

void save_profile(Turn& turn, const Person& updated) {
    turn.write().people().update_profile(updated, core::to_millis(turn.now()));
    turn.audit("profile.update",
               {{"person", updated.email},
                {"timezone", updated.timezone},
                {"locale", updated.locale},
                {"working_hours", format_working_hours(updated.work_start, updated.work_end)}});
}

void language(Turn& turn, const CommandArgs& args) {
    if (args.words.empty()) {
        turn.reply("core.language_current", {{"locale", turn.locale()}});
        return;
    }
    Person updated = *turn.person();
    if (!set_language(turn, args.words.front(), updated)) return;
    save_profile(turn, updated);
    turn.engine().directory_changed();
    // Answer in the language just chosen.
    const std::string locale = turn.engine().locale_for(&updated);
    turn.reply_text(
        turn.engine().prompts().render(locale, "core.language_set", {{"locale", updated.locale}}),
        locale);
}

// `link CONNECTOR USER` then `link code NNNNNN`: the writer claims their identity on
// another platform. The bot sends a one-time code there (a direct message through that
// connector); the link is made only when the writer sends the code back in time, which
// proves they can read that identity's messages.
constexpr std::int64_t link_code_minutes = 10;
constexpr int link_code_attempts = 5;   // wrong codes before a code is void
constexpr int link_codes_per_hour = 5;  // codes one person may ask for
constexpr std::int64_t hour_ms = 3600 * 1000;
constexpr std::size_t link_code_digits = 6;

std::string link_hash(const std::string& salt, const std::string& code) {
    return core::sha256_hex(salt + code);
}

void link_usage(Turn& turn) { usage_of(turn, "link"); }

void link_request(Turn& turn, const store::Identity& identity) {
    const auto running = turn.engine().connector_names();
    if (std::find(running.begin(), running.end(), identity.connector) == running.end()) {
        turn.reply("core.link_unknown_connector",
                   {{"connector", std::string(core::utf8_prefix(identity.connector, 64))},
                    {"known", core::join(running, ", ")}});
        return;
    }
    const Person& me = *turn.person();
    auto& store = turn.write();
    const auto owner = store.people().owner_of(identity);
    const std::string shown =
        identity.connector + ":" + std::string(core::utf8_prefix(identity.user_id, 64));
    if (owner && *owner == me.id) {
        turn.reply("core.link_already", {{"identity", shown}});
        return;
    }
    if (owner) {
        turn.reply("core.link_taken", {{"identity", shown}});
        return;
    }
    const std::int64_t now = core::to_millis(turn.now());
    if (store.link_codes().count_since(me.id, now - hour_ms) >= link_codes_per_hour) {
        turn.reply("core.link_too_many", {{"count", link_codes_per_hour}});
        return;
    }
    store.link_codes().void_pending(me.id, now);
    const std::string code = core::random_digits(link_code_digits);
    store::LinkCode row;
    row.person_id = me.id;
    row.connector = identity.connector;
    row.user_id = identity.user_id;
    row.salt = core::random_hex(16);
    row.code_hash = link_hash(row.salt, code);
    row.created_at = now;
    row.expires_at = now + link_code_minutes * 60 * 1000;
    store.link_codes().add(row);
    turn.audit("identity.link_requested", {{"person_id", me.id}, {"identity", shown}});
    // To the claimed identity, in the claimer's language (it is meant to be them).
    const std::string bot = turn.engine().settings().bot_user;
    turn.post({identity.connector, "@" + identity.user_id, ""}, turn.locale(), "core.link_code",
              {{"code", code},
               {"name", me.name},
               {"email", me.email},
               {"minutes", link_code_minutes},
               {"bot", bot}});
    turn.reply("core.link_code_sent", {{"identity", shown}, {"minutes", link_code_minutes}});
}

void link_confirm(Turn& turn, const std::string& code) {
    const Person& me = *turn.person();
    auto& store = turn.write();
    const std::int64_t now = core::to_millis(turn.now());
    const auto codes = store.link_codes().of_person(me.id, now - 24 * hour_ms);
    const bool well_formed =
        code.size() == link_code_digits &&
        std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
    for (const auto& c : codes) {
        if (!well_formed || link_hash(c.salt, code) != c.code_hash) continue;
        const std::string shown = c.connector + ":" + c.user_id;
        if (c.status == "used") {
            turn.reply("core.link_code_used");
            return;
        }
        if (c.status == "void") {
            turn.reply("core.link_code_void");
            return;
        }
        if (now >= c.expires_at) {
            store.link_codes().finish(c.id, "void", now);
            turn.reply("core.link_code_expired", {{"minutes", link_code_minutes}});
            return;
        }
        const store::Identity identity{c.connector, c.user_id};
        const auto owner = store.people().owner_of(identity);
        if (owner && *owner != me.id) {
            store.link_codes().finish(c.id, "void", now);
            turn.reply("core.link_taken", {{"identity", shown}});
            return;
        }
        store.link_codes().finish(c.id, "used", now);
        if (!owner) store.people().add_identity(me.id, identity);
        turn.audit("identity.link", {{"person_id", me.id}, {"identity", shown}});
        turn.engine().directory_changed();
        turn.reply("core.link_done", {{"identity", shown}});
        return;
    }
    // No code of theirs matches: a wrong try against the one waiting, if any.
    for (const auto& c : codes) {
        if (c.status != "pending" || now >= c.expires_at) continue;
        const int attempts = c.attempts + 1;
        if (attempts >= link_code_attempts) {
            store.link_codes().finish(c.id, "void", now);
            store.link_codes().set_attempts(c.id, attempts);
            turn.audit("identity.link_locked",
                       {{"person_id", me.id}, {"identity", c.connector + ":" + c.user_id}});
            turn.reply("core.link_code_locked", {{"count", link_code_attempts}});
        } else {
            store.link_codes().set_attempts(c.id, attempts);
            turn.reply("core.link_code_wrong", {{"left", link_code_attempts - attempts}});
        }
        return;
    }
    turn.reply("core.link_code_none");
}

void link(Turn& turn, const CommandArgs& args) {
    if (args.words.size() != 2) {
        link_usage(turn);
        return;
    }
    if (turn.engine().prompts().is_word("core.words.link_code", args.words[0])) {
        link_confirm(turn, std::string(core::trim(args.words[1])));
        return;
    }
    link_request(turn, store::Identity{args.words[0], args.words[1]});
}

DialogSpec profile_dialog() {
    DialogSpec spec;
    spec.kind = "profile";
    spec.steps.push_back(
        {"core.profile_ask_timezone", true, [](Turn& turn, json& state, const std::string& answer) {
             const std::string zone(core::trim(answer));
             if (!valid_timezone(zone)) {
                 turn.reply("core.invalid_timezone",
                            {{"zone", std::string(core::utf8_prefix(zone, 64))}});
                 return false;
             }
             state["timezone"] = zone;
             return true;
         }});
    spec.steps.push_back(
        {"core.profile_ask_hours", true, [](Turn& turn, json& state, const std::string& answer) {
             auto hours = parse_working_hours(std::string(core::trim(answer)));
             if (!hours) {
                 turn.reply("core.invalid_hours",
                            {{"hours", std::string(core::utf8_prefix(answer, 64))}});
                 return false;
             }
             state["working_hours"] = format_working_hours(hours->first, hours->second);
             return true;
         }});
    spec.steps.push_back(
        {"core.profile_ask_language", true, [](Turn& turn, json& state, const std::string& answer) {
             Person probe = *turn.person();
             if (!set_language(turn, answer, probe)) return false;
             state["locale"] = probe.locale;
             return true;
         }});
    spec.finish = [](Turn& turn, json& state) {
        Person updated = *turn.person();
        if (state.contains("timezone")) updated.timezone = state["timezone"];
        if (state.contains("working_hours")) {
            auto hours = parse_working_hours(state["working_hours"].get<std::string>());
            updated.work_start = hours->first;
            updated.work_end = hours->second;
        }
        if (state.contains("locale")) updated.locale = state["locale"];
        save_profile(turn, updated);
        turn.engine().directory_changed();
        const std::string locale = turn.engine().locale_for(&updated);
        turn.reply_text(turn.engine().prompts().render(locale, "core.profile_saved",
                                                       person_card(turn, updated)),
                        locale);
    };
    return spec;
}

// Replaces the first whole word `word` (or "word" in quotes, or the value of key=word)
// in `text`.
std::string replace_word(const std::string& text, const std::string& word,
                         const std::string& with) {
    auto boundary = [&](std::size_t i) {
        return i >= text.size() || text[i] == ' ' || text[i] == '"';
    };
    for (std::size_t pos = text.find(word); pos != std::string::npos;
         pos = text.find(word, pos + 1)) {
        const bool after_key = pos > 0 && text[pos - 1] == '=';
        if ((pos == 0 || boundary(pos - 1) || after_key) && boundary(pos + word.size())) {
            std::size_t start = pos, end = pos + word.size();
            if (start > 0 && text[start - 1] == '"' && end < text.size() && text[end] == '"') {
                --start, ++end;
            }
            return text.substr(0, start) + with + text.substr(end);
        }
    }
    return text;
}

DialogSpec clarify_person_dialog() {
    DialogSpec spec;
    spec.kind = "clarify_person";
    spec.steps.push_back(
        {"core.clarify_person", false, [](Turn& turn, json& state, const std::string& answer) {
             const auto& emails = state["emails"];
             int n = 0;
             try {
                 n = std::stoi(std::string(core::trim(answer)));
             } catch (const std::exception&) {
             }
             if (n < 1 || n > static_cast<int>(emails.size())) {
                 turn.reply("core.clarify_pick_number", {{"count", emails.size()}});
                 return false;
             }
             state["chosen"] = emails[static_cast<std::size_t>(n - 1)];
             return true;
         }});
    spec.finish = [](Turn& turn, json& state) {
        // Run the original command again with the mention replaced by the exact email.
        std::string command = state.value("command", "");
        const std::string mention = state.value("mention", "");
        const std::string chosen = "@" + state.value("chosen", "");
        if (!command.empty() && command.front() == '!') command.erase(0, 1);
        command = replace_word(command, mention, chosen);
        turn.engine().router().dispatch(turn, command);
    };
    // One button per candidate, answering with its number.
    spec.choices = [](Turn&, int, const json& state) {
        std::vector<Choice> out;
        for (const auto& o : state.value("options", json::array())) {
            Choice c;
            c.label = "core.button.person";
            c.data = {{"name", o.value("name", "")}, {"department", o.value("department", "")}};
            c.args = std::to_string(o.value("n", 0));
            out.push_back(std::move(c));
        }
        return out;
    };
    return spec;
}

// GET /api/v1/help?user=ID: the short help of the person with that identity on the
// connector that forwarded the request, and what is waiting for them, in their language
// (the hub page's help panel).
core::ApiResponse help_api(Turn& turn, const ApiCall& call) {
    const auto user = call.request.query.find("user");
    if (user == call.request.query.end() || user->second.empty()) {
        return api_error(400, "bad_request", "the query parameter user is required");
    }
    const Person* person = turn.engine().directory().resolve(
        core::Sender{call.request.connector, user->second, user->second});
    if (person == nullptr) return api_error(404, "not_found", "nobody has that identity here");
    Turn as(turn.engine(), nullptr, person);
    core::ApiResponse r;
    r.body = json{{"locale", as.locale()},
                  {"text", as.text("core.help_short", help_short_data(as))},
                  {"todo", todo_text(as)}}
                 .dump();
    return r;
}

}  // namespace

void register_builtins(Engine& engine) {
    Router& r = engine.router();
    r.add(CommandSpec("help", help));
    r.add(CommandSpec("todo", todo));
    engine.api().add({"GET", "/api/v1/help", false, help_api});
    engine.add_watcher(command_without_bang);
    r.add(CommandSpec("whoami", whoami));
    r.add(CommandSpec("whois", whois).arg(Arg::person("person")));
    r.add(CommandSpec("rules", rules));
    r.add(CommandSpec("ping", ping));
    r.add(CommandSpec("profile", [](Turn& turn, const CommandArgs&) {
              const Person& me = *turn.person();
              turn.engine().dialogs().start(
                  turn, "profile",
                  {{"timezone", me.timezone},
                   {"working_hours", format_working_hours(me.work_start, me.work_end)},
                   {"locale", me.locale}});
          }).writes());
    r.add(CommandSpec("language", language).writes());
    r.add(CommandSpec("link", link).writes());
    engine.dialogs().add(profile_dialog());
    engine.dialogs().add(clarify_person_dialog());
}

}  // namespace twintrack::bot
