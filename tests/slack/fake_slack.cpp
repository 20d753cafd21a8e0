#include "tests/slack/fake_slack.hpp"

#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

#include "tests/support/stop_server.hpp"

namespace twintrack::slack_test {
namespace {

std::string percent_decode(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '+') {
            out += ' ';
        } else if (text[i] == '%' && i + 2 < text.size()) {
            out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

// An application/x-www-form-urlencoded body as Slack reads it.
std::map<std::string, std::string> form_fields(const std::string& body) {
    std::map<std::string, std::string> out;
    std::size_t start = 0;
    while (start <= body.size()) {
        std::size_t end = body.find('&', start);
        if (end == std::string::npos) end = body.size();
        const std::string pair = body.substr(start, end - start);
        const std::size_t eq = pair.find('=');
        if (!pair.empty()) {
            out[percent_decode(pair.substr(0, eq))] =
                eq == std::string::npos ? "" : percent_decode(pair.substr(eq + 1));
        }
        start = end + 1;
    }
    return out;
}

}  // namespace

using Server = websocketpp::server<websocketpp::config::asio>;

struct FakeSlack::Impl {
    Server server;
    std::thread thread;
    int port = 0;

    mutable std::mutex mu;
    mutable std::condition_variable cv;
    std::vector<ApiCall> calls;
    struct User {
        std::string name;
        std::string email;
        bool confirmed = true;
    };
    std::map<std::string, User> users;
    std::map<std::string, std::pair<int, int>> limits;  // method -> (seconds, count)
    std::vector<websocketpp::connection_hdl> sockets;
    int socket_count = 0;
    std::map<std::string, int> acks;
    long long next_ts = 1503435956;
    std::map<std::string, std::string> failures;  // method -> error
    std::map<std::string, UploadedFile> files;    // file id -> file
    std::map<std::string, std::string> shared;    // url_private_download path -> bytes
    int next_file = 0;
    std::set<std::string> held_methods;
    std::vector<std::pair<Server::connection_ptr, std::string>> held;  // connection, answer

