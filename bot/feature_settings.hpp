#pragma once
// The settings of each feature, kept by type: a feature reads its own config section
// into its own struct (Feature::read_config) and reads it back with get<T>(). Copies are
// deep, so an engine's copy is its own.

#include <map>
#include <memory>
#include <typeindex>
#include <typeinfo>

namespace twintrack::bot {

class FeatureSettings {
  public:
    FeatureSettings() = default;
    FeatureSettings(const FeatureSettings& other) { *this = other; }
    FeatureSettings(FeatureSettings&&) noexcept = default;
    FeatureSettings& operator=(const FeatureSettings& other) {
        if (this == &other) return *this;
        items_.clear();
        for (const auto& [type, item] : other.items_) items_.emplace(type, item->clone());
        return *this;
    }
    FeatureSettings& operator=(FeatureSettings&&) noexcept = default;

    /// The T set here, or T's defaults.
    template <class T>
    const T& get() const {
        const auto it = items_.find(std::type_index(typeid(T)));
        if (it == items_.end()) {
            static const T defaults{};
            return defaults;
        }
        return static_cast<const Item<T>&>(*it->second).value;
    }
    /// The T to change (T's defaults the first time).
    template <class T>
    T& edit() {
        auto& item = items_[std::type_index(typeid(T))];
        if (!item) item = std::make_unique<Item<T>>();
        return static_cast<Item<T>&>(*item).value;
    }

  private:
    struct Base {
        virtual ~Base() = default;
        virtual std::unique_ptr<Base> clone() const = 0;
    };
    template <class T>
    struct Item final : Base {
        T value{};
        std::unique_ptr<Base> clone() const override { return std::make_unique<Item>(*this); }
    };
    std::map<std::type_index, std::unique_ptr<Base>> items_;
};

}  // namespace twintrack::bot
