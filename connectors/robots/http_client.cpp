#include "connectors/robots/http_client.hpp"

#include <curl/curl.h>

#include <mutex>
#include <stdexcept>

#include "core/text.hpp"

namespace twintrack::connectors::robots {
namespace {

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::size_t write_body(char* data, std::size_t size, std::size_t n, void* user) {
    auto* out = static_cast<std::string*>(user);
    const std::size_t len = size * n;
    if (out->size() + len > 1024 * 1024) return 0;  // a robot never answers this much
    out->append(data, len);
    return len;
}

std::size_t write_header(char* data, std::size_t size, std::size_t n, void* user) {
    auto* headers = static_cast<std::map<std::string, std::string>*>(user);
    const std::size_t len = size * n;
    const std::string line(data, len);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
        const std::string name = core::ascii_lower(core::trim(line.substr(0, colon)));
        (*headers)[name] = std::string(core::trim(line.substr(colon + 1)));
    } else if (line.rfind("HTTP/", 0) == 0) {
        headers->clear();  // a new response (after 100 Continue or a redirect)
    }
    return len;
}

}  // namespace

HttpClient::HttpClient(std::chrono::milliseconds timeout) : curl_(nullptr), timeout_(timeout) {
    global_init();
    curl_ = curl_easy_init();
    if (curl_ == nullptr) throw std::runtime_error("cannot initialise libcurl");
}

HttpClient::~HttpClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

HttpResponse HttpClient::post_json(const std::string& url, const std::string& body) {
    CURL* curl = static_cast<CURL*>(curl_);
    curl_easy_reset(curl);
    HttpResponse response;
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "Content-Type: application/json; charset=utf-8");
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "TwinTrack");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::min<long long>(timeout_.count(), 10000)));
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, write_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
    const CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
        // curl's message names the failure, never the URL (which holds the token).
        response.transport_error = curl_easy_strerror(rc);
        return response;
    }
    response.transport_ok = true;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    return response;
}

std::string with_query(const std::string& url, const std::string& name, const std::string& value) {
    const auto hash = url.find('#');
    std::string base = url.substr(0, hash);
    const char sep = base.find('?') == std::string::npos ? '?' : '&';
    base += sep;
    base += name + "=" + value;
    return base;
}

}  // namespace twintrack::connectors::robots