    json answer(const std::string& method, const ApiCall& call) {
        if (method == "auth.test") {
            return {{"ok", true},
                    {"url", "https://subarachnoid.slack.com/"},
                    {"team", "Subarachnoid Workspace"},
                    {"user", "twintrack"},
                    {"team_id", "T12345678"},
                    {"user_id", bot_user},
                    {"bot_id", "B01234567"}};
        }
        if (method == "apps.connections.open") {
            if (call.authorization.rfind("Bearer xapp-", 0) != 0) {
                return {{"ok", false}, {"error", "not_allowed_token_type"}};
            }
            return {{"ok", true},
                    {"url", "ws://127.0.0.1:" + std::to_string(port) +
                                "/link/?ticket=1234-5678&app_id=A0123"}};
        }
        if (method == "users.info") {
            return {{"ok", false}, {"error", "user_not_found"}};  // replaced below
        }
        if (method == "conversations.open") {
            const std::string user = call.json_body.value("users", "");
            return {{"ok", true}, {"channel", {{"id", "D" + user.substr(1)}}}};
        }
        if (method == "files.getUploadURLExternal") {
            const auto form = form_fields(call.body);
            const auto name = form.find("filename");
            const auto length = form.find("length");
            if (name == form.end() || length == form.end() || name->second.empty()) {
                return {{"ok", false}, {"error", "invalid_arguments"}};
            }
            const std::string id = "F0" + std::to_string(7000000 + ++next_file);
            UploadedFile& f = files[id];
            f.id = id;
            f.filename = name->second;
            f.length = std::stoul(length->second);
            return {{"ok", true},
                    {"upload_url", "http://127.0.0.1:" + std::to_string(port) + "/upload/v1/" + id},
                    {"file_id", id}};
        }
        if (method == "files.completeUploadExternal") {
            auto form = form_fields(call.body);
            const json list = json::parse(form["files"], nullptr, false);
            if (!list.is_array() || list.empty()) {
                return {{"ok", false}, {"error", "invalid_arguments"}};
            }
            const std::string channel = form["channel_id"];
            if (channel == "CGONE00000") return {{"ok", false}, {"error", "channel_not_found"}};
            json shared = json::array();
            for (const auto& entry : list) {
                auto f = files.find(entry.value("id", ""));
                if (f == files.end() || !f->second.uploaded) {
                    return {{"ok", false}, {"error", "file_not_found"}};
                }
                f->second.title = entry.value("title", "");
                f->second.channel = channel;
                f->second.thread_ts = form["thread_ts"];
                f->second.completed = true;
                shared.push_back({{"id", f->first}, {"title", f->second.title}});
            }
            return {{"ok", true}, {"files", shared}};
        }
        if (method == "chat.postMessage") {
            const std::string channel = call.json_body.value("channel", "");
            if (channel == "CGONE00000") return {{"ok", false}, {"error", "channel_not_found"}};
            const std::string ts = std::to_string(++next_ts) + ".000200";
            return {{"ok", true},
                    {"channel", channel},
                    {"ts", ts},
                    {"message",
                     {{"text", call.json_body.value("text", "")},
                      {"user", bot_user},
                      {"type", "message"},
                      {"ts", ts}}}};
        }
        if (method == "chat.postEphemeral") {
            // Shown to `user` only, in `channel`; Slack answers with a message_ts. A channel
            // the bot is not in is channel_not_found.
            const std::string channel = call.json_body.value("channel", "");
            if (channel == "CGONE00000") return {{"ok", false}, {"error", "channel_not_found"}};
            if (call.json_body.value("user", "").empty()) {
                return {{"ok", false}, {"error", "user_not_found"}};
            }
            return {{"ok", true}, {"message_ts", std::to_string(++next_ts) + ".000300"}};
        }
        if (method == "chat.update") {
            // Slack answers with the channel, the ts and the new text; a ts it never gave
            // out is message_not_found.
            const std::string channel = call.json_body.value("channel", "");
            const std::string ts = call.json_body.value("ts", "");
            if (ts.empty() || ts.find(".000200") == std::string::npos) {
                return {{"ok", false}, {"error", "message_not_found"}};
            }
            return {{"ok", true},
                    {"channel", channel},
                    {"ts", ts},
                    {"text", call.json_body.value("text", "")}};
        }
        if (method == "chat.delete") {
            // A ts it never gave out is message_not_found.
            const std::string ts = call.json_body.value("ts", "");
            if (ts.find(".000200") == std::string::npos) {
                return {{"ok", false}, {"error", "message_not_found"}};
            }
            return {{"ok", true}, {"channel", call.json_body.value("channel", "")}, {"ts", ts}};
        }
        return {{"ok", false}, {"error", "unknown_method"}};
    }
};

FakeSlack::FakeSlack() : impl_(std::make_unique<Impl>()) {
    Impl& d = *impl_;
    d.server.clear_access_channels(websocketpp::log::alevel::all);
    d.server.clear_error_channels(websocketpp::log::elevel::all);
    d.server.init_asio();
    d.server.set_reuse_addr(true);
    d.server.set_http_handler([&d](websocketpp::connection_hdl hdl) {
        auto con = d.server.get_con_from_hdl(hdl);
        const std::string resource = con->get_resource();
        ApiCall call;
        call.authorization = con->get_request_header("Authorization");
        call.content_type = con->get_request_header("Content-Type");
        call.body = con->get_request_body();
        call.json_body = json::parse(call.body, nullptr, false);
        if (call.json_body.is_discarded()) call.json_body = nullptr;
        call.at = std::chrono::steady_clock::now();
        std::string path = resource.substr(0, resource.find('?'));
        std::string method;
        if (path.rfind("/api/", 0) == 0) {
            method = path.substr(5);
        } else if (path.rfind("/response/", 0) == 0) {
            method = "response";
        } else if (path.rfind("/upload/v1/", 0) == 0) {
            method = "upload";
        } else if (path.rfind("/files-pri/", 0) == 0) {
            method = "files-pri";
        }
        call.method = method;
        std::lock_guard<std::mutex> lock(d.mu);
        d.calls.push_back(call);
        d.cv.notify_all();
        auto limit = d.limits.find(method);
        if (limit != d.limits.end() && limit->second.second > 0) {
            --limit->second.second;
            con->set_status(websocketpp::http::status_code::too_many_requests);
            con->append_header("Retry-After", std::to_string(limit->second.first));
            con->set_body("");
            return;
        }
        if (method == "response") {
            con->set_status(websocketpp::http::status_code::ok);
            con->set_body("ok");
            return;
        }
        if (method == "files-pri") {
            auto f = d.shared.find(path);
            if (call.authorization.rfind("Bearer xoxb-", 0) != 0) {
                con->set_status(websocketpp::http::status_code::forbidden);
                return;
            }
            if (f == d.shared.end()) {
                con->set_status(websocketpp::http::status_code::not_found);
                return;
            }
            con->set_status(websocketpp::http::status_code::ok);
            con->append_header("Content-Type", "application/octet-stream");
            con->set_body(f->second);
            return;
        }
        if (method == "upload") {
            auto f = d.files.find(path.substr(11));
            if (f == d.files.end() || f->second.uploaded) {
                con->set_status(websocketpp::http::status_code::not_found);
                return;
            }
            f->second.data = call.body;
            f->second.content_type = call.content_type;
            f->second.uploaded = true;
            con->set_status(websocketpp::http::status_code::ok);
            con->set_body("OK - " + std::to_string(call.body.size()));
            return;
        }
        if (method.empty()) {
            con->set_status(websocketpp::http::status_code::not_found);
            return;
        }
        auto failure = d.failures.find(method);
        json answer = failure != d.failures.end() ? json{{"ok", false}, {"error", failure->second}}
                                                  : d.answer(method, call);
        if (method == "users.info") {
            const auto q = resource.find("user=");
            const std::string id = q == std::string::npos ? "" : resource.substr(q + 5);
            auto u = d.users.find(id);
            if (u != d.users.end()) {
                const auto& user = u->second;
                json profile = {{"display_name", user.name}, {"real_name", user.name}};
                if (!user.email.empty()) profile["email"] = user.email;
                answer = {{"ok", true},
                          {"user",
                           {{"id", id},
                            {"team_id", "T12345678"},
                            {"name", user.name},
                            {"real_name", user.name},
                            {"is_email_confirmed", user.confirmed},
                            {"profile", profile}}}};
            }
        }
        if (d.held_methods.count(method)) {
            con->defer_http_response();
            d.held.emplace_back(con, answer.dump());
            return;
        }
        con->set_status(websocketpp::http::status_code::ok);
        con->append_header("Content-Type", "application/json; charset=utf-8");
        con->set_body(answer.dump());
    });
    d.server.set_open_handler([&d](websocketpp::connection_hdl hdl) {
        std::lock_guard<std::mutex> lock(d.mu);
        d.sockets.push_back(hdl);
        ++d.socket_count;
        d.cv.notify_all();
    });
    d.server.set_message_handler([&d](websocketpp::connection_hdl, Server::message_ptr msg) {
        json frame = json::parse(msg->get_payload(), nullptr, false);
        std::lock_guard<std::mutex> lock(d.mu);
        if (frame.is_object() && frame.contains("envelope_id")) {
            ++d.acks[frame.value("envelope_id", "")];
            d.cv.notify_all();
        }
    });
    websocketpp::lib::error_code ec;
    d.server.listen(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0),
                    ec);
    d.server.start_accept(ec);
    boost::system::error_code lec;
    d.port = d.server.get_local_endpoint(lec).port();
    d.thread = std::thread([&d] { d.server.run(); });
}

json FakeSlack::add_shared_file(const std::string& name, const std::string& mimetype,
                                const std::string& data) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    const std::string id = "F0SHARED" + std::to_string(impl_->shared.size() + 1);
    const std::string base = "http://127.0.0.1:" + std::to_string(impl_->port);
    const std::string path = "/files-pri/T12345678-" + id + "/download/" + name;
    impl_->shared[path] = data;
    return {{"id", id},
            {"created", 1503435956},
            {"name", name},
            {"title", name},
            {"mimetype", mimetype},
            {"filetype", name.substr(name.rfind('.') + 1)},
            {"user", "U0G9QF9C6"},
            {"size", data.size()},
            {"mode", "hosted"},
            {"is_external", false},
            {"is_public", true},
            {"public_url_shared", false},
            {"url_private", base + "/files-pri/T12345678-" + id + "/" + name},
            {"url_private_download", base + path},
            {"permalink", base + "/files/U0G9QF9C6/" + id + "/" + name}};
}

