#pragma once
// The TLS client side every connector with a connection of its own shares (IRC, the
// WebSocket link, the hub's SMTP mail): a context that verifies the peer's certificate
// against the system's CAs and/or a `tls_ca_file`, TLS 1.2 or newer only, and a stream
// set up to send the server's name (SNI) and check the certificate against it.
// Boost.Asio's ssl types: websocketpp's lib::asio is Boost.Asio here too.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <string>

namespace twintrack::connectors::runtime {

/// Which certificates a `tls_ca_file` adds to.
enum class CaTrust {
    system_and_file,  ///< the system's CAs plus the file's (a private CA besides)
    file_or_system,   ///< only the file's when one is given, else the system's
};

/// A client context that verifies the peer and refuses SSL 2/3, TLS 1.0 and 1.1.
/// Throws std::runtime_error "cannot read tls_ca_file FILE: WHY" when `ca_file` (if not
/// empty) cannot be loaded.
boost::asio::ssl::context tls_client_context(const std::string& ca_file,
                                             CaTrust trust = CaTrust::system_and_file);

/// Before the handshake: SNI with `host` (host names only: an address is not sent) and
/// the peer's certificate checked against `host`.
void verify_host(boost::asio::ssl::stream<boost::asio::ip::tcp::socket>& stream,
                 const std::string& host);

}  // namespace twintrack::connectors::runtime
