#include "tests/feishu/fake_feishu.hpp"

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

#include "connectors/feishu/feishu_protocol.hpp"
#include "connectors/http/http_listener.hpp"

namespace twintrack::feishu_test {

using connectors::feishu::StreamFrame;
using connectors::http::HttpListener;
using connectors::http::ListenerRequest;
using connectors::http::ListenerResponse;
using WsServer = websocketpp::server<websocketpp::config::asio>;

struct FakeFeishu::State {
    mutable std::mutex mu;
    mutable std::condition_variable cv;
    std::vector<ApiCall> calls;
    std::set<std::string> valid_tokens;
    int issued = 0;
    int rate_limited = 0;
    std::map<std::string, std::string> by_uuid;  ///< uuid → message_id
    std::vector<std::string> delivered;
    int messages = 0;
    std::unique_ptr<HttpListener> listener;
    int port = 0;

    // The long connection.
    WsServer ws;
    std::thread ws_thread;
    int ws_port = 0;
    int ping_seconds = 120;
    int sockets_opened = 0;
    std::vector<websocketpp::connection_hdl> open_sockets;
    std::vector<StreamFrame> received;  ///< frames the client sent
    unsigned long long next_seq = 0;

    void start_ws() {
        ws.clear_access_channels(websocketpp::log::alevel::all);
        ws.clear_error_channels(websocketpp::log::elevel::all);
        ws.init_asio();
        ws.set_reuse_addr(true);
        ws.set_open_handler([this](websocketpp::connection_hdl hdl) {
            std::lock_guard<std::mutex> lock(mu);
            ++sockets_opened;
            open_sockets.push_back(hdl);
            cv.notify_all();
        });
        ws.set_close_handler([this](websocketpp::connection_hdl hdl) {
            std::lock_guard<std::mutex> lock(mu);
            for (auto it = open_sockets.begin(); it != open_sockets.end(); ++it) {
                if (!it->owner_before(hdl) && !hdl.owner_before(*it)) {
                    open_sockets.erase(it);
                    break;
                }
            }
        });
        ws.set_message_handler([this](websocketpp::connection_hdl hdl, WsServer::message_ptr msg) {
            // Like Feishu: frames are binary WebSocket messages; text ones mean nothing.
            if (msg->get_opcode() != websocketpp::frame::opcode::binary) return;
            auto frame = connectors::feishu::decode_frame(msg->get_payload());
            if (!frame) return;
            int ping = 0;
            {
                std::lock_guard<std::mutex> lock(mu);
                received.push_back(*frame);
                ping = ping_seconds;
                cv.notify_all();
            }
            if (frame->method == connectors::feishu::frame_control &&
                frame->header("type") == "ping") {
                StreamFrame pong;
                pong.service = frame->service;
                pong.method = connectors::feishu::frame_control;
                pong.headers = {{"type", "pong"}};
                pong.payload = json{
                    {"PingInterval", ping},
                    {"ReconnectCount", -1},
                    {"ReconnectInterval", 1},
                    {"ReconnectNonce",
                     0}}.dump();
                websocketpp::lib::error_code ec;
                ws.send(hdl, connectors::feishu::encode_frame(pong),
                        websocketpp::frame::opcode::binary, ec);
            }
        });
        websocketpp::lib::error_code ec;
        ws.listen(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0),
                  ec);
        ws.start_accept(ec);
        boost::system::error_code lec;
        ws_port = ws.get_local_endpoint(lec).port();
        ws_thread = std::thread([this] { ws.run(); });
    }

    static ListenerResponse answer(int status, const json& body) {
        return {status, "application/json; charset=utf-8", body.dump()};
    }

