#pragma once
// Incoming events held in order while a file of one of them downloads (a bridged
// conversation's pictures and files, fetch_files_up_to), for every connector that fetches
// them (Feishu, DingTalk, XMPP):
// - one FIFO per conversation (the event's `where.channel`): a slow file in one group never
//   delays another group; within a conversation the events reach the bot in the order
//   they came;
// - an event goes on once every download it waits for has answered (done()), its files
//   attached (core/event_files.hpp) in the order they were held;
// - release_all() (the connector stops, so no download will answer) hands on every held
//   event at once, in order, each file as it was when held: its link or its name;
// - at most `HeldLimits::downloads` files are awaited at once in the whole connector: an
//   event whose downloads would exceed that is not held for them (hold() gives no ticket):
//   it goes on in its place with its files as links or names, unfetched;
// - at most `HeldLimits::per_conversation` events are held in one conversation: the next
//   one first releases that conversation (its downloads still under way are given up, their
//   files go on as links or names and their late answers are ignored), then is handled as
//   usual. Nothing is lost and nothing reaches the bot twice.
// Not thread-safe: use it on the connector's own thread only.

#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/event_files.hpp"
#include "core/types.hpp"

namespace twintrack::connectors::runtime {

/// How much a connector holds.
struct HeldLimits {
    std::size_t downloads = 8;           ///< files awaited at once, the whole connector
    std::size_t per_conversation = 100;  ///< events held in one conversation
};

class HeldEvents {
  public:
    /// Hands an event on (to the engine's sink, or the sender lookup before it).
    using Push = std::function<void(core::Event)>;
    /// Names one held event; 0 names none.
    using Ticket = unsigned long long;

    explicit HeldEvents(Push push, HeldLimits limits = {});

    /// An event that waits for no download: handed on now, or behind the events its
    /// conversation holds.
    void pass(core::Event event);
    /// `event` with `files`, `downloads` of which are being fetched: held (behind its
    /// conversation's earlier events) until done() was called `downloads` times, and a
    /// ticket for done() returned. 0 when `downloads` is 0 or more files than the limit
    /// would be awaited: then nothing is to be fetched, and the event goes on with `files`
    /// as they are (now, or behind its conversation's held events).
    Ticket hold(core::Event event, std::vector<core::EventFile> files, std::size_t downloads);
    /// One download of `ticket` answered: `file` replaces the held files[`index`]. False
    /// when the event went on already (release_all, a full conversation): the file is then
    /// not wanted, and the connector fetches no more for it.
    bool done(Ticket ticket, std::size_t index, core::EventFile file);
    /// True while `ticket`'s event is held.
    bool waiting(Ticket ticket) const { return where_.count(ticket) > 0; }
    /// Hands on every held event now, each conversation in order, every file as it was held.
    void release_all();

    /// Events held in all, and in `conversation`.
    std::size_t held() const;
    std::size_t held(const std::string& conversation) const;
    /// Files awaited now.
    std::size_t downloads() const { return in_flight_; }
    const HeldLimits& limits() const { return limits_; }

  private:
    struct Entry {
        Ticket ticket = 0;  ///< 0: waits for nothing
        core::Event event;
        std::vector<core::EventFile> files;
        std::size_t waiting = 0;  ///< downloads not answered yet
    };
    void add(Entry entry);
    void flush(const std::string& conversation, bool all = false);
    void hand_on(Entry& entry);

    Push push_;
    HeldLimits limits_;
    std::map<std::string, std::deque<Entry>> queues_;  ///< by conversation, never empty
    std::unordered_map<Ticket, std::string> where_;    ///< a held ticket's conversation
    std::size_t in_flight_ = 0;
    Ticket next_ = 0;
};

}  // namespace twintrack::connectors::runtime
