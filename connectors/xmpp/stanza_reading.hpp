#pragma once
// Reading a libstrophe stanza without null checks at every call: an attribute and the
// text inside, "" where there is none. Shared by the connector and the upload client.

#include <strophe.h>

#include <string>

namespace twintrack::connectors::xmpp {

/// The attribute `name` of `s`; "" when `s` is null or has none.
inline std::string attr(xmpp_stanza_t* s, const char* name) {
    const char* v = s == nullptr ? nullptr : xmpp_stanza_get_attribute(s, name);
    return v == nullptr ? std::string() : std::string(v);
}

/// The text inside `s` (its text children joined); "" when `s` is null or has none.
inline std::string text_of(xmpp_stanza_t* s) {
    if (s == nullptr) return {};
    char* t = xmpp_stanza_get_text(s);
    if (t == nullptr) return {};
    std::string out(t);
    xmpp_free(xmpp_stanza_get_context(s), t);
    return out;
}

}  // namespace twintrack::connectors::xmpp
