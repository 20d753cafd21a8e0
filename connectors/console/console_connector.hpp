#pragma once
// The terminal connector: one person chats with the bot through stdin and stdout.

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>

#include "connectors/connector.hpp"
#include "connectors/registry.hpp"

namespace twintrack::connectors::console {

/// The `type: console` entry of the connector registry.
ConnectorType connector_type();

/// Reads lines from `in` as direct messages from `user_id` (an email) and writes every
/// post to `out`. When `in` ends, `on_eof` runs on the reader thread.
std::unique_ptr<Connector> make_console(std::string user_id, std::istream& in, std::ostream& out,
                                        std::function<void()> on_eof);

}  // namespace twintrack::connectors::console
