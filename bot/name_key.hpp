#pragma once
// The key names compare by, shared by every feature that looks a name up: customers
// (engagements, metrics), campaigns (campaigns, metrics). Pure and header-only.

#include <string>

#include "core/text.hpp"

namespace twintrack::bot {

/// Names compare case-insensitively and ignoring whitespace (also U+3000); empty when
/// `name` has nothing but whitespace.
inline std::string name_key(const std::string& name) {
    std::string out;
    const std::string lower = core::ascii_lower(name);
    for (std::size_t i = 0; i < lower.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(lower[i]);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
        if (c == 0xE3 && i + 2 < lower.size() && static_cast<unsigned char>(lower[i + 1]) == 0x80 &&
            static_cast<unsigned char>(lower[i + 2]) == 0x80) {
            i += 2;  // U+3000 ideographic space
            continue;
        }
        out.push_back(lower[i]);
    }
    return out;
}

}  // namespace twintrack::bot
