#include "tests/robots/fake_platform.hpp"

#include <stdexcept>

#include "tests/integration/process.hpp"

namespace twintrack::robots_test {

using connectors::robots::HttpAnswer;
using connectors::robots::HttpRequest;

std::string percent_decode(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else if (s[i] == '+') {
            out += ' ';
        } else {
            out += s[i];
        }
    }
    return out;
}

FakePlatform::FakePlatform() {
    fallback_ = {200, R"({"errcode":0,"errmsg":"ok"})", {}};
    server_ = std::make_unique<connectors::robots::CallbackServer>(
        "127.0.0.1", 0, 1024 * 1024, [this](const HttpRequest& request) {
            Received r;
            r.method = request.method;
            const auto q = request.target.find('?');
            r.path = request.target.substr(0, q);
            if (q != std::string::npos) {
                std::string rest = request.target.substr(q + 1);
                std::size_t start = 0;
                while (start <= rest.size()) {
                    const auto amp = rest.find('&', start);
                    const std::string pair = rest.substr(start, amp - start);
                    const auto eq = pair.find('=');
                    if (!pair.empty()) {
                        r.query[pair.substr(0, eq)] =
                            eq == std::string::npos ? "" : percent_decode(pair.substr(eq + 1));
                    }
                    if (amp == std::string::npos) break;
                    start = amp + 1;
                }
            }
            r.headers = request.headers;
            r.body = request.body;
            r.json = nlohmann::json::parse(r.body, nullptr, false);
            std::lock_guard<std::mutex> lock(mu_);
            received_.push_back(std::move(r));
            cv_.notify_all();
            if (!script_.empty()) {
                HttpAnswer a = script_.front();
                script_.pop_front();
                return a;
            }
            return fallback_;
        });
    server_->start();
}

FakePlatform::~FakePlatform() { server_->stop(); }

std::string FakePlatform::url(const std::string& path_and_query) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path_and_query;
}

void FakePlatform::script(HttpAnswer answer) {
    std::lock_guard<std::mutex> lock(mu_);
    script_.push_back(std::move(answer));
}

void FakePlatform::set_fallback(HttpAnswer answer) {
    std::lock_guard<std::mutex> lock(mu_);
    fallback_ = std::move(answer);
}

std::vector<Received> FakePlatform::wait_for(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return received_.size() >= n; });
    return received_;
}

std::vector<Received> FakePlatform::received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
}

std::string openssl_hmac_base64(const std::string& key, const std::string& message) {
    const auto mac = testing::run_program("/usr/bin/openssl",
                                          {"dgst", "-sha256", "-hmac", key, "-binary"}, message);
    if (mac.exit_code != 0 || mac.out.size() != 32) {
        throw std::runtime_error("openssl dgst failed: " + mac.err);
    }
    const auto b64 = testing::run_program("/usr/bin/base64", {"-w0"}, mac.out);
    if (b64.exit_code != 0) throw std::runtime_error("base64 failed: " + b64.err);
    return b64.out;
}

void RecordingSink::push(core::Event event) {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(std::move(event));
    cv_.notify_all();
}

std::vector<core::Event> RecordingSink::wait_for(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return events_.size() >= n; });
    return events_;
}

std::vector<core::Event> RecordingSink::events() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
}

HttpAnswer errcode(long code, const std::string& msg) {
    nlohmann::json j = {{"errcode", code}, {"errmsg", msg}};
    return {200, j.dump(), {}};
}

}  // namespace twintrack::robots_test

#include <boost/asio.hpp>

namespace twintrack::robots_test {

PostAnswer raw_post(int port, const std::string& path,
                    const std::map<std::string, std::string>& headers, const std::string& body) {
    namespace asio = boost::asio;
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
    std::string request = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    request += "Content-Type: application/json; charset=utf-8\r\n";
    for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
    request += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
    request += body;
    boost::system::error_code ec;
    // A server may answer (413) before the whole body is sent; keep the answer then.
    asio::write(socket, asio::buffer(request), ec);
    std::string response;
    char buf[4096];
    while (true) {
        const std::size_t n = socket.read_some(asio::buffer(buf), ec);
        response.append(buf, n);
        if (ec) break;
    }
    PostAnswer answer;
    if (response.rfind("HTTP/1.1 ", 0) == 0) answer.status = std::stoi(response.substr(9, 3));
    const auto split = response.find("\r\n\r\n");
    if (split != std::string::npos) answer.body = response.substr(split + 4);
    return answer;
}

}  // namespace twintrack::robots_test
