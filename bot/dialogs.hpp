#pragma once
// Multi-step conversations, one per person at a time, persisted after every answer so
// that they survive a restart. Every dialog understands cancel, back and skip (in every
// locale, from prompts/*/core.yaml `words:`), and times out.

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/dialogs.hpp"
#include "store/people.hpp"

namespace twintrack::bot {

class Turn;

struct DialogStep {
    std::string question;   ///< prompt key; rendered with the dialog's state
    bool optional = false;  ///< `skip` allowed
    /// Takes the answer into `state`. Returns false (after replying why) to ask again.
    std::function<bool(Turn&, nlohmann::json& state, const std::string& answer)> accept;
};

struct DialogSpec {
    std::string kind;
    std::vector<DialogStep> steps;
    /// Runs after the last step with the full state.
    std::function<void(Turn&, nlohmann::json& state)> finish;
};

class Dialogs {
  public:
    void add(DialogSpec spec);
    const DialogSpec* find(const std::string& kind) const;

    /// Starts `kind` for the turn's person where they wrote, replacing any dialog they
    /// had, and asks the first question.
    void start(Turn& turn, const std::string& kind, nlohmann::json state);

    /// Starts `kind` for `person` in a direct message (e.g. from a scheduled job). Does
    /// nothing and returns false when they are in another dialog or cannot be reached.
    bool start_with(Turn& turn, const store::Person& person, const std::string& kind,
                    nlohmann::json state);

    /// Feeds a message to the person's open dialog. Returns false when they have none
    /// (or it had expired), so the message is an ordinary command.
    bool handle(Turn& turn, const std::string& text);

    /// Ends a dialog whose time ran out (from the scheduler), telling the person.
    void expire(Turn& turn, std::int64_t person_id, std::int64_t started_at);

    /// Cache of who has an open dialog, so most messages cost no query.
    void load_open(std::vector<std::int64_t> person_ids);
    bool has_open(std::int64_t person_id) const;

  private:
    void ask(Turn& turn, const DialogSpec& spec, int step, const nlohmann::json& state);
    /// Saves a new dialog record with its timeout job.
    void open(Turn& turn, store::DialogRecord d);
    std::map<std::string, DialogSpec> specs_;
    std::map<std::int64_t, bool> open_;
};

}  // namespace twintrack::bot
