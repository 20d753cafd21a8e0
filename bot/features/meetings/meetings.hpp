#pragma once
// Cross-department meetings: `meet` proposes the 3 best slots, `book N` books one (with
// DMs and reminders), `meeting cancel`, `meetings`, `calendar import`, and recurring
// joint meetings (`joint-meeting`, `agenda`, `minutes`).

#include <cstdint>
#include <optional>
#include <string>

#include "bot/feature.hpp"
#include "bot/features/meetings/meeting_settings.hpp"

namespace twintrack::bot {
class Engine;
class Turn;
}  // namespace twintrack::bot

namespace twintrack::bot::meetings {

/// Registers the meeting commands, jobs and calendar routes, and offers MeetingStats
/// (meeting_stats.hpp) to other features.
void register_meetings(Engine& engine);

/// The meetings feature: section `meetings` (MeetingSettings, meeting_settings.hpp),
/// migration 0007 (its own, migrations/). `calendar import URL` fetches through the CalendarFetcher
/// the program offers on the engine (bot/calendar_fetcher.hpp).
Feature feature();

/// Meeting `id` as an iCalendar invitation (METHOD:REQUEST, or CANCEL once cancelled);
/// nothing when there is no such meeting.
std::optional<std::string> meeting_ics(Turn& turn, std::int64_t id);
/// The meetings of person `person_id` that end after 30 days ago, as an iCalendar feed;
/// nothing for an unknown person.
std::optional<std::string> person_calendar_ics(Turn& turn, std::int64_t person_id);

}  // namespace twintrack::bot::meetings
