#pragma once
// The social feature's tables (coffee_*, trainings, training_seats, outings, outing_*,
// activity_costs; migrations bot/features/social/migrations/0010_social.sql and
// 0019_coffee_skipped.sql with their PostgreSQL twins): its own store part (target
// twintrack_feature_social_store, linking only the store layer, nothing from bot/). The
// feature's commands open it on the turn's store (Turn::read_table, write_table).
//
// Communication activities: coffee programmes, rounds, groups, answers and preferences;
// trainings with seats and waiting lists; outings with their date poll and RSVPs; and
// activity costs for the budget.

#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "store/person_data.hpp"

namespace twintrack::store::social {

struct CoffeeProgramme {
    std::int64_t id = 0;
    std::string left_department;
    std::string right_department;
    int every_days = 14;
    bool active = true;
    std::optional<std::int64_t> started_by;
    std::int64_t created_at = 0;
    std::optional<std::int64_t> stopped_at;  ///< when `coffee stop` ended it
};

struct CoffeeRound {
    std::int64_t id = 0;
    std::int64_t programme_id = 0;
    int number = 0;
    std::int64_t started_at = 0;
    std::int64_t ends_at = 0;
};

struct CoffeeGroupRow {
    std::int64_t id = 0;
    std::int64_t round_id = 0;
    std::int64_t left_id = 0;
    std::int64_t right_id = 0;
    std::optional<std::int64_t> third_id;
};

struct CoffeePreference {
    std::int64_t person_id = 0;
    bool opted_out = false;
    std::optional<std::int64_t> paused_until;
};

/// How a round went by the "did you meet?" answers.
struct CoffeeRoundStats {
    int groups = 0;
    int answered = 0;
    int met_yes = 0;
    int met_no = 0;   ///< "not yet": did not meet, did not skip
    int skipped = 0;  ///< skipped the round
};

struct Training {
    std::int64_t id = 0;
    std::string topic;
    std::int64_t trainer_id = 0;
    std::string audience;  ///< sales, marketing or all
    std::int64_t starts_at = 0;
    std::optional<int> capacity;
    std::int64_t cost = 0;
    std::string status = "scheduled";
    std::int64_t created_by = 0;
    std::int64_t created_at = 0;
};

struct TrainingSeat {
    std::int64_t person_id = 0;
    std::string status;  ///< registered or waiting
    std::int64_t joined_at = 0;
    bool attended = false;
};

struct Outing {
    std::int64_t id = 0;
    std::string title;
    std::int64_t budget = 0;
    std::string status = "polling";
    std::optional<std::string> chosen_day;
    std::int64_t created_by = 0;
    std::int64_t created_at = 0;
    std::vector<std::string> days;  ///< the poll's days, in order
};

struct OutingVoteCount {
    std::string day;
    int votes = 0;
};

struct OutingRsvp {
    std::int64_t person_id = 0;
    bool going = false;
};

struct ActivityCost {
    std::string kind;
    std::string ref;
    std::int64_t amount = 0;
    std::int64_t at = 0;
};

/// Planned (not cancelled) and spent (taken place) amounts of one kind of activity.
struct CostTotal {
    std::string kind;
    std::int64_t planned = 0;
    std::int64_t spent = 0;
};

class SocialRepository {
  public:
    explicit SocialRepository(Database& db) : db_(db) {}

    // --- coffee -----------------------------------------------------------------------
    /// Starts a programme for a pair of departments, stopping any other active one for
    /// the same pair. Returns its id.
    std::int64_t start_programme(const CoffeeProgramme& p);
    std::optional<CoffeeProgramme> programme(std::int64_t id);
    std::vector<CoffeeProgramme> active_programmes() const;
    /// Programmes running at some time in [from_ms, to_ms): created before its end and
    /// active or stopped after its start (stopped ones included), by id.
    std::vector<CoffeeProgramme> programmes_during(std::int64_t from_ms, std::int64_t to_ms) const;
    void stop_programme(std::int64_t id, std::int64_t now_ms);

    std::int64_t add_round(const CoffeeRound& r, const std::vector<CoffeeGroupRow>& groups);
    std::optional<CoffeeRound> round(std::int64_t id) const;
    std::optional<CoffeeRound> last_round(std::int64_t programme_id);
    /// The latest rounds of a programme, newest first.
    std::vector<CoffeeRound> recent_rounds(std::int64_t programme_id, int limit) const;
    /// The rounds of a programme that started in [from_ms, to_ms), oldest first.
    std::vector<CoffeeRound> rounds_between(std::int64_t programme_id, std::int64_t from_ms,
                                            std::int64_t to_ms) const;
    std::vector<CoffeeGroupRow> groups(std::int64_t round_id) const;
    /// Every cross-department pair of a programme (trio members with the group member of
    /// the other department), oldest first: {left person, right person}.
    std::vector<std::pair<std::int64_t, std::int64_t>> pair_history(std::int64_t programme_id);
    /// The person's group in the latest round they were in.
    std::optional<CoffeeGroupRow> latest_group(std::int64_t person_id) const;
    /// The person's group in a round.
    std::optional<CoffeeGroupRow> group_of(std::int64_t round_id, std::int64_t person_id) const;

