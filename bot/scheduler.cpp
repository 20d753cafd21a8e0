#include "bot/scheduler.hpp"

#include "bot/turn.hpp"

namespace twintrack::bot {

void Scheduler::on(const std::string& kind, Handler handler) {
    handlers_[kind] = std::move(handler);
}

void Scheduler::schedule(Turn& turn, const std::string& kind, const std::string& key,
                         core::Timestamp due, const nlohmann::json& payload) {
    store::Job job;
    job.kind = kind;
    job.key = key;
    job.payload = payload.dump();
    job.due_at = core::to_millis(due);
    turn.write().jobs().schedule(job);
}

const Scheduler::Handler* Scheduler::handler(const std::string& kind) const {
    auto it = handlers_.find(kind);
    return it == handlers_.end() ? nullptr : &it->second;
}

}  // namespace twintrack::bot
