#include "connectors/runtime/tls_client.hpp"

#include <openssl/ssl.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <stdexcept>

namespace twintrack::connectors::runtime {

namespace ssl = boost::asio::ssl;

ssl::context tls_client_context(const std::string& ca_file, CaTrust trust) {
    ssl::context context(ssl::context::tls_client);
    context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    if (ca_file.empty() || trust == CaTrust::system_and_file) {
        context.set_default_verify_paths(ec);  // no system store: only the file can verify
    }
    if (!ca_file.empty()) {
        context.load_verify_file(ca_file, ec);
        if (ec)
            throw std::runtime_error("cannot read tls_ca_file " + ca_file + ": " + ec.message());
    }
    context.set_verify_mode(ssl::verify_peer);
    return context;
}

void verify_host(ssl::stream<boost::asio::ip::tcp::socket>& stream, const std::string& host) {
    boost::system::error_code not_address;
    boost::asio::ip::make_address(host, not_address);
    if (not_address) SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
    stream.set_verify_callback(ssl::host_name_verification(host));
}

}  // namespace twintrack::connectors::runtime
