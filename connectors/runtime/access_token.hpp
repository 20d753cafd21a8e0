#pragma once
// The platform access token a connector's API calls carry (DingTalk accessToken, Feishu
// tenant_access_token, WeCom access_token): fetched through the Session's HTTP client when
// first needed, cached until `margin` before its lifetime ends (at most half of it), one
// fetch shared by every caller that asks while it is under way, and dropped when the
// platform answers that it is invalid or expired, so that the next caller fetches anew.
// Not thread-safe: use it on the connector's own thread.

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "connectors/runtime/http_client.hpp"
#include "core/clock.hpp"

namespace twintrack::connectors::runtime {

class Session;

class AccessToken {
  public:
    /// What a token answer holds: the token ("" when the answer has none) and its lifetime.
    struct Grant {
        std::string token;
        std::chrono::seconds expires_in{7200};  ///< 0 or less: 7200
    };
    /// Builds the token request (it carries the app's secret: never logged).
    using MakeRequest = std::function<Request()>;
    /// Reads the token endpoint's answer (once per fetch; the place to log a failure).
    using ReadAnswer = std::function<Grant(const Result&)>;
    /// `token` is "" when none could be had; `answer` is then the token endpoint's answer.
    using Done = std::function<void(const std::string& token, const Result& answer)>;

    AccessToken(Session& session, const core::Clock& clock, MakeRequest request, ReadAnswer read,
                std::chrono::seconds margin = std::chrono::seconds(300));

    /// Hands `done` the cached token at once, or after the (one shared) fetch.
    void get(Done done);
    /// get() for a connector whose API answers it reads as `Answer`: `done(token,
    /// Answer{})`, or `done("", failure(answer))` when no token could be had.
    template <class Answer, class Failure, class AnswerDone>
    void get_as(Failure failure, AnswerDone done) {
        get([failure, done = std::move(done)](const std::string& token, const Result& answer) {
            if (!token.empty()) return done(token, Answer{});
            done("", failure(answer));
        });
    }
    /// The platform refused `token` as invalid or expired: the next get() fetches a new
    /// one (unless another token has replaced it already).
    void refused(const std::string& token);
    /// Tokens obtained so far.
    int fetches() const { return fetches_; }
    /// True while a fetch is under way.
    bool fetching() const { return fetching_; }

  private:
    Session& session_;
    const core::Clock& clock_;
    MakeRequest request_;
    ReadAnswer read_;
    std::chrono::seconds margin_;
    std::string token_;
    core::Timestamp refresh_at_{};
    bool fetching_ = false;
    int fetches_ = 0;
    std::vector<Done> waiting_;
};

}  // namespace twintrack::connectors::runtime
