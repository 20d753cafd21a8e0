#pragma once
// Which track (marketing, sales or joint) each channel belongs to: set from the config at
// start and by `track set`, read by every feature that posts to a department's channels.
// Its table comes from store/migrations/0002_engagements.sql; the engagements feature's own
// tables of that migration are in its store part (bot/features/engagements/store/).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace twintrack::store {

struct ChannelTrack {
    std::string connector;
    std::string channel;
    std::string track;  ///< marketing, sales or joint
};

/// Channel -> track mapping, per connector.
class ChannelTracks {
  public:
    explicit ChannelTracks(Database& db) : db_(db) {}
    /// Inserts or replaces the track of one channel.
    void upsert(const ChannelTrack& mapping, std::int64_t now_ms);
    std::optional<std::string> track_of(const std::string& connector, const std::string& channel);
    /// Every channel of a track, ordered by connector and channel.
    std::vector<ChannelTrack> by_track(const std::string& track) const;
    std::vector<ChannelTrack> all() const;

  private:
    Database& db_;
};

}  // namespace twintrack::store
