#include "bot/features/meetings/slot_finder.hpp"

#include <date/tz.h>

#include <algorithm>
#include <chrono>

#include "bot/local_time.hpp"

namespace twintrack::bot::meetings {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}
std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return -floor_div(-a, b); }

date::sys_time<milliseconds> sys_of(std::int64_t ms) {
    return date::sys_time<milliseconds>(milliseconds(ms));
}

template <class Duration>
std::int64_t ms_of(date::sys_time<Duration> t) {
    return std::chrono::time_point_cast<milliseconds>(t).time_since_epoch().count();
}

}  // namespace

std::vector<Interval> working_intervals(const Attendee& a, std::int64_t from, std::int64_t until) {
    std::vector<Interval> out;
    if (a.work_end <= a.work_start || until <= from) return out;
    const auto* tz = zone_or_utc(a.zone);
    // One local day either side covers every offset.
    const auto first = date::floor<date::days>(tz->to_local(sys_of(from))) - date::days(1);
    const auto last = date::floor<date::days>(tz->to_local(sys_of(until))) + date::days(1);
    for (auto day = first; day <= last; day += date::days(1)) {
        const unsigned wd = date::weekday(day).c_encoding();
        if (((a.work_days >> wd) & 1U) == 0) continue;
        // A nonexistent local time (DST gap) becomes the instant the gap ends.
        const auto s = ms_of(tz->to_sys(day + minutes(a.work_start), date::choose::earliest));
        const auto e = ms_of(tz->to_sys(day + minutes(a.work_end), date::choose::earliest));
        const std::int64_t cs = std::max(s, from);
        const std::int64_t ce = std::min(e, until);
        if (cs < ce) out.push_back({cs, ce});
    }
    return out;
}

SlotResult find_slots(const SlotQuery& q, std::size_t count) {
    SlotResult result;
    const std::int64_t step = slot_step_ms;
    const std::int64_t d = std::max<std::int64_t>(1, ceil_div(q.duration_minutes, 15));
    const std::int64_t g0 = ceil_div(q.from, step) * step;
    const std::int64_t starts = floor_div(q.until - g0 - d * step, step) + 1;
    if (starts <= 0 || q.attendees.empty()) return result;
    const std::int64_t cells = starts + d - 1;
    const std::int64_t span_end = g0 + cells * step;

    std::vector<int> required_free(static_cast<std::size_t>(starts), 0);
    std::vector<int> optional_free(static_cast<std::size_t>(starts), 0);
    // Per attendee: the prefix count of cells where they are not free.
    std::vector<std::vector<int>> blocked(q.attendees.size());
    std::vector<int> work(static_cast<std::size_t>(cells) + 1);
    std::vector<int> busy(static_cast<std::size_t>(cells) + 1);
    int n_required = 0;
    for (std::size_t a = 0; a < q.attendees.size(); ++a) {
        const Attendee& att = q.attendees[a];
        if (att.required) ++n_required;
        std::fill(work.begin(), work.end(), 0);
        std::fill(busy.begin(), busy.end(), 0);
        // Cells wholly inside working time...
        for (const auto& w : working_intervals(att, g0, span_end)) {
            const std::int64_t lo = ceil_div(w.start - g0, step);
            const std::int64_t hi = floor_div(w.end - g0, step);
            if (lo >= hi) continue;
            ++work[static_cast<std::size_t>(lo)];
            --work[static_cast<std::size_t>(hi)];
        }
        // ...and touching no busy interval.
        for (const auto& b : att.busy) {
            if (b.end <= g0 || b.start >= span_end || b.end <= b.start) continue;
            const std::int64_t lo = std::max<std::int64_t>(0, floor_div(b.start - g0, step));
            const std::int64_t hi = std::min<std::int64_t>(cells, ceil_div(b.end - g0, step));
            ++busy[static_cast<std::size_t>(lo)];
            --busy[static_cast<std::size_t>(hi)];
        }
        auto& prefix = blocked[a];
        prefix.assign(static_cast<std::size_t>(cells) + 1, 0);
        int w = 0;
        int b = 0;
        for (std::int64_t i = 0; i < cells; ++i) {
            w += work[static_cast<std::size_t>(i)];
            b += busy[static_cast<std::size_t>(i)];
            const bool free = w > 0 && b == 0;
            prefix[static_cast<std::size_t>(i) + 1] = prefix[static_cast<std::size_t>(i)] + !free;
        }
        auto& counts = att.required ? required_free : optional_free;
        for (std::int64_t i = 0; i < starts; ++i) {
            counts[static_cast<std::size_t>(i)] +=
                prefix[static_cast<std::size_t>(i + d)] == prefix[static_cast<std::size_t>(i)];
        }
    }

    auto slot_at = [&](std::int64_t i) {
        Slot s;
        s.at = {g0 + i * step, g0 + (i + d) * step};
        s.optional_free = optional_free[static_cast<std::size_t>(i)];
        for (std::size_t a = 0; a < q.attendees.size(); ++a) {
            const auto& prefix = blocked[a];
            if (prefix[static_cast<std::size_t>(i + d)] == prefix[static_cast<std::size_t>(i)]) {
                continue;
            }
            (q.attendees[a].required ? s.missing : s.optional_missing).push_back(q.attendees[a].id);
        }
        return s;
    };

    std::vector<std::int64_t> full;
    for (std::int64_t i = 0; i < starts; ++i) {
        if (required_free[static_cast<std::size_t>(i)] == n_required) full.push_back(i);
    }
    if (!full.empty()) {
        std::stable_sort(full.begin(), full.end(), [&](std::int64_t x, std::int64_t y) {
            return optional_free[static_cast<std::size_t>(x)] >
                   optional_free[static_cast<std::size_t>(y)];
        });
        std::vector<std::int64_t> chosen;
        for (std::int64_t i : full) {
            const bool overlaps = std::any_of(chosen.begin(), chosen.end(), [&](std::int64_t c) {
                return i < c + d && c < i + d;
            });
            if (overlaps) continue;
            chosen.push_back(i);
            result.slots.push_back(slot_at(i));
            if (result.slots.size() == count) break;
        }
        return result;
    }
    std::int64_t best = -1;
    for (std::int64_t i = 0; i < starts; ++i) {
        const auto r = required_free[static_cast<std::size_t>(i)];
        const auto o = optional_free[static_cast<std::size_t>(i)];
        if (r == 0) continue;
        if (best < 0 || r > required_free[static_cast<std::size_t>(best)] ||
            (r == required_free[static_cast<std::size_t>(best)] &&
             o > optional_free[static_cast<std::size_t>(best)])) {
            best = i;
        }
    }
    if (best >= 0) result.partial = slot_at(best);
    return result;
}

}  // namespace twintrack::bot::meetings
