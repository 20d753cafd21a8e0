#include "bot/router.hpp"

#include <date/tz.h>

#include <algorithm>

#include "bot/customers.hpp"
#include "bot/engine.hpp"
#include "bot/local_time.hpp"
#include "bot/turn.hpp"
#include "core/text.hpp"

namespace twintrack::bot {
namespace {

// The text after the first `n` words of `text` (command words never hold quotes).
std::string after_words(const std::string& text, std::size_t n) {
    std::string_view s = core::trim(text);
    for (std::size_t i = 0; i < n; ++i) {
        const auto words = core::split_words(std::string(s));
        if (words.empty()) return std::string();
        s = core::trim(s.substr(std::min(s.size(), s.find(words.front()) + words.front().size())));
    }
    return std::string(s);
}

// The writer's local day, for dates written as today or 12月24日.
date::year_month_day local_today(Turn& turn) {
    const std::string zone = turn.person() ? turn.person()->timezone : std::string();
    const auto local = zone_or_utc(zone)->to_local(turn.now());
    return date::year_month_day{date::floor<date::days>(local)};
}

// Reads a declared command's line into `args.parsed`; answers the first problem (and
// resolves @people, which may answer "did you mean" or ask which one). False: stop.
bool read_declared(Turn& turn, const Router& router, const CommandSpec& spec, CommandArgs& args) {
    const Prompts& prompts = turn.engine().prompts();
    ArgError error;
    ArgContext context{prompts, turn.locale(), local_today(turn)};
    if (const Customers* customers = turn.engine().services().find<Customers>()) {
        context.known_name = [customers](const std::string& name) {
            return customers->find(name).has_value();
        };
    }
    if (!parse_args(spec.args(), args.rest, context, args.parsed, error)) {
        nlohmann::json data = error.data;
        data["command"] = command_word(spec.name(), prompts, turn.locale());
        data["usage"] = router.usage(spec.name(), prompts, turn.locale());
        const CommandText* t = prompts.command(turn.locale(), spec.name());
        data["example"] = t ? t->example : std::string();
        data["has_example"] = t != nullptr && !t->example.empty();
        turn.reply("args." + error.key, data);
        return false;
    }
    for (auto& [_, value] : args.parsed.values()) {
        if (value.kind != ArgKind::person || value.alternative) continue;
        value.person = turn.person_arg(value.raw);
        if (value.person == nullptr) return false;
    }
    return true;
}

}  // namespace

std::string Router::usage(const std::string& command, const Prompts& prompts,
                          const std::string& locale) const {
    const CommandSpec* spec = find(command);
    if (spec != nullptr && spec->args().declared()) {
        return usage_line(spec->name(), spec->args(), prompts, locale);
    }
    const CommandText* t = prompts.command(locale, command);
    if (t == nullptr) t = prompts.command(prompts.default_locale(), command);
    return t ? t->usage : command;
}

void reply_usage(Turn& turn, const std::string& command) {
    const Prompts& prompts = turn.engine().prompts();
    const CommandText* t = prompts.command(turn.locale(), command);
    turn.reply("core.usage",
               {{"usage", turn.engine().router().usage(command, prompts, turn.locale())},
                {"example", t ? t->example : std::string()},
                {"has_example", t != nullptr && !t->example.empty()}});
}

void Router::add(CommandSpec spec) {
    commands_.push_back(std::move(spec));
    dirty_ = true;
}

void Router::index(const Prompts& prompts) {
    lookup_.clear();
    max_words_ = 1;
    dirty_ = false;
    for (std::size_t i = 0; i < commands_.size(); ++i) {
        std::vector<std::string> names = {commands_[i].name()};
        for (const auto& locale : prompts.locales()) {
            if (const CommandText* t = prompts.command(locale, commands_[i].name())) {
                names.insert(names.end(), t->aliases.begin(), t->aliases.end());
            }
        }
        for (const auto& n : names) {
            const std::string key = core::join(core::split_words(core::ascii_lower(n)), " ");
            lookup_[key] = i;
            max_words_ = std::max(max_words_, core::split_words(key).size());
        }
    }
}

const CommandSpec* Router::find(const std::string& name_or_alias) const {
    auto it = lookup_.find(core::join(core::split_words(core::ascii_lower(name_or_alias)), " "));
    return it == lookup_.end() ? nullptr : &commands_[it->second];
}

bool Router::allowed(const CommandSpec& spec, const std::string& role) {
    const auto& roles = spec.allowed_roles();
    if (roles.empty() || role == "admin") return true;
    return std::find(roles.begin(), roles.end(), role) != roles.end();
}

std::vector<std::string> Router::suggest(const std::string& word, std::size_t limit) const {
    const std::string w = core::ascii_lower(word);
    const std::size_t len = core::utf8_length(w);
    std::vector<std::pair<std::size_t, std::string>> scored;
    for (const auto& [key, _] : lookup_) {
        const std::size_t d = core::edit_distance(w, key);
        if (d <= std::max<std::size_t>(1, len / 3)) scored.push_back({d, key});
    }
    std::stable_sort(scored.begin(), scored.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> out;
    for (const auto& [_, key] : scored) {
        if (out.size() == limit) break;
        out.push_back(key);
    }
    return out;
}

void Router::dispatch(Turn& turn, const std::string& text) const {
    const auto words = core::split_words(text);
    if (words.empty()) {
        turn.reply("core.empty_command");
        return;
    }
    for (std::size_t n = std::min(max_words_, words.size()); n >= 1; --n) {
        std::vector<std::string> head(words.begin(), words.begin() + static_cast<long>(n));
        auto it = lookup_.find(core::ascii_lower(core::join(head, " ")));
        if (it == lookup_.end()) continue;
        const CommandSpec& spec = commands_[it->second];
        const std::string role = turn.person() ? turn.person()->role : std::string();
        if (!allowed(spec, role)) {
            nlohmann::json needed = nlohmann::json::array();
            for (const auto& r : spec.allowed_roles())
                needed.push_back(turn.text("core.role." + r));
            turn.refuse("core.role_required",
                        {{"command", spec.name()}, {"roles", core::join(needed, " / ")}});
            return;
        }
        CommandArgs args;
        args.words.assign(words.begin() + static_cast<long>(n), words.end());
        args.rest = after_words(text, n);
        if (spec.changes_state()) turn.write();
        if (spec.args().declared() && !read_declared(turn, *this, spec, args)) return;
        spec.handler()(turn, args);
        return;
    }
    // "Did you mean" offers whole lines: the command written right, then the rest as the
    // writer typed it, so a misspelt command (e.g. 报高 for 报告) is fixed by copying one line.
    const std::string rest(core::utf8_prefix(after_words(text, 1), 120));
    std::vector<std::string> lines;
    for (const auto& s : suggest(words.front(), 3))
        lines.push_back(rest.empty() ? s : s + " " + rest);
    turn.reply("core.unknown_command", {{"word", core::utf8_prefix(words.front(), 64)},
                                        {"suggestions", turn.list_data(lines)},
                                        {"has_suggestions", !lines.empty()}});
}

}  // namespace twintrack::bot
