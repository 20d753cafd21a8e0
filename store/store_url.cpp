#include "store/store_url.hpp"

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace twintrack::store {
namespace {

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

/// Replaces every ${NAME} with the environment variable NAME.
std::string expand_env(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{') {
            const std::size_t close = text.find('}', i + 2);
            if (close == std::string::npos) {
                throw DatabaseError("store URL: unclosed ${ in " + describe_store(text));
            }
            const std::string name = text.substr(i + 2, close - i - 2);
            const char* value = std::getenv(name.c_str());
            if (name.empty() || value == nullptr) {
                throw DatabaseError("store URL: environment variable " + name + " is not set");
            }
            out += value;
            i = close;
        } else {
            out += text[i];
        }
    }
    return out;
}

}  // namespace

StoreUrl parse_store_url(const std::string& text) {
    StoreUrl out;
    if (starts_with(text, "sqlite:")) {
        out.kind = StoreUrl::Kind::sqlite;
        out.path = text.substr(7);
        if (starts_with(out.path, "//")) out.path = out.path.substr(2);
        if (out.path.empty()) {
            throw DatabaseError("store URL " + text + ": no file after sqlite:");
        }
        out.shown = "sqlite:" + out.path;
        return out;
    }
    if (!starts_with(text, "postgres://") && !starts_with(text, "postgresql://")) {
        throw DatabaseError("store URL " + describe_store(text) +
                            ": expected sqlite:PATH or postgres://user@host:port/database");
    }
    out.kind = StoreUrl::Kind::postgres;
    const std::size_t auth_start = text.find("://") + 3;
    const std::size_t slash = text.find('/', auth_start);
    const std::string authority = text.substr(
        auth_start, slash == std::string::npos ? std::string::npos : slash - auth_start);
    const std::size_t at = authority.rfind('@');
    const std::string userinfo = at == std::string::npos ? "" : authority.substr(0, at);
    const std::string hostport = at == std::string::npos ? authority : authority.substr(at + 1);
    const std::size_t colon = userinfo.find(':');
    if (colon != std::string::npos) {
        const std::string password = userinfo.substr(colon + 1);
        const bool from_env = starts_with(password, "${") && password.back() == '}';
        if (!from_env) {
            throw DatabaseError("store URL " + describe_store(text) +
                                ": write no password in the URL; use ${ENV_VAR} in its "
                                "place, PGPASSWORD or ~/.pgpass");
        }
    }
    if (hostport.empty() || hostport[0] == ':') {
        throw DatabaseError("store URL " + describe_store(text) + ": no host");
    }
    const std::size_t port_colon = hostport.rfind(':');
    if (port_colon != std::string::npos && hostport.back() != ']') {
        const std::string port = hostport.substr(port_colon + 1);
        bool digits = !port.empty() && port.size() <= 5;
        for (const char c : port) digits = digits && std::isdigit(static_cast<unsigned char>(c));
        if (!digits || std::atoi(port.c_str()) < 1 || std::atoi(port.c_str()) > 65535) {
            throw DatabaseError("store URL " + describe_store(text) + ": bad port '" + port + "'");
        }
    }
    const std::string rest = slash == std::string::npos ? "" : text.substr(slash + 1);
    const std::string database = rest.substr(0, rest.find('?'));
    if (database.empty()) {
        throw DatabaseError("store URL " + describe_store(text) +
                            ": no database name (postgres://user@host:port/DATABASE)");
    }
    out.shown = describe_store(text);
    out.connect = expand_env(text);
    return out;
}

std::unique_ptr<Database> open_database(const StoreUrl& url) {
    if (url.kind == StoreUrl::Kind::postgres) return open_postgres(url.connect);
    namespace fs = std::filesystem;
    const fs::path parent = fs::path(url.path).parent_path();
    if (!parent.empty()) {
        std::error_code ec;
        fs::create_directories(parent, ec);
        if (ec || !fs::is_directory(parent)) {
            throw DatabaseError("cannot create data directory " + parent.string() + ": " +
                                (ec ? ec.message() : std::string("not a directory")));
        }
    }
    return open_sqlite(url.path);
}

}  // namespace twintrack::store
