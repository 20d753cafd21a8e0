#include "tests/mattermost/fake_mattermost.hpp"

#include <boost/asio/post.hpp>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

#include "tests/support/stop_server.hpp"

namespace twintrack::mattermost_test {

using Server = websocketpp::server<websocketpp::config::asio>;

struct FakeMattermost::Impl {
    Server server;
    std::thread thread;
    int port = 0;
    mutable std::mutex mu;
    mutable std::condition_variable cv;
    std::vector<RestCall> calls;
    std::vector<websocketpp::connection_hdl> sockets;
    std::vector<std::string> queries;
    int authenticated = 0;
    long long seq = 0;
    int limit_seconds = 0, limit_count = 0;
    int next_id = 0;
    bool hold_posts = false;
    std::map<std::string, json> users;
    std::vector<std::pair<Server::connection_ptr, RestCall>> held;
    std::map<std::string, std::pair<json, std::string>> files;  ///< id -> FileInfo, bytes
    std::vector<UploadedFile> uploads;
    int upload_fail_status = 0, upload_fail_count = 0;

    struct Part {
        std::string name, filename, content_type, data;
    };
    // A multipart/form-data body's parts (enough for what the connector sends).
    static std::vector<Part> multipart(const std::string& type, const std::string& body) {
        std::vector<Part> out;
        const auto at = type.find("boundary=");
        if (type.rfind("multipart/form-data", 0) != 0 || at == std::string::npos) return out;
        const std::string delimiter = "--" + type.substr(at + 9);
        std::size_t pos = body.find(delimiter);
        while (pos != std::string::npos) {
            pos += delimiter.size();
            if (body.compare(pos, 2, "--") == 0) break;
            pos += 2;  // CRLF
            const auto head_end = body.find("\r\n\r\n", pos);
            const auto next = body.find("\r\n" + delimiter, head_end);
            if (head_end == std::string::npos || next == std::string::npos) break;
            const std::string head = body.substr(pos, head_end - pos);
            Part p;
            const auto field = [&](const std::string& key) {
                const auto k = head.find(" " + key + "=\"");
                if (k == std::string::npos) return std::string();
                const auto e = head.find('"', k + key.size() + 3);
                return head.substr(k + key.size() + 3, e - k - key.size() - 3);
            };
            p.name = field("name");
            p.filename = field("filename");
            const auto ct = head.find("Content-Type: ");
            if (ct != std::string::npos) {
                p.content_type = head.substr(ct + 14, head.find("\r\n", ct) - ct - 14);
            }
            p.data = body.substr(head_end + 4, next - head_end - 4);
            out.push_back(std::move(p));
            pos = next + 2;
        }
        return out;
    }

    std::string new_id(const std::string& prefix) {
        std::string id = prefix + std::to_string(++next_id);
        id.resize(26, 'x');
        return id;
    }

