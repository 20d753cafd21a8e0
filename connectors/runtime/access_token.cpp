#include "connectors/runtime/access_token.hpp"

#include <algorithm>

#include "connectors/runtime/session.hpp"

namespace twintrack::connectors::runtime {

AccessToken::AccessToken(Session& session, const core::Clock& clock, MakeRequest request,
                         ReadAnswer read, std::chrono::seconds margin)
    : session_(session),
      clock_(clock),
      request_(std::move(request)),
      read_(std::move(read)),
      margin_(margin) {}

void AccessToken::get(Done done) {
    if (!token_.empty() && clock_.now() < refresh_at_) {
        Result cached;
        cached.kind = Result::Kind::ok;
        return done(token_, cached);
    }
    waiting_.push_back(std::move(done));
    if (fetching_) return;
    fetching_ = true;
    token_.clear();
    session_.call(request_(), [this](Result r) {
        fetching_ = false;
        Grant grant = read_(r);
        if (!grant.token.empty()) {
            auto life =
                grant.expires_in.count() > 0 ? grant.expires_in : std::chrono::seconds(7200);
            const auto margin = std::min(margin_, life / 2);
            token_ = std::move(grant.token);
            refresh_at_ = clock_.now() + (life - margin);
            ++fetches_;
        }
        auto waiting = std::move(waiting_);
        waiting_.clear();
        for (auto& w : waiting) w(token_, r);
    });
}

void AccessToken::refused(const std::string& token) {
    if (!token.empty() && token_ == token) token_.clear();
}

}  // namespace twintrack::connectors::runtime