    ListenerResponse handle(const ListenerRequest& r) {
        ApiCall call;
        call.path = r.path;
        call.query = r.query;
        const std::string auth = r.header("authorization");
        if (auth.rfind("Bearer ", 0) == 0) call.token = auth.substr(7);
        call.json_body = json::parse(r.body, nullptr, false);
        if (call.json_body.is_discarded()) call.json_body = nullptr;
        std::lock_guard<std::mutex> lock(mu);
        calls.push_back(call);
        cv.notify_all();
        const json& b = call.json_body;
        if (r.path == "/open-apis/auth/v3/tenant_access_token/internal") {
            if (!b.is_object() || b.value("app_id", "") != kAppId ||
                b.value("app_secret", "") != kAppSecret) {
                return answer(400, {{"code", 10014}, {"msg", "app secret invalid"}});
            }
            const std::string token = "t-fake" + std::to_string(++issued);
            valid_tokens.insert(token);
            return answer(
                200,
                {{"code", 0}, {"msg", "ok"}, {"tenant_access_token", token}, {"expire", 7200}});
        }
        if (r.path == "/callback/ws/endpoint") {
            if (!b.is_object() || b.value("AppID", "") != kAppId ||
                b.value("AppSecret", "") != kAppSecret) {
                return answer(200, {{"code", 1000040344}, {"msg", "app secret invalid"}});
            }
            return answer(200, {{"code", 0},
                                {"msg", "ok"},
                                {"data",
                                 {{"URL", "ws://127.0.0.1:" + std::to_string(ws_port) +
                                              "/ws/v2?device_id=7440&service_id=33554678"},
                                  {"ClientConfig",
                                   {{"PingInterval", ping_seconds},
                                    {"ReconnectCount", -1},
                                    {"ReconnectInterval", 1},
                                    {"ReconnectNonce", 0}}}}}});
        }
        const bool send = r.path == "/open-apis/im/v1/messages";
        const bool reply = r.path.rfind("/open-apis/im/v1/messages/om_", 0) == 0 &&
                           r.path.size() > 6 && r.path.substr(r.path.size() - 6) == "/reply";
        if (!send && !reply) return answer(404, {{"code", 404}, {"msg", "not found"}});
        if (valid_tokens.count(call.token) == 0) {
            return answer(400,
                          {{"code", 99991663}, {"msg", "Invalid access token for authorization"}});
        }
        if (rate_limited > 0) {
            --rate_limited;
            ListenerResponse limited =
                answer(429, {{"code", 99991400}, {"msg", "request trigger frequency limit"}});
            return limited;
        }
        if (send && r.query != "receive_id_type=open_id" && r.query != "receive_id_type=chat_id") {
            return answer(400, {{"code", 99992402}, {"msg", "field validation failed"}});
        }
        if (!b.is_object() || b.value("msg_type", "") != "text" ||
            (send && b.value("receive_id", "").empty())) {
            return answer(400, {{"code", 230001}, {"msg", "invalid message content"}});
        }
        const json content = json::parse(b.value("content", ""), nullptr, false);
        if (!content.is_object() || !content.contains("text")) {
            return answer(400, {{"code", 230001}, {"msg", "invalid message content"}});
        }
        const std::string uuid = b.value("uuid", "");
        std::string id;
        auto known = by_uuid.find(uuid);
        if (!uuid.empty() && known != by_uuid.end()) {
            id = known->second;
        } else {
            id = "om_fake" + std::to_string(++messages);
            if (!uuid.empty()) by_uuid[uuid] = id;
            delivered.push_back(content.value("text", ""));
        }
        return answer(200, {{"code", 0}, {"msg", "success"}, {"data", {{"message_id", id}}}});
    }
};

FakeFeishu::FakeFeishu() : state_(std::make_shared<State>()) {
    State* s = state_.get();
    s->listener =
        std::make_unique<HttpListener>([s](const ListenerRequest& r) { return s->handle(r); });
    s->port = s->listener->start("127.0.0.1", 0);
    s->start_ws();
}

FakeFeishu::~FakeFeishu() {
    state_->listener->stop();
    websocketpp::lib::error_code ec;
    state_->ws.stop_listening(ec);
    state_->ws.stop();
    if (state_->ws_thread.joinable()) state_->ws_thread.join();
}

void FakeFeishu::set_ping_interval(int seconds) {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->ping_seconds = seconds;
}

bool FakeFeishu::wait_sockets(int n, std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(state_->mu);
    return state_->cv.wait_for(lock, timeout, [&] {
        return state_->sockets_opened >= n && !state_->open_sockets.empty();
    });
}

bool FakeFeishu::send_event(const json& event, const std::string& message_id, int parts) {
    State* d = state_.get();
    std::vector<websocketpp::connection_hdl> open;
    unsigned long long seq = 0;
    {
        std::lock_guard<std::mutex> lock(d->mu);
        open = d->open_sockets;
        seq = ++d->next_seq;
    }
    if (open.empty()) return false;
    const std::string payload = event.dump();
    const std::size_t size = (payload.size() + parts - 1) / static_cast<std::size_t>(parts);
    // The last part first: the client must not depend on the order.
    for (int i = parts - 1; i >= 0; --i) {
        StreamFrame f;
        f.seq_id = seq;
        f.log_id = 9000 + seq;
        f.service = 33554678;
        f.method = connectors::feishu::frame_data;
        f.headers = {{"type", "event"},
                     {"message_id", message_id},
                     {"sum", std::to_string(parts)},
                     {"seq", std::to_string(i)},
                     {"trace_id", "trace-" + message_id}};
        f.payload = payload.substr(static_cast<std::size_t>(i) * size, size);
        f.log_id_new = "log-" + message_id;
        websocketpp::lib::error_code ec;
        d->ws.send(open.back(), connectors::feishu::encode_frame(f),
                   websocketpp::frame::opcode::binary, ec);
        if (ec) return false;
    }
    return true;
}

