#include "tests/matrix/fake_homeserver.hpp"

#include <sys/socket.h>

#include <boost/asio.hpp>
#include <cctype>
#include <sstream>

namespace twintrack::matrix_test {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct FakeHomeserver::Net {
    asio::io_context io;
    std::unique_ptr<tcp::acceptor> acceptor;
    std::thread accept_thread;
    std::mutex conn_mu;
    std::vector<std::shared_ptr<tcp::socket>> sockets;
    std::vector<std::thread> threads;
};

namespace {

std::string decode(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() &&
            std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
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

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

json error(const std::string& code, const std::string& text) {
    return {{"errcode", code}, {"error", text}};
}

const char* reason(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 429:
            return "Too Many Requests";
        default:
            return "Status";
    }
}

}  // namespace

FakeHomeserver::FakeHomeserver() : net_(std::make_unique<Net>()) { start(); }

FakeHomeserver::~FakeHomeserver() { stop(); }

std::string FakeHomeserver::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void FakeHomeserver::start() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stopping_ = false;
    }
    net_->acceptor = std::make_unique<tcp::acceptor>(net_->io);
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_));
    net_->acceptor->open(ep.protocol());
    net_->acceptor->set_option(tcp::acceptor::reuse_address(true));
    net_->acceptor->bind(ep);
    net_->acceptor->listen();
    port_ = net_->acceptor->local_endpoint().port();
    net_->accept_thread = std::thread([this] { accept_loop(); });
}

void FakeHomeserver::stop() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) return;
        stopping_ = true;
        cv_.notify_all();
    }
    boost::system::error_code ec;
    if (net_->acceptor) {
        // Wakes the blocked accept.
        ::shutdown(net_->acceptor->native_handle(), SHUT_RDWR);
        net_->acceptor->close(ec);
    }
    if (net_->accept_thread.joinable()) net_->accept_thread.join();
    std::vector<std::thread> threads;
    {
        std::lock_guard<std::mutex> lock(net_->conn_mu);
        // A plain shutdown(2) wakes the connection's thread blocked in read.
        for (auto& s : net_->sockets) {
            if (s->is_open()) ::shutdown(s->native_handle(), SHUT_RDWR);
        }
        threads = std::move(net_->threads);
        net_->threads.clear();
    }
    for (auto& t : threads) t.join();
    std::lock_guard<std::mutex> lock(net_->conn_mu);
    net_->sockets.clear();
}

void FakeHomeserver::accept_loop() {
    for (;;) {
        auto socket = std::make_shared<tcp::socket>(net_->io);
        boost::system::error_code ec;
        net_->acceptor->accept(*socket, ec);
        {
            std::lock_guard<std::mutex> lock(mu_);
            if (stopping_) return;
        }
        if (ec) continue;
        std::lock_guard<std::mutex> lock(net_->conn_mu);
        net_->sockets.push_back(socket);
        net_->threads.emplace_back([this, socket] { serve(socket); });
    }
}

void FakeHomeserver::serve(std::shared_ptr<void> opaque) {
    auto socket = std::static_pointer_cast<tcp::socket>(opaque);
    asio::streambuf buf;
    boost::system::error_code ec;
    for (;;) {
        asio::read_until(*socket, buf, "\r\n\r\n", ec);
        if (ec) break;
        std::istream in(&buf);
        std::string line;
        std::getline(in, line);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        Call call;
        std::string target, version;
        std::istringstream(line) >> call.method >> target >> version;
        std::size_t length = 0;
        while (std::getline(in, line) && line != "\r" && !line.empty()) {
            if (line.back() == '\r') line.pop_back();
            const auto colon = line.find(':');
            if (colon == std::string::npos) continue;
            const std::string name = lower(line.substr(0, colon));
            std::string value = line.substr(colon + 1);
            while (!value.empty() && value[0] == ' ') value.erase(0, 1);
            if (name == "content-length") length = std::stoul(value);
            if (name == "authorization") call.authorization = value;
            if (name == "content-type") call.content_type = value;
        }
        if (buf.size() < length)
            asio::read(*socket, buf, asio::transfer_exactly(length - buf.size()), ec);
        if (ec) break;
        call.body.resize(length);
        in.read(&call.body[0], static_cast<std::streamsize>(length));
        const auto q = target.find('?');
        call.path = decode(target.substr(0, q));
        if (q != std::string::npos) {
            std::istringstream qs(target.substr(q + 1));
            std::string pair;
            while (std::getline(qs, pair, '&')) {
                const auto eq = pair.find('=');
                call.query[decode(pair.substr(0, eq))] =
                    eq == std::string::npos ? "" : decode(pair.substr(eq + 1));
            }
        }
        call.at = std::chrono::steady_clock::now();
        Answer answer;
        {
            std::unique_lock<std::mutex> lock(mu_);
            if (stopping_) break;
            calls_.push_back(call);
            answer = handle(call, lock);
            cv_.notify_all();
            if (stopping_) break;
        }
        if (answer.drop) break;
        const bool raw = !answer.raw_type.empty();
        const std::string body = raw ? answer.raw : answer.body.dump();
        std::string out =
            "HTTP/1.1 " + std::to_string(answer.status) + " " + reason(answer.status) +
            "\r\nContent-Type: " + (raw ? answer.raw_type : std::string("application/json")) +
            "\r\nContent-Length: " + std::to_string(body.size()) +
            "\r\nConnection: keep-alive\r\n\r\n" + body;
        asio::write(*socket, asio::buffer(out), ec);
        if (ec) break;
    }
    std::lock_guard<std::mutex> lock(net_->conn_mu);
    socket->shutdown(tcp::socket::shutdown_both, ec);
    socket->close(ec);
}

