#include "core/email.hpp"

#include <algorithm>
#include <string_view>

namespace twintrack::core {

bool is_plain_email(const std::string& address) {
    const auto at = address.find('@');
    if (at == std::string::npos || at == 0 || at + 1 == address.size() ||
        address.find('@', at + 1) != std::string::npos || address.size() > 254) {
        return false;
    }
    return std::none_of(address.begin(), address.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u <= 0x20 || u == 0x7F ||
               std::string_view("<>\"(),;:\\[]").find(c) != std::string_view::npos;
    });
}

}  // namespace twintrack::core
