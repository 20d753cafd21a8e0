#include "tests/dingtalk/fake_dingtalk.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

#include "connectors/http/http_listener.hpp"
#include "tests/support/stop_server.hpp"

namespace twintrack::dingtalk_test {

using Server = websocketpp::server<websocketpp::config::asio>;

struct FakeDingTalk::Impl {
    Server server;
    std::thread thread;
    int port = 0;

    mutable std::mutex mu;
    mutable std::condition_variable cv;
    std::vector<ApiCall> calls;
    int next_ticket = 0;
    std::set<std::string> issued, used;
    std::vector<std::string> used_order, refused;
    std::string last_ticket;
    bool reissue = false;
    int next_token = 0;
    std::set<std::string> valid_tokens;
    std::map<std::string, std::pair<int, bool>> throttled;  // path -> (count, http 429)
    int refused_sessions = 0;
    std::map<std::string, int> flow_controlled;  // staff id -> calls left
    std::set<std::string> invalid;
    int next_key = 0;
    bool template_published = true;
    std::set<std::string> cards;                // outTrackIds created
    int cards_delivered = 0;                    // cards people see
    int lost_card_answers = 0;                  // createAndDeliver answers to lose
    std::pair<int, int> failing_updates{0, 0};  // count, status
    // While hang_files: links point to `slow`, a server of its own whose answers wait.
    bool hang_files = false;
    bool stopping = false;
    std::unique_ptr<connectors::http::HttpListener> slow;
    int slow_port = 0;

    // Answers a download link (under mu).
    void answer_file(const Server::connection_ptr& con, const std::string& code) {
        auto f = files.find(code);
        if (f == files.end()) {
            con->set_status(websocketpp::http::status_code::not_found);
            return;
        }
        con->set_status(websocketpp::http::status_code::ok);
        if (!f->second.first.empty()) con->append_header("Content-Type", f->second.first);
        con->set_body(f->second.second);
    }
    int failing_uploads = 0;
    std::map<std::string, json> users;  // staff id -> topapi/v2/user/get result
    int failing_lookups = 0;
    std::pair<int, long long> lookup_failure{500, 0};  // HTTP status, errcode
    int next_media = 0;
    std::set<std::string> media;                                       // media ids issued
    std::map<std::string, std::pair<std::string, std::string>> files;  // code → type, bytes
    std::vector<websocketpp::connection_hdl> sockets;                  // open, in order
    int socket_count = 0;
    std::map<websocketpp::connection_hdl, int, std::owner_less<websocketpp::connection_hdl>>
        numbers;
    std::set<int> closed;
    std::map<std::string, std::vector<json>> acks;

    // The ticket of a handshake's `?ticket=…` ("" when none).
    static std::string ticket_of(const std::string& resource) {
        const auto q = resource.find("ticket=");
        if (q == std::string::npos) return "";
        return resource.substr(q + 7, resource.find('&', q) - (q + 7));
    }

