#include "connectors/http/json_fields.hpp"

namespace twintrack::connectors::http {
namespace {

const nlohmann::json* member(const nlohmann::json& object, const char* key) {
    if (!object.is_object()) return nullptr;
    const auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

}  // namespace

std::string string_field(const nlohmann::json& object, const char* key,
                         const std::string& fallback) {
    const nlohmann::json* m = member(object, key);
    return m != nullptr && m->is_string() ? m->get<std::string>() : fallback;
}

long long integer_field(const nlohmann::json& object, const char* key, long long fallback) {
    const nlohmann::json* m = member(object, key);
    return m != nullptr && m->is_number_integer() ? m->get<long long>() : fallback;
}

bool bool_field(const nlohmann::json& object, const char* key, bool fallback) {
    const nlohmann::json* m = member(object, key);
    return m != nullptr && m->is_boolean() ? m->get<bool>() : fallback;
}

const nlohmann::json& object_field(const nlohmann::json& object, const char* key) {
    static const nlohmann::json empty = nlohmann::json::object();
    const nlohmann::json* m = member(object, key);
    return m != nullptr && m->is_object() ? *m : empty;
}

}  // namespace twintrack::connectors::http
