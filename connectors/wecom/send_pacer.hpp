#pragma once
// Client-side pacing for WeCom's send limits. WeCom drops messages over its limits
// without an error ("超过部分会被丢弃不下发"), so the connector must never go over them:
// each recipient (a member, or an app group chat) has windows such as "30 in any 60 s";
// a message goes out only when it fits every window of its recipient, else it waits.
// Pure: the caller gives the time. Not thread-safe (the connector's thread only).

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "core/types.hpp"

namespace twintrack::connectors::wecom {

struct SendWindow {
    std::size_t most;           ///< messages allowed in any span
    std::chrono::seconds span;  ///< e.g. 60 s
};

/// WeCom's documented limits for one app: to one member at most 30 a minute and 1000 an
/// hour (message/send); each member of an app group chat at most 200 a minute and
/// 10,000 a day from the app (appchat/send).
std::vector<SendWindow> member_windows();
std::vector<SendWindow> chat_windows();

class SendPacer {
  public:
    using TimePoint = std::chrono::steady_clock::time_point;

    /// Zero when one more message to `key` fits every window at `now` (and it is
    /// counted); else how long to wait before asking again (nothing is counted).
    std::chrono::milliseconds reserve(const std::string& key,
                                      const std::vector<SendWindow>& windows, TimePoint now);

    /// Recipients seen so far (memory: at most the largest window count per recipient).
    std::size_t keys() const { return sent_.size(); }

  private:
    std::map<std::string, std::deque<TimePoint>> sent_;  ///< oldest first
};

/// WeCom's daily quota of an app's messages (发送应用消息频率): at most the company's
/// account limit (账号上限数) x 200 person-times a day, a message to one member counting
/// once; what is over it is dropped silently, and the app is blocked for the rest of the
/// natural day. The day is China's (UTC+8, no daylight saving). Counted here as messages
/// are about to go to members (message/send); app group chats have their own limits
/// (chat_windows). When `state_file` is not empty the day's count is kept there
/// (written at each change, read at start), so a restart does not forget it.
/// Not thread-safe (the connector's thread only).
class DailyBudget {
  public:
    DailyBudget(std::size_t limit, std::string state_file);

    /// True (and counted) when `n` more messages fit today's quota at `now`.
    bool reserve(std::size_t n, core::Timestamp now);
    /// Messages counted today.
    std::size_t used(core::Timestamp now);
    std::size_t limit() const { return limit_; }
    /// The start of the next China day after `now` (when the quota is whole again).
    static core::Timestamp next_day(core::Timestamp now);

  private:
    static long long day_of(core::Timestamp now);
    void roll(core::Timestamp now);
    void save() const;

    std::size_t limit_;
    std::string state_file_;
    long long day_ = -1;
    std::size_t used_ = 0;
};

}  // namespace twintrack::connectors::wecom