    // Answers one API call (under the lock): status and body.
    std::pair<int, json> answer(const ApiCall& call) {
        const std::string& path = call.path;
        if (path == "/v1.0/gateway/connections/open") {
            if (call.json_body.value("clientId", "") != kClientId ||
                call.json_body.value("clientSecret", "") != kClientSecret) {
                return {401, {{"code", "InvalidAuthentication"}, {"message", "bad client"}}};
            }
            std::string ticket;
            if (reissue && !last_ticket.empty()) {
                reissue = false;
                ticket = last_ticket;
            } else {
                ticket = "ticket-" + std::to_string(++next_ticket);
                issued.insert(ticket);
                last_ticket = ticket;
            }
            return {200,
                    {{"endpoint", "ws://127.0.0.1:" + std::to_string(port) + "/connect"},
                     {"ticket", ticket}}};
        }
        if (path == "/v1.0/oauth2/accessToken") {
            if (call.json_body.value("appKey", "") != kClientId ||
                call.json_body.value("appSecret", "") != kClientSecret) {
                return {400, {{"code", "invalidClientIdOrSecret"}, {"message", "无效的凭证"}}};
            }
            const std::string token = "token-" + std::to_string(++next_token);
            valid_tokens.insert(token);
            return {200, {{"accessToken", token}, {"expireIn", 7200}}};
        }
        const bool oto = path == "/v1.0/robot/oToMessages/batchSend";
        const bool group = path == "/v1.0/robot/groupMessages/send";
        if (oto || group) {
            if (!valid_tokens.count(call.token)) {
                return {401,
                        {{"code", "InvalidAuthentication"},
                         {"message", "不合法的access_token"},
                         {"requestid", "req-1"}}};
            }
            const std::string msg_key = call.json_body.value("msgKey", "");
            const json param = json::parse(call.json_body.value("msgParam", ""), nullptr, false);
            const bool text =
                msg_key == "sampleText" && param.is_object() && !param.value("content", "").empty();
            const bool image = msg_key == "sampleImageMsg" && param.is_object() &&
                               media.count(param.value("photoURL", "")) > 0;
            const bool file = msg_key == "sampleFile" && param.is_object() &&
                              media.count(param.value("mediaId", "")) > 0 &&
                              !param.value("fileName", "").empty() &&
                              !param.value("fileType", "").empty();
            if (call.json_body.value("robotCode", "") != kClientId || !(text || image || file)) {
                return {400, {{"code", "param.invalid"}, {"message", "bad request"}}};
            }
            const std::string key = "pqk-" + std::to_string(++next_key);
            if (oto) {
                json invalid_ids = json::array(), limited_ids = json::array();
                for (const auto& id : call.json_body.value("userIds", json::array())) {
                    const std::string staff = id.is_string() ? id.get<std::string>() : "";
                    if (invalid.count(staff)) invalid_ids.push_back(staff);
                    auto limited = flow_controlled.find(staff);
                    if (limited != flow_controlled.end() && limited->second > 0) {
                        --limited->second;
                        limited_ids.push_back(staff);
                    }
                }
                return {200,
                        {{"processQueryKey", key},
                         {"invalidStaffIdList", invalid_ids},
                         {"flowControlledStaffIdList", limited_ids}}};
            }
            return {200, {{"processQueryKey", key}}};
        }
        if (path == "/v1.0/robot/messageFiles/download" && call.method == "POST") {
            // A downloadCode of a message this robot received → a short-lived link (here
            // on the fake, /files/CODE).
            if (!valid_tokens.count(call.token)) {
                return {401,
                        {{"code", "InvalidAuthentication"}, {"message", "不合法的access_token"}}};
            }
            const std::string code = call.json_body.value("downloadCode", "");
            if (call.json_body.value("robotCode", "") != kClientId || files.count(code) == 0) {
                return {400, {{"code", "unknownError"}, {"message", "downloadCode 无效"}}};
            }
            return {200,
                    {{"downloadUrl",
                      "http://127.0.0.1:" + std::to_string(hang_files ? slow_port : port) +
                          "/files/" + code + "?Expires=1733480000&Signature=fake"}}};
        }
        if (path == "/v1.0/card/instances/createAndDeliver" && call.method == "POST") {
            return create_card(call);
        }
        if (path == "/v1.0/card/instances" && call.method == "PUT") return update_card(call);
        if (path == "/topapi/v2/user/get") return user_get(call);
        if (path.rfind("/session/", 0) == 0) {
            if (refused_sessions > 0) {
                --refused_sessions;
                return {200, {{"errcode", 300001}, {"errmsg", "session expired"}}};
            }
            return {200, {{"errcode", 0}, {"errmsg", "ok"}}};
        }
        return {404, {{"code", "NotFound"}, {"message", "no such API"}}};
    }

    static bool all_strings(const json& map) {
        if (!map.is_object()) return false;
        for (const auto& [key, value] : map.items()) {
            if (!value.is_string()) return false;
        }
        return true;
    }

