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
#include "tests/support/stop_server.hpp"

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
    std::vector<SentMessage> sent;
    int messages = 0;
    int patch_refusals = 0;
    long long patch_code = 0;
    std::string patch_msg;
    int patches_answered = 0;
    bool refuse_uploads = false;
    int failing_uploads = 0;
    struct Resource {
        std::string data, content_type;
    };
    std::map<std::string, Resource> resources;  ///< "message_id/key?type=T" → bytes
    bool hang_resources = false;
    bool stopping = false;
    std::map<std::string, json> people;  ///< open_id → user (the contact API)
    int failing_contacts = 0;
    std::pair<int, long long> contact_failure{500, 0};  ///< HTTP status, code
    int card_refusals = 0;
    std::vector<Upload> uploads;
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
        call.at = std::chrono::steady_clock::now();
        call.method = r.method;
        call.path = r.path;
        call.query = r.query;
        const std::string auth = r.header("authorization");
        if (auth.rfind("Bearer ", 0) == 0) call.token = auth.substr(7);
        call.json_body = json::parse(r.body, nullptr, false);
        if (call.json_body.is_discarded()) call.json_body = nullptr;
        std::unique_lock<std::mutex> lock(mu);
        calls.push_back(call);
        cv.notify_all();
        if (r.method == "GET" && r.path.find("/resources/") != std::string::npos) {
            cv.wait(lock, [this] { return !hang_resources || stopping; });
        }
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
        if (r.path.rfind("/open-apis/contact/v3/users/", 0) == 0 && r.method == "GET") {
            // Get a user (contact/v3). Only the people the app may see; for the others
            // Feishu answers that the app lacks the permission.
            if (valid_tokens.count(call.token) == 0) {
                return answer(
                    400, {{"code", 99991663}, {"msg", "Invalid access token for authorization"}});
            }
            const std::string id =
                r.path.substr(std::string("/open-apis/contact/v3/users/").size());
            if (failing_contacts > 0) {
                --failing_contacts;
                return answer(contact_failure.first,
                              {{"code", contact_failure.second},
                               {"msg", contact_failure.first >= 500
                                           ? "internal error"
                                           : "Access denied. One of the following scopes is "
                                             "required: [contact:user.base:readonly]"}});
            }
            auto person = people.find(id);
            if (r.query.find("user_id_type=open_id") == std::string::npos ||
                person == people.end()) {
                return answer(400, {{"code", 99991672},
                                    {"msg",
                                     "Access denied. One of the following scopes is required: "
                                     "[contact:user.base:readonly]"}});
            }
            return answer(200,
                          {{"code", 0}, {"msg", "success"}, {"data", {{"user", person->second}}}});
        }
        if (r.path == "/open-apis/im/v1/images" || r.path == "/open-apis/im/v1/files") {
            return upload(r, call);
        }
        if (r.method == "GET" && r.path.rfind("/open-apis/im/v1/messages/", 0) == 0 &&
            r.path.find("/resources/") != std::string::npos) {
            if (valid_tokens.count(call.token) == 0) {
                return answer(
                    400, {{"code", 99991663}, {"msg", "Invalid access token for authorization"}});
            }
            const auto found = resources.find(r.path.substr(26) + "?" + r.query);
            if (found == resources.end()) {
                return answer(404, {{"code", 234003}, {"msg", "File not in msg."}});
            }
            return {200, found->second.content_type, found->second.data};
        }
        if (r.path == "/open-apis/ephemeral/v1/send") {
            // A card only open_id sees in group chat_id; only in group chats (chat ids
            // containing "p2p" stand for direct chats here, as Feishu refuses those).
            if (valid_tokens.count(call.token) == 0) {
                return answer(
                    400, {{"code", 99991663}, {"msg", "Invalid access token for authorization"}});
            }
            const std::string chat = b.is_object() ? b.value("chat_id", "") : "";
            if (!b.is_object() || chat.rfind("oc_", 0) != 0 || b.value("open_id", "").empty() ||
                b.value("msg_type", "") != "interactive" || !b.contains("card") ||
                !b["card"].is_object()) {
                return answer(400, {{"code", 9499}, {"msg", "Bad Request"}});
            }
            if (chat.find("p2p") != std::string::npos) {
                return answer(400, {{"code", 230002}, {"msg", "The chat is not a group chat."}});
            }
            return answer(200,
                          {{"code", 0},
                           {"msg", "ok"},
                           {"data", {{"message_id", "om_ephemeral" + std::to_string(++issued)}}}});
        }
        const bool send = r.path == "/open-apis/im/v1/messages";
        const bool reply = r.path.rfind("/open-apis/im/v1/messages/om_", 0) == 0 &&
                           r.path.size() > 6 && r.path.substr(r.path.size() - 6) == "/reply";
        const bool patch = r.method == "PATCH" &&
                           r.path.rfind("/open-apis/im/v1/messages/om_", 0) == 0 &&
                           r.path.find('/', 26) == std::string::npos;
        if (!send && !reply && !patch) return answer(404, {{"code", 404}, {"msg", "not found"}});
        if (valid_tokens.count(call.token) == 0) {
            return answer(400,
                          {{"code", 99991663}, {"msg", "Invalid access token for authorization"}});
        }
        if (patch) return update(r.path.substr(26), b);
        if (rate_limited > 0) {
            --rate_limited;
            ListenerResponse limited =
                answer(429, {{"code", 99991400}, {"msg", "request trigger frequency limit"}});
            return limited;
        }
        if (send && r.query != "receive_id_type=open_id" && r.query != "receive_id_type=chat_id") {
            return answer(400, {{"code", 99992402}, {"msg", "field validation failed"}});
        }
        const std::string type = b.is_object() ? b.value("msg_type", "") : "";
        if ((type != "text" && type != "interactive" && type != "image" && type != "file") ||
            (send && b.value("receive_id", "").empty())) {
            return answer(400, {{"code", 230001}, {"msg", "invalid message content"}});
        }
        const json content = json::parse(b.value("content", ""), nullptr, false);
        const bool good = content.is_object() &&
                          ((type == "text" && content.contains("text")) ||
                           (type == "interactive" && content.contains("elements") &&
                            content["elements"].is_array()) ||
                           (type == "image" && issued_image(content.value("image_key", ""))) ||
                           (type == "file" && issued_image(content.value("file_key", ""))));
        if (good && type == "interactive" && card_refusals > 0) {
            --card_refusals;
            return answer(400, {{"code", 230099},
                                {"msg", "Failed to create card content, ext=ErrCode: 200621"}});
        }
        if (!good) {
            return answer(400, {{"code", type == "interactive" ? 230099 : 230001},
                                {"msg", type == "interactive" ? "Failed to create card content"
                                                              : "invalid message content"}});
        }
        const std::string uuid = b.value("uuid", "");
        std::string id;
        auto known = by_uuid.find(uuid);
        if (!uuid.empty() && known != by_uuid.end()) {
            id = known->second;
        } else {
            id = "om_fake" + std::to_string(++messages);
            if (!uuid.empty()) by_uuid[uuid] = id;
            if (type == "text") delivered.push_back(content.value("text", ""));
            SentMessage m;
            m.id = id;
            m.msg_type = type;
            m.receive_id = b.value("receive_id", "");
            if (reply) m.reply_to = r.path.substr(26, r.path.size() - 26 - 6);
            m.content = content;
            sent.push_back(std::move(m));
        }
        return answer(200, {{"code", 0}, {"msg", "success"}, {"data", {{"message_id", id}}}});
    }

    bool issued_image(const std::string& key) const {
        for (const auto& u : uploads) {
            if (u.image_key == key) return true;
        }
        return false;
    }

    // PATCH im/v1/messages/:message_id: a card this app sent, shared (update_multi) before
    // and after, is replaced for everyone.
    ListenerResponse update(const std::string& id, const json& b) {
        ++patches_answered;
        cv.notify_all();
        if (patch_refusals > 0) {
            --patch_refusals;
            return answer(400, {{"code", patch_code}, {"msg", patch_msg}});
        }
        SentMessage* m = nullptr;
        for (auto& s : sent) {
            if (s.id == id) m = &s;
        }
        if (m == nullptr || m->msg_type != "interactive") {
            return answer(400, {{"code", 230001},
                                {"msg", "Your request contains an invalid request parameter."}});
        }
        const json content =
            b.is_object() ? json::parse(b.value("content", ""), nullptr, false) : json();
        const auto shared = [](const json& card) {
            return card.is_object() && card.contains("config") && card["config"].is_object() &&
                   card["config"].value("update_multi", false);
        };
        if (!shared(content) || !shared(m->content) || !content.contains("elements")) {
            return answer(400, {{"code", 230099}, {"msg", "Failed to create card content"}});
        }
        m->content = content;
        return answer(200, {{"code", 0}, {"msg", "success"}, {"data", json::object()}});
    }

    // POST im/v1/images (multipart/form-data: image_type, image) or im/v1/files
    // (file_type, file_name, file; at most 30 MB, not empty).
    ListenerResponse upload(const ListenerRequest& r, const ApiCall& call) {
        const bool image = r.path == "/open-apis/im/v1/images";
        if (valid_tokens.count(call.token) == 0) {
            return answer(400,
                          {{"code", 99991663}, {"msg", "Invalid access token for authorization"}});
        }
        if (refuse_uploads) {
            return answer(400, {{"code", 99991672},
                                {"msg",
                                 "Access denied. One of the following scopes is required: "
                                 "[im:resource]."}});
        }
        if (failing_uploads > 0) {
            --failing_uploads;
            return answer(500, {{"code", 1}, {"msg", "internal error"}});
        }
        Upload u;
        for (const auto& part : multipart(r)) {
            if (part.name == "image_type") u.image_type = part.data;
            if (part.name == "file_type") u.file_type = part.data;
            if (part.name == "file_name") u.file_name = part.data;
            if (part.name == (image ? "image" : "file")) {
                u.filename = part.filename;
                u.content_type = part.content_type;
                u.data = part.data;
            }
        }
        static const std::set<std::string> file_types = {"opus", "mp4", "pdf",   "doc",
                                                         "xls",  "ppt", "stream"};
        if (image ? u.image_type != "message"
                  : file_types.count(u.file_type) == 0 || u.file_name.empty()) {
            return answer(400, {{"code", 234001}, {"msg", "Invalid request param."}});
        }
        if (u.data.empty() || (!image && u.data.size() > 30 * 1024 * 1024)) {
            return answer(400, {{"code", 234006}, {"msg", "The file size exceed the max value."}});
        }
        const char* field = image ? "image_key" : "file_key";
        u.image_key = (image ? "img_v2_fake" : "file_v2_fake") + std::to_string(uploads.size() + 1);
        uploads.push_back(u);
        return answer(200, {{"code", 0}, {"msg", "success"}, {"data", {{field, u.image_key}}}});
    }

    struct Part {
        std::string name, filename, content_type, data;
    };
    // A multipart/form-data body's parts (enough for what the connector sends).
    static std::vector<Part> multipart(const ListenerRequest& r) {
        std::vector<Part> out;
        const std::string type = r.header("content-type");
        const auto at = type.find("boundary=");
        if (type.rfind("multipart/form-data", 0) != 0 || at == std::string::npos) return out;
        const std::string delimiter = "--" + type.substr(at + 9);
        std::size_t pos = r.body.find(delimiter);
        while (pos != std::string::npos) {
            pos += delimiter.size();
            if (r.body.compare(pos, 2, "--") == 0) break;
            pos += 2;  // CRLF
            const auto head_end = r.body.find("\r\n\r\n", pos);
            const auto next = r.body.find("\r\n" + delimiter, head_end);
            if (head_end == std::string::npos || next == std::string::npos) break;
            const std::string head = r.body.substr(pos, head_end - pos);
            Part p;
            const auto field = [&](const std::string& key) {
                const auto k = head.find(key + "=\"");
                if (k == std::string::npos) return std::string();
                const auto e = head.find('"', k + key.size() + 2);
                return head.substr(k + key.size() + 2, e - k - key.size() - 2);
            };
            p.name = field("name");
            p.filename = field("filename");
            const auto ct = head.find("Content-Type: ");
            if (ct != std::string::npos) {
                p.content_type = head.substr(ct + 14, head.find("\r\n", ct) - ct - 14);
            }
            p.data = r.body.substr(head_end + 4, next - head_end - 4);
            out.push_back(std::move(p));
            pos = next + 2;
        }
        return out;
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
    {
        std::lock_guard<std::mutex> lock(state_->mu);
        state_->stopping = true;
        state_->cv.notify_all();
    }
    state_->listener->stop();
    test_support::stop_server(state_->ws, state_->ws_thread);
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

bool FakeFeishu::send_event(const json& event, const std::string& message_id, int parts,
                            const std::string& type) {
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
        f.headers = {{"type", type},
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

std::vector<SentMessage> FakeFeishu::sent() const {
    std::lock_guard<std::mutex> lock(state_->mu);
    return state_->sent;
}

std::optional<SentMessage> FakeFeishu::wait_sent(const std::string& msg_type, std::size_t n,
                                                 std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(state_->mu);
    std::optional<SentMessage> found;
    state_->cv.wait_for(lock, timeout, [&] {
        std::size_t seen = 0;
        for (const auto& m : state_->sent) {
            if (m.msg_type == msg_type && ++seen == n) {
                found = m;
                return true;
            }
        }
        return false;
    });
    return found;
}

std::optional<ApiCall> FakeFeishu::wait_patch(std::size_t n,
                                              std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(state_->mu);
    std::optional<ApiCall> found;
    state_->cv.wait_for(lock, timeout, [&] {
        if (state_->patches_answered < static_cast<int>(n)) return false;
        std::size_t seen = 0;
        for (const auto& c : state_->calls) {
            if (c.method == "PATCH" && ++seen == n) {
                found = c;
                return true;
            }
        }
        return false;
    });
    return found;
}

std::vector<Upload> FakeFeishu::uploads() const {
    std::lock_guard<std::mutex> lock(state_->mu);
    return state_->uploads;
}

void FakeFeishu::refuse_patches(int count, long long code, const std::string& msg) {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->patch_refusals = count;
    state_->patch_code = code;
    state_->patch_msg = msg;
}

void FakeFeishu::refuse_cards(int count) {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->card_refusals = count;
}

void FakeFeishu::fail_contact_lookups(int count, int status, long long code) {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->failing_contacts = count;
    state_->contact_failure = {status, code};
}

void FakeFeishu::add_person(const std::string& open_id, const std::string& name,
                            const std::string& email, const std::string& enterprise_email) {
    json user = {{"open_id", open_id}, {"name", name}, {"en_name", ""}};
    if (!email.empty()) user["email"] = email;
    if (!enterprise_email.empty()) user["enterprise_email"] = enterprise_email;
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->people[open_id] = user;
}

void FakeFeishu::refuse_uploads(bool refuse) {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->refuse_uploads = refuse;
}

void FakeFeishu::fail_uploads(int count) {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->failing_uploads = count;
}

void FakeFeishu::add_resource(const std::string& message_id, const std::string& key,
                              const std::string& type, const std::string& data,
                              const std::string& content_type) {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->resources[message_id + "/resources/" + key + "?type=" + type] = {data, content_type};
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

json file_message_event(const std::string& event_id, const std::string& message_id,
                        const std::string& open_id, const std::string& chat_id,
                        const std::string& message_type, const std::string& key,
                        const std::string& file_name) {
    json e = message_event(event_id, message_id, open_id, chat_id, "group", "");
    json& m = e["event"]["message"];
    m["message_type"] = message_type;
    m["content"] = (message_type == "image" ? json{{"image_key", key}}
                                            : json{{"file_key", key}, {"file_name", file_name}})
                       .dump();
    m["mentions"] = json::array();
    return e;
}

json card_action_event(const std::string& event_id, const std::string& open_id,
                       const std::string& message_id, const std::string& chat_id,
                       const json& action) {
    return {{"schema", "2.0"},
            {"header",
             {{"event_id", event_id},
              {"event_type", "card.action.trigger"},
              {"create_time", "1733480000000000"},
              {"token", kVerificationToken},
              {"app_id", kAppId},
              {"tenant_key", "2ca1d211f64f6438"}}},
            {"event",
             {{"operator",
               {{"tenant_key", "2ca1d211f64f6438"},
                {"user_id", "e33ggbyz"},
                {"open_id", open_id},
                {"union_id", "on_8ed6aa67826108097d9ee143816345"}}},
              {"token", "c-295ee57216a5dc9de90fefd0aadb4b1d7d337a"},
              {"action", action},
              {"host", "im_message"},
              {"context", {{"open_message_id", message_id}, {"open_chat_id", chat_id}}}}}};
}

std::string button_token(const json& card, std::size_t n) {
    if (!card.is_object() || !card.contains("elements") || !card["elements"].is_array()) {
        return "";
    }
    std::size_t seen = 0;
    for (const auto& element : card["elements"]) {
        if (!element.is_object() || element.value("tag", "") != "action") continue;
        for (const auto& a : element.value("actions", json::array())) {
            if (a.is_object() && a.value("tag", "") == "button" && seen++ == n) {
                return a.value("value", json::object()).value("tt", "");
            }
        }
    }
    return "";
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

namespace twintrack::feishu_test {

void FakeFeishu::hang_resources(bool hang) {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->hang_resources = hang;
    state_->cv.notify_all();
}

}  // namespace twintrack::feishu_test