bool FakeHomeserver::authorized(const Call& call) const {
    const std::string prefix = "Bearer ";
    if (call.authorization.rfind(prefix, 0) != 0) return false;
    return tokens_.count(call.authorization.substr(prefix.size())) > 0;
}

FakeHomeserver::Answer FakeHomeserver::handle(const Call& call,
                                              std::unique_lock<std::mutex>& lock) {
    const std::string client = "/_matrix/client/v3";
    const std::string& p = call.path;
    if (call.method == "POST" && p == client + "/login") {
        const json body = json::parse(call.body, nullptr, false);
        if (!body.is_object() || body.value("type", "") != "m.login.password" ||
            body.value("password", "") != bot_password) {
            return {403, error("M_FORBIDDEN", "Invalid username or password")};
        }
        const std::string token = "syt_login_" + std::to_string(++token_count_);
        tokens_.insert(token);
        ++logins_;
        return {200,
                {{"access_token", token},
                 {"user_id", bot},
                 {"device_id", body.value("device_id", "DEV" + std::to_string(logins_))}}};
    }
    if (!authorized(call)) {
        return {401, error("M_UNKNOWN_TOKEN", "Invalid access token passed.")};
    }
    if (call.method == "GET" && p == client + "/account/whoami") {
        return {200, {{"user_id", bot}, {"device_id", "ADMINDEV"}}};
    }
    if (call.method == "GET" && p == client + "/sync") return sync(call, lock);
    const std::string rooms = client + "/rooms/";
    const std::string send = "/send/m.room.message/";
    const bool sending =
        call.method == "PUT" && p.rfind(rooms, 0) == 0 &&
        (p.find(send) != std::string::npos || p.find("/redact/") != std::string::npos);
    if (sending && limit_sends_ > 0) {
        --limit_sends_;
        json e = error("M_LIMIT_EXCEEDED", "Too Many Requests");
        e["retry_after_ms"] = retry_after_ms_;
        return {429, e};
    }
    if (sending && p.find(send) == std::string::npos) return redact(call);
    if (call.method == "PUT" && p.rfind(rooms, 0) == 0 && p.find(send) != std::string::npos) {
        const auto at = p.find(send);
        Sent s;
        s.room = p.substr(rooms.size(), at - rooms.size());
        s.txn = p.substr(at + send.size());
        s.content = json::parse(call.body, nullptr, false);
        s.at = call.at;
        // Threads: "Servers SHOULD reject client requests which attempt to start a thread
        // off an event with an m.relates_to property" (400, M_UNKNOWN).
        if (s.content.is_object() && s.content.contains("m.relates_to") &&
            s.content["m.relates_to"].value("rel_type", "") == "m.thread") {
            const json* root = find_event(s.room, s.content["m.relates_to"].value("event_id", ""));
            if (root != nullptr && (*root)["content"].is_object() &&
                (*root)["content"].contains("m.relates_to") &&
                (*root)["content"]["m.relates_to"].contains("rel_type")) {
                return {400,
                        error("M_UNKNOWN", "Cannot start threads from an event with a relation")};
            }
        }
        const std::string key = std::string(bot) + "\n" + s.txn;
        auto known = txns_.find(key);
        if (known != txns_.end()) {
            s.event_id = known->second;
            s.repeat = true;
        } else {
            s.event_id = "$sent" + std::to_string(next_event_++);
            txns_[key] = s.event_id;
            log_.push_back({"event",
                            s.room,
                            {{"event_id", s.event_id},
                             {"type", "m.room.message"},
                             {"sender", bot},
                             {"origin_server_ts", 1700000000000LL},
                             {"content", s.content}}});
        }
        sent_.push_back(s);
        Answer a{200, {{"event_id", s.event_id}}};
        if (drop_sends_ > 0) {
            --drop_sends_;
            a.drop = true;
        }
        return a;
    }
    if (call.method == "POST" && p == "/_matrix/media/v3/upload") {
        Upload u;
        auto it = call.query.find("filename");
        u.filename = it == call.query.end() ? "" : it->second;
        u.content_type = call.content_type;
        u.data = call.body;
        u.content_uri = "mxc://fake/media" + std::to_string(uploads_.size() + 1);
        uploads_.push_back(u);
        return {200, {{"content_uri", u.content_uri}}};
    }
    const std::string download = "/_matrix/client/v1/media/download/";
    if (call.method == "GET" && p.rfind(download, 0) == 0) {
        const std::string uri = "mxc://" + p.substr(download.size());
        std::vector<Upload> all = uploads_;
        all.insert(all.end(), media_.begin(), media_.end());
        for (const auto& u : all) {
            if (u.content_uri != uri) continue;
            Answer a;
            a.raw = u.data;
            a.raw_type = u.content_type.empty() ? "application/octet-stream" : u.content_type;
            return a;
        }
        return {404, error("M_NOT_FOUND", "Not found")};
    }
    if (call.method == "POST" && p.rfind(client + "/join/", 0) == 0) {
        const std::string room = p.substr(client.size() + 6);
        joined_.push_back(room);
        return {200, {{"room_id", room}}};
    }
    if (call.method == "GET" && p.rfind(client + "/directory/room/", 0) == 0) {
        auto it = aliases_.find(p.substr(client.size() + 16));
        if (it == aliases_.end()) return {404, error("M_NOT_FOUND", "Room alias not found")};
        return {200, {{"room_id", it->second}, {"servers", json::array({"fake"})}}};
    }
    if (call.method == "POST" && p == client + "/createRoom") {
        const std::string room = "!dm" + std::to_string(++rooms_made_) + ":fake";
        return {200, {{"room_id", room}}};
    }
    return {404, error("M_UNRECOGNIZED", "Unrecognized request")};
}

