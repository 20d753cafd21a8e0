#pragma once
// Stops a websocketpp server that a fake platform runs on its own thread. The acceptor
// belongs to that thread: closing it from another one races an accept that is just
// completing there (a crash seen under load), so the stop is posted to the server's own
// thread, which then ends and is joined.

#include <boost/asio/post.hpp>
#include <thread>
#include <websocketpp/common/system_error.hpp>

namespace twintrack::test_support {

template <typename Server>
void stop_server(Server& server, std::thread& thread) {
    boost::asio::post(server.get_io_service(), [&server] {
        websocketpp::lib::error_code ec;
        server.stop_listening(ec);
        server.stop();
    });
    if (thread.joinable()) thread.join();
}

}  // namespace twintrack::test_support
