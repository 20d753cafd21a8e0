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

namespace {

// The grid of candidate starts: cells of `step` from g0, a meeting `d` cells long.
struct Grid {
    std::int64_t step = slot_step_ms;
    std::int64_t d = 1;       ///< cells a meeting takes
    std::int64_t g0 = 0;      ///< the first cell's start
    std::int64_t starts = 0;  ///< candidate starts
    std::int64_t cells = 0;
    std::int64_t span_end = 0;

    std::size_t at(std::int64_t i) const { return static_cast<std::size_t>(i); }
};

Grid grid_of(const SlotQuery& q) {
    Grid g;
    g.d = std::max<std::int64_t>(1, ceil_div(q.duration_minutes, 15));
    g.g0 = ceil_div(q.from, g.step) * g.step;
    g.starts = floor_div(q.until - g.g0 - g.d * g.step, g.step) + 1;
    g.cells = g.starts + g.d - 1;
    g.span_end = g.g0 + g.cells * g.step;
    return g;
}

// The prefix count of cells where `att` is not free: not wholly inside working time, or
// touching a busy interval.
std::vector<int> blocked_prefix(const Attendee& att, const Grid& g) {
    std::vector<int> work(g.at(g.cells) + 1, 0);
    std::vector<int> busy(g.at(g.cells) + 1, 0);
    for (const auto& w : working_intervals(att, g.g0, g.span_end)) {
        const std::int64_t lo = ceil_div(w.start - g.g0, g.step);
        const std::int64_t hi = floor_div(w.end - g.g0, g.step);
        if (lo >= hi) continue;
        ++work[g.at(lo)];
        --work[g.at(hi)];
    }
    for (const auto& b : att.busy) {
        if (b.end <= g.g0 || b.start >= g.span_end || b.end <= b.start) continue;
        const std::int64_t lo = std::max<std::int64_t>(0, floor_div(b.start - g.g0, g.step));
        const std::int64_t hi = std::min<std::int64_t>(g.cells, ceil_div(b.end - g.g0, g.step));
        ++busy[g.at(lo)];
        --busy[g.at(hi)];
    }
    std::vector<int> prefix(g.at(g.cells) + 1, 0);
    int w = 0;
    int b = 0;
    for (std::int64_t i = 0; i < g.cells; ++i) {
        w += work[g.at(i)];
        b += busy[g.at(i)];
        const bool free = w > 0 && b == 0;
        prefix[g.at(i) + 1] = prefix[g.at(i)] + !free;
    }
    return prefix;
}

// Every attendee's free cells, and per start how many required and optional ones are free.
struct Freedom {
    std::vector<std::vector<int>> blocked;  ///< per attendee: blocked_prefix
    std::vector<int> required_free;
    std::vector<int> optional_free;
    int n_required = 0;

    bool free_at(std::size_t a, std::int64_t i, const Grid& g) const {
        return blocked[a][g.at(i + g.d)] == blocked[a][g.at(i)];
    }
};

Freedom freedom_of(const SlotQuery& q, const Grid& g) {
    Freedom f;
    f.required_free.assign(g.at(g.starts), 0);
    f.optional_free.assign(g.at(g.starts), 0);
    for (const Attendee& att : q.attendees) {
        if (att.required) ++f.n_required;
        f.blocked.push_back(blocked_prefix(att, g));
        auto& counts = att.required ? f.required_free : f.optional_free;
        for (std::int64_t i = 0; i < g.starts; ++i) {
            counts[g.at(i)] += f.free_at(f.blocked.size() - 1, i, g);
        }
    }
    return f;
}

Slot slot_at(const SlotQuery& q, const Grid& g, const Freedom& f, std::int64_t i) {
    Slot s;
    s.at = {g.g0 + i * g.step, g.g0 + (i + g.d) * g.step};
    s.optional_free = f.optional_free[g.at(i)];
    for (std::size_t a = 0; a < q.attendees.size(); ++a) {
        if (f.free_at(a, i, g)) continue;
        (q.attendees[a].required ? s.missing : s.optional_missing).push_back(q.attendees[a].id);
    }
    return s;
}

// Up to `count` starts where every required attendee is free, the most optional ones free
// first, not overlapping one another.
std::vector<Slot> full_slots(const SlotQuery& q, const Grid& g, const Freedom& f,
                             std::size_t count) {
    std::vector<std::int64_t> full;
    for (std::int64_t i = 0; i < g.starts; ++i) {
        if (f.required_free[g.at(i)] == f.n_required) full.push_back(i);
    }
    std::stable_sort(full.begin(), full.end(), [&](std::int64_t x, std::int64_t y) {
        return f.optional_free[g.at(x)] > f.optional_free[g.at(y)];
    });
    std::vector<Slot> out;
    std::vector<std::int64_t> chosen;
    for (std::int64_t i : full) {
        const bool overlaps = std::any_of(chosen.begin(), chosen.end(), [&](std::int64_t c) {
            return i < c + g.d && c < i + g.d;
        });
        if (overlaps) continue;
        chosen.push_back(i);
        out.push_back(slot_at(q, g, f, i));
        if (out.size() == count) break;
    }
    return out;
}

// The start with the most required attendees free (then optional ones); -1 when none is.
std::int64_t best_partial(const Grid& g, const Freedom& f) {
    std::int64_t best = -1;
    for (std::int64_t i = 0; i < g.starts; ++i) {
        const auto r = f.required_free[g.at(i)];
        const auto o = f.optional_free[g.at(i)];
        if (r == 0) continue;
        if (best < 0 || r > f.required_free[g.at(best)] ||
            (r == f.required_free[g.at(best)] && o > f.optional_free[g.at(best)])) {
            best = i;
        }
    }
    return best;
}

}  // namespace

SlotResult find_slots(const SlotQuery& q, std::size_t count) {
    SlotResult result;
    const Grid g = grid_of(q);
    if (g.starts <= 0 || q.attendees.empty()) return result;
    const Freedom f = freedom_of(q, g);
    result.slots = full_slots(q, g, f, count);
    if (!result.slots.empty()) return result;
    const std::int64_t best = best_partial(g, f);
    if (best >= 0) result.partial = slot_at(q, g, f, best);
    return result;
}

}  // namespace twintrack::bot::meetings
