#pragma once
// Tells live messages from history that a server or bouncer plays back to the bot
// (InspIRCd's chanhistory, IRCv3 chathistory, ZNC playback), so a line said before the
// bot joined is never answered again. Pure: the caller passes the steady time.
//
// A message is history when
//   1. it belongs to a `batch` whose type is a history playback (chathistory,
//      draft/chathistory, znc.in/playback, or any type naming history or playback);
//   2. else, when it carries `server-time` and the bot's own JOIN carried it too (the
//      001 welcome for direct messages): when it is older than that JOIN;
//   3. else (no tags): when it arrives in the burst after the join, i.e. before the end
//      of the JOIN numerics (366 RPL_ENDOFNAMES; for direct messages the end of the
//      MOTD) or within `window` of the JOIN. The end of the numerics is not waited for
//      longer than `numerics_cap`.

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "connectors/irc/irc_message.hpp"

namespace twintrack::connectors::irc {

/// True for batch types that carry played-back history.
bool is_history_batch(const std::string& type);

class ReplayGuard {
  public:
    using Steady = std::chrono::steady_clock::time_point;
    /// The key of direct messages (channels are keyed by their lower-cased name).
    static constexpr const char* direct = "";

    explicit ReplayGuard(std::chrono::milliseconds window,
                         std::chrono::milliseconds numerics_cap = std::chrono::seconds(30))
        : window_(window), numerics_cap_(numerics_cap) {}

    /// A new connection: everything known is forgotten.
    void reset();
    /// The bot joined `where` (a channel, or `direct` at the 001 welcome); `server_ms` is
    /// the `time` tag of that JOIN or 001 line, when it had one.
    void joined(const std::string& where, std::optional<long long> server_ms, Steady now);
    /// The JOIN numerics of `where` ended (366; for `direct`: 376 or 422).
    void numerics_done(const std::string& where);
    /// The bot left `where`.
    void left(const std::string& where);
    /// A `BATCH +ref type ...` or `BATCH -ref` line.
    void on_batch(const Message& batch);

    /// True when `m`, a message to `where`, is played-back history.
    bool is_history(const std::string& where, const Message& m, Steady now) const;
    /// True once the burst after joining `where` is over (always true when the bot is
    /// not known to have joined it).
    bool burst_over(const std::string& where, Steady now) const;

  private:
    struct Join {
        std::optional<long long> server_ms;
        Steady at;
        bool numerics_done = false;
    };
    static std::string key(const std::string& where);
    std::chrono::milliseconds window_;
    std::chrono::milliseconds numerics_cap_;
    std::map<std::string, Join> joins_;
    std::map<std::string, bool> batches_;  ///< open batch ref -> history?
};

}  // namespace twintrack::connectors::irc
