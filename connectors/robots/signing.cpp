#include "connectors/robots/signing.hpp"

#include "connectors/http/signature.hpp"

namespace twintrack::connectors::robots {

std::string dingtalk_sign(std::int64_t timestamp_ms, std::string_view secret) {
    const std::string key(secret);
    return http::base64(http::hmac_sha256(key, std::to_string(timestamp_ms) + "\n" + key));
}

std::string feishu_sign(std::int64_t timestamp_s, std::string_view secret) {
    const std::string key = std::to_string(timestamp_s) + "\n" + std::string(secret);
    return http::base64(http::hmac_sha256(key, ""));
}

}  // namespace twintrack::connectors::robots