    void send(websocketpp::connection_hdl hdl, const std::string& text) {
        websocketpp::lib::error_code ec;
        server.send(hdl, text, websocketpp::frame::opcode::text, ec);
    }
};

void FakeMattermost::add_user(const std::string& id, const std::string& username,
                              const std::string& email, bool email_verified) {
    json user = {{"id", id},
                 {"username", username},
                 {"email", email},
                 {"auth_service", ""},
                 {"roles", "system_user"}};
    // Mattermost leaves email_verified out when it is false (omitempty).
    if (email_verified) user["email_verified"] = true;
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->users[id] = std::move(user);
}

FakeMattermost::FakeMattermost() : impl_(std::make_unique<Impl>()) {
    Impl& d = *impl_;
    d.server.clear_access_channels(websocketpp::log::alevel::all);
    d.server.clear_error_channels(websocketpp::log::elevel::all);
    d.server.init_asio();
    d.server.set_reuse_addr(true);
    d.server.set_http_handler([&d](websocketpp::connection_hdl hdl) {
        auto con = d.server.get_con_from_hdl(hdl);
        RestCall call;
        call.method = con->get_request().get_method();
        const std::string resource = con->get_resource();
        call.path = resource.substr(0, resource.find('?'));
        call.authorization = con->get_request_header("Authorization");
        call.body = json::parse(con->get_request_body(), nullptr, false);
        if (call.body.is_discarded()) call.body = nullptr;
        call.at = std::chrono::steady_clock::now();
        std::lock_guard<std::mutex> lock(d.mu);
        d.calls.push_back(call);
        d.cv.notify_all();
        con->append_header("Content-Type", "application/json");
        auto answer = [&](int status, const json& body) {
            con->set_status(static_cast<websocketpp::http::status_code::value>(status));
            con->set_body(body.dump());
        };
        if (call.path.rfind("/response/", 0) == 0) return answer(200, json::object());
        if (call.authorization != std::string("Bearer ") + token) {
            return answer(401, {{"id", "api.context.session_expired.app_error"},
                                {"message", "Invalid or expired session, please login again."},
                                {"status_code", 401}});
        }
        if (call.method == "GET" && call.path == "/api/v4/users/me") {
            return answer(200, {{"id", bot_id},
                                {"username", "twintrack"},
                                {"is_bot", true},
                                {"roles", "system_user"}});
        }
        if (call.method == "GET" && call.path.rfind("/api/v4/users/", 0) == 0) {
            const auto user = d.users.find(call.path.substr(14));
            if (user == d.users.end()) {
                return answer(404,
                              {{"id", "app.user.missing_account.const"}, {"status_code", 404}});
            }
            return answer(200, user->second);
        }
        // Files: GET /api/v4/files/ID (the bytes), GET /api/v4/files/ID/info (FileInfo).
        if (call.method == "GET" && call.path.rfind("/api/v4/files/", 0) == 0) {
            std::string id = call.path.substr(14);
            const bool info = id.size() > 5 && id.compare(id.size() - 5, 5, "/info") == 0;
            if (info) id.resize(id.size() - 5);
            const auto file = d.files.find(id);
            if (file == d.files.end()) {
                return answer(404, {{"id", "app.file_info.get.app_error"}, {"status_code", 404}});
            }
            if (info) return answer(200, file->second.first);
            con->replace_header("Content-Type", file->second.first.value("mime_type", ""));
            con->set_status(websocketpp::http::status_code::ok);
            con->set_body(file->second.second);
            return;
        }
        // POST /api/v4/files (multipart/form-data: channel_id, then files).
        if (call.method == "POST" && call.path == "/api/v4/files") {
            if (d.upload_fail_count > 0) {
                --d.upload_fail_count;
                if (d.upload_fail_status == 429) con->append_header("Retry-After", "1");
                return answer(d.upload_fail_status,
                              {{"id", d.upload_fail_status == 413
                                          ? "api.file.upload_file.too_large_detailed.app_error"
                                          : "api.file.upload_file.app_error"},
                               {"status_code", d.upload_fail_status}});
            }
            std::string channel;
            json infos = json::array();
            for (const auto& part : Impl::multipart(con->get_request_header("Content-Type"),
                                                    con->get_request_body())) {
                if (part.name == "channel_id") channel = part.data;
                if (part.name != "files") continue;
                if (channel.empty()) {
                    return answer(400, {{"id", "api.file.upload_file.get_channel.app_error"},
                                        {"status_code", 400}});
                }
                UploadedFile u{d.new_id("f"),     channel,   part.filename,
                               part.content_type, part.data, call.authorization};
                infos.push_back({{"id", u.id},
                                 {"user_id", bot_id},
                                 {"post_id", ""},
                                 {"name", u.filename},
                                 {"size", u.data.size()},
                                 {"mime_type", u.content_type}});
                d.uploads.push_back(std::move(u));
            }
            if (infos.empty()) {
                return answer(
                    400, {{"id", "api.file.upload_file.no_files.app_error"}, {"status_code", 400}});
            }
            return answer(201, {{"file_infos", infos}, {"client_ids", json::array()}});
        }
        if (call.method == "POST" && call.path == "/api/v4/channels/direct") {
            if (!call.body.is_array() || call.body.size() != 2) {
                return answer(400, {{"id", "api.context.invalid_body_param.app_error"},
                                    {"status_code", 400}});
            }
            std::string other = call.body[1];
            return answer(201, {{"id", "dm" + other.substr(2)}, {"type", "D"}});
        }
        if (call.method == "POST" && call.path == "/api/v4/posts" && d.hold_posts) {
            con->defer_http_response();
            d.held.emplace_back(con, call);
            return;
        }
        if (call.method == "POST" && call.path == "/api/v4/posts") {
            if (d.limit_count > 0) {
                --d.limit_count;
                con->append_header("Retry-After", std::to_string(d.limit_seconds));
                con->append_header("X-Ratelimit-Reset", std::to_string(d.limit_seconds));
                return answer(429,
                              {{"id", "api.context.rate_limit.app_error"}, {"status_code", 429}});
            }
            const std::string channel = call.body.value("channel_id", "");
            if (channel.rfind("gone", 0) == 0) {
                return answer(403, {{"id", "api.context.permissions.app_error"},
                                    {"message", "You do not have the appropriate permissions."},
                                    {"status_code", 403}});
            }
            json made = make_post(d.new_id("p"), bot_id, channel, call.body.value("message", ""),
                                  call.body.value("root_id", ""));
            if (call.body.contains("file_ids")) made["file_ids"] = call.body["file_ids"];
            return answer(201, made);
        }
        // POST /api/v4/posts/ephemeral: a post only `user_id` sees. Mattermost allows it with
        // the create_post_ephemeral permission; channels named gone... answer 403 as without it.
        if (call.method == "POST" && call.path == "/api/v4/posts/ephemeral") {
            const json post =
                call.body.is_object() ? call.body.value("post", json::object()) : json::object();
            const std::string channel = post.is_object() ? post.value("channel_id", "") : "";
            if (channel.rfind("gone", 0) == 0) {
                return answer(403, {{"id", "api.context.permissions.app_error"},
                                    {"message", "You do not have the appropriate permissions."},
                                    {"status_code", 403}});
            }
            if (channel.empty() || call.body.value("user_id", "").empty()) {
                return answer(400, {{"id", "api.context.invalid_body_param.app_error"},
                                    {"status_code", 400}});
            }
            return answer(201,
                          make_post(d.new_id("e"), bot_id, channel, post.value("message", ""), ""));
        }
        // PUT /api/v4/posts/ID/patch: the patched post; a post it never made is 404.
        const std::string patch_suffix = "/patch";
        if (call.method == "PUT" && call.path.rfind("/api/v4/posts/p", 0) == 0 &&
            call.path.size() > patch_suffix.size() &&
            call.path.compare(call.path.size() - patch_suffix.size(), patch_suffix.size(),
                              patch_suffix) == 0) {
            const std::string id =
                call.path.substr(14, call.path.size() - 14 - patch_suffix.size());
            return answer(200, make_post(id, bot_id, "", call.body.value("message", ""), ""));
        }
        answer(404, {{"id", "api.context.404.app_error"}, {"status_code", 404}});
    });
    d.server.set_validate_handler([&d](websocketpp::connection_hdl hdl) {
        auto con = d.server.get_con_from_hdl(hdl);
        const std::string resource = con->get_resource();
        if (resource.rfind("/api/v4/websocket", 0) != 0) return false;
        const auto q = resource.find('?');
        std::lock_guard<std::mutex> lock(d.mu);
        d.queries.push_back(q == std::string::npos ? "" : resource.substr(q + 1));
        return true;
    });
    d.server.set_message_handler([&d](websocketpp::connection_hdl hdl, Server::message_ptr msg) {
        json frame = json::parse(msg->get_payload(), nullptr, false);
        if (!frame.is_object() || frame.value("action", "") != "authentication_challenge") return;
        const long long seq = frame.value("seq", 0LL);
        const std::string given = frame.value("data", json::object()).value("token", "");
        if (given != token) {
            d.send(hdl, json{{"status", "FAIL"},
                             {"seq_reply", seq},
                             {"error",
                              {{"id", "api.web_socket_router.not_authenticated.app_error"},
                               {"message", "authentication failed"}}}}
                            .dump());
            return;
        }
        d.send(hdl, json{{"status", "OK"}, {"seq_reply", seq}}.dump());
        std::lock_guard<std::mutex> lock(d.mu);
        d.seq = 0;
        d.send(hdl, json{{"event", "hello"},
                         {"data",
                          {{"connection_id", "conn-" + std::to_string(d.authenticated + 1)},
                           {"server_version", "9.11.0.10809447620.abc.true"}}},
                         {"broadcast",
                          {{"omit_users", nullptr},
                           {"user_id", bot_id},
                           {"channel_id", ""},
                           {"team_id", ""}}},
                         {"seq", d.seq}}
                        .dump());
        d.sockets.push_back(hdl);
        ++d.authenticated;
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

FakeMattermost::~FakeMattermost() { test_support::stop_server(impl_->server, impl_->thread); }

std::string FakeMattermost::url() const {
    return "http://127.0.0.1:" + std::to_string(impl_->port);
}
std::string FakeMattermost::response_url(int n) const {
    return url() + "/response/" + std::to_string(n);
}

void FakeMattermost::hold_posts() {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->hold_posts = true;
}

void FakeMattermost::release_posts() {
    Impl* d = impl_.get();
    boost::asio::post(d->server.get_io_service(), [d] {
        std::vector<std::pair<Server::connection_ptr, RestCall>> held;
        {
            std::lock_guard<std::mutex> lock(d->mu);
            d->hold_posts = false;
            held.swap(d->held);
            for (auto& [con, call] : held) {
                con->set_status(websocketpp::http::status_code::created);
                con->set_body(make_post(d->new_id("p"), bot_id, call.body.value("channel_id", ""),
                                        call.body.value("message", ""), "")
                                  .dump());
            }
        }
        for (auto& [con, call] : held) {
            websocketpp::lib::error_code ec;
            con->send_http_response(ec);
        }
    });
}

json FakeMattermost::add_file(const std::string& name, const std::string& mime,
                              const std::string& data) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    const std::string id = impl_->new_id("f");
    json info = {{"id", id},
                 {"user_id", ""},
                 {"post_id", ""},
                 {"create_at", 1795886849588},
                 {"name", name},
                 {"extension", name.substr(name.rfind('.') + 1)},
                 {"size", data.size()},
                 {"mime_type", mime},
                 {"has_preview_image", false}};
    impl_->files[id] = {info, data};
    return info;
}

void FakeMattermost::fail_uploads(int status, int count) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->upload_fail_status = status;
    impl_->upload_fail_count = count;
}

std::vector<UploadedFile> FakeMattermost::uploads() const {
    std::lock_guard<std::mutex> lock(impl_->mu);
    return impl_->uploads;
}

void FakeMattermost::rate_limit_posts(int seconds, int count) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->limit_seconds = seconds;
    impl_->limit_count = count;
}

std::vector<RestCall> FakeMattermost::calls(const std::string& path) const {
    std::lock_guard<std::mutex> lock(impl_->mu);
    std::vector<RestCall> out;
    for (const auto& c : impl_->calls) {
        if (c.path == path) out.push_back(c);
    }
    return out;
}

std::optional<RestCall> FakeMattermost::wait_call(const std::string& path, std::size_t n,
                                                  std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(impl_->mu);
    std::optional<RestCall> found;
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

bool FakeMattermost::wait_authenticated(int n, std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(impl_->mu);
    return impl_->cv.wait_for(lock, timeout, [&] { return impl_->authenticated >= n; });
}

std::vector<std::string> FakeMattermost::socket_queries() const {
    std::lock_guard<std::mutex> lock(impl_->mu);
    return impl_->queries;
}

bool FakeMattermost::send_posted(const json& post, const std::string& channel_type,
                                 const std::string& sender_name, int skip) {
    websocketpp::connection_hdl hdl;
    long long seq = 0;
    {
        std::lock_guard<std::mutex> lock(impl_->mu);
        if (impl_->sockets.empty()) return false;
        hdl = impl_->sockets.back();
        impl_->seq += 1 + skip;
        seq = impl_->seq;
    }
    const json frame = {
        {"event", "posted"},
        {"data",
         {{"channel_display_name", channel_type == "D" ? "@" + sender_name : "Town Square"},
          {"channel_name", "town-square"},
          {"channel_type", channel_type},
          {"mentions", json::array({bot_id}).dump()},
          {"post", post.dump()},
          {"sender_name", "@" + sender_name},
          {"set_online", true},
          {"team_id", "rcgiyftm7jyrxnma1osd8zswby"}}},
        {"broadcast",
         {{"omit_users", nullptr},
          {"user_id", ""},
          {"channel_id", post.value("channel_id", "")},
          {"team_id", ""}}},
        {"seq", seq}};
    impl_->send(hdl, frame.dump());
    return true;
}

bool FakeMattermost::send_raw(const std::string& text) {
    websocketpp::connection_hdl hdl;
    {
        std::lock_guard<std::mutex> lock(impl_->mu);
        if (impl_->sockets.empty()) return false;
        hdl = impl_->sockets.back();
    }
    impl_->send(hdl, text);
    return true;
}

void FakeMattermost::drop_socket() {
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

json make_post(const std::string& id, const std::string& user_id, const std::string& channel_id,
               const std::string& message, const std::string& root_id) {
    return {{"id", id},
            {"create_at", 1795886849588},
            {"update_at", 1795886849588},
            {"edit_at", 0},
            {"delete_at", 0},
            {"is_pinned", false},
            {"user_id", user_id},
            {"channel_id", channel_id},
            {"root_id", root_id},
            {"original_id", ""},
            {"message", message},
            {"type", ""},
            {"props", json::object()},
            {"hashtags", ""},
            {"pending_post_id", ""},
            {"reply_count", 0},
            {"metadata", json::object()}};
}

}  // namespace twintrack::mattermost_test
