#include "tests/wecom/fake_wecom.hpp"

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

#include "connectors/wecom/wecom_crypto.hpp"
#include "core/api.hpp"
#include "tests/support/stop_server.hpp"

namespace twintrack::wecom_test {

using Server = websocketpp::server<websocketpp::config::asio>;

struct FakeWecom::Impl {
    Server server;
    std::thread thread;
    int port = 0;
    mutable std::mutex mu;
    mutable std::condition_variable cv;
    std::vector<ApiCall> calls;
    int generation = 1;
    int next_msg = 0;
    std::deque<json> scripted;
    std::deque<json> scripted_uploads;
    std::deque<json> scripted_updates;
    std::set<std::string> response_codes;  ///< valid, unused
    int next_code = 0;
    int next_media = 0;
    std::map<std::string, json> members;  ///< userid → user/get answer
    int failing_lookups = 0;
    std::pair<int, long long> lookup_failure{500, 0};  ///< HTTP status, errcode

    std::string token() const { return "ACCESS_TOKEN_" + std::to_string(generation); }
};

namespace {

std::string query_value(const std::string& query, const std::string& name) {
    std::size_t start = 0;
    while (start <= query.size()) {
        std::size_t end = query.find('&', start);
        if (end == std::string::npos) end = query.size();
        const std::string part = query.substr(start, end - start);
        const auto eq = part.find('=');
        if (eq != std::string::npos && part.substr(0, eq) == name) {
            return core::url_decode(part.substr(eq + 1));
        }
        start = end + 1;
    }
    return "";
}

}  // namespace

FakeWecom::FakeWecom() : impl_(std::make_unique<Impl>()) {
    Impl& d = *impl_;
    d.server.clear_access_channels(websocketpp::log::alevel::all);
    d.server.clear_error_channels(websocketpp::log::elevel::all);
    d.server.init_asio();
    d.server.set_reuse_addr(true);
    d.server.set_http_handler([&d](websocketpp::connection_hdl hdl) {
        auto con = d.server.get_con_from_hdl(hdl);
        ApiCall call;
        call.method = con->get_request().get_method();
        const std::string resource = con->get_resource();
        const auto q = resource.find('?');
        call.path = resource.substr(0, q);
        call.query = q == std::string::npos ? "" : resource.substr(q + 1);
        call.access_token = query_value(call.query, "access_token");
        call.raw = con->get_request_body();
        call.body = json::parse(call.raw, nullptr, false);
        if (call.body.is_discarded()) call.body = nullptr;
        std::lock_guard<std::mutex> lock(d.mu);
        d.calls.push_back(call);
        d.cv.notify_all();
        con->append_header("Content-Type", "application/json; charset=UTF-8");
        auto answer = [&](const json& body) {
            // A scripted {"http_status": 502}: that status, no WeCom answer.
            if (body.is_object() && body.contains("http_status")) {
                con->set_status(static_cast<websocketpp::http::status_code::value>(
                    body["http_status"].get<int>()));
                con->set_body("bad gateway");
                return;
            }
            con->set_status(websocketpp::http::status_code::ok);
            con->set_body(body.dump());
        };
        if (call.method == "GET" && call.path == "/cgi-bin/gettoken") {
            if (query_value(call.query, "corpid") != corp_id) {
                return answer({{"errcode", 40013}, {"errmsg", "invalid corpid"}});
            }
            if (query_value(call.query, "corpsecret") != secret) {
                return answer({{"errcode", 40001}, {"errmsg", "invalid credential"}});
            }
            return answer({{"errcode", 0},
                           {"errmsg", "ok"},
                           {"access_token", d.token()},
                           {"expires_in", 7200}});
        }
        if (call.method == "GET" && call.path == "/cgi-bin/user/get") {
            if (call.access_token != d.token()) {
                return answer({{"errcode", 42001}, {"errmsg", "access_token expired"}});
            }
            if (d.failing_lookups > 0) {
                --d.failing_lookups;
                if (d.lookup_failure.first != 200) {
                    con->set_status(
                        static_cast<websocketpp::http::status_code::value>(d.lookup_failure.first));
                    con->set_body("{\"errcode\":-1,\"errmsg\":\"system busy\"}");
                    return;
                }
                return answer({{"errcode", d.lookup_failure.second},
                               {"errmsg", "no privilege to access/modify contact/party/agent"}});
            }
            auto member = d.members.find(query_value(call.query, "userid"));
            if (member == d.members.end()) {
                return answer({{"errcode", 60111}, {"errmsg", "invalid string value `userid`"}});
            }
            return answer(member->second);
        }
        const bool upload = call.path == "/cgi-bin/media/upload";
        const bool update = call.path == "/cgi-bin/message/update_template_card";
        if (call.method == "POST" && (upload || update)) {
            if (call.access_token != d.token()) {
                return answer({{"errcode", 42001}, {"errmsg", "access_token expired"}});
            }
            auto& scripted = upload ? d.scripted_uploads : d.scripted_updates;
            if (!scripted.empty()) {
                json a = scripted.front();
                scripted.pop_front();
                return answer(a);
            }
            if (upload) {
                const std::string type = query_value(call.query, "type");
                if ((type != "image" && type != "file") ||
                    call.raw.find("name=\"media\"; filename=") == std::string::npos) {
                    return answer({{"errcode", 40004}, {"errmsg", "invalid media type"}});
                }
                return answer({{"errcode", 0},
                               {"errmsg", "ok"},
                               {"type", type},
                               {"media_id", "media-" + std::to_string(++d.next_media)},
                               {"created_at", "1380000000"}});
            }
            const std::string code = call.body.is_object() && call.body.contains("response_code") &&
                                             call.body["response_code"].is_string()
                                         ? call.body["response_code"].get<std::string>()
                                         : "";
            if (d.response_codes.erase(code) == 0) {
                return answer({{"errcode", 40058}, {"errmsg", "invalid response_code"}});
            }
            return answer({{"errcode", 0}, {"errmsg", "ok"}, {"invaliduser", json::array()}});
        }
        const bool send = call.path == "/cgi-bin/message/send";
        const bool chat = call.path == "/cgi-bin/appchat/send";
        if (call.method == "POST" && (send || chat)) {
            if (call.access_token.empty()) {
                return answer({{"errcode", 41001}, {"errmsg", "access_token missing"}});
            }
            if (call.access_token != d.token()) {
                return answer({{"errcode", 42001}, {"errmsg", "access_token expired"}});
            }
            if (!d.scripted.empty()) {
                json scripted = d.scripted.front();
                d.scripted.pop_front();
                return answer(scripted);
            }
            if (send) {
                json ok = {{"errcode", 0},
                           {"errmsg", "ok"},
                           {"invaliduser", ""},
                           {"msgid", "msg" + std::to_string(++d.next_msg)}};
                if (call.body.is_object() && call.body.value("msgtype", "") == "template_card") {
                    const std::string code = "send-code-" + std::to_string(++d.next_code);
                    d.response_codes.insert(code);
                    ok["response_code"] = code;
                }
                return answer(ok);
            }
            return answer({{"errcode", 0}, {"errmsg", "ok"}});
        }
        con->set_status(websocketpp::http::status_code::not_found);
        con->set_body("{\"errcode\":-1,\"errmsg\":\"no such API in the fake\"}");
    });
    d.server.listen(websocketpp::lib::asio::ip::tcp::endpoint(
        websocketpp::lib::asio::ip::address::from_string("127.0.0.1"), 0));
    websocketpp::lib::asio::error_code ec;
    d.port = d.server.get_local_endpoint(ec).port();
    d.server.start_accept();
    d.thread = std::thread([&d] { d.server.run(); });
}

FakeWecom::~FakeWecom() { test_support::stop_server(impl_->server, impl_->thread); }

std::string FakeWecom::url() const { return "http://127.0.0.1:" + std::to_string(impl_->port); }

void FakeWecom::expire_token() {
    std::lock_guard<std::mutex> lock(impl_->mu);
    ++impl_->generation;
}

void FakeWecom::add_member(const std::string& userid, const std::string& name,
                           const std::string& email, const std::string& biz_mail) {
    json member = {{"errcode", 0},      {"errmsg", "ok"},
                   {"userid", userid},  {"name", name},
                   {"department", {1}}, {"main_department", 1},
                   {"status", 1},       {"open_userid", "wo" + userid}};
    if (!email.empty()) member["email"] = email;
    if (!biz_mail.empty()) member["biz_mail"] = biz_mail;
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->members[userid] = member;
}

void FakeWecom::fail_user_lookups(int count, int status, long long errcode) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->failing_lookups = count;
    impl_->lookup_failure = {status, errcode};
}

