#pragma once
// The terminal connector behind `twintrack console`: one person chats with the bot
// through stdin and stdout. It is not in the registry: it is never configured, only
// started by that sub-command.

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>

#include "connectors/api/connector.hpp"

namespace twintrack::connectors::console {

/// Reads lines from `in` as direct messages from `user_id` (an email) and writes every
/// post to `out`. When `in` ends, `on_eof` runs on the reader thread.
std::unique_ptr<Connector> make_console(std::string user_id, std::istream& in, std::ostream& out,
                                        std::function<void()> on_eof);

}  // namespace twintrack::connectors::console
