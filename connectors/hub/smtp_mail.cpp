#include "connectors/hub/smtp_mail.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>

#include "core/base64.hpp"
#include "core/crypto.hpp"
#include "core/email.hpp"

namespace twintrack::connectors::hub::smtp {
namespace {

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool ascii_only(const std::string& text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// A header value in one line: printable ASCII as it is, anything else as one or more
// RFC 2047 encoded words (base64, whole UTF-8 characters per word).
std::string header_text(const std::string& text) {
    std::string flat;
    for (char c : text) flat += (c == '\r' || c == '\n') ? ' ' : c;
    if (ascii_only(flat) && flat.size() <= 900) return flat;
    std::string out;
    std::size_t i = 0;
    while (i < flat.size()) {
        // 39 bytes -> 52 base64 characters: with "Subject: " a line stays under 78.
        std::size_t end = std::min(flat.size(), i + 39);
        while (end < flat.size() && end > i &&
               (static_cast<unsigned char>(flat[end]) & 0xC0) == 0x80) {
            --end;  // do not split a UTF-8 character
        }
        if (!out.empty()) out += "\r\n ";
        out += "=?UTF-8?B?" + core::base64_encode(flat.substr(i, end - i)) + "?=";
        i = end;
    }
    return out;
}

struct Upload {
    const std::string* data;
    std::size_t offset = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* up = static_cast<Upload*>(user);
    const std::size_t n = std::min(size * count, up->data->size() - up->offset);
    std::memcpy(buffer, up->data->data() + up->offset, n);
    up->offset += n;
    return n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<const std::atomic<bool>*>(user)->load() ? 1 : 0;
}

}  // namespace

const char* security_name(Security s) {
    switch (s) {
        case Security::starttls:
            return "starttls";
        case Security::tls:
            return "tls";
        case Security::none:
            return "none";
    }
    return "?";
}

std::string format_message(const SmtpSettings& settings, const Mail& mail, const std::string& date,
                           const std::string& message_id) {
    std::string from = "<" + settings.from + ">";
    if (!settings.from_name.empty()) {
        std::string name = header_text(settings.from_name);
        if (ascii_only(settings.from_name)) {
            std::string quoted = "\"";
            for (char c : name) {
                if (c == '"' || c == '\\') quoted += '\\';
                quoted += c;
            }
            name = quoted + "\"";
        }
        from = name + " " + from;
    }
    std::string out;
    out += "Date: " + date + "\r\n";
    out += "From: " + from + "\r\n";
    out += "To: <" + mail.to + ">\r\n";
    out += "Subject: " + header_text(mail.subject) + "\r\n";
    out += "Message-ID: <" + message_id + ">\r\n";
    out += "MIME-Version: 1.0\r\n";
    out += "Content-Type: text/plain; charset=UTF-8\r\n";
    out += "Content-Transfer-Encoding: base64\r\n";
    out += "Auto-Submitted: auto-generated\r\n";
    out += "\r\n";
    // CRLF line ends in the text itself, then base64 in lines of 76.
    std::string text;
    for (std::size_t i = 0; i < mail.body.size(); ++i) {
        if (mail.body[i] == '\n' && (i == 0 || mail.body[i - 1] != '\r')) text += '\r';
        text += mail.body[i];
    }
    const std::string encoded = core::base64_encode(text);
    for (std::size_t i = 0; i < encoded.size(); i += 76) {
        out += encoded.substr(i, 76) + "\r\n";
    }
    return out;
}

Outcome send_mail(const SmtpSettings& settings, const Mail& mail, const std::string& date,
                  const std::atomic<bool>& cancel) {
    Outcome outcome;
    if (!core::is_plain_email(mail.to) || !core::is_plain_email(settings.from)) {
        outcome.problem = "not a plain email address";
        return outcome;
    }
    global_init();
    CURL* curl = curl_easy_init();
    if (curl == nullptr) {
        outcome.problem = "cannot start libcurl";
        return outcome;
    }
    const std::string domain = settings.from.substr(settings.from.find('@') + 1);
    const std::string message =
        format_message(settings, mail, date, core::random_hex(16) + "@" + domain);
    const std::string scheme = settings.security == Security::tls ? "smtps://" : "smtp://";
    const bool v6 = settings.host.find(':') != std::string::npos;
    const std::string url = scheme + (v6 ? "[" + settings.host + "]" : settings.host) + ":" +
                            std::to_string(settings.port) + "/" + domain;
    const std::string mail_from = "<" + settings.from + ">";
    curl_slist* rcpt = curl_slist_append(nullptr, ("<" + mail.to + ">").c_str());
    Upload upload{&message};
    char error[CURL_ERROR_SIZE] = {0};

    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROXY, "");  // a relay is reached directly
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(settings.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(settings.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(&cancel));
    if (settings.security == Security::starttls) {
        curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
    }
    if (!settings.tls_ca_file.empty()) {
        curl_easy_setopt(curl, CURLOPT_CAINFO, settings.tls_ca_file.c_str());
    }
    if (!settings.user.empty()) {
        curl_easy_setopt(curl, CURLOPT_USERNAME, settings.user.c_str());
        curl_easy_setopt(curl, CURLOPT_PASSWORD, settings.password.reveal().c_str());
    }
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, mail_from.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_upload);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));

    const CURLcode rc = curl_easy_perform(curl);
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    outcome.reply_code = code;
    if (rc == CURLE_OK) {
        outcome.ok = true;
    } else {
        // libcurl's message names the step and the relay's reply code, never the
        // credentials; the relay's own text is not kept.
        outcome.problem = rc == CURLE_ABORTED_BY_CALLBACK ? std::string("stopped")
                                                          : std::string(curl_easy_strerror(rc));
        if (error[0] != '\0' && rc != CURLE_ABORTED_BY_CALLBACK) {
            outcome.problem += " (" + std::string(error) + ")";
        }
        if (code != 0) outcome.problem += ", relay answered " + std::to_string(code);
    }
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(curl);
    return outcome;
}

std::string rfc5322_date(core::Timestamp when) {
    static const char* const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char* const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::time_t t = std::chrono::system_clock::to_time_t(when);
    std::tm utc{};
    gmtime_r(&t, &utc);
    char out[64];
    std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[utc.tm_wday],
                  utc.tm_mday, months[utc.tm_mon], utc.tm_year + 1900, utc.tm_hour, utc.tm_min,
                  utc.tm_sec);
    return out;
}

Mailer::Mailer(SmtpSettings settings, const core::Clock& clock)
    : settings_(std::move(settings)), clock_(clock) {
    global_init();
    worker_ = std::thread([this] { run(); });
}

Mailer::~Mailer() { stop(); }

void Mailer::send(Mail mail, Done done) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) return;
        queue_.emplace_back(std::move(mail), std::move(done));
    }
    cv_.notify_one();
}

void Mailer::stop() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stopping_ = true;
        queue_.clear();
    }
    cancel_ = true;
    cv_.notify_all();
    if (worker_.joinable()) worker_.join();
}

void Mailer::run() {
    for (;;) {
        std::pair<Mail, Done> next;
        {
            std::unique_lock<std::mutex> lock(mu_);
            cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            next = std::move(queue_.front());
            queue_.pop_front();
        }
        // No exception leaves this thread.
        Outcome outcome;
        try {
            outcome = send_mail(settings_, next.first, rfc5322_date(clock_.now()), cancel_);
        } catch (const std::exception& e) {
            outcome.problem = e.what();
        }
        if (cancel_) return;
        try {
            if (next.second) next.second(outcome);
        } catch (...) {
        }
    }
}

}  // namespace twintrack::connectors::hub::smtp