json* FakeHomeserver::find_event(const std::string& room, const std::string& event_id) {
    for (auto& e : log_) {
        if (e.kind == "event" && e.room == room && e.data.value("event_id", "") == event_id &&
            e.data.value("type", "") != "m.room.redaction") {
            return &e.data;
        }
    }
    return nullptr;
}

// PUT /rooms/{roomId}/redact/{eventId}/{txnId}: answers {event_id} of the redaction event;
// the same txnId again answers the same event.
FakeHomeserver::Answer FakeHomeserver::redact(const Call& call) {
    const std::string rooms = "/_matrix/client/v3/rooms/";
    const std::string& p = call.path;
    const auto at = p.find("/redact/");
    Redaction r;
    r.room = p.substr(rooms.size(), at - rooms.size());
    const std::string rest = p.substr(at + 8);
    const auto slash = rest.find('/');
    if (slash == std::string::npos) return {404, error("M_UNRECOGNIZED", "Unrecognized request")};
    r.redacts = rest.substr(0, slash);
    r.txn = rest.substr(slash + 1);
    r.content = json::parse(call.body, nullptr, false);
    r.at = call.at;
    if (!r.content.is_object()) return {400, error("M_NOT_JSON", "Content not JSON.")};
    const std::string key = std::string(bot) + "\nredact\n" + r.txn;
    auto known = txns_.find(key);
    if (known != txns_.end()) {
        r.event_id = known->second;
        r.repeat = true;
        redactions_.push_back(r);
        return {200, {{"event_id", r.event_id}}};
    }
    json* target = find_event(r.room, r.redacts);
    if (target == nullptr) return {404, error("M_NOT_FOUND", "Event not found.")};
    r.event_id = "$redaction" + std::to_string(next_event_++);
    txns_[key] = r.event_id;
    // The redaction algorithm: an m.room.message keeps none of its content.
    (*target)["content"] = json::object();
    (*target)["unsigned"]["redacted_because"] = {{"event_id", r.event_id}, {"sender", bot}};
    json content = {{"redacts", r.redacts}};
    if (r.content.contains("reason")) content["reason"] = r.content["reason"];
    log_.push_back({"event",
                    r.room,
                    {{"event_id", r.event_id},
                     {"type", "m.room.redaction"},
                     {"sender", bot},
                     {"redacts", r.redacts},
                     {"origin_server_ts", 1700000000000LL},
                     {"content", content}}});
    redactions_.push_back(r);
    return {200, {{"event_id", r.event_id}}};
}

