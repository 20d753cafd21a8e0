#include <algorithm>
#include <cctype>
#include <random>

#include "connectors/runtime/http_client.hpp"

// The parts of the HTTP client that need no network library: request bodies and the
// classification of answers. Compiled into the program and into twintrack_http_module.so.

namespace twintrack::connectors::runtime {
namespace {

std::string random_boundary() {
    static const char* hex = "0123456789abcdef";
    std::random_device rd;
    std::string b = "----TwinTrackBoundary";
    for (int i = 0; i < 24; ++i) b += hex[rd() & 15];
    return b;
}

}  // namespace

Request Request::json_post(std::string url, const nlohmann::json& body) {
    Request r;
    r.method = "POST";
    r.url = std::move(url);
    r.body = body.is_null() ? "{}" : body.dump();
    r.content_type = "application/json; charset=utf-8";
    return r;
}

Request Request::multipart_post(std::string url, const std::vector<FormPart>& parts) {
    Request r;
    r.method = "POST";
    r.url = std::move(url);
    const std::string boundary = random_boundary();
    for (const auto& p : parts) {
        r.body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + p.name + "\"";
        if (!p.filename.empty()) r.body += "; filename=\"" + p.filename + "\"";
        r.body += "\r\n";
        if (!p.content_type.empty() || !p.filename.empty()) {
            r.body += "Content-Type: " +
                      (p.content_type.empty() ? "application/octet-stream" : p.content_type) +
                      "\r\n";
        }
        r.body += "\r\n" + p.data + "\r\n";
    }
    r.body += "--" + boundary + "--\r\n";
    r.content_type = "multipart/form-data; boundary=" + boundary;
    return r;
}

std::string Result::header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
}

nlohmann::json Result::json() const { return nlohmann::json::parse(body, nullptr, false); }

const char* kind_name(Result::Kind kind) {
    switch (kind) {
        case Result::Kind::ok:
            return "ok";
        case Result::Kind::rate_limited:
            return "rate_limited";
        case Result::Kind::transient:
            return "transient";
        case Result::Kind::permanent:
            return "permanent";
        case Result::Kind::timeout:
            return "timeout";
    }
    return "?";
}

Result::Kind classify(int status) {
    if (status >= 200 && status < 300) return Result::Kind::ok;
    if (status == 429) return Result::Kind::rate_limited;
    if (status == 408 || status >= 500 || status == 0) return Result::Kind::transient;
    return Result::Kind::permanent;
}

std::chrono::seconds retry_after(const std::map<std::string, std::string>& headers,
                                 std::chrono::seconds fallback) {
    auto it = headers.find("retry-after");
    if (it == headers.end()) return fallback;
    const std::string& value = it->second;
    if (value.empty() || value.size() > 9 ||
        !std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); })) {
        return fallback;
    }
    return std::chrono::seconds(std::stoll(value));
}

}  // namespace twintrack::connectors::runtime
