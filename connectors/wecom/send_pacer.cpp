#include "connectors/wecom/send_pacer.hpp"

#include <algorithm>

namespace twintrack::connectors::wecom {

std::vector<SendWindow> member_windows() {
    return {{30, std::chrono::seconds(60)}, {1000, std::chrono::seconds(3600)}};
}

std::vector<SendWindow> chat_windows() {
    return {{200, std::chrono::seconds(60)}, {10000, std::chrono::seconds(86400)}};
}

std::chrono::milliseconds SendPacer::reserve(const std::string& key,
                                             const std::vector<SendWindow>& windows,
                                             TimePoint now) {
    std::chrono::seconds longest{0};
    std::size_t most = 0;
    for (const auto& w : windows) {
        longest = std::max(longest, w.span);
        most = std::max(most, w.most);
    }
    auto& times = sent_[key];
    while (!times.empty() && now - times.front() >= longest) times.pop_front();
    std::chrono::milliseconds wait{0};
    for (const auto& w : windows) {
        if (w.most == 0) continue;
        // The sends inside this window: those after now - span.
        const auto inside = static_cast<std::size_t>(
            times.end() - std::upper_bound(times.begin(), times.end(), now - w.span));
        if (inside < w.most) continue;
        // The oldest one that must leave the window before another fits.
        const TimePoint leaves = times[times.size() - w.most] + w.span;
        wait = std::max(wait, std::chrono::ceil<std::chrono::milliseconds>(leaves - now));
    }
    if (wait.count() > 0) return wait;
    times.push_back(now);
    while (times.size() > most) times.pop_front();
    return std::chrono::milliseconds(0);
}

}  // namespace twintrack::connectors::wecom