void FakeWecom::script_send_answer(const json& answer, int times) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    for (int i = 0; i < times; ++i) impl_->scripted.push_back(answer);
}

void FakeWecom::script_upload_answer(const json& answer, int times) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    for (int i = 0; i < times; ++i) impl_->scripted_uploads.push_back(answer);
}

void FakeWecom::script_update_answer(const json& answer, int times) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    for (int i = 0; i < times; ++i) impl_->scripted_updates.push_back(answer);
}

std::string FakeWecom::click_response_code() {
    std::lock_guard<std::mutex> lock(impl_->mu);
    const std::string code = "click-code-" + std::to_string(++impl_->next_code);
    impl_->response_codes.insert(code);
    return code;
}

std::vector<ApiCall> FakeWecom::calls(const std::string& path) const {
    std::lock_guard<std::mutex> lock(impl_->mu);
    std::vector<ApiCall> out;
    for (const auto& c : impl_->calls) {
        if (c.path == path) out.push_back(c);
    }
    return out;
}

std::optional<ApiCall> FakeWecom::wait_call(const std::string& path, std::size_t n,
                                            std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(impl_->mu);
    std::optional<ApiCall> found;
    impl_->cv.wait_for(lock, timeout, [&] {
        std::size_t seen = 0;
        for (const auto& c : impl_->calls) {
            if (c.path == path && ++seen == n) {
                found = c;
                return true;
            }
        }
        return false;
    });
    return found;
}

