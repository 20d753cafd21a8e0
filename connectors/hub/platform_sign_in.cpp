#include "connectors/hub/platform_sign_in.hpp"

#include <algorithm>
#include <utility>

#include "core/api.hpp"
#include "core/text.hpp"

namespace twintrack::connectors::hub::platform {
namespace {

using json = nlohmann::json;
using Problem = Identity::Problem;

constexpr std::size_t max_answer_bytes = 256 * 1024;
constexpr auto call_timeout = std::chrono::seconds(10);
/// An app token is renewed this long before the platform says it ends.
constexpr std::int64_t token_margin_ms = 5 * 60 * 1000;

Identity failed(Problem problem, std::string why) {
    Identity out;
    out.problem = problem;
    out.why = std::move(why);
    return out;
}

/// A failed call: the platform's own refusal (an HTTP answer with a JSON body) or not
/// reachable (no answer, 5xx, timeout, not JSON).
Identity call_failed(const runtime::Result& result, const std::string& step,
                     bool refusal_possible) {
    const bool answered = result.status >= 400 && result.status < 500 &&
                          result.kind != runtime::Result::Kind::rate_limited;
    const bool json_body = !result.json().is_discarded();
    if (refusal_possible && ((answered && json_body) || (result.ok() && json_body))) {
        return failed(Problem::refused, step + "_refused");
    }
    return failed(Problem::unavailable,
                  step + "_" +
                      (result.ok() ? std::string("bad_answer")
                                   : std::string(runtime::kind_name(result.kind))));
}

std::string string_of(const json& j, const char* key) {
    if (!j.is_object()) return "";
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

std::int64_t int_of(const json& j, const char* key, std::int64_t fallback) {
    if (!j.is_object()) return fallback;
    const auto it = j.find(key);
    if (it == j.end()) return fallback;
    if (it->is_number_integer()) return it->get<std::int64_t>();
    if (it->is_string()) {
        try {
            return std::stoll(it->get<std::string>());
        } catch (const std::exception&) {
            return fallback;
        }
    }
    return fallback;
}

std::string with_query(std::string url, const std::vector<std::pair<std::string, std::string>>& q) {
    url += url.find('?') == std::string::npos ? "?" : "&";
    return url + core::form_encode(q);
}

}  // namespace

const std::vector<std::string>& methods() {
    static const std::vector<std::string> m = {"feishu", "dingtalk", "wecom"};
    return m;
}

bool is_platform(const std::string& method) {
    return std::find(methods().begin(), methods().end(), method) != methods().end();
}

PlatformSettings defaults(const std::string& method) {
    PlatformSettings s;
    s.method = method;
    s.connector = method;
    if (method == "feishu") {
        s.authorize_url = "https://accounts.feishu.cn/open-apis/authen/v1/authorize";
        s.api_url = "https://open.feishu.cn";
    } else if (method == "dingtalk") {
        s.authorize_url = "https://login.dingtalk.com/oauth2/auth";
        s.api_url = "https://api.dingtalk.com";
        s.oapi_url = "https://oapi.dingtalk.com";
    } else if (method == "wecom") {
        s.authorize_url = "https://login.work.weixin.qq.com/wwlogin/sso/login";
        s.client_authorize_url = "https://open.weixin.qq.com/connect/oauth2/authorize";
        s.api_url = "https://qyapi.weixin.qq.com";
    }
    return s;
}

bool in_wecom_client(const std::string& user_agent) {
    return core::ascii_lower(user_agent).find("wxwork/") != std::string::npos;
}

std::string authorize_location(const PlatformSettings& s, const std::string& state,
                               const std::string& pkce_challenge, bool in_client) {
    if (s.method == "wecom" && in_client) {
        // 构造网页授权链接: the client adds the member's identity when it sees the
        // #wechat_redirect fragment; the code is redeemed as the web login's.
        return with_query(s.client_authorize_url, {{"appid", s.client_id},
                                                   {"redirect_uri", s.redirect_url},
                                                   {"response_type", "code"},
                                                   {"scope", "snsapi_base"},
                                                   {"state", state},
                                                   {"agentid", s.agent_id}}) +
               "#wechat_redirect";
    }
    if (s.method == "feishu") {
        return with_query(s.authorize_url, {{"client_id", s.client_id},
                                            {"response_type", "code"},
                                            {"redirect_uri", s.redirect_url},
                                            {"state", state},
                                            {"code_challenge", pkce_challenge},
                                            {"code_challenge_method", "S256"}});
    }
    if (s.method == "dingtalk") {
        return with_query(s.authorize_url, {{"redirect_uri", s.redirect_url},
                                            {"response_type", "code"},
                                            {"client_id", s.client_id},
                                            {"scope", "openid"},
                                            {"state", state},
                                            {"prompt", "consent"}});
    }
    return with_query(s.authorize_url, {{"login_type", "CorpApp"},
                                        {"appid", s.client_id},
                                        {"agentid", s.agent_id},
                                        {"redirect_uri", s.redirect_url},
                                        {"state", state}});
}

std::string callback_code(const std::map<std::string, std::string>& query) {
    for (const char* key : {"code", "authCode"}) {
        const auto it = query.find(key);
        if (it != query.end() && !it->second.empty()) return it->second;
    }
    return "";
}

PlatformClient::PlatformClient(PlatformSettings settings, runtime::HttpClient& http,
                               const core::Clock& clock)
    : settings_(std::move(settings)), http_(http), clock_(clock) {}

std::int64_t PlatformClient::now_ms() const { return core::to_millis(clock_.now()); }

void PlatformClient::send(runtime::Request request, std::function<void(runtime::Result)> then) {
    request.max_body = max_answer_bytes;
    request.timeout = call_timeout;
    request.headers.emplace_back("Accept", "application/json");
    http_.send(std::move(request), std::move(then));
}

void PlatformClient::identify(const std::string& code, const std::string& verifier, Done done) {
    if (settings_.method == "feishu") {
        feishu(code, verifier, std::move(done));
    } else if (settings_.method == "dingtalk") {
        dingtalk(code, std::move(done));
    } else {
        wecom(code, std::move(done));
    }
}

// ---- Feishu / Lark: OAuth 2.0 token endpoint (v2), then the signed-in user's info ----

void PlatformClient::feishu(const std::string& code, const std::string& verifier, Done done) {
    json body = {{"grant_type", "authorization_code"},
                 {"client_id", settings_.client_id},
                 {"client_secret", settings_.secret.reveal()},
                 {"code", code},
                 {"redirect_uri", settings_.redirect_url}};
    if (!verifier.empty()) body["code_verifier"] = verifier;
    send(runtime::Request::json_post(settings_.api_url + "/open-apis/authen/v2/oauth/token", body),
         [this, done](runtime::Result result) {
             const json answer = result.json();
             const std::string token = string_of(answer, "access_token");
             if (!result.ok() || int_of(answer, "code", 0) != 0 || token.empty()) {
                 done(call_failed(result, "token", true));
                 return;
             }
             runtime::Request info;
             info.url = settings_.api_url + "/open-apis/authen/v1/user_info";
             info.headers = {{"Authorization", "Bearer " + token}};
             send(std::move(info), [done](runtime::Result result) {
                 const json answer = result.json();
                 const json data = answer.is_object() ? answer.value("data", json()) : json();
                 Identity who;
                 who.user_id = string_of(data, "open_id");
                 if (!result.ok() || int_of(answer, "code", -1) != 0 || who.user_id.empty()) {
                     done(call_failed(result, "user_info", false));
                     return;
                 }
                 // Feishu's own docs: `email` is contact data an admin typed in, not
                 // checked; the enterprise mailbox is the organisation's.
                 who.email = string_of(data, "enterprise_email");
                 done(who);
             });
         });
}

// ---- DingTalk: the user's token, their unionId, then their userid in the organisation ----

void PlatformClient::dingtalk(const std::string& code, Done done) {
    send(runtime::Request::json_post(settings_.api_url + "/v1.0/oauth2/userAccessToken",
                                     {{"clientId", settings_.client_id},
                                      {"clientSecret", settings_.secret.reveal()},
                                      {"code", code},
                                      {"grantType", "authorization_code"}}),
         [this, done](runtime::Result result) {
             const std::string token = string_of(result.json(), "accessToken");
             if (!result.ok() || token.empty()) {
                 done(call_failed(result, "token", true));
                 return;
             }
             runtime::Request me;
             me.url = settings_.api_url + "/v1.0/contact/users/me";
             me.headers = {{"x-acs-dingtalk-access-token", token}};
             send(std::move(me), [this, done](runtime::Result result) {
                 const std::string union_id = string_of(result.json(), "unionId");
                 if (!result.ok() || union_id.empty()) {
                     done(call_failed(result, "users_me", false));
                     return;
                 }
                 with_app_token(
                     [this, done, union_id](const std::string& app_token, const std::string& why) {
                         if (app_token.empty()) {
                             done(failed(Problem::unavailable, why));
                             return;
                         }
                         send(runtime::Request::json_post(
                                  with_query(settings_.oapi_url + "/topapi/user/getbyunionid",
                                             {{"access_token", app_token}}),
                                  {{"unionid", union_id}}),
                              [this, done](runtime::Result result) {
                                  const json answer = result.json();
                                  const std::int64_t errcode = int_of(answer, "errcode", -1);
                                  const json r =
                                      answer.is_object() ? answer.value("result", json()) : json();
                                  Identity who;
                                  who.user_id = string_of(r, "userid");
                                  if (result.ok() && errcode == 60121) {
                                      done(failed(Problem::not_member, "not_in_organisation"));
                                  } else if (result.ok() && errcode == 0 &&
                                             int_of(r, "contact_type", 0) != 0) {
                                      // An external contact of the organisation, not staff.
                                      done(failed(Problem::not_member, "external_contact"));
                                  } else if (!result.ok() || errcode != 0 || who.user_id.empty()) {
                                      if (errcode == 40014 || errcode == 42001) app_token_.clear();
                                      done(call_failed(result, "getbyunionid", false));
                                  } else {
                                      done(who);
                                  }
                              });
                     });
             });
         });
}

// ---- WeCom: the app's token, then the visitor's userid for the code ----

void PlatformClient::wecom(const std::string& code, Done done) {
    with_app_token([this, code, done](const std::string& app_token, const std::string& why) {
        if (app_token.empty()) {
            done(failed(Problem::unavailable, why));
            return;
        }
        runtime::Request ask;
        ask.url = with_query(settings_.api_url + "/cgi-bin/auth/getuserinfo",
                             {{"access_token", app_token}, {"code", code}});
        send(std::move(ask), [this, done](runtime::Result result) {
            const json answer = result.json();
            const std::int64_t errcode = int_of(answer, "errcode", -1);
            Identity who;
            who.user_id = string_of(answer, "userid");
            if (who.user_id.empty()) who.user_id = string_of(answer, "UserId");  // older answers
            if (result.ok() && errcode == 0 && who.user_id.empty()) {
                // An openid only: someone outside the organisation.
                done(failed(Problem::not_member, "not_in_organisation"));
            } else if (result.ok() && (errcode == 40029 || errcode == 40163 || errcode == 50001)) {
                done(failed(Problem::refused, "code_refused"));
            } else if (!result.ok() || errcode != 0) {
                if (errcode == 40014 || errcode == 42001) app_token_.clear();
                done(call_failed(result, "getuserinfo", false));
            } else {
                done(who);
            }
        });
    });
}

void PlatformClient::with_app_token(
    std::function<void(const std::string&, const std::string&)> then) {
    if (!app_token_.empty() && now_ms() < app_token_until_ms_) {
        then(app_token_, "");
        return;
    }
    token_waiters_.push_back(std::move(then));
    if (token_waiters_.size() > 1) return;
    const auto finish = [this](const std::string& token, std::int64_t seconds,
                               const std::string& why) {
        app_token_ = token;
        app_token_until_ms_ = now_ms() + seconds * 1000 - token_margin_ms;
        auto waiters = std::move(token_waiters_);
        token_waiters_.clear();
        for (auto& w : waiters) w(token, why);
    };
    if (settings_.method == "dingtalk") {
        send(runtime::Request::json_post(
                 settings_.api_url + "/v1.0/oauth2/accessToken",
                 {{"appKey", settings_.client_id}, {"appSecret", settings_.secret.reveal()}}),
             [finish](runtime::Result result) {
                 const json answer = result.json();
                 const std::string token = result.ok() ? string_of(answer, "accessToken") : "";
                 finish(token, int_of(answer, "expireIn", 7200),
                        token.empty() ? call_failed(result, "app_token", false).why : "");
             });
        return;
    }
    runtime::Request ask;
    ask.url =
        with_query(settings_.api_url + "/cgi-bin/gettoken",
                   {{"corpid", settings_.client_id}, {"corpsecret", settings_.secret.reveal()}});
    send(std::move(ask), [finish](runtime::Result result) {
        const json answer = result.json();
        const bool ok = result.ok() && int_of(answer, "errcode", -1) == 0;
        const std::string token = ok ? string_of(answer, "access_token") : "";
        finish(token, int_of(answer, "expires_in", 7200),
               token.empty() ? call_failed(result, "app_token", false).why : "");
    });
}

}  // namespace twintrack::connectors::hub::platform
