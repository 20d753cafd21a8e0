#pragma once
// What the XMPP tests share: the bot's address and the rooms of the test Prosody, and
// waiting for the connector to be online in a room.

#include <algorithm>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "connectors/xmpp/xmpp_connector.hpp"

namespace twintrack::xmpp_test {

inline const std::string kBot = "twintrack@localhost";
inline const std::string kRoom = "sales@conference.localhost";
inline const std::string kJoint = "joint@conference.localhost";

/// Checks `pred` every 20 ms until it holds (true) or `timeout` has passed (false).
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return pred();
}

/// The connector is online and has joined `room`.
inline bool live_in(const connectors::Connector& c, const std::string& room) {
    const auto s = connectors::xmpp::xmpp_status(c);
    return s.online && std::find(s.live.begin(), s.live.end(), room) != s.live.end();
}

/// Sends `post` through connector `c` and waits up to `timeout` for its answer.
inline core::SendResult send_post(connectors::Connector& c, core::Post post,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    auto promise = std::make_shared<std::promise<core::SendResult>>();
    auto future = promise->get_future();
    post.to.connector = c.name();
    c.send(post, [promise](core::SendResult r) { promise->set_value(std::move(r)); });
    if (future.wait_for(timeout) != std::future_status::ready) {
        return {false, "", "no answer", false};
    }
    return future.get();
}

}  // namespace twintrack::xmpp_test
