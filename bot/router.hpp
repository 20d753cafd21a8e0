#pragma once
// The command registry: names, aliases in every locale (from prompts/), usage, the roles
// allowed, and the handler. `help` and "did you mean" are generated from it.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "bot/args.hpp"
#include "bot/prompts.hpp"

namespace twintrack::bot {

class Turn;

/// What a handler receives besides the Turn: the words after the command name, the
/// same text unsplit (quotes kept) for free-text commands, and, when the command declared
/// its arguments, their typed values (people already resolved).
struct CommandArgs {
    std::vector<std::string> words;
    std::string rest;
    ParsedArgs parsed;
};

/// A command as registered, built with named setters:
/// `CommandSpec("stage", set_stage).writes()`,
/// `CommandSpec("quota set", quota_set).roles({"manager", "admin"}).writes()`,
/// `CommandSpec("whois", whois).arg(Arg::person("person"))`.
class CommandSpec {
  public:
    using Handler = std::function<void(Turn&, const CommandArgs&)>;

    /// `name`: the canonical English name, may be several words; its aliases, usage and
    /// summary come from prompts.
    CommandSpec(std::string name, Handler handler)
        : name_(std::move(name)), handler_(std::move(handler)) {}

    /// Only people with one of `roles` may run it (admins always may). Default: everyone.
    CommandSpec& roles(std::vector<std::string> roles) {
        roles_ = std::move(roles);
        return *this;
    }
    /// The command changes state: its turn opens the transaction (and records the event
    /// id) before the handler runs, so a redelivered message is dropped even when the
    /// handler would only have refused.
    CommandSpec& writes() {
        writes_ = true;
        return *this;
    }

    /// A positional argument, in order (bot/args.hpp): `.arg(Arg::text("customer"))`,
    /// `.arg(Arg::person("owner").optional())`. A declared command's line is read before
    /// the handler runs: a bad token, an unknown key or a missing argument is answered
    /// from prompts (`args.*`) and the handler is not called.
    CommandSpec& arg(Arg a) {
        args_.positional.push_back(std::move(a));
        args_.declared_ = true;
        return *this;
    }
    /// A `key=value` option (also `key＝value` and `key= value`); its keys are the words
    /// `words_key` of every locale: `.option("engagements.words.stage", Arg::word("stage"))`.
    CommandSpec& option(std::string words_key, Arg a) {
        args_.options.push_back({std::move(words_key), std::move(a)});
        args_.declared_ = true;
        return *this;
    }
    /// A keyword option: `key value` (the value the next word; `margin 30%`, `毛利率 30%`)
    /// as well as `key=value`. Its key is read as one only after the line's first free word
    /// and outside quotes. Required unless `a` is `.optional()`:
    /// `.keyword("metrics.words.margin", Arg::percent("margin").optional())`.
    CommandSpec& keyword(std::string words_key, Arg a) {
        args_.options.push_back(
            {std::move(words_key), std::move(a), true, args_.positional.size()});
        args_.declared_ = true;
        return *this;
    }
    /// Declares a command that takes nothing (a word after it is answered as unexpected).
    CommandSpec& no_args() {
        args_.declared_ = true;
        return *this;
    }

    const std::string& name() const { return name_; }
    const ArgSpec& args() const { return args_; }
    /// The roles allowed; empty means everyone.
    const std::vector<std::string>& allowed_roles() const { return roles_; }
    const Handler& handler() const { return handler_; }
    bool changes_state() const { return writes_; }

  private:
    std::string name_;
    Handler handler_;
    std::vector<std::string> roles_;
    bool writes_ = false;
    ArgSpec args_;
};

class Router {
  public:
    /// Adds a command. Its aliases, usage and summary come from `prompts`.
    void add(CommandSpec spec);
    /// Builds the lookup table from every locale's command words.
    void index(const Prompts& prompts);
    /// True after add() until the next index().
    bool needs_index() const { return dirty_; }

    /// Runs the command written in `text`, or answers with help for an unknown word.
    void dispatch(Turn& turn, const std::string& text) const;

    const std::vector<CommandSpec>& commands() const { return commands_; }
    const CommandSpec* find(const std::string& name_or_alias) const;
    /// Names and aliases close to `word`, best first.
    std::vector<std::string> suggest(const std::string& word, std::size_t limit) const;
    static bool allowed(const CommandSpec& spec, const std::string& role);
    /// The usage line of `command` in `locale`: generated from the declaration when the
    /// command declared its arguments, else the prompts' `usage`.
    std::string usage(const std::string& command, const Prompts& prompts,
                      const std::string& locale) const;

  private:
    std::vector<CommandSpec> commands_;
    std::map<std::string, std::size_t> lookup_;  // lower-cased name or alias -> command
    std::size_t max_words_ = 1;
    bool dirty_ = true;
};

/// Answers "Usage: ..." for `command` in the writer's language (the usage line from the
/// declaration when the command has one) and, when the command has one, a whole line to
/// type as it is.
void reply_usage(Turn& turn, const std::string& command);

}  // namespace twintrack::bot
