#pragma once
// Services: what one feature offers to others, owned by the engine. A feature that counts
// something another feature shows (meetings held, coffee pairs met) provides an interface
// here when it registers; the reader finds it by type and treats a missing one as "not
// counted". Nothing is global: two engines in one process have their own services.

#include <map>
#include <memory>
#include <typeindex>
#include <typeinfo>

namespace twintrack::bot {

class Services {
  public:
    /// Offers `service` as a T (replacing an earlier one).
    template <class T>
    void provide(std::shared_ptr<T> service) {
        items_[std::type_index(typeid(T))] = std::move(service);
    }
    /// The T provided on this engine; null when no registered feature offers one.
    template <class T>
    T* find() const {
        const auto it = items_.find(std::type_index(typeid(T)));
        return it == items_.end() ? nullptr : static_cast<T*>(it->second.get());
    }

  private:
    std::map<std::type_index, std::shared_ptr<void>> items_;
};

}  // namespace twintrack::bot
