#include "connectors/xmpp/xmpp_jid.hpp"

#include "core/text.hpp"

namespace twintrack::connectors::xmpp {

std::string bare_jid(std::string_view jid) {
    const auto slash = jid.find('/');
    return std::string(slash == std::string_view::npos ? jid : jid.substr(0, slash));
}

std::string jid_resource(std::string_view jid) {
    const auto slash = jid.find('/');
    return slash == std::string_view::npos ? std::string() : std::string(jid.substr(slash + 1));
}

std::string jid_domain(std::string_view jid) {
    const std::string bare = bare_jid(jid);
    const auto at = bare.find('@');
    return at == std::string::npos ? bare : bare.substr(at + 1);
}

bool valid_bare_jid(std::string_view jid) {
    const auto at = jid.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 >= jid.size()) return false;
    if (jid.find('@', at + 1) != std::string_view::npos) return false;
    if (at > 1023 || jid.size() - at - 1 > 1023) return false;
    return jid.find_first_of(" \t\r\n/\"&'<>:") == std::string_view::npos;
}

std::string normal_jid(std::string_view jid) {
    const auto slash = jid.find('/');
    if (slash == std::string_view::npos) return core::ascii_lower(std::string(jid));
    return core::ascii_lower(std::string(jid.substr(0, slash))) + std::string(jid.substr(slash));
}

}  // namespace twintrack::connectors::xmpp
