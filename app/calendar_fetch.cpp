#include "app/calendar_fetch.hpp"

#include <curl/curl.h>

#include <memory>

namespace twintrack::app {
namespace {

constexpr std::size_t max_body = 4 * 1024 * 1024;

struct Body {
    std::string text;
    bool too_big = false;
};

std::size_t on_data(char* data, std::size_t size, std::size_t n, void* user) {
    auto* body = static_cast<Body*>(user);
    if (body->text.size() + size * n > max_body) {
        body->too_big = true;
        return 0;  // makes curl stop with an error
    }
    body->text.append(data, size * n);
    return size * n;
}

}  // namespace

std::optional<std::string> fetch_calendar_url(const std::string& url, std::string& error) {
    static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    if (!initialised) {
        error = "the HTTP client could not start";
        return std::nullopt;
    }
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl) {
        error = "the HTTP client could not start";
        return std::nullopt;
    }
    Body body;
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    // Only the web: no file://, ftp:// or others, also after a redirect.
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "TwinTrack calendar import");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    const CURLcode rc = curl_easy_perform(c);
    if (body.too_big) {
        error = "the calendar is bigger than 4 MB";
        return std::nullopt;
    }
    if (rc != CURLE_OK) {
        error = curl_easy_strerror(rc);
        return std::nullopt;
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
        error = "the server answered HTTP " + std::to_string(status);
        return std::nullopt;
    }
    return body.text;
}

}  // namespace twintrack::app
