#include "store/channel_tracks.hpp"

namespace twintrack::store {

void ChannelTracks::upsert(const ChannelTrack& m, std::int64_t now_ms) {
    db_.execute(
        "INSERT INTO channel_tracks (connector, channel, track, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (connector, channel) DO UPDATE SET track = excluded.track, "
        "updated_at = excluded.updated_at",
        {m.connector, m.channel, m.track, now_ms});
}

std::optional<std::string> ChannelTracks::track_of(const std::string& connector,
                                                   const std::string& channel) {
    std::optional<std::string> out;
    db_.query("SELECT track FROM channel_tracks WHERE connector = ? AND channel = ?",
              {connector, channel}, [&](const Row& r) { out = r.text(0); });
    return out;
}

std::vector<ChannelTrack> ChannelTracks::by_track(const std::string& track) const {
    std::vector<ChannelTrack> out;
    db_.query(
        "SELECT connector, channel, track FROM channel_tracks WHERE track = ? "
        "ORDER BY connector, channel",
        {track}, [&](const Row& r) {
            out.push_back({r.text(0), r.text(1), r.text(2)});
        });
    return out;
}

std::vector<ChannelTrack> ChannelTracks::all() const {
    std::vector<ChannelTrack> out;
    db_.query("SELECT connector, channel, track FROM channel_tracks ORDER BY connector, channel",
              {}, [&](const Row& r) {
                  out.push_back({r.text(0), r.text(1), r.text(2)});
              });
    return out;
}

}  // namespace twintrack::store
