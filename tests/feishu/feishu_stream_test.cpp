// Feishu's long connection: protobuf frames, the endpoint answer, multi-part events, and
// the connector against the fake Feishu's WebSocket (pings at the server's interval,
// events acknowledged, reconnects).

#include "connectors/feishu/feishu_stream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "connectors/feishu/feishu_connector.hpp"
#include "core/clock.hpp"
#include "tests/feishu/fake_feishu.hpp"
#include "tests/support/connector_sink.hpp"

namespace twintrack::feishu_test {
namespace {

using namespace connectors::feishu;

TEST(FeishuStream, FramesSurviveTheWireAndAcksCarryCode200) {
    StreamFrame f;
    f.seq_id = 7;
    f.log_id = 8;
    f.service = 33554678;
    f.method = frame_data;
    f.headers = {{"type", "event"}, {"message_id", "m1"}, {"sum", "1"}, {"seq", "0"}};
    f.payload = R"({"schema":"2.0"})";
    f.log_id_new = "new-log";
    auto back = decode_frame(encode_frame(f));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->seq_id, 7u);
    EXPECT_EQ(back->service, 33554678);
    EXPECT_EQ(back->header("message_id"), "m1");
    EXPECT_EQ(back->payload, f.payload);
    EXPECT_EQ(back->log_id_new, "new-log");

    auto ack = decode_frame(ack_frame(*back, 200, std::chrono::milliseconds(3)));
    ASSERT_TRUE(ack);
    EXPECT_EQ(ack->seq_id, 7u);
    EXPECT_EQ(ack->header("message_id"), "m1");
    EXPECT_EQ(ack->header("biz_rt"), "3");
    EXPECT_EQ(nlohmann::json::parse(ack->payload)["code"], 200);

    auto ping = decode_frame(ping_frame(42));
    ASSERT_TRUE(ping);
    EXPECT_EQ(ping->method, frame_control);
    EXPECT_EQ(ping->service, 42);
    EXPECT_EQ(ping->header("type"), "ping");

