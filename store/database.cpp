// The parts of the store that every backend shares and that the PostgreSQL module
// (twintrack_pg_module) needs too: it is compiled into both.

#include "store/database.hpp"

#include "store/store_url.hpp"

namespace twintrack::store {

std::optional<std::int64_t> Database::scalar(const std::string& sql, const Params& params) {
    std::optional<std::int64_t> out;
    query(sql, params, [&](const Row& r) {
        if (!out && !r.is_null(0)) out = r.integer(0);
    });
    return out;
}

std::string describe_store(const std::string& url) {
    const std::size_t scheme = url.find("://");
    if (scheme == std::string::npos) return url;
    const std::size_t auth_start = scheme + 3;
    const std::size_t at = url.find('@', auth_start);
    const std::size_t slash = url.find('/', auth_start);
    if (at == std::string::npos || (slash != std::string::npos && at > slash)) return url;
    const std::size_t colon = url.find(':', auth_start);
    if (colon == std::string::npos || colon > at) return url;
    return url.substr(0, colon) + ":***" + url.substr(at);
}

}  // namespace twintrack::store
