// Socket Mode throughput: envelopes sent by the fake Slack over a loopback WebSocket,
// acknowledged by the connector and delivered to the sink as Events.
//   build/bench/slack/slack_bench

#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "connectors/slack/slack_connector.hpp"
#include "core/clock.hpp"
#include "tests/slack/fake_slack.hpp"

namespace {

using namespace twintrack;
using slack_test::FakeSlack;

class CountingSink : public core::EventSink {
  public:
    void push(core::Event) override {
        std::lock_guard<std::mutex> lock(mu_);
        ++count_;
        cv_.notify_all();
    }
    bool wait(long long n) {
        std::unique_lock<std::mutex> lock(mu_);
        return cv_.wait_for(lock, std::chrono::seconds(30), [&] { return count_ >= n; });
    }

  private:
    std::mutex mu_;
    std::condition_variable cv_;
    long long count_ = 0;
};

void BM_SocketModeEvents(benchmark::State& state) {
    spdlog::set_level(spdlog::level::warn);
    FakeSlack slack;
    slack.add_user("U061F7AUR", "Anna Becker");
    core::SystemClock clock;
    connectors::slack::SlackSettings s;
    s.bot_token = core::Secret("SLACK_BOT_TOKEN", "xoxb-bench");
    s.app_token = core::Secret("SLACK_APP_TOKEN", "xapp-1-bench");
    s.api_url = slack.api_url();
    connectors::ConnectorContext context;
    context.clock = &clock;
    auto connector = connectors::slack::make_slack(std::move(s), context);
    CountingSink sink;
    connector->start(sink);
    if (!slack.wait_sockets(1)) {
        state.SkipWithError("no socket");
        return;
    }
    slack.send_json({{"type", "hello"}});
    long long sent = 0;
    const int batch = 100;
    for (auto _ : state) {
        for (int i = 0; i < batch; ++i) {
            ++sent;
            const std::string n = std::to_string(sent);
            slack.send_json(slack_test::events_api_envelope(
                "env-" + n, "Ev" + n,
                slack_test::message_event("C024BE91L", "U061F7AUR", "report Acme: visited " + n,
                                          "1795886849." + n)));
        }
        if (!sink.wait(sent)) {
            state.SkipWithError("events were not delivered");
            break;
        }
    }
    slack.wait_ack("env-" + std::to_string(sent));
    state.SetItemsProcessed(sent);
    connector->stop();
}
BENCHMARK(BM_SocketModeEvents)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