FakeHomeserver::Answer FakeHomeserver::sync(const Call& call, std::unique_lock<std::mutex>& lock) {
    auto since_it = call.query.find("since");
    const bool initial = since_it == call.query.end();
    std::size_t from = 0;
    if (!initial) {
        const std::string& since = since_it->second;
        if (since.size() < 2 || since[0] != 's')
            return {400, error("M_INVALID_PARAM", "bad since")};
        from = std::stoul(since.substr(1));
        long timeout_ms = 0;
        auto t = call.query.find("timeout");
        if (t != call.query.end()) timeout_ms = std::stol(t->second);
        ++waiting_;
        cv_.notify_all();
        cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                     [&] { return stopping_ || log_.size() > from || !authorized(call); });
        --waiting_;
        if (stopping_) return {200, json::object(), true};
        if (!authorized(call)) {
            return {401, error("M_UNKNOWN_TOKEN", "Invalid access token passed.")};
        }
    }
    const std::size_t to = log_.size();
    json body = {{"next_batch", "s" + std::to_string(to)}};
    json join = json::object();
    json invite = json::object();
    bool direct = initial && !direct_content_.empty();
    std::set<std::string> gaps;
    for (std::size_t i = initial ? 0 : from; i < to; ++i) {
        const Entry& e = log_[i];
        if (e.kind == "invite") {
            invite[e.room] = {{"invite_state",
                               {{"events", json::array({{{"type", "m.room.member"},
                                                         {"state_key", bot},
                                                         {"sender", e.data["inviter"]},
                                                         {"content",
                                                          {{"membership", "invite"},
                                                           {"is_direct", e.data["direct"]}}}}})}}}};
        } else if (e.kind == "direct") {
            direct = true;
        } else if (e.kind == "gap") {
            gaps.insert(e.room);
        } else if (e.kind == "members") {
            join[e.room]["summary"]["m.joined_member_count"] = e.data;
        } else if (e.kind == "event") {
            json& events = join[e.room]["timeline"]["events"];
            if (initial) {
                // A fresh sync with the filter's limit of 1: the latest event of each room.
                events = json::array({e.data});
                join[e.room]["timeline"]["limited"] = true;
            } else {
                events.push_back(e.data);
            }
        }
    }
    for (const auto& room : gaps) {
        join[room]["timeline"]["limited"] = true;
        join[room]["timeline"]["prev_batch"] = "p" + std::to_string(from);
        if (!join[room]["timeline"].contains("events"))
            join[room]["timeline"]["events"] = json::array();
    }
    body["rooms"] = {{"join", join}, {"invite", invite}, {"leave", json::object()}};
    if (direct) {
        body["account_data"] = {
            {"events", json::array({{{"type", "m.direct"}, {"content", direct_content_}}})}};
    }
    return {200, body};
}

void FakeHomeserver::add_token(const std::string& token) {
    std::lock_guard<std::mutex> lock(mu_);
    tokens_.insert(token);
}

void FakeHomeserver::expire_tokens() {
    std::lock_guard<std::mutex> lock(mu_);
    tokens_.clear();
    cv_.notify_all();
}

void FakeHomeserver::add_alias(const std::string& alias, const std::string& room) {
    std::lock_guard<std::mutex> lock(mu_);
    aliases_[alias] = room;
}

std::string FakeHomeserver::push_message(const std::string& room, const std::string& sender,
                                         const json& content, std::string event_id) {
    std::lock_guard<std::mutex> lock(mu_);
    if (event_id.empty()) event_id = "$ev" + std::to_string(next_event_++);
    log_.push_back({"event",
                    room,
                    {{"event_id", event_id},
                     {"type", "m.room.message"},
                     {"sender", sender},
                     {"origin_server_ts", 1700000000000LL + static_cast<long long>(log_.size())},
                     {"content", content}}});
    cv_.notify_all();
    return event_id;
}

void FakeHomeserver::push_event(const std::string& room, const json& event) {
    std::lock_guard<std::mutex> lock(mu_);
    log_.push_back({"event", room, event});
    cv_.notify_all();
}