    /// Records a "did you meet?" answer (the latest answer counts); `skipped`: the person
    /// skipped the round (then `met` is false), counted apart from "not met".
    void answer(std::int64_t round_id, std::int64_t person_id, bool met, std::int64_t now_ms,
                bool skipped = false);
    std::optional<bool> answer_of(std::int64_t round_id, std::int64_t person_id) const;
    CoffeeRoundStats round_stats(std::int64_t round_id) const;

    CoffeePreference preference(std::int64_t person_id) const;
    void set_preference(const CoffeePreference& p, std::int64_t now_ms);
    /// Adds to the person's "don't pair me with" list; false when already there.
    bool add_avoid(std::int64_t person_id, std::int64_t avoided_id, std::int64_t now_ms);
    bool remove_avoid(std::int64_t person_id, std::int64_t avoided_id);
    std::vector<std::int64_t> avoided_by(std::int64_t person_id) const;
    /// Every avoid entry as {person, avoided}.
    std::vector<std::pair<std::int64_t, std::int64_t>> all_avoids();
    std::vector<CoffeePreference> all_preferences();

    // --- trainings ----------------------------------------------------------------------
    std::int64_t add_training(const Training& t);
    std::optional<Training> training(std::int64_t id) const;
    /// Scheduled trainings starting at or after `from_ms`, soonest first.
    std::vector<Training> upcoming_trainings(std::int64_t from_ms, int limit) const;
    /// Trainings starting in [from_ms, to_ms) whatever their status (cancelled ones
    /// included), soonest first.
    std::vector<Training> trainings_between(std::int64_t from_ms, std::int64_t to_ms) const;
    void set_training_status(std::int64_t id, const std::string& status);
    /// Seats and the waiting list, in the order people joined.
    std::vector<TrainingSeat> seats(std::int64_t training_id) const;
    void add_seat(std::int64_t training_id, const TrainingSeat& seat);
    /// Removes a seat or waiting place; false when the person had none.
    bool remove_seat(std::int64_t training_id, std::int64_t person_id);
    void set_seat_status(std::int64_t training_id, std::int64_t person_id,
                         const std::string& status);
    void mark_attended(std::int64_t training_id, std::int64_t person_id, std::int64_t now_ms);

    // --- outings ------------------------------------------------------------------------
    std::int64_t add_outing(const Outing& o);
    std::optional<Outing> outing(std::int64_t id) const;
    std::vector<Outing> open_outings() const;
    /// Every outing (cancelled ones included) whose day, the chosen one or else the first
    /// polled, is in [first_day, last_day] (YYYY-MM-DD), by id.
    std::vector<Outing> outings_on_days(const std::string& first_day,
                                        const std::string& last_day) const;
    void close_outing(std::int64_t id, const std::string& day, std::int64_t now_ms);
    void cancel_outing(std::int64_t id, std::int64_t now_ms);
    /// Replaces the person's votes on an outing with `days`.
    void set_votes(std::int64_t outing_id, std::int64_t person_id,
                   const std::vector<std::string>& days, std::int64_t now_ms);
    /// Votes per poll day, in the poll's order (days without votes included).
    std::vector<OutingVoteCount> vote_counts(std::int64_t outing_id) const;
    int voter_count(std::int64_t outing_id) const;
    void set_rsvp(std::int64_t outing_id, std::int64_t person_id, bool going, std::int64_t now_ms);
    std::vector<OutingRsvp> rsvps(std::int64_t outing_id) const;

    // --- costs --------------------------------------------------------------------------
    /// Records or replaces the cost of an activity (by ref).
    void set_cost(const ActivityCost& cost, std::int64_t now_ms);
    void cancel_cost(const std::string& ref);
    /// Totals per kind of costs whose activity takes place in [from_ms, to_ms).
    std::vector<CostTotal> cost_totals(std::int64_t from_ms, std::int64_t to_ms,
                                       std::int64_t now_ms) const;
    /// Coffee groups of rounds that ended in [from_ms, to_ms) where someone answered
    /// "yes, we met".
    std::int64_t coffee_groups_met(std::int64_t from_ms, std::int64_t to_ms);

  private:
    Database& db_;
};

/// The feature's part of a person's data (`person export`, `person erase`): their coffee
/// groups, answers, preferences and avoid list, the trainings they give or made and their
/// seats, the outings they made, their votes and RSVPs; on erase their coffee preferences
/// and every avoid entry naming them go, and training topics and outing titles naming them
/// are rewritten.
PersonDataPart person_data();

}  // namespace twintrack::store::social
