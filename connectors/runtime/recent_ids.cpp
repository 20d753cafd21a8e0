#include "connectors/runtime/recent_ids.hpp"

#include <algorithm>

namespace twintrack::connectors::runtime {

RecentIds::RecentIds(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

bool RecentIds::first(const std::string& id) {
    if (!ids_.insert(id).second) {
        ++repeats_;
        return false;
    }
    order_.push_back(id);
    while (order_.size() > capacity_) {
        ids_.erase(order_.front());
        order_.pop_front();
    }
    return true;
}

}  // namespace twintrack::connectors::runtime
