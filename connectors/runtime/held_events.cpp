#include "connectors/runtime/held_events.hpp"

#include <spdlog/spdlog.h>

#include <utility>

namespace twintrack::connectors::runtime {

HeldEvents::HeldEvents(Push push, HeldLimits limits) : push_(std::move(push)), limits_(limits) {
    if (limits_.per_conversation == 0) limits_.per_conversation = 1;
}

void HeldEvents::pass(core::Event event) {
    Entry e;
    e.event = std::move(event);
    add(std::move(e));
}

HeldEvents::Ticket HeldEvents::hold(core::Event event, std::vector<core::EventFile> files,
                                    std::size_t downloads) {
    Entry e;
    e.event = std::move(event);
    e.files = std::move(files);
    if (downloads > 0 && in_flight_ + downloads <= limits_.downloads) {
        e.ticket = ++next_;
        e.waiting = downloads;
    }
    const Ticket ticket = e.ticket;
    add(std::move(e));
    return ticket;
}

void HeldEvents::add(Entry entry) {
    const std::string conversation = entry.event.where.channel;
    auto it = queues_.find(conversation);
    if (it != queues_.end() && it->second.size() >= limits_.per_conversation) {
        flush(conversation, true);
        it = queues_.find(conversation);
    }
    if (it == queues_.end() && entry.waiting == 0) return hand_on(entry);
    if (entry.ticket != 0) {
        where_[entry.ticket] = conversation;
        in_flight_ += entry.waiting;
    }
    queues_[conversation].push_back(std::move(entry));
}

bool HeldEvents::done(Ticket ticket, std::size_t index, core::EventFile file) {
    const auto w = where_.find(ticket);
    if (w == where_.end()) return false;
    const std::string conversation = w->second;
    auto& queue = queues_[conversation];
    for (auto& e : queue) {
        if (e.ticket != ticket) continue;
        if (index < e.files.size()) e.files[index] = std::move(file);
        if (e.waiting > 0) {
            --e.waiting;
            --in_flight_;
        }
        break;
    }
    flush(conversation);
    return true;
}

void HeldEvents::release_all() {
    while (!queues_.empty()) flush(queues_.begin()->first, true);
}

void HeldEvents::flush(const std::string& conversation, bool all) {
    auto it = queues_.find(conversation);
    if (it == queues_.end()) return;
    // Taken out of the map first: handing on may add to this conversation again.
    std::deque<Entry> queue = std::move(it->second);
    queues_.erase(it);
    while (!queue.empty() && (all || queue.front().waiting == 0)) {
        Entry e = std::move(queue.front());
        queue.pop_front();
        if (e.ticket != 0) where_.erase(e.ticket);
        in_flight_ -= e.waiting;
        hand_on(e);
    }
    if (queue.empty()) return;
    auto& now = queues_[conversation];
    // Anything added meanwhile goes behind what was held before.
    for (auto& e : now) queue.push_back(std::move(e));
    now = std::move(queue);
}

void HeldEvents::hand_on(Entry& entry) {
    // One event the sink refuses with an exception must not cost the conversation the
    // events held behind it (flush has them out of the map already).
    try {
        for (const auto& f : entry.files) core::add_event_file(entry.event.extra, f);
        if (push_) push_(std::move(entry.event));
    } catch (const std::exception& e) {
        spdlog::error("held events: an event could not be handed on: {}", e.what());
    } catch (...) {
        spdlog::error("held events: an event could not be handed on");
    }
}

std::size_t HeldEvents::held() const {
    std::size_t n = 0;
    for (const auto& [key, queue] : queues_) n += queue.size();
    return n;
}

std::size_t HeldEvents::held(const std::string& conversation) const {
    const auto it = queues_.find(conversation);
    return it == queues_.end() ? 0 : it->second.size();
}

}  // namespace twintrack::connectors::runtime