    std::pair<int, json> create_card(const ApiCall& call) {
        if (!valid_tokens.count(call.token)) {
            return {401, {{"code", "InvalidAuthentication"}, {"message", "不合法的access_token"}}};
        }
        const json& b = call.json_body;
        const std::string out = b.value("outTrackId", "");
        const std::string space = b.value("openSpaceId", "");
        const json params = b.value("cardData", json::object()).value("cardParamMap", json());
        if (b.value("cardTemplateId", "").empty()) {
            return {400, {{"code", "param.cardTemplateIdEmpty"}, {"message", "模板ID为空"}}};
        }
        if (out.empty()) {
            return {400, {{"code", "param.outTrackIdEmpty"}, {"message", "outTrackId为空"}}};
        }
        if (b.value("cardTemplateId", "") != kCardTemplateId || !template_published) {
            return {400,
                    {{"code", "cardInstance.wrong"},
                     {"message", "创建卡片实例失败,先检查卡片模板是否已发布"}}};
        }
        const bool group =
            space.rfind("dtv1.card//IM_GROUP.cid", 0) == 0 &&
            b.value("imGroupOpenDeliverModel", json::object()).value("robotCode", "") == kClientId;
        const bool robot =
            space.rfind("dtv1.card//IM_ROBOT.", 0) == 0 &&
            b.value("imRobotOpenDeliverModel", json::object()).value("spaceType", "") == "IM_ROBOT";
        if (b.value("callbackType", "") != "STREAM" || !(group || robot) || !all_strings(params)) {
            return {400, {{"code", "param.invalid"}, {"message", "bad request"}}};
        }
        // A repeated outTrackId creates nothing new (DingTalk: 同一个outTrackId重复创建，卡片
        // 数据不覆盖更新): the card delivered first stands.
        if (cards.insert(out).second) ++cards_delivered;
        if (lost_card_answers > 0) {
            --lost_card_answers;
            return {500, {{"code", "ServiceUnavailable"}, {"message", "answer lost"}}};
        }
        return {
            200,
            {{"success", true},
             {"result",
              {{"outTrackId", out},
               {"deliverResults", json::array({{{"spaceType", group ? "IM_GROUP" : "IM_ROBOT"},
                                                {"spaceId", space.substr(space.find('.', 11) + 1)},
                                                {"success", true},
                                                {"carrierId", "carrier-" + out}}})}}}}};
    }

    std::pair<int, json> update_card(const ApiCall& call) {
        if (!valid_tokens.count(call.token)) {
            return {401, {{"code", "InvalidAuthentication"}, {"message", "不合法的access_token"}}};
        }
        if (failing_updates.first > 0) {
            --failing_updates.first;
            return {
                failing_updates.second,
                {{"code", failing_updates.second >= 500 ? "ServiceUnavailable" : "param.invalid"},
                 {"message", "update failed"}}};
        }
        const json& b = call.json_body;
        const json params = b.value("cardData", json::object()).value("cardParamMap", json());
        if (!cards.count(b.value("outTrackId", "")) || !all_strings(params)) {
            return {400, {{"code", "cardInstance.notExist"}, {"message", "卡片不存在"}}};
        }
        return {200, {{"success", true}, {"result", true}}};
    }

    // oapi topapi/v2/user/get: {userid, language} with ?access_token=; errcode 0 and the
    // user as `result`.
    std::pair<int, json> user_get(const ApiCall& call) {
        if (!valid_tokens.count(call.token)) {
            return {200, {{"errcode", 40014}, {"errmsg", "不合法的access_token"}}};
        }
        if (failing_lookups > 0) {
            --failing_lookups;
            if (lookup_failure.first != 200) {
                return {lookup_failure.first, {{"errcode", -1}, {"errmsg", "系统繁忙"}}};
            }
            return {200, {{"errcode", lookup_failure.second}, {"errmsg", "没有调用该接口的权限"}}};
        }
        auto user = users.find(call.json_body.value("userid", ""));
        if (user == users.end()) return {200, {{"errcode", 60121}, {"errmsg", "找不到该用户"}}};
        return {
            200,
            {{"errcode", 0}, {"errmsg", "ok"}, {"request_id", "req-u"}, {"result", user->second}}};
    }