std::string text_message_xml(const std::string& user, const std::string& content,
                             const std::string& msg_id, long long agent_id, long long create_time) {
    return "<xml><ToUserName><![CDATA[" + std::string(FakeWecom::corp_id) +
           "]]></ToUserName><FromUserName><![CDATA[" + user + "]]></FromUserName><CreateTime>" +
           std::to_string(create_time) +
           "</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[" + content +
           "]]></Content><MsgId>" + msg_id + "</MsgId><AgentID>" + std::to_string(agent_id) +
           "</AgentID></xml>";
}

std::string image_message_xml(const std::string& user, const std::string& msg_id,
                              long long agent_id, long long create_time) {
    return "<xml><ToUserName><![CDATA[" + std::string(FakeWecom::corp_id) +
           "]]></ToUserName><FromUserName><![CDATA[" + user + "]]></FromUserName><CreateTime>" +
           std::to_string(create_time) +
           "</CreateTime><MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA["
           "https://example.com/p.jpg]]></PicUrl><MediaId><![CDATA[media-1]]></MediaId><MsgId>" +
           msg_id + "</MsgId><AgentID>" + std::to_string(agent_id) + "</AgentID></xml>";
}

std::string card_click_xml(const std::string& user, const std::string& key,
                           const std::string& task_id, const std::string& response_code,
                           long long agent_id, long long create_time) {
    return "<xml><ToUserName><![CDATA[" + std::string(FakeWecom::corp_id) +
           "]]></ToUserName><FromUserName><![CDATA[" + user + "]]></FromUserName><CreateTime>" +
           std::to_string(create_time) +
           "</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA["
           "template_card_event]]></Event><EventKey><![CDATA[" +
           key + "]]></EventKey><TaskId><![CDATA[" + task_id +
           "]]></TaskId><CardType><![CDATA[button_interaction]]></"
           "CardType><ResponseCode><![CDATA[" +
           response_code + "]]></ResponseCode><AgentID>" + std::to_string(agent_id) +
           "</AgentID></xml>";
}

SignedCallback sign_callback(const std::string& token, const std::string& aes_key,
                             const std::string& corp_id, const std::string& plain_xml,
                             long long timestamp, const std::string& nonce) {
    connectors::wecom::CallbackCrypto crypto(token, aes_key, corp_id);
    const std::string encrypted = crypto.encrypt(plain_xml, "0123456789abcdef");
    const std::string ts = std::to_string(timestamp);
    SignedCallback out;
    out.query = "msg_signature=" + crypto.signature(ts, nonce, encrypted) + "&timestamp=" + ts +
                "&nonce=" + nonce;
    out.body = "<xml><ToUserName><![CDATA[" + corp_id + "]]></ToUserName><Encrypt><![CDATA[" +
               encrypted + "]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>";
    return out;
}

}  // namespace twintrack::wecom_test
