// Group robots: the cost of preparing a post (split, JSON body, DingTalk signature) and
// posts per second through a robot connector to a local HTTP server on loopback (client
// rate limit off), which bounds what the connector adds to the platform's own limits.

#include <benchmark/benchmark.h>

#include <atomic>
#include <future>

#include "connectors/http/http_client.hpp"
#include "connectors/robots/callback_server.hpp"
#include "connectors/robots/formats.hpp"
#include "connectors/robots/robot_connector.hpp"
#include "connectors/robots/signing.hpp"
#include "core/clock.hpp"

namespace {

using namespace twintrack;
using namespace twintrack::connectors::robots;

std::string digest_text(std::size_t lines) {
    std::string text = "Field report digest, Sales: 12 report(s)\n";
    for (std::size_t i = 0; i < lines; ++i) {
        text += "• Huawei at ACME 客户 #" + std::to_string(i) + ": -10% (Sam Seller)\n";
    }
    return text;
}

void BM_PreparePost(benchmark::State& state) {
    const std::string text = digest_text(static_cast<std::size_t>(state.range(0)));
    const Limits limits = default_limits(Platform::dingtalk, Format::markdown);
    std::int64_t ts = 1795886849588;
    for (auto _ : state) {
        auto bodies = build_bodies(Platform::dingtalk, Format::markdown, text, {}, limits);
        for (auto& b : bodies) {
            const std::string sign =
                connectors::http::url_encode(dingtalk_sign(++ts, "SECbenchsecret"));
            benchmark::DoNotOptimize(sign);
            benchmark::DoNotOptimize(b.dump());
        }
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_PreparePost)->Arg(10)->Arg(1000);

class Sink : public core::EventSink {
  public:
    void push(core::Event) override {}
};

void BM_PostsOverLoopback(benchmark::State& state) {
    CallbackServer server("127.0.0.1", 0, 1024 * 1024,
                          [](const HttpRequest&) { return HttpAnswer(200, "ok"); });
    server.start();
    RobotSettings settings;
    settings.name = "bench";
    settings.platform = Platform::webhook;
    settings.format = Format::text;
    settings.limits = default_limits(Platform::webhook, Format::text);
    settings.per_minute = 100000000;
    settings.per_second = 100000000;
    RobotChannel channel;
    channel.name = "c";
    channel.track = "joint";
    channel.url = core::Secret("URL", "http://127.0.0.1:" + std::to_string(server.port()) + "/h");
    settings.channels.push_back(channel);
    core::SystemClock clock;
    connectors::ConnectorContext context;
    context.clock = &clock;
    context.roster = std::make_shared<connectors::Roster>();
    auto robot = make_robot(settings, context);
    Sink sink;
    robot->start(sink);
    core::Post post;
    post.to = {"bench", "c", ""};
    post.text = digest_text(5);
    for (auto _ : state) {
        std::promise<bool> done;
        robot->send(post, [&](core::SendResult r) { done.set_value(r.ok); });
        if (!done.get_future().get()) state.SkipWithError("post failed");
    }
    state.SetItemsProcessed(state.iterations());
    robot->stop();
    server.stop();
}
BENCHMARK(BM_PostsOverLoopback)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