    // oapi media/upload: a multipart form with `type` and the file as `media`.
    std::pair<int, json> upload(const ApiCall& call) {
        if (!valid_tokens.count(call.token)) {
            return {200, {{"errcode", 40014}, {"errmsg", "不合法的access_token"}}};
        }
        if (failing_uploads > 0) {
            --failing_uploads;
            return {200, {{"errcode", 40004}, {"errmsg", "不合法的媒体文件类型"}}};
        }
        const bool file = call.body.find("name=\"type\"\r\n\r\nfile\r\n") != std::string::npos;
        const bool form = call.body.find("name=\"type\"") != std::string::npos &&
                          call.body.find("name=\"media\"") != std::string::npos &&
                          (file || call.body.find("\x89PNG") != std::string::npos);
        if (!form) return {200, {{"errcode", 40005}, {"errmsg", "不合法的文件类型"}}};
        const std::string id = "@media-" + std::to_string(++next_media);
        media.insert(id);
        return {200,
                {{"errcode", 0},
                 {"errmsg", "ok"},
                 {"media_id", id},
                 {"type", file ? "file" : "image"}}};
    }
};

FakeDingTalk::FakeDingTalk() : impl_(std::make_unique<Impl>()) {
    Impl& d = *impl_;
    d.server.clear_access_channels(websocketpp::log::alevel::all);
    d.server.clear_error_channels(websocketpp::log::elevel::all);
    d.server.init_asio();
    d.server.set_reuse_addr(true);
    d.server.set_http_handler([&d](websocketpp::connection_hdl hdl) {
        auto con = d.server.get_con_from_hdl(hdl);
        const std::string resource = con->get_resource();
        ApiCall call;
        call.method = con->get_request().get_method();
        call.path = resource.substr(0, resource.find('?'));
        call.token = con->get_request_header("x-acs-dingtalk-access-token");
        const auto query_token = resource.find("access_token=");
        if (query_token != std::string::npos) {
            call.token = resource.substr(query_token + 13,
                                         resource.find('&', query_token) - (query_token + 13));
        }
        call.body = con->get_request_body();
        call.json_body = json::parse(call.body, nullptr, false);
        if (call.json_body.is_discarded()) call.json_body = nullptr;
        std::lock_guard<std::mutex> lock(d.mu);
        d.calls.push_back(call);
        d.cv.notify_all();
        auto t = d.throttled.find(call.path);
        if (t != d.throttled.end() && t->second.first > 0) {
            --t->second.first;
            if (t->second.second) {
                con->set_status(websocketpp::http::status_code::too_many_requests);
                con->append_header("Retry-After", "0");
                con->set_body("");
            } else {
                con->set_status(websocketpp::http::status_code::forbidden);
                con->append_header("Content-Type", "application/json");
                con->set_body(json{{"code", "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi"},
                                   {"message", "调用该接口触发的限流"}}
                                  .dump());
            }
            return;
        }
        if (call.method == "GET" && call.path.rfind("/files/", 0) == 0) {
            // A download link: no token; 404 once the code is unknown (expired).
            d.answer_file(con, call.path.substr(7));
            return;
        }
        const bool upload = call.path == "/media/upload";
        if (call.json_body.is_null() && !upload) {
            con->set_status(websocketpp::http::status_code::bad_request);
            return;
        }
        auto [status, body] = upload ? d.upload(call) : d.answer(call);
        con->set_status(static_cast<websocketpp::http::status_code::value>(status));
        con->append_header("Content-Type", "application/json;charset=utf-8");
        con->set_body(body.dump());
    });
    d.server.set_validate_handler([&d](websocketpp::connection_hdl hdl) {
        auto con = d.server.get_con_from_hdl(hdl);
        const std::string resource = con->get_resource();
        if (resource.rfind("/connect", 0) != 0) return false;
        const std::string ticket = Impl::ticket_of(resource);
        std::lock_guard<std::mutex> lock(d.mu);
        d.used_order.push_back(ticket);
        const bool fresh = d.issued.count(ticket) && !d.used.count(ticket);
        d.used.insert(ticket);
        if (!fresh) {
            d.refused.push_back(ticket);
            d.cv.notify_all();
            con->set_status(websocketpp::http::status_code::unauthorized);
            return false;
        }
        return true;
    });
    d.server.set_open_handler([&d](websocketpp::connection_hdl hdl) {
        std::lock_guard<std::mutex> lock(d.mu);
        d.sockets.push_back(hdl);
        d.numbers[hdl] = ++d.socket_count;
        d.cv.notify_all();
    });
    d.server.set_close_handler([&d](websocketpp::connection_hdl hdl) {
        std::lock_guard<std::mutex> lock(d.mu);
        d.closed.insert(d.numbers[hdl]);
        for (auto it = d.sockets.begin(); it != d.sockets.end(); ++it) {
            if (!it->owner_before(hdl) && !hdl.owner_before(*it)) {
                d.sockets.erase(it);
                break;
            }
        }
        d.cv.notify_all();
    });
    d.server.set_message_handler([&d](websocketpp::connection_hdl, Server::message_ptr msg) {
        json frame = json::parse(msg->get_payload(), nullptr, false);
        if (!frame.is_object()) return;
        const json headers = frame.value("headers", json::object());
        std::lock_guard<std::mutex> lock(d.mu);
        d.acks[headers.is_object() ? headers.value("messageId", "") : ""].push_back(frame);
        d.cv.notify_all();
    });
    websocketpp::lib::error_code ec;
    d.server.listen(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0),
                    ec);
    d.server.start_accept(ec);
    boost::system::error_code lec;
    d.port = d.server.get_local_endpoint(lec).port();
    d.thread = std::thread([&d] { d.server.run(); });
}