void FakeFeishu::drop_sockets() {
    std::vector<websocketpp::connection_hdl> open;
    {
        std::lock_guard<std::mutex> lock(state_->mu);
        open = state_->open_sockets;
    }
    for (auto& hdl : open) {
        websocketpp::lib::error_code ec;
        state_->ws.close(hdl, websocketpp::close::status::going_away, "test", ec);
    }
}

std::vector<StreamFrame> FakeFeishu::wait_acks(const std::string& id, std::size_t n,
                                               std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(state_->mu);
    std::vector<StreamFrame> out;
    state_->cv.wait_for(lock, timeout, [&] {
        out.clear();
        for (const auto& f : state_->received) {
            if (f.method == connectors::feishu::frame_data && f.header("message_id") == id) {
                out.push_back(f);
            }
        }
        return out.size() >= n;
    });
    return out;
}

std::vector<StreamFrame> FakeFeishu::wait_pings(std::size_t n,
                                                std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(state_->mu);
    std::vector<StreamFrame> out;
    state_->cv.wait_for(lock, timeout, [&] {
        out.clear();
        for (const auto& f : state_->received) {
            if (f.method == connectors::feishu::frame_control && f.header("type") == "ping") {
                out.push_back(f);
            }
        }
        return out.size() >= n;
    });
    return out;
}

std::string FakeFeishu::url() const { return "http://127.0.0.1:" + std::to_string(state_->port); }

void FakeFeishu::expire_tokens() {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->valid_tokens.clear();
}

void FakeFeishu::rate_limit(int count) {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->rate_limited = count;
}

std::vector<ApiCall> FakeFeishu::calls(const std::string& path) const {
    std::lock_guard<std::mutex> lock(state_->mu);
    std::vector<ApiCall> out;
    for (const auto& c : state_->calls) {
        if (c.path.rfind(path, 0) == 0) out.push_back(c);
    }
    return out;
}

std::optional<ApiCall> FakeFeishu::wait_call(const std::string& path, std::size_t n,
                                             std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(state_->mu);
    std::optional<ApiCall> found;
    state_->cv.wait_for(lock, timeout, [&] {
        std::size_t seen = 0;
        for (const auto& c : state_->calls) {
            if (c.path.rfind(path, 0) == 0 && ++seen == n) {
                found = c;
                return true;
            }
        }
        return false;
    });
    return found;
}

std::vector<std::string> FakeFeishu::delivered() const {
    std::lock_guard<std::mutex> lock(state_->mu);
    return state_->delivered;
}

json message_event(const std::string& event_id, const std::string& message_id,
                   const std::string& open_id, const std::string& chat_id,
                   const std::string& chat_type, const std::string& text, const json& mentions) {
    return {{"schema", "2.0"},
            {"header",
             {{"event_id", event_id},
              {"event_type", "im.message.receive_v1"},
              {"create_time", "1733480000000"},
              {"token", kVerificationToken},
              {"app_id", kAppId},
              {"tenant_key", "2ca1d211f64f6438"}}},
            {"event",
             {{"sender",
               {{"sender_id",
                 {{"union_id", "on_8ed6aa67826108097d9ee143816345"},
                  {"user_id", "e33ggbyz"},
                  {"open_id", open_id}}},
                {"sender_type", "user"},
                {"tenant_key", "2ca1d211f64f6438"}}},
              {"message",
               {{"message_id", message_id},
                {"root_id", ""},
                {"parent_id", ""},
                {"create_time", "1733480000000"},
                {"chat_id", chat_id},
                {"chat_type", chat_type},
                {"message_type", "text"},
                {"content", json{{"text", text}}.dump()},
                {"mentions", mentions}}}}}};
}

std::string encrypted(const json& body, const std::string& key) {
    return json{{"encrypt", connectors::feishu::encrypt(key, body.dump(), "0123456789abcdef")}}
        .dump();
}

test_support::HttpResponse post_callback(int port, const std::string& body, const std::string& key,
                                         const std::string& path) {
    test_support::Headers headers = {{"Content-Type", "application/json; charset=utf-8"}};
    if (!key.empty()) {
        const std::string stamp = "1733480000";
        const std::string nonce = "13251";
        headers.push_back({"X-Lark-Request-Timestamp", stamp});
        headers.push_back({"X-Lark-Request-Nonce", nonce});
        headers.push_back(
            {"X-Lark-Signature", connectors::feishu::sha256_hex(stamp + nonce + key + body)});
    }
    return test_support::http_request("POST", "127.0.0.1", port, path, headers, body);
}

}  // namespace twintrack::feishu_test
