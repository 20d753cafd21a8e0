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

}  // namespace twintrack::connectors::wecom
