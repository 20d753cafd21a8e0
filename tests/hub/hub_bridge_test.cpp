// The hub's part of the bridge: a person's reply, edit and delete become events naming
// the message as its own event did; the bot's posts are edited and deleted in place.

#include "tests/hub/hub_fixture.hpp"

namespace twintrack::connectors::hub::testing {
namespace {

TEST_F(HubTest, APersonsReplyEditAndDeleteBecomeEventsAndUpdates) {
    start_hub();
    auto alice = sign_in("alice");
    auto bob = sign_in("bob");
    alice->send_json(message("joint", "Meet at 3", "c-1"));
    auto shown = wait_text(*bob, "Meet at 3");
    ASSERT_TRUE(shown);
    const std::string hub_id = (*shown)["id"];

    // bob answers it: the event names alice's message as her event did (her client id).
    json reply = message("joint", "Fine by me", "c-2");
    reply["reply_to"] = hub_id;
    bob->send_json(reply);
    auto answer = sink_.wait_for_text("Fine by me");
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->reply_to, "c-1");

    alice->send_json({{"type", "edit"},
                      {"channel", "joint"},
                      {"message", hub_id},
                      {"text", "Meet at 4"},
                      {"id", "c-3"}});
    auto update = bob->wait_for([](const json& f) { return f.value("type", "") == "update"; });
    ASSERT_TRUE(update);
    EXPECT_EQ((*update)["id"], hub_id);
    EXPECT_EQ((*update)["text"], "Meet at 4");
    auto edit = sink_.wait_for_text("Meet at 4");
    ASSERT_TRUE(edit);
    EXPECT_EQ(edit->kind, core::EventKind::edit);
    EXPECT_EQ(edit->target, "c-1");
    EXPECT_EQ(edit->where.channel, "joint");

    // Someone else's message cannot be changed.
    bob->send_json({{"type", "delete"}, {"channel", "joint"}, {"message", hub_id}});
    auto refused = bob->wait_for_type("error");
    ASSERT_TRUE(refused);

    alice->send_json({{"type", "delete"}, {"channel", "joint"}, {"message", hub_id}});
    auto gone = bob->wait_for(
        [](const json& f) { return f.value("type", "") == "update" && f.value("deleted", false); });
    ASSERT_TRUE(gone);
    EXPECT_EQ((*gone)["text"], "");
}

TEST_F(HubTest, TheBotsPostsAreEditedAndDeletedInPlace) {
    start_hub();
    EXPECT_TRUE(hub_->abilities().edits);
    EXPECT_TRUE(hub_->abilities().deletes);
    auto alice = sign_in("alice");
    const auto sent = send_post("joint", "ann (slack): Meet at 3");
    ASSERT_TRUE(sent.ok);
    ASSERT_TRUE(wait_text(*alice, "ann (slack): Meet at 3"));
    const auto change = [&](core::Post post) {
        auto result = std::make_shared<std::promise<core::SendResult>>();
        hub_->send(post, [result](core::SendResult r) { result->set_value(std::move(r)); });
        auto future = result->get_future();
        EXPECT_EQ(future.wait_for(5s), std::future_status::ready);
        return future.get();
    };
    core::Post edit;
    edit.to = {"hub", "joint", ""};
    edit.text = "ann (slack): Meet at 4";
    edit.edits = sent.message_id;
    EXPECT_TRUE(change(edit).ok);
    auto update = alice->wait_for([](const json& f) { return f.value("type", "") == "update"; });
    ASSERT_TRUE(update);
    EXPECT_EQ((*update)["id"], sent.message_id);
    EXPECT_EQ((*update)["text"], "ann (slack): Meet at 4");
    core::Post gone;
    gone.to = edit.to;
    gone.deletes = sent.message_id;
    EXPECT_TRUE(change(gone).ok);
    auto deleted = alice->wait_for(
        [](const json& f) { return f.value("type", "") == "update" && f.value("deleted", false); });
    ASSERT_TRUE(deleted);
    // A new socket's history shows the message as deleted.
    std::vector<json> history;
    auto later = sign_in("carol", &history);
    bool found = false;
    for (const auto& frame : history) {
        if (frame["channel"] != "joint") continue;
        for (const auto& m : frame["messages"]) {
            if (m.value("id", "") == sent.message_id) {
                found = true;
                EXPECT_TRUE(m.value("deleted", false));
            }
        }
    }
    EXPECT_TRUE(found);
}

}  // namespace
}  // namespace twintrack::connectors::hub::testing
