#include "bot/features/social/store/social_store.hpp"

namespace twintrack::store::social {
namespace {

CoffeeProgramme programme_from(const Row& row) {
    CoffeeProgramme p;
    p.id = row.integer(0);
    p.left_department = row.text(1);
    p.right_department = row.text(2);
    p.every_days = static_cast<int>(row.integer(3));
    p.active = row.integer(4) != 0;
    p.started_by = row.optional_integer(5);
    p.created_at = row.integer(6);
    p.stopped_at = row.optional_integer(7);
    return p;
}
const char* const programme_columns =
    "SELECT id, left_department, right_department, every_days, active, started_by, created_at, "
    "stopped_at FROM coffee_programmes ";

CoffeeRound round_from(const Row& row) {
    return {row.integer(0), row.integer(1), static_cast<int>(row.integer(2)), row.integer(3),
            row.integer(4)};
}
const char* const round_columns =
    "SELECT id, programme_id, number, started_at, ends_at FROM coffee_rounds ";

CoffeeGroupRow group_from(const Row& row) {
    return {row.integer(0), row.integer(1), row.integer(2), row.integer(3),
            row.optional_integer(4)};
}
const char* const group_columns =
    "SELECT g.id, g.round_id, g.left_id, g.right_id, g.third_id FROM coffee_groups g ";

Training training_from(const Row& row) {
    Training t;
    t.id = row.integer(0);
    t.topic = row.text(1);
    t.trainer_id = row.integer(2);
    t.audience = row.text(3);
    t.starts_at = row.integer(4);
    if (!row.is_null(5)) t.capacity = static_cast<int>(row.integer(5));
    t.cost = row.integer(6);
    t.status = row.text(7);
    t.created_by = row.integer(8);
    t.created_at = row.integer(9);
    return t;
}
const char* const training_columns =
    "SELECT id, topic, trainer_id, audience, starts_at, capacity, cost, status, created_by, "
    "created_at FROM trainings ";

Outing outing_from(const Row& row) {
    Outing o;
    o.id = row.integer(0);
    o.title = row.text(1);
    o.budget = row.integer(2);
    o.status = row.text(3);
    o.chosen_day = row.optional_text(4);
    o.created_by = row.integer(5);
    o.created_at = row.integer(6);
    return o;
}
const char* const outing_columns =
    "SELECT id, title, budget, status, chosen_day, created_by, created_at FROM outings ";

}  // namespace

// --- coffee ---------------------------------------------------------------------------

std::int64_t SocialRepository::start_programme(const CoffeeProgramme& p) {
    db_.execute(
        "UPDATE coffee_programmes SET active = 0, stopped_at = ? WHERE active = 1 AND "
        "left_department = ? AND right_department = ?",
        {p.created_at, p.left_department, p.right_department});
    return db_.insert(
        "INSERT INTO coffee_programmes (left_department, right_department, every_days, active, "
        "started_by, created_at) VALUES (?, ?, ?, 1, ?, ?)",
        {p.left_department, p.right_department, static_cast<std::int64_t>(p.every_days),
         nullable(p.started_by), p.created_at});
}

std::optional<CoffeeProgramme> SocialRepository::programme(std::int64_t id) {
    std::optional<CoffeeProgramme> out;
    db_.query(std::string(programme_columns) + "WHERE id = ?", {id},
              [&](const Row& row) { out = programme_from(row); });
    return out;
}

std::vector<CoffeeProgramme> SocialRepository::active_programmes() const {
    std::vector<CoffeeProgramme> out;
    db_.query(std::string(programme_columns) + "WHERE active = 1 ORDER BY id", {},
              [&](const Row& row) { out.push_back(programme_from(row)); });
    return out;
}

std::vector<CoffeeProgramme> SocialRepository::programmes_during(std::int64_t from_ms,
                                                                 std::int64_t to_ms) const {
    std::vector<CoffeeProgramme> out;
    db_.query(std::string(programme_columns) +
                  "WHERE created_at < ? AND (active = 1 OR stopped_at IS NULL OR stopped_at >= ?) "
                  "ORDER BY id",
              {to_ms, from_ms}, [&](const Row& row) { out.push_back(programme_from(row)); });
    return out;
}

void SocialRepository::stop_programme(std::int64_t id, std::int64_t now_ms) {
    db_.execute("UPDATE coffee_programmes SET active = 0, stopped_at = ? WHERE id = ?",
                {now_ms, id});
}

std::int64_t SocialRepository::add_round(const CoffeeRound& r,
                                         const std::vector<CoffeeGroupRow>& groups) {
    const std::int64_t id = db_.insert(
        "INSERT INTO coffee_rounds (programme_id, number, started_at, ends_at) VALUES (?, ?, ?, "
        "?)",
        {r.programme_id, static_cast<std::int64_t>(r.number), r.started_at, r.ends_at});
    for (const auto& g : groups) {
        db_.execute(
            "INSERT INTO coffee_groups (round_id, left_id, right_id, third_id) VALUES (?, ?, ?, "
            "?)",
            {id, g.left_id, g.right_id, nullable(g.third_id)});
    }
    return id;
}

std::optional<CoffeeRound> SocialRepository::round(std::int64_t id) const {
    std::optional<CoffeeRound> out;
    db_.query(std::string(round_columns) + "WHERE id = ?", {id},
              [&](const Row& row) { out = round_from(row); });
    return out;
}

std::optional<CoffeeRound> SocialRepository::last_round(std::int64_t programme_id) {
    std::optional<CoffeeRound> out;
    db_.query(std::string(round_columns) + "WHERE programme_id = ? ORDER BY number DESC LIMIT 1",
              {programme_id}, [&](const Row& row) { out = round_from(row); });
    return out;
}

std::vector<CoffeeRound> SocialRepository::recent_rounds(std::int64_t programme_id,
                                                         int limit) const {
    std::vector<CoffeeRound> out;
    db_.query(std::string(round_columns) + "WHERE programme_id = ? ORDER BY number DESC LIMIT ?",
              {programme_id, static_cast<std::int64_t>(limit)},
              [&](const Row& row) { out.push_back(round_from(row)); });
    return out;
}

std::vector<CoffeeRound> SocialRepository::rounds_between(std::int64_t programme_id,
                                                          std::int64_t from_ms,
                                                          std::int64_t to_ms) const {
    std::vector<CoffeeRound> out;
    db_.query(std::string(round_columns) +
                  "WHERE programme_id = ? AND started_at >= ? AND started_at < ? ORDER BY number",
              {programme_id, from_ms, to_ms},
              [&](const Row& row) { out.push_back(round_from(row)); });
    return out;
}

std::vector<CoffeeGroupRow> SocialRepository::groups(std::int64_t round_id) const {
    std::vector<CoffeeGroupRow> out;
    db_.query(std::string(group_columns) + "WHERE g.round_id = ? ORDER BY g.id", {round_id},
              [&](const Row& row) { out.push_back(group_from(row)); });
    return out;
}

std::vector<std::pair<std::int64_t, std::int64_t>> SocialRepository::pair_history(
    std::int64_t programme_id) {
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    // A third person of the left department meets the right one, and vice versa.
    db_.query(
        "SELECT g.left_id, g.right_id, g.third_id, lp.department, p.left_department "
        "FROM coffee_groups g JOIN coffee_rounds r ON r.id = g.round_id "
        "JOIN coffee_programmes p ON p.id = r.programme_id "
        "LEFT JOIN people lp ON lp.id = g.third_id "
        "WHERE r.programme_id = ? ORDER BY r.number, g.id",
        {programme_id}, [&](const Row& row) {
            out.emplace_back(row.integer(0), row.integer(1));
            if (row.is_null(2)) return;
            if (!row.is_null(3) && row.text(3) == row.text(4)) {
                out.emplace_back(row.integer(2), row.integer(1));
            } else {
                out.emplace_back(row.integer(0), row.integer(2));
            }
        });
    return out;
}

std::optional<CoffeeGroupRow> SocialRepository::latest_group(std::int64_t person_id) const {
    std::optional<CoffeeGroupRow> out;
    db_.query(std::string(group_columns) +
                  "JOIN coffee_rounds r ON r.id = g.round_id WHERE "
                  "g.left_id = ? OR g.right_id = ? OR g.third_id = ? "
                  "ORDER BY r.started_at DESC, r.id DESC LIMIT 1",
              {person_id, person_id, person_id}, [&](const Row& row) { out = group_from(row); });
    return out;
}

std::optional<CoffeeGroupRow> SocialRepository::group_of(std::int64_t round_id,
                                                         std::int64_t person_id) const {
    std::optional<CoffeeGroupRow> out;
    db_.query(std::string(group_columns) +
                  "WHERE g.round_id = ? AND (g.left_id = ? OR g.right_id = ? OR g.third_id = ?)",
              {round_id, person_id, person_id, person_id},
              [&](const Row& row) { out = group_from(row); });
    return out;
}

void SocialRepository::answer(std::int64_t round_id, std::int64_t person_id, bool met,
                              std::int64_t now_ms, bool skipped) {
    db_.execute(
        "INSERT INTO coffee_answers (round_id, person_id, met, answered_at, skipped) "
        "VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (round_id, person_id) DO UPDATE SET met = excluded.met, "
        "answered_at = excluded.answered_at, skipped = excluded.skipped",
        {round_id, person_id, static_cast<std::int64_t>(met && !skipped ? 1 : 0), now_ms,
         static_cast<std::int64_t>(skipped ? 1 : 0)});
}

std::optional<bool> SocialRepository::answer_of(std::int64_t round_id,
                                                std::int64_t person_id) const {
    std::optional<bool> out;
    db_.query("SELECT met FROM coffee_answers WHERE round_id = ? AND person_id = ?",
              {round_id, person_id}, [&](const Row& row) { out = row.integer(0) != 0; });
    return out;
}

CoffeeRoundStats SocialRepository::round_stats(std::int64_t round_id) const {
    CoffeeRoundStats s;
    s.groups = static_cast<int>(
        db_.scalar("SELECT COUNT(*) FROM coffee_groups WHERE round_id = ?", {round_id})
            .value_or(0));
    db_.query(
        "SELECT COUNT(*), COALESCE(SUM(met), 0), COALESCE(SUM(skipped), 0) "
        "FROM coffee_answers WHERE round_id = ?",
        {round_id}, [&](const Row& row) {
            s.answered = static_cast<int>(row.integer(0));
            s.met_yes = static_cast<int>(row.integer(1));
            s.skipped = static_cast<int>(row.integer(2));
            s.met_no = s.answered - s.met_yes - s.skipped;
        });
    return s;
}

CoffeePreference SocialRepository::preference(std::int64_t person_id) const {
    CoffeePreference p;
    p.person_id = person_id;
    db_.query("SELECT opted_out, paused_until FROM coffee_preferences WHERE person_id = ?",
              {person_id}, [&](const Row& row) {
                  p.opted_out = row.integer(0) != 0;
                  p.paused_until = row.optional_integer(1);
              });
    return p;
}

void SocialRepository::set_preference(const CoffeePreference& p, std::int64_t now_ms) {
    db_.execute(
        "INSERT INTO coffee_preferences (person_id, opted_out, paused_until, updated_at) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET opted_out = "
        "excluded.opted_out, paused_until = excluded.paused_until, updated_at = "
        "excluded.updated_at",
        {p.person_id, static_cast<std::int64_t>(p.opted_out ? 1 : 0), nullable(p.paused_until),
         now_ms});
}

std::vector<CoffeePreference> SocialRepository::all_preferences() {
    std::vector<CoffeePreference> out;
    db_.query("SELECT person_id, opted_out, paused_until FROM coffee_preferences", {},
              [&](const Row& row) {
                  out.push_back({row.integer(0), row.integer(1) != 0, row.optional_integer(2)});
              });
    return out;
}

bool SocialRepository::add_avoid(std::int64_t person_id, std::int64_t avoided_id,
                                 std::int64_t now_ms) {
    return db_.execute(
               "INSERT INTO coffee_avoid (person_id, avoided_id, created_at) VALUES (?, ?, ?) "
               "ON CONFLICT DO NOTHING",
               {person_id, avoided_id, now_ms}) > 0;
}

bool SocialRepository::remove_avoid(std::int64_t person_id, std::int64_t avoided_id) {
    return db_.execute("DELETE FROM coffee_avoid WHERE person_id = ? AND avoided_id = ?",
                       {person_id, avoided_id}) > 0;
}

std::vector<std::int64_t> SocialRepository::avoided_by(std::int64_t person_id) const {
    std::vector<std::int64_t> out;
    db_.query("SELECT avoided_id FROM coffee_avoid WHERE person_id = ? ORDER BY created_at",
              {person_id}, [&](const Row& row) { out.push_back(row.integer(0)); });
    return out;
}

std::vector<std::pair<std::int64_t, std::int64_t>> SocialRepository::all_avoids() {
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    db_.query("SELECT person_id, avoided_id FROM coffee_avoid", {},
              [&](const Row& row) { out.emplace_back(row.integer(0), row.integer(1)); });
    return out;
}

// --- trainings ------------------------------------------------------------------------

std::int64_t SocialRepository::add_training(const Training& t) {
    return db_.insert(
        "INSERT INTO trainings (topic, trainer_id, audience, starts_at, capacity, cost, status, "
        "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, 'scheduled', ?, ?)",
        {t.topic, t.trainer_id, t.audience, t.starts_at,
         t.capacity ? Value(static_cast<std::int64_t>(*t.capacity)) : Value(nullptr), t.cost,
         t.created_by, t.created_at});
}

std::optional<Training> SocialRepository::training(std::int64_t id) const {
    std::optional<Training> out;
    db_.query(std::string(training_columns) + "WHERE id = ?", {id},
              [&](const Row& row) { out = training_from(row); });
    return out;
}

std::vector<Training> SocialRepository::upcoming_trainings(std::int64_t from_ms, int limit) const {
    std::vector<Training> out;
    db_.query(std::string(training_columns) +
                  "WHERE status = 'scheduled' AND starts_at >= ? ORDER BY starts_at, id LIMIT ?",
              {from_ms, static_cast<std::int64_t>(limit)},
              [&](const Row& row) { out.push_back(training_from(row)); });
    return out;
}

std::vector<Training> SocialRepository::trainings_between(std::int64_t from_ms,
                                                          std::int64_t to_ms) const {
    std::vector<Training> out;
    db_.query(std::string(training_columns) +
                  "WHERE starts_at >= ? AND starts_at < ? ORDER BY starts_at, id",
              {from_ms, to_ms}, [&](const Row& row) { out.push_back(training_from(row)); });
    return out;
}

void SocialRepository::set_training_status(std::int64_t id, const std::string& status) {
    db_.execute("UPDATE trainings SET status = ? WHERE id = ?", {status, id});
}

std::vector<TrainingSeat> SocialRepository::seats(std::int64_t training_id) const {
    std::vector<TrainingSeat> out;
    db_.query(
        "SELECT person_id, status, joined_at, attended FROM training_seats WHERE training_id = ? "
        "ORDER BY joined_at, person_id",
        {training_id}, [&](const Row& row) {
            out.push_back({row.integer(0), row.text(1), row.integer(2), row.integer(3) != 0});
        });
    return out;
}

void SocialRepository::add_seat(std::int64_t training_id, const TrainingSeat& seat) {
    db_.execute(
        "INSERT INTO training_seats (training_id, person_id, status, joined_at, attended) "
        "VALUES (?, ?, ?, ?, ?)",
        {training_id, seat.person_id, seat.status, seat.joined_at,
         static_cast<std::int64_t>(seat.attended ? 1 : 0)});
}

bool SocialRepository::remove_seat(std::int64_t training_id, std::int64_t person_id) {
    return db_.execute("DELETE FROM training_seats WHERE training_id = ? AND person_id = ?",
                       {training_id, person_id}) > 0;
}

void SocialRepository::set_seat_status(std::int64_t training_id, std::int64_t person_id,
                                       const std::string& status) {
    db_.execute("UPDATE training_seats SET status = ? WHERE training_id = ? AND person_id = ?",
                {status, training_id, person_id});
}

void SocialRepository::mark_attended(std::int64_t training_id, std::int64_t person_id,
                                     std::int64_t now_ms) {
    db_.execute(
        "INSERT INTO training_seats (training_id, person_id, status, joined_at, attended) "
        "VALUES (?, ?, 'registered', ?, 1) ON CONFLICT (training_id, person_id) DO UPDATE SET "
        "attended = 1",
        {training_id, person_id, now_ms});
}

// --- outings --------------------------------------------------------------------------

std::int64_t SocialRepository::add_outing(const Outing& o) {
    const std::int64_t id = db_.insert(
        "INSERT INTO outings (title, budget, status, created_by, created_at) VALUES (?, ?, "
        "'polling', ?, ?)",
        {o.title, o.budget, o.created_by, o.created_at});
    for (const auto& day : o.days) {
        db_.execute("INSERT INTO outing_days (outing_id, day) VALUES (?, ?)", {id, day});
    }
    return id;
}

std::optional<Outing> SocialRepository::outing(std::int64_t id) const {
    std::optional<Outing> out;
    db_.query(std::string(outing_columns) + "WHERE id = ?", {id},
              [&](const Row& row) { out = outing_from(row); });
    if (out) {
        db_.query("SELECT day FROM outing_days WHERE outing_id = ? ORDER BY day", {id},
                  [&](const Row& row) { out->days.push_back(row.text(0)); });
    }
    return out;
}

std::vector<Outing> SocialRepository::open_outings() const {
    std::vector<std::int64_t> ids;
    db_.query("SELECT id FROM outings WHERE status <> 'cancelled' ORDER BY id DESC LIMIT 20", {},
              [&](const Row& row) { ids.push_back(row.integer(0)); });
    std::vector<Outing> out;
    for (auto id : ids) {
        if (auto o = outing(id)) out.push_back(std::move(*o));
    }
    return out;
}

std::vector<Outing> SocialRepository::outings_on_days(const std::string& first_day,
                                                      const std::string& last_day) const {
    // The day an outing is on: the chosen one, else the first of its poll.
    std::vector<std::int64_t> ids;
    db_.query(
        "SELECT o.id FROM outings o WHERE COALESCE(o.chosen_day, (SELECT MIN(d.day) FROM "
        "outing_days d WHERE d.outing_id = o.id)) BETWEEN ? AND ? ORDER BY o.id",
        {first_day, last_day}, [&](const Row& row) { ids.push_back(row.integer(0)); });
    std::vector<Outing> out;
    for (auto id : ids) {
        if (auto o = outing(id)) out.push_back(std::move(*o));
    }
    return out;
}

void SocialRepository::close_outing(std::int64_t id, const std::string& day, std::int64_t now_ms) {
    db_.execute("UPDATE outings SET status = 'closed', chosen_day = ?, closed_at = ? WHERE id = ?",
                {day, now_ms, id});
}

void SocialRepository::cancel_outing(std::int64_t id, std::int64_t now_ms) {
    db_.execute("UPDATE outings SET status = 'cancelled', closed_at = ? WHERE id = ?",
                {now_ms, id});
}

void SocialRepository::set_votes(std::int64_t outing_id, std::int64_t person_id,
                                 const std::vector<std::string>& days, std::int64_t now_ms) {
    db_.execute("DELETE FROM outing_votes WHERE outing_id = ? AND person_id = ?",
                {outing_id, person_id});
    for (const auto& day : days) {
        db_.execute(
            "INSERT INTO outing_votes (outing_id, person_id, day, voted_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            {outing_id, person_id, day, now_ms});
    }
}

std::vector<OutingVoteCount> SocialRepository::vote_counts(std::int64_t outing_id) const {
    std::vector<OutingVoteCount> out;
    db_.query(
        "SELECT d.day, COUNT(v.person_id) FROM outing_days d LEFT JOIN outing_votes v ON "
        "v.outing_id = d.outing_id AND v.day = d.day WHERE d.outing_id = ? GROUP BY d.day "
        "ORDER BY d.day",
        {outing_id}, [&](const Row& row) {
            out.push_back({row.text(0), static_cast<int>(row.integer(1))});
        });
    return out;
}

int SocialRepository::voter_count(std::int64_t outing_id) const {
    return static_cast<int>(
        db_.scalar("SELECT COUNT(DISTINCT person_id) FROM outing_votes WHERE outing_id = ?",
                   {outing_id})
            .value_or(0));
}

void SocialRepository::set_rsvp(std::int64_t outing_id, std::int64_t person_id, bool going,
                                std::int64_t now_ms) {
    db_.execute(
        "INSERT INTO outing_rsvps (outing_id, person_id, going, answered_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (outing_id, person_id) DO UPDATE SET going = excluded.going, answered_at = "
        "excluded.answered_at",
        {outing_id, person_id, static_cast<std::int64_t>(going ? 1 : 0), now_ms});
}

std::vector<OutingRsvp> SocialRepository::rsvps(std::int64_t outing_id) const {
    std::vector<OutingRsvp> out;
    db_.query(
        "SELECT person_id, going FROM outing_rsvps WHERE outing_id = ? ORDER BY answered_at, "
        "person_id",
        {outing_id}, [&](const Row& row) {
            out.push_back({row.integer(0), row.integer(1) != 0});
        });
    return out;
}

// --- costs ----------------------------------------------------------------------------

void SocialRepository::set_cost(const ActivityCost& c, std::int64_t now_ms) {
    db_.execute(
        "INSERT INTO activity_costs (kind, ref, amount, at, cancelled, created_at) VALUES (?, ?, "
        "?, ?, 0, ?) ON CONFLICT (ref) DO UPDATE SET kind = excluded.kind, amount = "
        "excluded.amount, at = excluded.at, cancelled = 0",
        {c.kind, c.ref, c.amount, c.at, now_ms});
}

void SocialRepository::cancel_cost(const std::string& ref) {
    db_.execute("UPDATE activity_costs SET cancelled = 1 WHERE ref = ?", {ref});
}

std::vector<CostTotal> SocialRepository::cost_totals(std::int64_t from_ms, std::int64_t to_ms,
                                                     std::int64_t now_ms) const {
    std::vector<CostTotal> out;
    db_.query(
        "SELECT kind, SUM(amount), SUM(CASE WHEN at <= ? THEN amount ELSE 0 END) FROM "
        "activity_costs WHERE cancelled = 0 AND at >= ? AND at < ? GROUP BY kind ORDER BY kind",
        {now_ms, from_ms, to_ms}, [&](const Row& row) {
            out.push_back({row.text(0), row.integer(1), row.integer(2)});
        });
    return out;
}

std::int64_t SocialRepository::coffee_groups_met(std::int64_t from_ms, std::int64_t to_ms) {
    return db_
        .scalar(
            "SELECT count(*) FROM coffee_groups g JOIN coffee_rounds r ON r.id = g.round_id "
            "WHERE r.ends_at >= ? AND r.ends_at < ? AND EXISTS (SELECT 1 FROM coffee_answers a "
            "WHERE a.round_id = g.round_id AND a.met = 1 AND a.person_id IN (g.left_id, "
            "g.right_id, coalesce(g.third_id, -1)))",
            {from_ms, to_ms})
        .value_or(0);
}

PersonDataPart person_data() {
    PersonDataPart part;
    part.exports = {
        {"coffee_groups",
         "SELECT g.round_id, r.started_at, g.left_id, g.right_id, g.third_id FROM coffee_groups g "
         "JOIN coffee_rounds r ON r.id = g.round_id "
         "WHERE g.left_id = ?1 OR g.right_id = ?1 OR g.third_id = ?1 ORDER BY g.id"},
        {"coffee_answers",
         "SELECT round_id, met, skipped, answered_at FROM coffee_answers WHERE person_id = ?1"},
        {"coffee_preferences",
         "SELECT opted_out, paused_until, updated_at FROM coffee_preferences WHERE person_id = ?1"},
        // Their own avoid list; who avoids them is confidential to those people.
        {"coffee_avoid", "SELECT avoided_id, created_at FROM coffee_avoid WHERE person_id = ?1"},
        {"trainings",
         "SELECT id, topic, trainer_id, audience, starts_at, status, created_by FROM trainings "
         "WHERE trainer_id = ?1 OR created_by = ?1 ORDER BY id"},
        {"training_seats",
         "SELECT training_id, status, joined_at, attended FROM training_seats "
         "WHERE person_id = ?1"},
        {"outings",
         "SELECT id, title, status, chosen_day, created_at FROM outings WHERE created_by = ?1 "
         "ORDER BY id"},
        {"outing_votes", "SELECT outing_id, day, voted_at FROM outing_votes WHERE person_id = ?1"},
        {"outing_rsvps",
         "SELECT outing_id, going, answered_at FROM outing_rsvps WHERE person_id = ?1"},
    };
    part.deletes = {
        "DELETE FROM coffee_preferences WHERE person_id = ?1",
        "DELETE FROM coffee_avoid WHERE person_id = ?1 OR avoided_id = ?1",
    };
    part.scrubs = {
        "UPDATE trainings SET topic = replace(topic, ?1, ?2) WHERE instr(topic, ?1) > 0",
        "UPDATE outings SET title = replace(title, ?1, ?2) WHERE instr(title, ?1) > 0",
    };
    return part;
}

}  // namespace twintrack::store::social