std::string FakeHomeserver::push_redaction(const std::string& room, const std::string& sender,
                                           const std::string& event_id, RedactsIn in) {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string id = "$redaction" + std::to_string(next_event_++);
    json ev = {{"event_id", id},
               {"type", "m.room.redaction"},
               {"sender", sender},
               {"origin_server_ts", 1700000000000LL + static_cast<long long>(log_.size())},
               {"content", json::object()}};
    if (in != RedactsIn::top_level) ev["content"]["redacts"] = event_id;
    if (in != RedactsIn::content) ev["redacts"] = event_id;
    log_.push_back({"event", room, ev});
    cv_.notify_all();
    return id;
}

void FakeHomeserver::push_gap(const std::string& room) {
    std::lock_guard<std::mutex> lock(mu_);
    log_.push_back({"gap", room, nullptr});
}

void FakeHomeserver::push_invite(const std::string& room, const std::string& inviter, bool direct) {
    std::lock_guard<std::mutex> lock(mu_);
    log_.push_back({"invite", room, {{"inviter", inviter}, {"direct", direct}}});
    cv_.notify_all();
}

void FakeHomeserver::set_direct(const std::string& user, const std::string& room) {
    std::lock_guard<std::mutex> lock(mu_);
    direct_content_[user] = json::array({room});
    log_.push_back({"direct", "", nullptr});
    cv_.notify_all();
}

void FakeHomeserver::set_members(const std::string& room, int n) {
    std::lock_guard<std::mutex> lock(mu_);
    log_.push_back({"members", room, n});
    cv_.notify_all();
}

void FakeHomeserver::drop_sends(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    drop_sends_ = n;
}

void FakeHomeserver::limit_sends(int n, int retry_after_ms) {
    std::lock_guard<std::mutex> lock(mu_);
    limit_sends_ = n;
    retry_after_ms_ = retry_after_ms;
}

std::vector<Call> FakeHomeserver::calls(const std::string& path_prefix) const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<Call> out;
    for (const auto& c : calls_) {
        if (c.path.rfind(path_prefix, 0) == 0) out.push_back(c);
    }
    return out;
}

std::vector<Sent> FakeHomeserver::sent() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sent_;
}

std::vector<Redaction> FakeHomeserver::redactions() const {
    std::lock_guard<std::mutex> lock(mu_);
    return redactions_;
}

std::optional<Redaction> FakeHomeserver::wait_redaction(std::size_t n,
                                                        std::chrono::milliseconds timeout) const {
    std::optional<Redaction> found;
    wait(
        [&] {
            std::size_t count = 0;
            for (const auto& r : redactions()) {
                if (r.repeat) continue;
                if (++count == n) {
                    found = r;
                    return true;
                }
            }
            return false;
        },
        timeout);
    return found;
}

std::string FakeHomeserver::add_media(const std::string& filename, const std::string& content_type,
                                      const std::string& data) {
    std::lock_guard<std::mutex> lock(mu_);
    Upload u{filename, content_type, data, "mxc://fake/people" + std::to_string(media_.size() + 1)};
    media_.push_back(u);
    cv_.notify_all();
    return u.content_uri;
}

std::vector<Upload> FakeHomeserver::uploads() const {
    std::lock_guard<std::mutex> lock(mu_);
    return uploads_;
}

std::vector<std::string> FakeHomeserver::joined() const {
    std::lock_guard<std::mutex> lock(mu_);
    return joined_;
}

int FakeHomeserver::logins() const {
    std::lock_guard<std::mutex> lock(mu_);
    return logins_;
}

int FakeHomeserver::waiting_polls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return waiting_;
}

bool FakeHomeserver::wait(const std::function<bool()>& pred,
                          std::chrono::milliseconds timeout) const {
    // Checked again on every change of the fake's state, and at least every 50 ms for
    // what changes elsewhere (the connector's side).
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (pred()) return true;
        std::unique_lock<std::mutex> lock(mu_);
        if (std::chrono::steady_clock::now() >= deadline) break;
        cv_.wait_for(lock, 50ms);
    }
    return pred();
}

std::optional<Sent> FakeHomeserver::wait_sent(std::size_t n,
                                              std::chrono::milliseconds timeout) const {
    std::optional<Sent> found;
    wait(
        [&] {
            std::size_t count = 0;
            for (const auto& s : sent()) {
                if (s.repeat) continue;
                if (++count == n) {
                    found = s;
                    return true;
                }
            }
            return false;
        },
        timeout);
    return found;
}

}  // namespace twintrack::matrix_test
