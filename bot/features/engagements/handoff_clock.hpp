#pragma once
// Handoff deadlines in working time: N working hours in a person's zone and working
// hours, skipping Saturdays and Sundays. Pure: the caller gives "now".

#include <string>

#include "core/types.hpp"

namespace twintrack::bot::engagements {

/// The instant `working_hours` working hours after `start`, counted in `zone` (UTC when
/// unknown) between `work_start` and `work_end` (minutes after local midnight) on Monday
/// to Friday. Time outside working hours does not count.
core::Timestamp working_deadline(core::Timestamp start, int working_hours, const std::string& zone,
                                 int work_start, int work_end);

}  // namespace twintrack::bot::engagements
