#pragma once
// Signing in to the hub with a Chinese work platform's account (`sign_in: [feishu,
// dingtalk, wecom]`; docs/connectors/hub.md): where the browser is sent, and how the
// code it brings back becomes the person's platform identity, server-side:
//
//   feishu    GET  accounts.feishu.cn/open-apis/authen/v1/authorize (client_id, PKCE)
//             POST open.feishu.cn/open-apis/authen/v2/oauth/token     → user_access_token
//             GET  open.feishu.cn/open-apis/authen/v1/user_info       → open_id, enterprise_email
//   dingtalk  GET  login.dingtalk.com/oauth2/auth (client_id, scope=openid, prompt=consent)
//             POST api.dingtalk.com/v1.0/oauth2/userAccessToken       → accessToken
//             GET  api.dingtalk.com/v1.0/contact/users/me             → unionId
//             POST api.dingtalk.com/v1.0/oauth2/accessToken           → the app's token
//             POST oapi.dingtalk.com/topapi/user/getbyunionid         → userid
//   wecom     GET  login.work.weixin.qq.com/wwlogin/sso/login (login_type=CorpApp)
//             GET  qyapi.weixin.qq.com/cgi-bin/gettoken               → the app's token
//             GET  qyapi.weixin.qq.com/cgi-bin/auth/getuserinfo       → userid
//
// Every URL is configurable (Lark instead of Feishu; tests on loopback). All calls go
// through the runtime HttpClient, whose completions run on the hub's thread.

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "connectors/runtime/http_client.hpp"
#include "core/clock.hpp"
#include "core/yaml_check.hpp"

namespace twintrack::connectors::hub::platform {

/// The platform sign-in methods, as written in `sign_in:`.
const std::vector<std::string>& methods();
bool is_platform(const std::string& method);

/// One platform's block under the hub (`feishu:`, `dingtalk:` or `wecom:`).
struct PlatformSettings {
    std::string method;  ///< feishu, dingtalk or wecom
    /// Feishu: the app's App ID; DingTalk: the app's Client ID (AppKey); WeCom: the corp ID.
    std::string client_id;
    /// Feishu: App Secret; DingTalk: Client Secret (AppSecret); WeCom: the app's Secret.
    core::Secret secret;
    std::string agent_id;      ///< WeCom: the app's AgentId
    std::string redirect_url;  ///< PUBLIC_URL/sign-in/METHOD/callback
    /// The connector whose identities the person is matched by (`feishu:OPEN_ID`, ...).
    std::string connector;
    std::string authorize_url;  ///< the platform's sign-in page
    /// WeCom: the sign-in inside the WeCom client (网页授权, scope snsapi_base: silent).
    std::string client_authorize_url;
    std::string api_url;   ///< the platform's server API
    std::string oapi_url;  ///< DingTalk: the older server API (oapi.dingtalk.com)
};

/// The platform's public addresses (Feishu's, not Lark's) and `connector` = `method`.
PlatformSettings defaults(const std::string& method);

/// Where the browser goes: the platform's sign-in page with `state` (and, for Feishu,
/// the PKCE challenge). `in_client`: the page was opened inside the WeCom client, which
/// signs its member in without a page (WeCom only; the callback is the same).
std::string authorize_location(const PlatformSettings& settings, const std::string& state,
                               const std::string& pkce_challenge, bool in_client = false);

/// Whether a User-Agent is the WeCom client's built-in browser ("wxwork/4.1.22 ...").
bool in_wecom_client(const std::string& user_agent);

/// The code of a callback's query: `code`, or DingTalk's `authCode`.
std::string callback_code(const std::map<std::string, std::string>& query);

/// Who signed in on the platform, or why that is not known.
struct Identity {
    enum class Problem {
        none,
        refused,      ///< the platform refused the code (used, expired, forged)
        not_member,   ///< the account is not a member of the organisation
        unavailable,  ///< the platform could not be reached or answered nonsense
    };
    Problem problem = Problem::none;
    std::string why;      ///< for logs and audits ("token_refused", ...); never a secret
    std::string user_id;  ///< open_id (Feishu), userid (DingTalk, WeCom)
    /// An address the organisation vouches for (Feishu's enterprise_email); else empty.
    std::string email;
};

/// Turns a callback's code into the person's identity on one platform. Keeps the app's
/// access token (DingTalk, WeCom) until shortly before it expires. Not thread-safe: use
/// from the thread the HttpClient's executor runs completions on.
class PlatformClient {
  public:
    PlatformClient(PlatformSettings settings, runtime::HttpClient& http, const core::Clock& clock);

    const PlatformSettings& settings() const { return settings_; }

    /// `verifier` is the PKCE verifier (Feishu). `done` runs exactly once.
    void identify(const std::string& code, const std::string& verifier,
                  std::function<void(Identity)> done);

  private:
    using Done = std::function<void(Identity)>;
    void feishu(const std::string& code, const std::string& verifier, Done done);
    void dingtalk(const std::string& code, Done done);
    void wecom(const std::string& code, Done done);
    /// The app's access token (DingTalk, WeCom): cached, else fetched; "" when it failed.
    void with_app_token(std::function<void(const std::string& token, const std::string& why)> then);
    void send(runtime::Request request, std::function<void(runtime::Result)> then);
    std::int64_t now_ms() const;

    PlatformSettings settings_;
    runtime::HttpClient& http_;
    const core::Clock& clock_;
    std::string app_token_;
    std::int64_t app_token_until_ms_ = 0;
    std::vector<std::function<void(const std::string&, const std::string&)>> token_waiters_;
};

}  // namespace twintrack::connectors::hub::platform
