#pragma once
// Fake OAuth endpoints of Feishu, DingTalk and WeCom for tests, on one loopback port (the
// three use different paths): each checks the app's credentials as the platform would,
// hands out a user token for a code the test registered (once), and says who that user
// is. The test plays the browser at the platforms' sign-in pages: it registers a code for
// the person it wants to be, then calls the hub's callback with it.

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "connectors/hub/oidc.hpp"
#include "core/api.hpp"
#include "tests/hub/fake_oidc_provider.hpp"
#include "tests/support/loopback_proxy.hpp"

namespace twintrack::connectors::hub::testing {

inline constexpr const char* feishu_app_id = "cli_a1b2c3";
inline constexpr const char* feishu_secret = "feishu-app-s3cret";
inline constexpr const char* dingtalk_client_id = "dingabc123";
inline constexpr const char* dingtalk_secret = "dingtalk-app-s3cret";
inline constexpr const char* wecom_corp_id = "ww0123456789";
inline constexpr const char* wecom_agent_id = "1000002";
inline constexpr const char* wecom_secret = "wecom-app-s3cret";

/// Who a registered code belongs to.
struct PlatformAccount {
    PlatformAccount(std::string user_id = "", std::string email = "", bool member = true)
        : user_id(std::move(user_id)), email(std::move(email)), member(member) {}
    std::string user_id;    ///< open_id (Feishu), userid (DingTalk, WeCom)
    std::string email;      ///< Feishu's enterprise_email
    bool member = true;     ///< false: not in the organisation (DingTalk, WeCom)
    std::string challenge;  ///< Feishu: the PKCE challenge the hub sent
};

class FakePlatforms {
  public:
    FakePlatforms() : server_([this](int fd) { serve(fd); }) {}

    std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }

    /// `code` works once at `method`'s token endpoint and stands for `account`.
    void add_code(const std::string& method, const std::string& code, PlatformAccount account) {
        std::lock_guard<std::mutex> lock(mu_);
        codes_[method + ":" + code] = std::move(account);
    }
    /// Every endpoint answers 503 while down.
    void set_down(bool down) {
        std::lock_guard<std::mutex> lock(mu_);
        down_ = down;
    }
    /// How often the app's token was asked for (DingTalk, WeCom).
    int app_token_fetches() const {
        std::lock_guard<std::mutex> lock(mu_);
        return app_token_fetches_;
    }
    /// Every request received, raw (to check what the hub sent).
    std::vector<HttpIn> requests() const {
        std::lock_guard<std::mutex> lock(mu_);
        return requests_;
    }

  private:
    struct Answer {
        int status = 200;
        nlohmann::json body;
    };

    /// The account of a code, consumed; null when unknown or used.
    const PlatformAccount* take(const std::string& method, const std::string& code) {
        const auto it = codes_.find(method + ":" + code);
        if (it == codes_.end()) return nullptr;
        issued_[method + "-token-" + code] = it->second;
        codes_.erase(it);
        return &issued_[method + "-token-" + code];
    }
    const PlatformAccount* token_owner(const std::string& token) const {
        const auto it = issued_.find(token);
        return it == issued_.end() ? nullptr : &it->second;
    }

    Answer feishu(const HttpIn& in, const std::string& path) {
        if (path == "/open-apis/authen/v2/oauth/token" && in.method == "POST") {
            const auto body = nlohmann::json::parse(in.body, nullptr, false);
            const auto field = [&](const char* k) {
                return body.is_object() ? body.value(k, "") : std::string();
            };
            if (field("client_id") != feishu_app_id || field("client_secret") != feishu_secret ||
                field("grant_type") != "authorization_code") {
                return {400, {{"code", 20002}, {"error", "invalid_client"}}};
            }
            const std::string code = field("code");
            const auto it = codes_.find("feishu:" + code);
            if (it == codes_.end() ||
                oidc::pkce_challenge(field("code_verifier")) != it->second.challenge) {
                return {400, {{"code", 20003}, {"error", "invalid_grant"}}};
            }
            take("feishu", code);
            return {200,
                    {{"code", 0},
                     {"access_token", "feishu-token-" + code},
                     {"expires_in", 7200},
                     {"token_type", "Bearer"}}};
        }
        if (path == "/open-apis/authen/v1/user_info") {
            const std::string auth =
                in.headers.count("authorization") ? in.headers.at("authorization") : std::string();
            const PlatformAccount* who =
                auth.rfind("Bearer ", 0) == 0 ? token_owner(auth.substr(7)) : nullptr;
            if (who == nullptr) return {401, {{"code", 99991668}, {"msg", "invalid token"}}};
            return {200,
                    {{"code", 0},
                     {"msg", "success"},
                     {"data",
                      {{"name", "Someone"},
                       {"open_id", who->user_id},
                       {"union_id", "on_" + who->user_id},
                       // An address an admin typed: not to be trusted for sign-in.
                       {"email", "typed-by-admin@example.com"},
                       {"enterprise_email", who->email}}}}};
        }
        return {404, {{"code", 404}}};
    }

