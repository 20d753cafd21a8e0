#pragma once
// The de-duplication window of incoming events: platforms deliver an event again when its
// acknowledgement was late or lost (Slack's Events API retries, DingTalk and Feishu across
// reconnects, WeCom callbacks within seconds), and the most recent ids are enough to
// recognise that; the engine's own processed-event ids are the last guard. Bounded: the
// oldest id is forgotten first. Not thread-safe: use it on the connector's own thread.

#include <cstddef>
#include <deque>
#include <string>
#include <unordered_set>

namespace twintrack::connectors::runtime {

class RecentIds {
  public:
    /// Remembers at most `capacity` ids (at least one).
    explicit RecentIds(std::size_t capacity = 5000);

    /// True the first time `id` is seen (while it is remembered); false for a repeat,
    /// which is counted.
    bool first(const std::string& id);
    /// Ids remembered now (never more than capacity()).
    std::size_t size() const { return order_.size(); }
    std::size_t capacity() const { return capacity_; }
    /// Repeats recognised so far.
    unsigned long long repeats() const { return repeats_; }

  private:
    std::size_t capacity_;
    std::unordered_set<std::string> ids_;
    std::deque<std::string> order_;
    unsigned long long repeats_ = 0;
};

}  // namespace twintrack::connectors::runtime
