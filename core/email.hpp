#pragma once
// Email addresses as the program hands them on (the hub's SMTP commands and headers, the
// sign-in link by email).

#include <string>

namespace twintrack::core {

/// True when `address` is a bare address fit for MAIL FROM / RCPT TO and a To header as
/// it is: one `@` with text on both sides, at most 254 bytes, and no spaces, control
/// characters, angle brackets, quotes, commas, semicolons, colons, parentheses,
/// backslashes or square brackets.
bool is_plain_email(const std::string& address);

}  // namespace twintrack::core
