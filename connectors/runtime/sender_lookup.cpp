#include "connectors/runtime/sender_lookup.hpp"

#include <algorithm>
#include <memory>
#include <utility>

namespace twintrack::connectors::runtime {

SenderLookup::SenderLookup(SerialQueues::Later later, Fetch fetch, SenderLookupLimits limits,
                           Now now)
    : inbound_(std::move(later)),
      fetch_(std::move(fetch)),
      limits_(limits),
      now_(now ? std::move(now) : [] { return std::chrono::steady_clock::now(); }) {
    limits_.capacity = std::max<std::size_t>(limits_.capacity, 1);
}

void SenderLookup::deliver(core::Event event, std::function<void(core::Event)> push) {
    const std::string key = event.where.channel;
    inbound_.push(key, [this, event = std::move(event),
                        push = std::move(push)](std::function<void()> finished) mutable {
        const std::string user = event.who.user_id;
        look_up(user, [event = std::move(event), push = std::move(push),
                       finished = std::move(finished)](const SenderInfo& info) mutable {
            event.who.email = info.email;
            if (!info.name.empty()) event.who.display = info.name;
            push(std::move(event));
            finished();
        });
    });
}

SenderLookup::Entry& SenderLookup::entry(const std::string& user) {
    auto it = entries_.find(user);
    if (it != entries_.end()) {
        order_.splice(order_.begin(), order_, it->second.order);
        return it->second;
    }
    order_.push_front(user);
    Entry& e = entries_[user];
    e.order = order_.begin();
    while (entries_.size() > limits_.capacity) {
        entries_.erase(order_.back());
        order_.pop_back();
    }
    return e;
}

void SenderLookup::look_up(const std::string& user, Then then) {
    const SenderInfo none;
    if (user.empty()) return then(none);
    const auto now = now_();
    auto it = entries_.find(user);
    if (it != entries_.end()) {
        Entry& e = entry(user);
        if (e.answered && now < e.fresh_until) return then(e.info);
        // Failed lately: what was known before (or nothing), without a call.
        if (now < e.retry_at) return then(e.answered ? e.info : none);
    }
    auto& waiters = waiting_[user];
    waiters.push_back(std::move(then));
    if (waiters.size() > 1) return;  // the call under way answers this one too
    ++fetches_;
    fetch_(user, [this, user](SenderInfo info) { answered(user, std::move(info)); });
}

void SenderLookup::answered(const std::string& user, SenderInfo info) {
    const auto now = now_();
    Entry& e = entry(user);
    if (info.outcome == SenderInfo::Outcome::failed) {
        e.retry_at = now + std::max(limits_.retry, info.retry_after);
    } else {
        if (info.outcome == SenderInfo::Outcome::unknown) {
            info.name.clear();
            info.email.clear();
        }
        e.answered = true;
        e.info = std::move(info);
        e.fresh_until = now + limits_.ttl;
        e.retry_at = {};
    }
    // The answer as the waiting events get it (a copy: the entry may be forgotten while
    // they are handed on).
    const SenderInfo known = e.answered ? e.info : SenderInfo{};
    auto waiting = waiting_.find(user);
    if (waiting == waiting_.end()) return;
    std::vector<Then> thens = std::move(waiting->second);
    waiting_.erase(waiting);
    for (auto& then : thens) then(known);
}

std::string masked(std::string text, const std::string& secret) {
    if (secret.empty()) return text;
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret)) {
        text.replace(at, secret.size(), "***");
    }
    return text;
}

std::string lookup_failure(const Result& r, const std::string& redacted, const std::string& token,
                           long long errcode, const std::string& errmsg, SenderInfo& info) {
    if (r.kind == Result::Kind::rate_limited) {
        info.retry_after = std::chrono::duration_cast<std::chrono::milliseconds>(r.retry_after);
    }
    if (r.status == 0) return masked(redacted, token);
    if (r.ok()) return "errcode " + std::to_string(errcode) + " " + errmsg;
    return "HTTP " + std::to_string(r.status);
}

}  // namespace twintrack::connectors::runtime