    Answer dingtalk(const HttpIn& in, const std::string& path,
                    std::map<std::string, std::string>& query) {
        const auto body = nlohmann::json::parse(in.body, nullptr, false);
        const auto field = [&](const char* k) {
            return body.is_object() && body.contains(k) && body[k].is_string()
                       ? body[k].get<std::string>()
                       : std::string();
        };
        if (path == "/v1.0/oauth2/userAccessToken" && in.method == "POST") {
            if (field("clientId") != dingtalk_client_id ||
                field("clientSecret") != dingtalk_secret ||
                field("grantType") != "authorization_code") {
                return {400, {{"code", "invalidClient"}, {"message", "bad client"}}};
            }
            if (take("dingtalk", field("code")) == nullptr) {
                return {400, {{"code", "invalidAuthCode"}, {"message", "bad code"}}};
            }
            return {200,
                    {{"accessToken", "dingtalk-token-" + field("code")},
                     {"refreshToken", "r"},
                     {"expireIn", 7200}}};
        }
        if (path == "/v1.0/contact/users/me") {
            const auto h = in.headers.find("x-acs-dingtalk-access-token");
            const PlatformAccount* who = h == in.headers.end() ? nullptr : token_owner(h->second);
            if (who == nullptr) return {401, {{"code", "InvalidAuthentication"}}};
            return {200,
                    {{"nick", "Someone"},
                     {"unionId", "union-" + who->user_id},
                     {"openId", "open-" + who->user_id},
                     {"email", "personal@example.com"}}};
        }
        if (path == "/v1.0/oauth2/accessToken" && in.method == "POST") {
            ++app_token_fetches_;
            if (field("appKey") != dingtalk_client_id || field("appSecret") != dingtalk_secret) {
                return {400, {{"code", "invalidClient"}}};
            }
            return {200, {{"accessToken", "dingtalk-app-token"}, {"expireIn", 7200}}};
        }
        if (path == "/topapi/user/getbyunionid" && in.method == "POST") {
            if (query["access_token"] != "dingtalk-app-token") {
                return {200, {{"errcode", 40014}, {"errmsg", "invalid access_token"}}};
            }
            const std::string union_id = field("unionid");
            for (const auto& [token, who] : issued_) {
                if (token.rfind("dingtalk-", 0) == 0 && "union-" + who.user_id == union_id) {
                    if (!who.member) return {200, {{"errcode", 60121}, {"errmsg", "no user"}}};
                    return {200,
                            {{"errcode", 0},
                             {"errmsg", "ok"},
                             {"result", {{"contact_type", 0}, {"userid", who.user_id}}}}};
                }
            }
            return {200, {{"errcode", 60121}, {"errmsg", "no user"}}};
        }
        return {404, {{"code", "NotFound"}}};
    }

    Answer wecom(const HttpIn& in, const std::string& path,
                 std::map<std::string, std::string>& query) {
        (void)in;
        if (path == "/cgi-bin/gettoken") {
            ++app_token_fetches_;
            if (query["corpid"] != wecom_corp_id || query["corpsecret"] != wecom_secret) {
                return {200, {{"errcode", 40001}, {"errmsg", "invalid credential"}}};
            }
            return {200,
                    {{"errcode", 0},
                     {"errmsg", "ok"},
                     {"access_token", "wecom-app-token"},
                     {"expires_in", 7200}}};
        }
        if (path == "/cgi-bin/auth/getuserinfo") {
            if (query["access_token"] != "wecom-app-token") {
                return {200, {{"errcode", 40014}, {"errmsg", "invalid access_token"}}};
            }
            const PlatformAccount* who = take("wecom", query["code"]);
            if (who == nullptr) return {200, {{"errcode", 40029}, {"errmsg", "invalid code"}}};
            if (!who->member) {
                return {200, {{"errcode", 0}, {"errmsg", "ok"}, {"openid", "oAAAA"}}};
            }
            return {200, {{"errcode", 0}, {"errmsg", "ok"}, {"userid", who->user_id}}};
        }
        return {404, {{"errcode", 404}}};
    }

    void serve(int fd) {
        const HttpIn in = parse_request(test_support::read_http_request(fd));
        Answer answer;
        {
            std::lock_guard<std::mutex> lock(mu_);
            requests_.push_back(in);
            const auto q = in.target.find('?');
            const std::string path = in.target.substr(0, q);
            auto query = core::parse_query(q == std::string::npos ? "" : in.target.substr(q + 1));
            if (down_) {
                answer = {503, {{"error", "maintenance"}}};
            } else if (path.rfind("/open-apis/", 0) == 0) {
                answer = feishu(in, path);
            } else if (path.rfind("/cgi-bin/", 0) == 0) {
                answer = wecom(in, path, query);
            } else {
                answer = dingtalk(in, path, query);
            }
        }
        const std::string text = answer.body.dump();
        test_support::write_all(fd, "HTTP/1.1 " + std::to_string(answer.status) +
                                        " X\r\nContent-Type: application/json\r\n"
                                        "Content-Length: " +
                                        std::to_string(text.size()) +
                                        "\r\nConnection: close\r\n\r\n" + text);
    }

    mutable std::mutex mu_;
    std::map<std::string, PlatformAccount> codes_;   // "method:code"
    std::map<std::string, PlatformAccount> issued_;  // user token -> account
    std::vector<HttpIn> requests_;
    bool down_ = false;
    int app_token_fetches_ = 0;
    test_support::LoopbackServer server_;
};

}  // namespace twintrack::connectors::hub::testing
