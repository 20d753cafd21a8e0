#include "connectors/irc/replay_guard.hpp"

#include <algorithm>

#include "core/text.hpp"

namespace twintrack::connectors::irc {

bool is_history_batch(const std::string& type) {
    const std::string lower = core::ascii_lower(type);
    return lower.find("history") != std::string::npos ||
           lower.find("playback") != std::string::npos;
}

std::string ReplayGuard::key(const std::string& where) { return core::ascii_lower(where); }

void ReplayGuard::reset() {
    joins_.clear();
    batches_.clear();
}

void ReplayGuard::joined(const std::string& where, std::optional<long long> server_ms, Steady now) {
    joins_[key(where)] = Join{server_ms, now, false};
}

void ReplayGuard::numerics_done(const std::string& where) {
    auto it = joins_.find(key(where));
    if (it != joins_.end()) it->second.numerics_done = true;
}

void ReplayGuard::left(const std::string& where) { joins_.erase(key(where)); }

void ReplayGuard::on_batch(const Message& batch) {
    const std::string& ref = batch.param(0);
    if (ref.size() < 2) return;
    if (ref.front() == '-') {
        batches_.erase(ref.substr(1));
        return;
    }
    if (ref.front() != '+') return;
    bool history = is_history_batch(batch.param(1));
    auto parent = batch.tags.find("batch");
    if (parent != batch.tags.end()) {
        auto p = batches_.find(parent->second);
        if (p != batches_.end() && p->second) history = true;
    }
    batches_[ref.substr(1)] = history;
}

bool ReplayGuard::burst_over(const std::string& where, Steady now) const {
    auto it = joins_.find(key(where));
    if (it == joins_.end()) return true;
    const Join& j = it->second;
    if (now >= j.at + std::max(window_, numerics_cap_)) return true;
    return j.numerics_done && now >= j.at + window_;
}

bool ReplayGuard::is_history(const std::string& where, const Message& m, Steady now) const {
    auto batch = m.tags.find("batch");
    if (batch != m.tags.end()) {
        auto b = batches_.find(batch->second);
        if (b != batches_.end() && b->second) return true;
    }
    auto it = joins_.find(key(where));
    if (it == joins_.end()) return false;
    auto time = m.tags.find("time");
    if (time != m.tags.end() && it->second.server_ms) {
        if (auto at = parse_server_time(time->second)) return *at < *it->second.server_ms;
    }
    return !burst_over(where, now);
}

}  // namespace twintrack::connectors::irc
