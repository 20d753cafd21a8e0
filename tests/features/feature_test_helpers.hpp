#pragma once
// Small helpers several feature tests share: what went to whom, a direct message's posts,
// and instants written as UTC calendar dates.

#include <date/date.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/types.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {

/// Texts of the posts that went to `channel` (a DM is "@handle").
inline std::vector<std::string> to(const std::vector<core::Post>& posts,
                                   const std::string& channel) {
    std::vector<std::string> out;
    for (const auto& p : posts) {
        if (p.to.channel == channel) out.push_back(p.text);
    }
    return out;
}

/// The same as to(), under the name the action tests use beside posts_to().
inline std::vector<std::string> texts_to(const std::vector<core::Post>& posts,
                                         const std::string& channel) {
    return to(posts, channel);
}

/// The posts themselves that went to `channel`.
inline std::vector<const core::Post*> posts_to(const std::vector<core::Post>& posts,
                                               const std::string& channel) {
    std::vector<const core::Post*> out;
    for (const auto& p : posts) {
        if (p.to.channel == channel) out.push_back(&p);
    }
    return out;
}

/// Every post the bot answers when `who` writes `text` to it directly.
inline std::vector<core::Post> say_posts(TestBot& bot, const std::string& who,
                                         const std::string& text) {
    core::Event e;
    e.where = {"test", "@" + who, ""};
    e.who = {"test", who, who};
    e.text = text;
    e.direct = true;
    return bot.deliver(std::move(e));
}

/// The lines, each ended by a newline.
inline std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += s + "\n";
    return out;
}

inline core::Timestamp utc(int y, unsigned m, unsigned d, int h, int min = 0) {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        date::sys_days{date::year{y} / m / d} + std::chrono::hours(h) + std::chrono::minutes(min));
}

}  // namespace twintrack::testing

namespace twintrack::bot::meetings {

/// Milliseconds since the epoch of a UTC date and time (the slot finder's and iCal's unit).
inline std::int64_t utc(int y, unsigned m, unsigned d, int h, int min = 0) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               (date::sys_days{date::year{y} / m / d} + std::chrono::hours(h) +
                std::chrono::minutes(min))
                   .time_since_epoch())
        .count();
}

}  // namespace twintrack::bot::meetings
