#pragma once
// Jabber IDs as the XMPP connector needs them (RFC 7622, without stringprep): the bare
// JID, the resource, and a plain check of what a configuration may name. Pure.

#include <string>
#include <string_view>

namespace twintrack::connectors::xmpp {

/// "room@conference.example.com/nick" -> "room@conference.example.com".
std::string bare_jid(std::string_view jid);
/// "room@conference.example.com/nick" -> "nick"; "" without a resource.
std::string jid_resource(std::string_view jid);
/// "alice@example.com" -> "example.com".
std::string jid_domain(std::string_view jid);
/// A bare JID with a local part: "local@domain", no '/', no spaces, at most 1023 bytes
/// per part.
bool valid_bare_jid(std::string_view jid);
/// ASCII lower case of the bare part, the resource kept as it is (resources are case
/// sensitive, local parts and domains are not for the ASCII range).
std::string normal_jid(std::string_view jid);

}  // namespace twintrack::connectors::xmpp
