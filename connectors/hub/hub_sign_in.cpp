#include "connectors/hub/hub_sign_in.hpp"

#include "core/crypto.hpp"
#include "core/text.hpp"

namespace twintrack::connectors::hub {

std::string cookie_value(std::string_view header, std::string_view name) {
    while (!header.empty()) {
        const auto semi = header.find(';');
        std::string_view part = core::trim(header.substr(0, semi));
        header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
        const auto eq = part.find('=');
        if (eq == std::string_view::npos) continue;
        if (core::trim(part.substr(0, eq)) == name) {
            return std::string(core::trim(part.substr(eq + 1)));
        }
    }
    return "";
}

std::string session_set_cookie(const std::string& value, std::chrono::seconds max_age,
                               bool secure) {
    std::string out =
        std::string(session_cookie_name) + "=" + value +
        "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age.count());
    if (secure) out += "; Secure";
    return out;
}

std::string csrf_token(const std::string& session_id) {
    return core::sha256_hex("twintrack-csrf:" + session_id);
}

std::string expected_origin(std::string_view public_url, std::string_view host) {
    if (!public_url.empty()) {
        const auto scheme = public_url.find("://");
        const auto path = scheme == std::string_view::npos ? std::string_view::npos
                                                           : public_url.find('/', scheme + 3);
        return core::ascii_lower(std::string(public_url.substr(0, path)));
    }
    return "http://" + core::ascii_lower(std::string(host));
}

std::string client_address(std::string_view remote) {
    if (!remote.empty() && remote.front() == '[') {
        const auto end = remote.find(']');
        if (end != std::string_view::npos) return std::string(remote.substr(1, end - 1));
    }
    const auto colon = remote.rfind(':');
    if (colon != std::string_view::npos && remote.find(':') == colon) {
        return std::string(remote.substr(0, colon));
    }
    return std::string(remote);
}

}  // namespace twintrack::connectors::hub
