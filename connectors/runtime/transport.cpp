#include "connectors/runtime/transport.hpp"

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "core/text.hpp"

namespace twintrack::connectors::runtime {
namespace {

const char* env_either(const GetEnv& getenv_fn, const char* upper, const char* lower) {
    const char* v = getenv_fn(upper);
    if (v == nullptr || *v == '\0') v = getenv_fn(lower);
    return v != nullptr && *v != '\0' ? v : nullptr;
}

// scheme and host (lower case, IPv6 without brackets) of an absolute URL.
bool scheme_and_host(const std::string& url, std::string& scheme, std::string& host) {
    const auto colon = url.find("://");
    if (colon == std::string::npos) return false;
    scheme = core::ascii_lower(url.substr(0, colon));
    std::string rest = url.substr(colon + 3);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    const auto at = rest.rfind('@');
    if (at != std::string::npos) rest = rest.substr(at + 1);
    if (!rest.empty() && rest.front() == '[') {
        const auto close = rest.find(']');
        if (close == std::string::npos) return false;
        host = rest.substr(1, close - 1);
    } else {
        host = rest.substr(0, rest.find(':'));
    }
    host = core::ascii_lower(host);
    return !host.empty();
}

}  // namespace

std::string check_ca_file(const std::string& path) {
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "r"), std::fclose);
    if (!f) return "cannot read \"" + path + "\"";
    X509* cert = PEM_read_X509(f.get(), nullptr, nullptr, nullptr);
    if (cert == nullptr) return "\"" + path + "\" holds no PEM certificate";
    X509_free(cert);
    return "";
}

std::string check_proxy_url(const std::string& url) {
    std::string scheme, host;
    if (!scheme_and_host(url, scheme, host) || scheme != "http") {
        return "must be an http://HOST:PORT proxy address (or none); got \"" + url + "\"";
    }
    return "";
}

void read_transport(core::SectionReader& section, Transport& transport) {
    if (auto proxy = section.string("proxy")) {
        const std::string p(core::trim(*proxy));
        if (p == "none") {
            transport.proxy = p;
        } else if (const std::string why = check_proxy_url(p); !why.empty()) {
            section.error("proxy", why);
        } else {
            transport.proxy = p;
        }
    }
    if (auto ca = section.string("tls_ca_file")) {
        if (const std::string why = check_ca_file(*ca); !why.empty()) {
            section.error("tls_ca_file", why);
        } else {
            transport.tls_ca_file = *ca;
        }
    }
}

void read_transport(core::SectionReader& section, std::string& proxy, std::string& tls_ca_file) {
    Transport transport{proxy, tls_ca_file};
    read_transport(section, transport);
    proxy = transport.proxy;
    tls_ca_file = transport.tls_ca_file;
}

bool no_proxy_matches(const std::string& host, const std::string& no_proxy) {
    std::size_t start = 0;
    while (start <= no_proxy.size()) {
        std::size_t end = no_proxy.find(',', start);
        if (end == std::string::npos) end = no_proxy.size();
        std::string entry = core::ascii_lower(
            std::string(core::trim(std::string_view(no_proxy).substr(start, end - start))));
        start = end + 1;
        if (entry.empty()) continue;
        if (entry == "*") return true;
        if (entry.front() == '[') entry = entry.substr(1, entry.find(']') - 1);
        // "host:port" entries: the port is not compared.
        if (std::count(entry.begin(), entry.end(), ':') == 1)
            entry = entry.substr(0, entry.find(':'));
        if (!entry.empty() && entry.front() == '.') entry = entry.substr(1);
        if (host == entry) return true;
        if (host.size() > entry.size() &&
            host.compare(host.size() - entry.size(), entry.size(), entry) == 0 &&
            host[host.size() - entry.size() - 1] == '.') {
            return true;
        }
    }
    return false;
}

std::string proxy_for(const std::string& url, const Transport& transport, const GetEnv& getenv_fn) {
    const GetEnv env = getenv_fn ? getenv_fn : [](const char* name) { return std::getenv(name); };
    if (transport.proxy == "none") return "";
    std::string scheme, host;
    if (!scheme_and_host(url, scheme, host)) return "";
    if (const char* no = env_either(env, "NO_PROXY", "no_proxy")) {
        if (no_proxy_matches(host, no)) return "";
    }
    if (!transport.proxy.empty()) return transport.proxy;
    // wss:// goes like https://, ws:// like http://.
    const bool secure = scheme == "https" || scheme == "wss";
    const char* p = secure ? env_either(env, "HTTPS_PROXY", "https_proxy")
                           : env_either(env, "HTTP_PROXY", "http_proxy");
    if (p == nullptr) return "";
    std::string proxy = p;
    if (proxy.find("://") == std::string::npos) proxy = "http://" + proxy;
    return check_proxy_url(proxy).empty() ? proxy : "";
}

}  // namespace twintrack::connectors::runtime
