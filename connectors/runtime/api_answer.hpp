#pragma once
// A platform Web API's answer as a connector reads it (Slack, Mattermost).

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

namespace twintrack::connectors::runtime {

/// The HTTP status, the JSON body, the error ("" when ok: the platform's own error, or a
/// transport or HTTP problem) and the wait the platform asked for.
struct ApiAnswer {
    int status = 0;
    nlohmann::json body;
    std::string error;
    std::chrono::seconds retry_after{0};
    bool ok() const { return error.empty(); }
    bool rate_limited() const { return status == 429; }
};

/// An answer's start: `status`, and when no server answered (`status` 0) the error
/// "cannot reach PLATFORM: WHY" (`why`: the transport's error).
inline ApiAnswer answer_from(int status, const std::string& why, const std::string& platform) {
    ApiAnswer a;
    a.status = status;
    if (status == 0) a.error = "cannot reach " + platform + ": " + why;
    return a;
}

}  // namespace twintrack::connectors::runtime