json file_share_event(const std::string& channel, const std::string& user, const std::string& text,
                      const std::string& ts, const json& files) {
    json e = message_event(channel, user, text, ts);
    e["subtype"] = "file_share";
    e["upload"] = false;
    e["display_as_bot"] = false;
    e["files"] = files;
    return e;
}

FakeSlack::~FakeSlack() { test_support::stop_server(impl_->server, impl_->thread); }

int FakeSlack::port() const { return impl_->port; }
std::string FakeSlack::api_url() const {
    return "http://127.0.0.1:" + std::to_string(impl_->port) + "/api";
}
std::string FakeSlack::response_url(int n) const {
    return "http://127.0.0.1:" + std::to_string(impl_->port) + "/response/" + std::to_string(n);
}

void FakeSlack::add_user(const std::string& id, const std::string& display_name,
                         const std::string& email, bool email_confirmed) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->users[id] = {display_name, email, email_confirmed};
}

void FakeSlack::rate_limit(const std::string& method, int seconds, int count) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->limits[method] = {seconds, count};
}

void FakeSlack::hold(const std::string& method) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->held_methods.insert(method);
}

void FakeSlack::release() {
    Impl* d = impl_.get();
    boost::asio::post(d->server.get_io_service(), [d] {
        std::vector<std::pair<Server::connection_ptr, std::string>> held;
        {
            std::lock_guard<std::mutex> lock(d->mu);
            d->held_methods.clear();
            held.swap(d->held);
        }
        for (auto& [con, body] : held) {
            con->set_status(websocketpp::http::status_code::ok);
            con->append_header("Content-Type", "application/json; charset=utf-8");
            con->set_body(body);
            websocketpp::lib::error_code ec;
            con->send_http_response(ec);
        }
    });
}

