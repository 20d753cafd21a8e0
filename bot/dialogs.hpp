#pragma once
// Multi-step conversations, one per person at a time, persisted after every answer so
// that they survive a restart. Every dialog understands cancel, back and skip (in every
// locale, from prompts/*/core.yaml `words:`), and times out.

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bot/offer.hpp"
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
    /// For a follow-up question the person may ignore: says whether a message is meant
    /// as an answer. When it says no (and the message is not cancel, back or skip), the
    /// dialog ends quietly and the message is an ordinary command.
    std::function<bool(Turn&, const nlohmann::json& state, const std::string& text)> is_answer;
    /// Ends without a word when it times out (no "timed out" message).
    bool quiet_timeout = false;
    /// Buttons for the question of `step` (e.g. one per candidate): choices with an empty
    /// `command` whose `args` is an answer the step accepts when typed. A click feeds that
    /// answer to this dialog while it is still at that step; the question's buttons are
    /// settled once the step is answered or the dialog ends. Unset or empty: no buttons.
    std::function<std::vector<Choice>(Turn&, int step, const nlohmann::json& state)> choices;
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

    /// Feeds `answer` (a clicked choice of the question `subject`) to the turn's person's
    /// open dialog. False, with nothing done, when that dialog is no longer at that step.
    bool answer(Turn& turn, const std::string& subject, const std::string& answer);
    /// The subject of the buttons of a dialog's question: "dialog:KIND:PERSON:STARTED:STEP".
    static std::string subject(const std::string& kind, std::int64_t person_id,
                               std::int64_t started_at, int step);

    /// Ends a dialog whose time ran out (from the scheduler), telling the person.
    void expire(Turn& turn, std::int64_t person_id, std::int64_t started_at);

    /// Cache of who has an open dialog, so most messages cost no query.
    void load_open(std::vector<std::int64_t> person_ids);
    bool has_open(std::int64_t person_id) const;
    /// How many people are in a dialog now.
    std::size_t open_count() const { return open_.size(); }

  private:
    void ask(Turn& turn, const DialogSpec& spec, int step, const nlohmann::json& state,
             std::int64_t started_at);
    /// The buttons of `spec`'s question at `step` for `person` (empty: none).
    Offer offer(Turn& turn, const DialogSpec& spec, int step, const nlohmann::json& state,
                std::int64_t person_id, std::int64_t started_at) const;
    /// Closes the buttons of the question `record` is at, if its dialog offers any.
    void settle(Turn& turn, const store::DialogRecord& record, const std::string& outcome_key);
    /// Saves a new dialog record with its timeout job.
    void open(Turn& turn, store::DialogRecord d);
    std::map<std::string, DialogSpec> specs_;
    std::map<std::int64_t, bool> open_;
};

}  // namespace twintrack::bot