FakeDingTalk::~FakeDingTalk() {
    {
        std::lock_guard<std::mutex> lock(impl_->mu);
        impl_->stopping = true;
        impl_->cv.notify_all();
    }
    if (impl_->slow) impl_->slow->stop();
    test_support::stop_server(impl_->server, impl_->thread);
}

std::string FakeDingTalk::url() const { return "http://127.0.0.1:" + std::to_string(impl_->port); }

std::string FakeDingTalk::session_url(const std::string& id) const {
    return url() + "/session/" + id;
}

void FakeDingTalk::reissue_old_ticket() {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->reissue = true;
}

void FakeDingTalk::expire_tokens() {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->valid_tokens.clear();
}

void FakeDingTalk::throttle(const std::string& path, int count, bool http_429) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->throttled[path] = {count, http_429};
}

void FakeDingTalk::refuse_sessions(int count) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->refused_sessions = count;
}

void FakeDingTalk::flow_control(const std::string& staff, int count) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->flow_controlled[staff] = count;
}

void FakeDingTalk::invalid_staff(const std::string& staff) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->invalid.insert(staff);
}

void FakeDingTalk::unpublish_card_template() {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->template_published = false;
}

void FakeDingTalk::fail_card_updates(int count, int status) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->failing_updates = {count, status};
}

void FakeDingTalk::fail_uploads(int count) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->failing_uploads = count;
}

