#pragma once
// Reading members of JSON that came from outside (platform events, webhook bodies, API
// answers) without ever throwing: a member that is absent or of another type reads as the
// fallback, and so does any member of something that is not an object.
// (nlohmann's `value()` throws on a member of the wrong type, which on a connector's
// thread would end it.)

#include <nlohmann/json.hpp>
#include <string>

namespace twintrack::connectors::http {

/// The string member `key`, or "" (or `fallback`).
std::string string_field(const nlohmann::json& object, const char* key,
                         const std::string& fallback = "");

/// The integer member `key` (a JSON integer, not a float or a string), or `fallback`.
long long integer_field(const nlohmann::json& object, const char* key, long long fallback = 0);

/// The boolean member `key`, or `fallback`.
bool bool_field(const nlohmann::json& object, const char* key, bool fallback = false);

/// The object member `key`, or an empty object.
const nlohmann::json& object_field(const nlohmann::json& object, const char* key);

/// The names a connector's source file reads JSON with, in one line:
/// `using namespace http::json_reading;`.
namespace json_reading {
using json = nlohmann::json;
using http::bool_field;
using http::integer_field;
using http::object_field;
using http::string_field;
}  // namespace json_reading

}  // namespace twintrack::connectors::http