void FakeSlack::fail(const std::string& method, const std::string& error) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->failures[method] = error;
}

std::vector<UploadedFile> FakeSlack::files() const {
    std::lock_guard<std::mutex> lock(impl_->mu);
    std::vector<UploadedFile> out;
    for (const auto& [id, f] : impl_->files) out.push_back(f);
    return out;
}

std::vector<ApiCall> FakeSlack::calls(const std::string& method) const {
    std::lock_guard<std::mutex> lock(impl_->mu);
    std::vector<ApiCall> out;
    for (const auto& c : impl_->calls) {
        if (c.method == method) out.push_back(c);
    }
    return out;
}

std::optional<ApiCall> FakeSlack::wait_call(const std::string& method, std::size_t n,
                                            std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(impl_->mu);
    std::optional<ApiCall> found;
    impl_->cv.wait_for(lock, timeout, [&] {
        std::size_t seen = 0;
        for (const auto& c : impl_->calls) {
            if (c.method == method && ++seen == n) {
                found = c;
                return true;
            }
        }
        return false;
    });
    return found;
}

bool FakeSlack::wait_sockets(int n, std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(impl_->mu);
    return impl_->cv.wait_for(lock, timeout, [&] { return impl_->socket_count >= n; });
}

int FakeSlack::sockets() const {
    std::lock_guard<std::mutex> lock(impl_->mu);
    return impl_->socket_count;
}

bool FakeSlack::send(const std::string& text) {
    websocketpp::connection_hdl hdl;
    {
        std::lock_guard<std::mutex> lock(impl_->mu);
        if (impl_->sockets.empty()) return false;
        hdl = impl_->sockets.back();
    }
    websocketpp::lib::error_code ec;
    impl_->server.send(hdl, text, websocketpp::frame::opcode::text, ec);
    return !ec;
}

int FakeSlack::wait_ack(const std::string& envelope_id, int n,
                        std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(impl_->mu);
    impl_->cv.wait_for(lock, timeout, [&] { return impl_->acks[envelope_id] >= n; });
    return impl_->acks[envelope_id];
}

void FakeSlack::drop_socket() {
    websocketpp::connection_hdl hdl;
    {
        std::lock_guard<std::mutex> lock(impl_->mu);
        if (impl_->sockets.empty()) return;
        hdl = impl_->sockets.back();
        impl_->sockets.pop_back();
    }
    Impl* d = impl_.get();
    boost::asio::post(d->server.get_io_service(), [d, hdl] {
        websocketpp::lib::error_code ec;
        auto con = d->server.get_con_from_hdl(hdl, ec);
        if (con) con->terminate(ec);
    });
}

json events_api_envelope(const std::string& envelope_id, const std::string& event_id,
                         const json& event, int retry_attempt) {
    return {{"envelope_id", envelope_id},
            {"payload",
             {{"token", "XXYYZZ"},
              {"team_id", "T12345678"},
              {"api_app_id", "A0123"},
              {"event", event},
              {"type", "event_callback"},
              {"event_id", event_id},
              {"event_time", 1355517523},
              {"authorizations",
               json::array({{{"team_id", "T12345678"}, {"user_id", FakeSlack::bot_user}}})}}},
            {"type", "events_api"},
            {"accepts_response_payload", false},
            {"retry_attempt", retry_attempt},
            {"retry_reason", retry_attempt > 0 ? "timeout" : ""}};
}

json message_event(const std::string& channel, const std::string& user, const std::string& text,
                   const std::string& ts, const std::string& channel_type) {
    return {{"type", "message"},
            {"channel", channel},
            {"user", user},
            {"text", text},
            {"ts", ts},
            {"event_ts", ts},
            {"team", "T12345678"},
            {"channel_type", channel_type}};
}

}  // namespace twintrack::slack_test
