#include "connectors/wecom/send_pacer.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

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

namespace {
constexpr long long day_ms = 86400000LL;
constexpr long long china_offset_ms = 8 * 3600000LL;
}  // namespace

DailyBudget::DailyBudget(std::size_t limit, std::string state_file)
    : limit_(limit), state_file_(std::move(state_file)) {
    if (state_file_.empty()) return;
    std::ifstream in(state_file_);
    long long day = -1;
    unsigned long long used = 0;
    if (in >> day >> used) {
        day_ = day;
        used_ = static_cast<std::size_t>(used);
    }
}

long long DailyBudget::day_of(core::Timestamp now) {
    const long long ms = core::to_millis(now) + china_offset_ms;
    return ms >= 0 ? ms / day_ms : (ms - day_ms + 1) / day_ms;
}

core::Timestamp DailyBudget::next_day(core::Timestamp now) {
    return core::from_millis((day_of(now) + 1) * day_ms - china_offset_ms);
}

void DailyBudget::roll(core::Timestamp now) {
    const long long today = day_of(now);
    if (today != day_) {
        day_ = today;
        used_ = 0;
    }
}

std::size_t DailyBudget::used(core::Timestamp now) {
    roll(now);
    return used_;
}

bool DailyBudget::reserve(std::size_t n, core::Timestamp now) {
    roll(now);
    if (limit_ == 0 || used_ + n > limit_) return false;
    used_ += n;
    save();
    return true;
}

void DailyBudget::save() const {
    if (state_file_.empty()) return;
    // Written whole and renamed, so a crash leaves the old count or the new one.
    const std::string tmp = state_file_ + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << day_ << " " << used_ << "\n";
        if (!out) {
            spdlog::warn("wecom: cannot write the day's message count to {}", tmp);
            return;
        }
    }
    if (std::rename(tmp.c_str(), state_file_.c_str()) != 0) {
        spdlog::warn("wecom: cannot replace {}", state_file_);
    }
}

}  // namespace twintrack::connectors::wecom
