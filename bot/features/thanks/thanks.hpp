#pragma once
// Thanks (感谢): `thanks @PERSON NOTE` thanks a colleague for something they did (a lead
// passed on, a slide deck, a customer call); the person thanked is told, and `thanks week`
// shows the last seven days' thanks with how many went between marketing and sales, the
// goodwill the dual track runs on made visible; the weekly metrics count the thanks between
// marketing and sales among the joint touchpoints (ThanksStats, thanks_stats.hpp). Its
// table (store/, its own target: ThanksTable), migration (migrations/) and tests (tests/)
// are in this folder.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bot/feature.hpp"
#include "bot/features/thanks/store/thanks_store.hpp"

namespace twintrack::bot {
class Turn;
}  // namespace twintrack::bot

namespace twintrack::store {
struct Person;
}  // namespace twintrack::store

namespace twintrack::bot::thanks {

using store::thanks::ThanksRecord;
using store::thanks::ThanksTable;

/// The `thanks:` section.
struct ThanksSettings {
    /// Tell the person thanked (a direct message with the note).
    bool tell = true;
    /// The longest note, in characters.
    int note_limit = 300;
    /// How many thanks `thanks week` lists (the counts cover all).
    int shown = 10;
};

/// `thanks: {tell: BOOL, note_limit: N, shown: N}` into ThanksSettings.
void read_config(core::SectionReader& section, FeatureSettings& settings);

/// True when a thanks goes between marketing and sales (either way).
bool crosses_tracks(const std::string& from_department, const std::string& to_department);

/// The counts `thanks week` shows.
struct WeekCounts {
    int total = 0;
    int cross = 0;  ///< between marketing and sales
};

/// Counts `rows`; `department_of` gives a person's department by id (empty: unknown).
WeekCounts count_week(const std::vector<ThanksRecord>& rows,
                      const std::function<std::string(std::int64_t)>& department_of);

/// The feature's table through the turn: reading() opens the read-only view, writing() the
/// turn's transaction, as Turn::read() and Turn::write() do for the store's repositories.
const ThanksTable& reading(Turn& turn, const ThanksTable& table);
ThanksTable& writing(Turn& turn, ThanksTable& table);

/// The thanks feature: section `thanks`, migration 0028 (its own table), its part of a
/// person's data, and ThanksStats offered to the others.
Feature feature();

}  // namespace twintrack::bot::thanks
