#include "bot/sign_in.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string_view>

#include "bot/engine.hpp"
#include "bot/turn.hpp"
#include "core/crypto.hpp"
#include "core/email.hpp"

namespace twintrack::bot {
namespace {

using json = nlohmann::json;
constexpr std::int64_t minute_ms = 60 * 1000;

core::ApiResponse json_response(int status, const json& body) {
    core::ApiResponse r;
    r.status = status;
    r.body = body.dump();
    return r;
}

std::optional<json> body_of(const ApiCall& call) {
    json body = json::parse(call.request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return std::nullopt;
    return body;
}

void count(Turn& turn, const std::string& result) {
    if (turn.engine().telemetry()) {
        turn.engine().telemetry()->add("twintrack_sign_ins_total", {{"result", result}});
    }
}

/// The person's user id on hub `connector`, or empty.
std::string identity_on(const Person& p, const std::string& connector) {
    for (const auto& i : p.identities) {
        if (i.connector == connector) return i.user_id;
    }
    return "";
}

core::ApiResponse request_link(Turn& turn, const ApiCall& call) {
    const auto body = body_of(call);
    if (!body) return api_error(400, "bad_request", "a JSON object is expected");
    const std::string connector = body->value("connector", "");
    const std::string who = body->value("who", "");
    const std::string client = body->value("client", "");
    const std::string url = body->value("url", "");
    auto& store = turn.write();
    const std::int64_t now = core::to_millis(turn.now());
    const std::int64_t since = now - sign_in_window_minutes * minute_ms;
    if (store.sign_in().requests_from(client, since) >= sign_in_requests_per_client) {
        turn.audit("sign_in.rate_limited", {{"client", client}});
        count(turn, "rate_limited");
        return api_error(429, "rate_limited", "too many sign-in requests; wait a few minutes");
    }
    const json sent = {{"status", "sent"}};
    const Person* person = turn.engine().directory().by_name_or_email(who);
    store.sign_in().add_request(now, client,
                                person ? std::optional<std::int64_t>(person->id) : std::nullopt);
    const auto refuse = [&](const char* why) {
        turn.audit("sign_in.link_refused",
                   {{"person_id", person ? person->id : 0}, {"client", client}, {"why", why}});
        count(turn, "link_refused");
        return json_response(202, sent);
    };
    if (person == nullptr) return refuse("unknown");
    if (store.sign_in().requests_for(person->id, since) > sign_in_requests_per_person) {
        return refuse("too_many");
    }
    const std::string user = identity_on(*person, connector);
    if (user.empty()) return refuse("no_identity_on_hub");
    // The link goes where the person is known already, never to the hub itself.
    const auto running = turn.engine().connector_names();
    const store::Identity* where = nullptr;
    for (const auto& i : person->identities) {
        if (i.connector == connector) continue;
        if (std::find(running.begin(), running.end(), i.connector) == running.end()) continue;
        where = &i;
        break;
    }
    // No platform to send it to: by email, when the hub has an SMTP relay.
    const bool by_email =
        where == nullptr && body->value("email", false) && core::is_plain_email(person->email);
    if (where == nullptr && !by_email) return refuse("no_other_platform");
    const std::string token = core::random_hex(32);
    store::SignInLink link;
    link.person_id = person->id;
    link.connector = connector;
    link.token_hash = core::sha256_hex(token);
    link.created_at = now;
    link.expires_at = now + sign_in_link_minutes * minute_ms;
    store.sign_in().add_link(link);
    turn.audit("sign_in.link_sent", {{"person_id", person->id},
                                     {"via", by_email ? "email" : where->connector},
                                     {"client", client}});
    count(turn, "link_sent");
    const json data = {{"url", url + "/?sign_in=" + token},
                       {"minutes", sign_in_link_minutes},
                       {"hub", connector},
                       {"name", person->name}};
    if (by_email) {
        // The hub sends it through its relay (the bot has no network) and reports a
        // mail that did not go out (`.../link/undelivered`, by the link's digest).
        const std::string locale = turn.engine().locale_for(person);
        const auto& prompts = turn.engine().prompts();
        return json_response(202,
                             {{"status", "sent"},
                              {"email",
                               {{"to", person->email},
                                {"subject", prompts.render(locale, "sign_in.email_subject", data)},
                                {"body", prompts.render(locale, "sign_in.email_body", data)},
                                {"link", link.token_hash}}}});
    }
    turn.post({where->connector, "@" + where->user_id, ""}, turn.engine().locale_for(person),
              "sign_in.link",
              {{"url", url + "/?sign_in=" + token},
               {"minutes", sign_in_link_minutes},
               {"hub", connector}});
    return json_response(202, sent);
}

// {"link": token digest, "why", "reply_code"}: the hub's relay did not take the mail. The
// link is spent (nobody has it) and the failure audited.
core::ApiResponse link_undelivered(Turn& turn, const ApiCall& call) {
    const auto body = body_of(call);
    if (!body) return api_error(400, "bad_request", "a JSON object is expected");
    auto& store = turn.write();
    const auto link = store.sign_in().link_by_hash(body->value("link", ""));
    if (!link || link->connector != body->value("connector", "")) {
        return api_error(404, "not_found", "no such link");
    }
    store.sign_in().use_link(link->id, core::to_millis(turn.now()));
    turn.audit("sign_in.link_undelivered", {{"person_id", link->person_id},
                                            {"via", "email"},
                                            {"why", body->value("why", "")},
                                            {"reply_code", body->value("reply_code", 0)}});
    count(turn, "link_undelivered");
    return json_response(200, {{"status", "recorded"}});
}

core::ApiResponse redeem_link(Turn& turn, const ApiCall& call) {
    const auto body = body_of(call);
    if (!body) return api_error(400, "bad_request", "a JSON object is expected");
    const std::string connector = body->value("connector", "");
    const std::string token = body->value("token", "");
    const std::int64_t absolute_ms =
        body->value("absolute_ms", std::int64_t{30} * 24 * 60 * minute_ms);
    auto& store = turn.write();
    const std::int64_t now = core::to_millis(turn.now());
    const auto link = store.sign_in().link_by_hash(core::sha256_hex(token));
    const auto fail = [&](const char* code, const char* why, std::int64_t person_id) {
        turn.audit("sign_in.failed", {{"person_id", person_id}, {"why", why}});
        count(turn, std::string("failed_") + why);
        return api_error(401, code, why);
    };
    if (!link || link->connector != connector) return fail("invalid_link", "forged", 0);
    if (link->used_at) return fail("link_used", "replayed", link->person_id);
    if (now >= link->expires_at) return fail("link_expired", "expired", link->person_id);
    const Person* person = turn.engine().directory().by_id(link->person_id);
    const std::string user = person ? identity_on(*person, connector) : "";
    if (user.empty() || !store.sign_in().use_link(link->id, now)) {
        return fail("invalid_link", "gone", link->person_id);
    }
    const std::string session = core::random_hex(32);
    store::WebSession row;
    row.person_id = person->id;
    row.connector = connector;
    row.id_hash = core::sha256_hex(session);
    row.created_at = now;
    row.last_seen_at = now;
    row.expires_at = now + absolute_ms;
    store.sign_in().add_session(row);
    turn.audit("sign_in", {{"person_id", person->id}, {"hub", connector}});
    count(turn, "signed_in");
    return json_response(200,
                         {{"session", session}, {"user", user}, {"expires_at", row.expires_at}});
}

/// The session's end reason, or empty while it is live.
std::string session_problem(const store::WebSession& s, const std::string& connector,
                            std::int64_t now, std::int64_t idle_ms, bool check_idle) {
    if (s.connector != connector) return "other_hub";
    if (s.revoked_at) return "revoked";
    if (now >= s.expires_at) return "expired";
    if (check_idle && now - s.last_seen_at >= idle_ms) return "idle";
    return "";
}

core::ApiResponse check_session(Turn& turn, const ApiCall& call) {
    const auto body = body_of(call);
    if (!body) return api_error(400, "bad_request", "a JSON object is expected");
    const std::string connector = body->value("connector", "");
    const std::int64_t idle_ms = body->value("idle_ms", std::int64_t{12} * 60 * minute_ms);
    auto& store = turn.write();
    const std::int64_t now = core::to_millis(turn.now());
    const auto s = store.sign_in().session_by_hash(body->value("session_hash", ""));
    const std::string problem = s ? session_problem(*s, connector, now, idle_ms, true) : "unknown";
    const Person* person = s ? turn.engine().directory().by_id(s->person_id) : nullptr;
    const std::string user = person ? identity_on(*person, connector) : "";
    if (!problem.empty() || user.empty()) {
        return api_error(401, "not_signed_in", problem.empty() ? "gone" : problem);
    }
    store.sign_in().touch_session(s->id, now);
    return json_response(200, {{"user", user}, {"locale", turn.engine().locale_for(person)}});
}

core::ApiResponse sweep_sessions(Turn& turn, const ApiCall& call) {
    const auto body = body_of(call);
    if (!body) return api_error(400, "bad_request", "a JSON object is expected");
    const std::string connector = body->value("connector", "");
    auto& store = turn.write();
    const std::int64_t now = core::to_millis(turn.now());
    json ended = json::array();
    for (const auto& h : body->value("hashes", json::array())) {
        if (!h.is_string()) continue;
        const auto s = store.sign_in().session_by_hash(h.get<std::string>());
        // An open page is use: live sessions are touched, so only revocation and the
        // absolute end close a socket.
        if (!s || !session_problem(*s, connector, now, 0, false).empty()) {
            ended.push_back(h);
        } else {
            store.sign_in().touch_session(s->id, now);
        }
    }
    return json_response(200, {{"ended", ended}});
}

// ---- OpenID Connect: the hub verified the ID token; the person comes from its email ----

/// Refuses with 429 (audited, counted) when `client` made too many sign-in requests or
/// failed OpenID sign-ins lately.
std::optional<core::ApiResponse> over_limit(Turn& turn, const std::string& client) {
    const std::int64_t since = core::to_millis(turn.now()) - sign_in_window_minutes * minute_ms;
    if (turn.write().sign_in().requests_from(client, since) < sign_in_requests_per_client) {
        return std::nullopt;
    }
    turn.audit("sign_in.rate_limited", {{"client", client}, {"via", "oidc"}});
    count(turn, "rate_limited");
    return api_error(429, "rate_limited", "too many failed sign-ins; wait a few minutes");
}

/// A failed OpenID sign-in: audited, counted, and one more request from `client`.
void oidc_failed(Turn& turn, const std::string& client, const std::string& why,
                 const std::string& email, std::int64_t person_id,
                 const std::string& via = "oidc") {
    turn.write().sign_in().add_request(
        core::to_millis(turn.now()), client,
        person_id ? std::optional<std::int64_t>(person_id) : std::nullopt);
    json details = {{"person_id", person_id}, {"client", client}, {"via", via}, {"why", why}};
    if (!email.empty()) details["email"] = email;
    turn.audit("sign_in.failed", details);
    count(turn, "failed_" + via);
}

/// A new session of `person` on hub `connector`: the row (hashed) and the answer.
core::ApiResponse open_session(Turn& turn, const Person& person, const std::string& connector,
                               const std::string& user, std::int64_t absolute_ms,
                               const json& audit) {
    const std::int64_t now = core::to_millis(turn.now());
    const std::string session = core::random_hex(32);
    store::WebSession row;
    row.person_id = person.id;
    row.connector = connector;
    row.id_hash = core::sha256_hex(session);
    row.created_at = now;
    row.last_seen_at = now;
    row.expires_at = now + absolute_ms;
    turn.write().sign_in().add_session(row);
    turn.audit("sign_in", audit);
    count(turn, "signed_in");
    return json_response(200, {{"session", session},
                               {"user", user},
                               {"locale", turn.engine().locale_for(&person)},
                               {"expires_at", row.expires_at}});
}

core::ApiResponse oidc_allowed(Turn& turn, const ApiCall& call) {
    const auto body = body_of(call);
    if (!body) return api_error(400, "bad_request", "a JSON object is expected");
    if (auto refused = over_limit(turn, body->value("client", ""))) return *refused;
    return json_response(200, {{"status", "ok"}});
}

core::ApiResponse oidc_report_failure(Turn& turn, const ApiCall& call) {
    const auto body = body_of(call);
    if (!body) return api_error(400, "bad_request", "a JSON object is expected");
    std::string via = body->value("via", "oidc");
    if (via != "oidc" && via != "feishu" && via != "dingtalk" && via != "wecom") via = "oidc";
    oidc_failed(turn, body->value("client", ""), body->value("why", "unknown"),
                body->value("email", ""), 0, via);
    return json_response(200, {{"status", "recorded"}});
}

// {"client","email","subject","role"?,"absolute_ms"}: the email is verified by the
// provider. With "role" (the provider's groups mapped by the hub's config) the person's
// role follows the provider.
core::ApiResponse oidc_sign_in(Turn& turn, const ApiCall& call) {
    const auto body = body_of(call);
    if (!body) return api_error(400, "bad_request", "a JSON object is expected");
    const std::string connector = body->value("connector", "");
    const std::string client = body->value("client", "");
    const std::string email = body->value("email", "");
    const std::int64_t absolute_ms =
        body->value("absolute_ms", std::int64_t{30} * 24 * 60 * minute_ms);
    if (auto refused = over_limit(turn, client)) return *refused;
    auto& store = turn.write();
    const std::int64_t now = core::to_millis(turn.now());
    const Person* found = email.empty() ? nullptr : turn.engine().directory().by_email(email);
    if (found == nullptr) {
        oidc_failed(turn, client, "unknown_email", email, 0);
        return api_error(403, "unknown_email", "nobody in the directory has this email");
    }
    Person person = *found;
    const std::string user = identity_on(person, connector);
    if (user.empty()) {
        oidc_failed(turn, client, "no_identity_on_hub", email, person.id);
        return api_error(403, "no_identity_on_hub", "this person has no identity on the hub");
    }
    const auto role = body->find("role");
    if (role != body->end() && role->is_string() && *role != person.role &&
        std::find(roles().begin(), roles().end(), role->get<std::string>()) != roles().end()) {
        turn.audit(
            "person.role",
            {{"person_id", person.id}, {"from", person.role}, {"to", *role}, {"via", "oidc"}});
        person.role = role->get<std::string>();
        store.people().upsert_by_email(person, now);
        turn.engine().directory_changed();
    }
    const std::string session = core::random_hex(32);
    store::WebSession row;
    row.person_id = person.id;
    row.connector = connector;
    row.id_hash = core::sha256_hex(session);
    row.created_at = now;
    row.last_seen_at = now;
    row.expires_at = now + absolute_ms;
    store.sign_in().add_session(row);
    turn.audit("sign_in",
               {{"person_id", person.id}, {"hub", connector}, {"via", "oidc"}, {"client", client}});
    count(turn, "signed_in");
    return json_response(200, {{"session", session},
                               {"user", user},
                               {"locale", turn.engine().locale_for(&person)},
                               {"expires_at", row.expires_at}});
}

// {"client","via","identity_connector","user_id","email","absolute_ms"}: the hub had the
// platform (feishu, dingtalk, wecom) say who signed in. The person is the one with that
// identity on `identity_connector` (as the platform's connector writes it), else the one
// with `email`, an address the platform's organisation vouches for.
core::ApiResponse platform_sign_in(Turn& turn, const ApiCall& call) {
    const auto body = body_of(call);
    if (!body) return api_error(400, "bad_request", "a JSON object is expected");
    const std::string connector = body->value("connector", "");
    const std::string client = body->value("client", "");
    std::string via = body->value("via", "");
    if (via != "feishu" && via != "dingtalk" && via != "wecom") {
        return api_error(400, "bad_request", "via must be feishu, dingtalk or wecom");
    }
    const std::string identity_connector = body->value("identity_connector", via);
    const std::string user_id = body->value("user_id", "");
    const std::string email = body->value("email", "");
    const std::int64_t absolute_ms =
        body->value("absolute_ms", std::int64_t{30} * 24 * 60 * minute_ms);
    if (auto refused = over_limit(turn, client)) return *refused;
    const auto& directory = turn.engine().directory();
    const Person* found =
        user_id.empty() ? nullptr : directory.resolve({identity_connector, user_id, ""});
    const char* matched = "identity";
    if (found == nullptr && !email.empty()) {
        found = directory.by_email(email);
        matched = "email";
    }
    if (found == nullptr) {
        oidc_failed(turn, client, "unknown_person", email, 0, via);
        return api_error(403, "unknown_person", "nobody in the directory has this account");
    }
    const std::string user = identity_on(*found, connector);
    if (user.empty()) {
        oidc_failed(turn, client, "no_identity_on_hub", email, found->id, via);
        return api_error(403, "no_identity_on_hub", "this person has no identity on the hub");
    }
    return open_session(turn, *found, connector, user, absolute_ms,
                        {{"person_id", found->id},
                         {"hub", connector},
                         {"via", via},
                         {"matched", matched},
                         {"client", client}});
}

// {"session_hash"}: the browser signs itself out.
core::ApiResponse sign_out(Turn& turn, const ApiCall& call) {
    const auto body = body_of(call);
    if (!body) return api_error(400, "bad_request", "a JSON object is expected");
    const std::string connector = body->value("connector", "");
    auto& store = turn.write();
    const auto s = store.sign_in().session_by_hash(body->value("session_hash", ""));
    if (s && s->connector == connector && !s->revoked_at) {
        store.sign_in().revoke_session(s->id, core::to_millis(turn.now()));
        turn.audit("session.sign_out", {{"person_id", s->person_id}, {"hub", connector}});
    }
    // Signed out either way: an unknown or ended session has nothing left to end.
    return json_response(200, {{"status", "signed_out"}});
}

}  // namespace

void register_sign_in(Engine& engine) {
    engine.api().add({"POST", "/_hub/sign-in/link", true, request_link});
    engine.api().add({"POST", "/_hub/sign-in/link/undelivered", true, link_undelivered});
    engine.api().add({"POST", "/_hub/sign-in/redeem", true, redeem_link});
    engine.api().add({"POST", "/_hub/session", true, check_session});
    engine.api().add({"POST", "/_hub/sessions/check", true, sweep_sessions});
    engine.api().add({"POST", "/_hub/sign-in/oidc/allowed", true, oidc_allowed});
    engine.api().add({"POST", "/_hub/sign-in/oidc/failed", true, oidc_report_failure});
    engine.api().add({"POST", "/_hub/sign-in/oidc", true, oidc_sign_in});
    engine.api().add({"POST", "/_hub/sign-in/platform", true, platform_sign_in});
    engine.api().add({"POST", "/_hub/sign-out", true, sign_out});
    // What the hub serves itself (/metrics, /api/v1/people) asks here first when it gets
    // an API token: the engine checks the token against the route's scope before this
    // handler runs, so reaching it means yes.
    const auto allowed = [](Turn&, const ApiCall&) {
        return json_response(200, {{"status", "allowed"}});
    };
    engine.api().add({"GET", "/_hub/api-token/metrics", true, allowed}, "metrics:read");
    engine.api().add({"GET", "/_hub/api-token/people", true, allowed}, "people:read");
}

}  // namespace twintrack::bot