void FakeDingTalk::hang_files(bool hang) {
    Impl* d = impl_.get();
    std::lock_guard<std::mutex> lock(d->mu);
    d->hang_files = hang;
    d->cv.notify_all();
    if (!hang || d->slow) return;
    d->slow = std::make_unique<connectors::http::HttpListener>(
        [d](const connectors::http::ListenerRequest& r) {
            std::unique_lock<std::mutex> lock(d->mu);
            ApiCall call;
            call.method = r.method;
            call.path = r.path;
            d->calls.push_back(call);
            d->cv.notify_all();
            d->cv.wait(lock, [d] { return !d->hang_files || d->stopping; });
            auto f = d->files.find(r.path.substr(7));
            if (f == d->files.end()) return connectors::http::ListenerResponse{404, "", ""};
            return connectors::http::ListenerResponse{200, f->second.first, f->second.second};
        });
    d->slow_port = d->slow->start("127.0.0.1", 0);
}

void FakeDingTalk::add_file(const std::string& download_code, const std::string& content_type,
                            const std::string& data) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->files[download_code] = {content_type, data};
}

void FakeDingTalk::add_user(const std::string& staff, const std::string& name,
                            const std::string& email, const std::string& org_email) {
    json user = {{"userid", staff}, {"unionid", "union-" + staff},
                 {"name", name},    {"dept_id_list", {1}},
                 {"active", true},  {"admin", false},
                 {"boss", false},   {"job_number", ""},
                 {"title", ""}};
    if (!email.empty()) user["email"] = email;
    if (!org_email.empty()) user["org_email"] = org_email;
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->users[staff] = user;
}

void FakeDingTalk::fail_user_lookups(int count, int status, long long errcode) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->failing_lookups = count;
    impl_->lookup_failure = {status, errcode};
}

std::vector<ApiCall> FakeDingTalk::calls(const std::string& path) const {
    std::lock_guard<std::mutex> lock(impl_->mu);
    std::vector<ApiCall> out;
    for (const auto& c : impl_->calls) {
        if (c.path == path ||
            ((path == "/session/" || path == "/files/") && c.path.rfind(path, 0) == 0)) {
            out.push_back(c);
        }
    }
    return out;
}

std::optional<ApiCall> FakeDingTalk::wait_call(const std::string& path, std::size_t n,
                                               std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(impl_->mu);
    std::optional<ApiCall> found;
    impl_->cv.wait_for(lock, timeout, [&] {
        std::size_t seen = 0;
        for (const auto& c : impl_->calls) {
            const bool match = c.path == path || ((path == "/session/" || path == "/files/") &&
                                                  c.path.rfind(path, 0) == 0);
            if (match && ++seen == n) {
                found = c;
                return true;
            }
        }
        return false;
    });
    return found;
}

bool FakeDingTalk::wait_sockets(int n, std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(impl_->mu);
    return impl_->cv.wait_for(lock, timeout, [&] { return impl_->socket_count >= n; });
}

int FakeDingTalk::sockets() const {
    std::lock_guard<std::mutex> lock(impl_->mu);
    return impl_->socket_count;
}

std::vector<std::string> FakeDingTalk::tickets_used() const {
    std::lock_guard<std::mutex> lock(impl_->mu);
    return impl_->used_order;
}

std::vector<std::string> FakeDingTalk::tickets_refused() const {
    std::lock_guard<std::mutex> lock(impl_->mu);
    return impl_->refused;
}

bool FakeDingTalk::send(const json& frame) {
    websocketpp::connection_hdl hdl;
    {
        std::lock_guard<std::mutex> lock(impl_->mu);
        if (impl_->sockets.empty()) return false;
        hdl = impl_->sockets.back();
    }
    websocketpp::lib::error_code ec;
    impl_->server.send(hdl, frame.dump(), websocketpp::frame::opcode::text, ec);
    return !ec;
}

std::vector<json> FakeDingTalk::wait_acks(const std::string& message_id, std::size_t n,
                                          std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(impl_->mu);
    impl_->cv.wait_for(lock, timeout, [&] { return impl_->acks[message_id].size() >= n; });
    return impl_->acks[message_id];
}

void FakeDingTalk::lose_card_answers(int count) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->lost_card_answers = count;
}