    EXPECT_FALSE(decode_frame("\xff\xff\xff not a frame"));
}

TEST(FeishuStream, ReadsTheEndpointAndItsClientConfig) {
    auto a = read_endpoint(
        R"({"code":0,"msg":"ok","data":{"URL":"wss://msg-frontier.feishu.cn/ws/v2?fpid=493&aid=552564&device_id=7440&access_key=x&service_id=33554678&ticket=t","ClientConfig":{"ReconnectCount":-1,"ReconnectInterval":120,"ReconnectNonce":30,"PingInterval":90}}})");
    ASSERT_TRUE(a.endpoint);
    EXPECT_EQ(a.endpoint->service_id, 33554678);
    EXPECT_EQ(a.endpoint->ping_interval, std::chrono::seconds(90));
    struct Case {
        const char* name;
        const char* body;
        long long code;
    };
    const Case cases[] = {
        {"refused", R"({"code":1000040344,"msg":"app secret invalid"})", 1000040344},
        {"no URL", R"({"code":0,"data":{}})", -1},
        {"not JSON", "<html>", -1},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        auto r = read_endpoint(c.body);
        EXPECT_FALSE(r.endpoint);
        EXPECT_EQ(r.code, c.code);
    }
    EXPECT_EQ(read_ping_interval(R"({"PingInterval":5})"), std::chrono::seconds(5));
    EXPECT_FALSE(read_ping_interval(R"({"PingInterval":"5"})"));
}

TEST(FeishuStream, PartsArePutBackTogetherInAnyOrder) {
    Reassembler r(std::chrono::seconds(5));
    const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
    EXPECT_EQ(r.add("solo", 1, 0, "whole", t0), "whole");
    EXPECT_FALSE(r.add("m", 3, 2, "c", t0));
    EXPECT_FALSE(r.add("m", 3, 0, "a", t0));
    EXPECT_EQ(r.add("m", 3, 1, "b", t0), "abc");
    EXPECT_EQ(r.pending(), 0u);
    // Parts that never complete are dropped after `keep`.
    EXPECT_FALSE(r.add("lost", 2, 0, "x", t0));
    EXPECT_FALSE(r.add("other", 2, 0, "y", t0 + std::chrono::seconds(6)));
    EXPECT_EQ(r.pending(), 1u);
    EXPECT_FALSE(r.add("bad", 2, 5, "z", t0));  // seq out of range
}

class FeishuLongConnectionTest : public ::testing::Test {
  protected:
    void start() {
        FeishuSettings s;
        s.name = "feishu";
        s.app_id = kAppId;
        s.app_secret = core::Secret("TEST_APP_SECRET", kAppSecret);
        s.api_url = fake_.url();
        s.backoff_initial = std::chrono::milliseconds(20);
        s.backoff_max = std::chrono::milliseconds(200);
        connectors::ConnectorContext context{"", "", &clock_, nullptr};
        connector_ = make_feishu(std::move(s), context);
        connector_->start(sink_);
    }
    void TearDown() override {
        if (connector_) connector_->stop();
    }

    FakeFeishu fake_;
    core::SystemClock clock_;
    test_support::CollectingSink sink_;
    std::unique_ptr<connectors::Connector> connector_;
};

TEST_F(FeishuLongConnectionTest, AnEventInThreePartsArrivesOnceAndIsAcknowledged) {
    start();
    ASSERT_TRUE(fake_.wait_sockets(1));
    const json ev = message_event("ev-ws-1", "om_ws1", "ou_wang", "oc_p2p", "p2p", "报告");
    ASSERT_TRUE(fake_.send_event(ev, "msg-1", 3));
    auto e = sink_.with_text("报告");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->who.user_id, "ou_wang");
    EXPECT_EQ(e->where.channel, "@ou_wang");
    auto acks = fake_.wait_acks("msg-1");
    ASSERT_EQ(acks.size(), 1u);
    EXPECT_EQ(json::parse(acks[0].payload)["code"], 200);
    EXPECT_FALSE(acks[0].header("biz_rt").empty());
    // Delivered again (its acknowledgement was late): acknowledged, not handled again.
    ASSERT_TRUE(fake_.send_event(ev, "msg-1b"));
    ASSERT_EQ(fake_.wait_acks("msg-1b").size(), 1u);
    const json next = message_event("ev-ws-2", "om_ws2", "ou_wang", "oc_p2p", "p2p", "next");
    ASSERT_TRUE(fake_.send_event(next, "msg-2"));
    ASSERT_TRUE(sink_.with_text("next"));
    EXPECT_TRUE(sink_.rest().empty());
    EXPECT_TRUE(connector_->connected());
}

TEST_F(FeishuLongConnectionTest, PingsAtTheIntervalTheServerGives) {
    fake_.set_ping_interval(1);
    start();
    ASSERT_TRUE(fake_.wait_sockets(1));
    auto pings = fake_.wait_pings(3);
    ASSERT_GE(pings.size(), 3u);
    for (const auto& p : pings) EXPECT_EQ(p.service, 33554678);
}

TEST_F(FeishuLongConnectionTest, ALostConnectionIsOpenedAgainWithAFreshEndpoint) {
    start();
    ASSERT_TRUE(fake_.wait_sockets(1));
    fake_.drop_sockets();
    ASSERT_TRUE(fake_.wait_sockets(2));
    EXPECT_GE(fake_.calls("/callback/ws/endpoint").size(), 2u);
    const json ev = message_event("ev-ws-3", "om_ws3", "ou_wang", "oc_p2p", "p2p", "again");
    ASSERT_TRUE(fake_.send_event(ev, "msg-3"));
    EXPECT_TRUE(sink_.with_text("again"));
}

}  // namespace
}  // namespace twintrack::feishu_test
