// Buttons and menus as Mattermost interactive message attachments, and the requests the
// Mattermost server posts to the action URL, shaped as its documentation shows them.

#include "connectors/mattermost/mattermost_actions.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "tests/support/sample_actions.hpp"

namespace twintrack::mattermost_test {
namespace {

using connectors::mattermost::action_attachments;
using connectors::mattermost::read_action_request;
using json = nlohmann::json;

const std::string kUrl = "https://bot.example.com/mattermost/actions";

std::vector<core::Action> approval_and_vote() {
    auto actions = test_support::sample_actions();
    actions[0].label = "批准";
    return actions;
}

TEST(MattermostActions, ButtonsAndMenusCallTheActionUrlWithTheirTokenAndTheSecret) {
    const json attachments = action_attachments(approval_and_vote(), kUrl, "s3cret");
    ASSERT_EQ(attachments.size(), 1u);
    const json& actions = attachments[0]["actions"];
    ASSERT_EQ(actions.size(), 3u);
    std::set<std::string> ids;
    for (const auto& a : actions) {
        const std::string id = a["id"];
        SCOPED_TRACE(id);
        // The server's route takes action ids of letters and digits only.
        EXPECT_TRUE(std::regex_match(id, std::regex("[A-Za-z0-9]+")));
        ids.insert(id);
        EXPECT_EQ(a["integration"]["url"], kUrl);
        EXPECT_EQ(a["integration"]["context"]["secret"], "s3cret");
    }
    EXPECT_EQ(ids.size(), 3u);
    EXPECT_EQ(actions[0]["type"], "button");
    EXPECT_EQ(actions[0]["name"], "批准");
    EXPECT_EQ(actions[0]["style"], "primary");
    EXPECT_EQ(actions[0]["integration"]["context"]["token"], "tok-approve");
    EXPECT_EQ(actions[1]["style"], "danger");
    EXPECT_EQ(actions[2]["type"], "select");
    EXPECT_EQ(actions[2]["name"], "Pick a date");
    EXPECT_EQ(actions[2]["options"], json::parse(R"([{"text":"Fri 12 Dec","value":"tok-d1"},
                              {"text":"Sat 13 Dec","value":"tok-d2"}])"));
}

TEST(MattermostActions, ActionsWithoutATokenAreLeftOut) {
    core::Action empty;
    empty.label = "x";
    EXPECT_TRUE(action_attachments({empty}, kUrl, "s").empty());
}

// What the server posts to the integration URL (PostActionIntegrationRequest).
json request(const json& context) {
    return {{"user_id", "rd49ehbqyjytddasoownkuqrxe"},
            {"user_name", "anna"},
            {"channel_id", "j6j53p28k6zx2mqexo3l4sdnjc"},
            {"channel_name", "joint"},
            {"team_id", "bt1oz8e4dir5ir5kc6q5yqnrsr"},
            {"team_domain", "acme"},
            {"post_id", "gqrnh3675jfxzftnjyjfe4udeh"},
            {"trigger_id", "abc"},
            {"type", ""},
            {"data_source", ""},
            {"context", context}};
}

TEST(MattermostActions, AButtonRequestCarriesItsTokenAndTheClicker) {
    const auto r =
        read_action_request(request({{"secret", "s3cret"}, {"token", "tok-approve"}}).dump());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->user_id, "rd49ehbqyjytddasoownkuqrxe");
    EXPECT_EQ(r->user_name, "anna");
    EXPECT_EQ(r->channel_id, "j6j53p28k6zx2mqexo3l4sdnjc");
    EXPECT_EQ(r->post_id, "gqrnh3675jfxzftnjyjfe4udeh");
    EXPECT_EQ(r->token, "tok-approve");
    EXPECT_EQ(r->secret, "s3cret");
}

TEST(MattermostActions, AMenuRequestCarriesTheChosenOption) {
    auto body = request({{"secret", "s3cret"}, {"selected_option", "tok-d2"}});
    body["type"] = "select";
    const auto r = read_action_request(body.dump());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->token, "tok-d2");
}

TEST(MattermostActions, IncompleteRequestsAreRefused) {
    json no_user = request({{"secret", "s"}, {"token", "t"}});
    no_user.erase("user_id");
    json no_post = request({{"secret", "s"}, {"token", "t"}});
    no_post["post_id"] = 5;
    const std::pair<const char*, std::string> cases[] = {
        {"not JSON", "user_id=x"},
        {"no secret", request({{"token", "t"}}).dump()},
        {"no token", request({{"secret", "s"}}).dump()},
        {"no user", no_user.dump()},
        {"a post id that is not a string", no_post.dump()},
        {"context not an object", request("x").dump()},
    };
    for (const auto& [what, body] : cases) {
        SCOPED_TRACE(what);
        EXPECT_FALSE(read_action_request(body));
    }
}

}  // namespace
}  // namespace twintrack::mattermost_test