int FakeDingTalk::cards_delivered() const {
    std::lock_guard<std::mutex> lock(impl_->mu);
    return impl_->cards_delivered;
}

void FakeDingTalk::drop_socket() {
    websocketpp::connection_hdl hdl;
    {
        std::lock_guard<std::mutex> lock(impl_->mu);
        if (impl_->sockets.empty()) return;
        hdl = impl_->sockets.back();
    }
    Impl* d = impl_.get();
    boost::asio::post(d->server.get_io_service(), [d, hdl] {
        websocketpp::lib::error_code ec;
        auto con = d->server.get_con_from_hdl(hdl, ec);
        if (con) con->terminate(ec);
    });
}

bool FakeDingTalk::wait_client_close(int socket_number, std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(impl_->mu);
    return impl_->cv.wait_for(lock, timeout,
                              [&] { return impl_->closed.count(socket_number) > 0; });
}

json robot_message(const std::string& msg_id, const std::string& staff_id, const std::string& nick,
                   const std::string& text, const std::string& conversation_type,
                   const std::string& conversation, const std::string& session_webhook,
                   long long session_expires_ms) {
    json m = {{"conversationId", conversation},
              {"atUsers", json::array({{{"dingtalkId", "$:LWCP_v1:$bot"}}})},
              {"chatbotCorpId", "dingcorp0001"},
              {"chatbotUserId", "$:LWCP_v1:$bot"},
              {"msgId", msg_id},
              {"senderNick", nick},
              {"isAdmin", false},
              {"senderStaffId", staff_id},
              {"sessionWebhookExpiredTime", session_expires_ms},
              {"createAt", 1795886849588LL},
              {"senderCorpId", "dingcorp0001"},
              {"conversationType", conversation_type},
              {"senderId", "$:LWCP_v1:$" + staff_id},
              {"isInAtList", true},
              {"sessionWebhook", session_webhook},
              {"text", {{"content", text}}},
              {"robotCode", kClientId},
              {"msgtype", "text"}};
    if (conversation_type == "2") m["conversationTitle"] = "华东销售群";
    return m;
}

json callback_frame(const std::string& message_id, const json& message) {
    return {{"specVersion", "1.0"},
            {"type", "CALLBACK"},
            {"headers",
             {{"appId", "app-1"},
              {"connectionId", "conn-1"},
              {"contentType", "application/json"},
              {"messageId", message_id},
              {"time", "1795886849588"},
              {"topic", "/v1.0/im/bot/messages/get"}}},
            {"data", message.dump()}};
}

json card_callback_frame(const std::string& message_id, const std::string& user,
                         const std::string& out_track_id, const json& params,
                         const std::string& space_type, const std::string& space_id) {
    const json content = {
        {"cardPrivateData", {{"actionIds", json::array({"choose"})}, {"params", params}}}};
    const json data = {
        {"extension", "{}"},         {"corpId", "dingcorp0001"}, {"spaceType", space_type},
        {"userIdType", 1},           {"type", "actionCallback"}, {"userId", user},
        {"content", content.dump()}, {"spaceId", space_id},      {"outTrackId", out_track_id}};
    return {{"specVersion", "1.0"},
            {"type", "CALLBACK"},
            {"headers",
             {{"appId", "app-1"},
              {"connectionId", "conn-1"},
              {"contentType", "application/json"},
              {"messageId", message_id},
              {"time", "1795886849588"},
              {"topic", "/v1.0/card/instances/callback"}}},
            {"data", data.dump()}};
}

json system_frame(const std::string& topic, const std::string& message_id,
                  const std::string& data) {
    return {{"specVersion", "1.0"},
            {"type", "SYSTEM"},
            {"headers",
             {{"contentType", "application/json"},
              {"messageId", message_id},
              {"time", "1795886849588"},
              {"topic", topic}}},
            {"data", data}};
}

}  // namespace twintrack::dingtalk_test
