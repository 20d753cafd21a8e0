// The connector runtime's HTTP client against raw loopback servers: typed results, bodies,
// a dropped connection, a timeout, proxies (config and environment, NO_PROXY, CONNECT),
// CA files; the per-target send queues; and the reconnect backoff.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <thread>

#include "connectors/runtime/api_answer.hpp"
#include "connectors/runtime/backoff.hpp"
#include "connectors/runtime/http_client.hpp"
#include "connectors/runtime/serial_queues.hpp"
#include "connectors/runtime/transport.hpp"
#include "core/clock.hpp"
#include "tests/support/loopback_proxy.hpp"
#include "tests/support/temp_dir.hpp"

namespace twintrack::connectors::runtime {
namespace {

using namespace std::chrono_literals;
using test_support::LoopbackProxy;
using test_support::LoopbackServer;
using test_support::read_http_request;
using test_support::write_all;
using ::testing::HasSubstr;

// Answers every request with `answer`, remembering the last request.
struct CannedServer {
    explicit CannedServer(std::string answer)
        : server([this, answer](int fd) {
              std::string request = read_http_request(fd);
              {
                  std::lock_guard<std::mutex> lock(mu);
                  last = request;
              }
              write_all(fd, answer);
          }) {}
    std::string request() {
        std::lock_guard<std::mutex> lock(mu);
        return last;
    }
    std::mutex mu;
    std::string last;
    LoopbackServer server;
};

std::string answer(int status, const std::string& extra_headers, const std::string& body) {
    return "HTTP/1.1 " + std::to_string(status) +
           " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n" +
           extra_headers + "\r\n" + body;
}

Result run(HttpClient& client, Request request) {
    std::promise<Result> p;
    client.send(std::move(request), [&](Result r) { p.set_value(std::move(r)); });
    auto f = p.get_future();
    if (f.wait_for(30s) != std::future_status::ready) {
        Result none;
        none.error = "no completion";
        return none;
    }
    return f.get();
}

Executor inline_executor() {
    return [](std::function<void()> f) { f(); };
}

TEST(HttpClient, AJsonPostGetsTheAnswerWithHeadersInLowerCase) {
    CannedServer s(answer(200, "Content-Type: application/json\r\nX-Thing: 7\r\n",
                          R"({"ok":true,"ts":"1.2"})"));
    HttpClient client({}, inline_executor());
    Result r = run(client, Request::json_post(s.server.url("/api/chat.postMessage"),
                                              {{"channel", "C1"}, {"text", "héllo"}}));
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("x-thing"), "7");
    EXPECT_EQ(r.json().value("ts", ""), "1.2");
    const std::string req = s.request();
    EXPECT_THAT(req, HasSubstr("POST /api/chat.postMessage HTTP/1.1"));
    EXPECT_THAT(req, HasSubstr("application/json; charset=utf-8"));
    EXPECT_THAT(req, HasSubstr(R"({"channel":"C1","text":"héllo"})"));
}

TEST(HttpClient, AnswersAreTypedByStatus) {
    struct Case {
        int status;
        std::string headers;
        Result::Kind kind;
        std::chrono::seconds retry_after;
    };
    const std::vector<Case> cases = {
        {429, "Retry-After: 7\r\n", Result::Kind::rate_limited, 7s},
        {429, "", Result::Kind::rate_limited, 1s},
        {503, "", Result::Kind::transient, 0s},
        {408, "", Result::Kind::transient, 0s},
        {404, "", Result::Kind::permanent, 0s},
        {400, "", Result::Kind::permanent, 0s},
        {204, "", Result::Kind::ok, 0s},
    };
    HttpClient client({}, inline_executor());
    for (const auto& c : cases) {
        SCOPED_TRACE(std::to_string(c.status) + " " + c.headers);
        CannedServer s(answer(c.status, c.headers, c.status == 204 ? "" : "{}"));
        Result r = run(client, Request::json_post(s.server.url("/x"), nullptr));
        EXPECT_EQ(kind_name(r.kind), std::string(kind_name(c.kind)));
        EXPECT_EQ(r.status, c.status);
        EXPECT_EQ(r.retry_after, c.retry_after);
    }
}

TEST(HttpClient, AMultipartBodyCarriesEveryPart) {
    CannedServer s(answer(200, "", "ok"));
    HttpClient client({}, inline_executor());
    Result r = run(client, Request::multipart_post(s.server.url("/upload"),
                                                   {{"channel_id", "C1", "", ""},
                                                    {"file", std::string("\x89PNG\r\n\0bytes", 13),
                                                     "chart.png", "image/png"}}));
    ASSERT_TRUE(r.ok()) << r.error;
    const std::string req = s.request();
    const auto b = req.find("boundary=");
    ASSERT_NE(b, std::string::npos);
    const std::string boundary = req.substr(b + 9, req.find("\r\n", b) - b - 9);
    EXPECT_THAT(req, HasSubstr("--" + boundary +
                               "\r\nContent-Disposition: form-data; "
                               "name=\"channel_id\"\r\n\r\nC1\r\n"));
    EXPECT_THAT(req, HasSubstr("name=\"file\"; filename=\"chart.png\"\r\nContent-Type: "
                               "image/png\r\n\r\n" +
                               std::string("\x89PNG\r\n\0bytes", 13) + "\r\n"));
    EXPECT_THAT(req, HasSubstr("--" + boundary + "--\r\n"));
}

TEST(HttpClient, AConnectionDroppedMidResponseIsATransientFailure) {
    LoopbackServer s([](int fd) {
        read_http_request(fd);
        write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{\"ok\":tr");
        ::shutdown(fd, SHUT_RDWR);
    });
    HttpClient client({}, inline_executor());
    Result r = run(client, Request::json_post(s.url("/api/auth.test"), nullptr));
    EXPECT_EQ(kind_name(r.kind), std::string("transient"));
    EXPECT_FALSE(r.error.empty());
    EXPECT_TRUE(r.retryable());
}

TEST(HttpClient, AServerThatNeverAnswersTimesOut) {
    LoopbackServer s([](int fd) {
        read_http_request(fd);
        char c;
        while (::read(fd, &c, 1) > 0) {
        }  // until the client gives up (or the server stops)
    });
    HttpClient client({}, inline_executor());
    Request req = Request::json_post(s.url("/api/chat.postMessage"), nullptr);
    req.timeout = 300ms;
    Result r = run(client, req);
    EXPECT_EQ(kind_name(r.kind), std::string("timeout")) << r.error;
    EXPECT_EQ(r.status, 0);
}

TEST(HttpClient, ARefusedConnectionIsTransientAndABadUrlPermanent) {
    int port = 0;
    {
        LoopbackServer gone([](int) {});
        port = gone.port();
    }
    HttpClient client({}, inline_executor());
    Result refused =
        run(client, Request::json_post("http://127.0.0.1:" + std::to_string(port) + "/x", nullptr));
    EXPECT_EQ(kind_name(refused.kind), std::string("transient"));
    Result bad = run(client, Request::json_post("ftp://example.com/x", nullptr));
    EXPECT_EQ(kind_name(bad.kind), std::string("permanent"));
}

// A request and a URL parse with an empty module folder: 0 when both fail, naming the module.
int send_without_module() {
    bool ok = false;
    {
        test_support::TempDir empty;
        ::setenv("TWINTRACK_MODULE_DIR", empty.path().c_str(), 1);
        HttpClient client({}, inline_executor());
        const Result r = run(client, Request::json_post("http://127.0.0.1:1/x", nullptr));
        std::string scheme, host;
        int port = 0;
        const bool parsed = parse_http_url("http://127.0.0.1:1/x", scheme, host, port);
        ok = r.kind == Result::Kind::permanent && !parsed &&
             r.error.find("module twintrack_http_module.so not found in " + empty.path()) !=
                 std::string::npos;
        std::fprintf(stderr, "%s\n", r.error.c_str());
    }
    return ok ? 0 : 1;
}

// cpprestsdk is in twintrack_http_module.so, loaded with the first client. Without it
// (an empty module folder, in a fresh process since a loaded module stays loaded), every
// request ends as a permanent failure naming the missing module, and no URL parses.
TEST(HttpClient, WithoutItsModuleEveryRequestFailsNamingTheModule) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(std::exit(send_without_module()), ::testing::ExitedWithCode(0),
                "module twintrack_http_module.so not found");
}

TEST(HttpClient, NoCompletionIsHandedOnAfterShutdown) {
    LoopbackServer s([](int fd) {
        read_http_request(fd);
        char c;
        while (::read(fd, &c, 1) > 0) {
        }
    });
    std::atomic<int> completions{0};
    {
        HttpClient client({}, inline_executor());
        client.send(Request::json_post(s.url("/x"), nullptr), [&](Result) { ++completions; });
        client.shutdown();
    }
    EXPECT_EQ(completions.load(), 0);
}

// A completion may hold its owner's objects (the hub's web connection, say). They must go
// when the client shuts down, on the thread that shuts it down: a pool thread releasing
// them later, after the owner's event loop is gone, touched freed memory (found by the
// ThreadSanitizer run of the hub tests).
TEST(HttpClient, WhatACompletionHoldsIsReleasedByShutdownOnTheCallersThread) {
    std::promise<void> asked;
    LoopbackServer s([&asked](int fd) {
        read_http_request(fd);
        asked.set_value();
        char c;
        while (::read(fd, &c, 1) > 0) {
        }
    });
    struct Held {
        Held(std::atomic<bool>& gone, std::thread::id& where) : gone(gone), where(where) {}
        ~Held() {
            where = std::this_thread::get_id();
            gone.store(true);
        }
        std::atomic<bool>& gone;
        std::thread::id& where;
    };
    std::atomic<bool> gone{false};
    std::thread::id where;
    HttpClient client({}, inline_executor());
    {
        auto held = std::make_shared<Held>(gone, where);
        client.send(Request::json_post(s.url("/x"), nullptr), [held](Result) {});
    }
    asked.get_future().wait();  // the request is on the wire, its completion pending
    EXPECT_FALSE(gone.load());
    client.shutdown();
    EXPECT_TRUE(gone.load());
    EXPECT_EQ(where, std::this_thread::get_id());
}

TEST(HttpClient, AnAnswerPastTheBodyLimitIsTooBig) {
    const std::string big(5000, 'x');
    std::string chunked =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    for (int i = 0; i < 5; ++i) chunked += "3e8\r\n" + std::string(1000, 'y') + "\r\n";
    chunked += "0\r\n\r\n";
    struct Case {
        std::string name, answer;
        std::size_t limit;
        bool too_big;
    };
    const std::vector<Case> cases = {
        {"announced length", answer(200, "", big), 1000, true},
        {"chunked", chunked, 1000, true},
        {"within the limit", answer(200, "", big), 10000, false},
    };
    HttpClient client({}, inline_executor());
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        CannedServer s(c.answer);
        Request req;
        req.url = s.server.url("/cal.ics");
        req.max_body = c.limit;
        Result r = run(client, req);
        EXPECT_EQ(r.too_big, c.too_big) << r.error;
        EXPECT_EQ(r.ok(), !c.too_big);
        if (!c.too_big) {
            EXPECT_EQ(r.body, big);
        }
    }
}

TEST(HttpClient, ConnectToPinsTheAddressAndKeepsTheHostName) {
    CannedServer s(answer(200, "", "pinned"));
    HttpClient client({}, inline_executor());
    Request req;
    req.url = "http://calendar.example.invalid:" + std::to_string(s.server.port()) + "/c.ics";
    req.connect_to = "127.0.0.1";
    Result r = run(client, req);
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.body, "pinned");
    EXPECT_THAT(s.request(), HasSubstr("GET /c.ics HTTP/1.1"));
    EXPECT_THAT(s.request(), ::testing::ContainsRegex("\r\nHost: ?calendar\\.example\\.invalid:" +
                                                      std::to_string(s.server.port()) + "\r\n"));
}

// --- proxies ---------------------------------------------------------------------------

class ScopedEnv {
  public:
    ScopedEnv(const char* name, const std::string& value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        ::setenv(name, value.c_str(), 1);
    }
    ~ScopedEnv() {
        if (old_) {
            ::setenv(name_, old_->c_str(), 1);
        } else {
            ::unsetenv(name_);
        }
    }

  private:
    const char* name_;
    std::optional<std::string> old_;
};

TEST(HttpClientProxy, AConfiguredProxyCarriesTheRequestInAbsoluteForm) {
    CannedServer s(answer(200, "", R"({"ok":true})"));
    LoopbackProxy proxy;
    Transport t;
    t.proxy = proxy.url();
    HttpClient client(t, inline_executor());
    Result r = run(client, Request::json_post(s.server.url("/api/auth.test"), nullptr));
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_TRUE(proxy.wait_seen("POST http://127.0.0.1:" + std::to_string(s.server.port()) +
                                "/api/auth.test"));
}

TEST(HttpClientProxy, HttpsGoesThroughAConnectTunnel) {
    LoopbackServer tls_server([](int fd) {
        char c;
        ::read(fd, &c, 1);  // not a TLS server: the handshake fails after the tunnel
    });
    LoopbackProxy proxy;
    Transport t;
    t.proxy = proxy.url();
    HttpClient client(t, inline_executor());
    Request req = Request::json_post(
        "https://127.0.0.1:" + std::to_string(tls_server.port()) + "/api/auth.test", nullptr);
    req.timeout = 2s;
    Result r = run(client, req);
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(proxy.wait_seen("CONNECT 127.0.0.1:" + std::to_string(tls_server.port())));
}

TEST(HttpClientProxy, TheEnvironmentsProxyIsUsedUnlessNoProxyListsTheHost) {
    CannedServer s(answer(200, "", "{}"));
    LoopbackProxy proxy;
    ScopedEnv http_proxy("HTTP_PROXY", proxy.url());
    {
        HttpClient client({}, inline_executor());
        EXPECT_TRUE(run(client, Request::json_post(s.server.url("/via-proxy"), nullptr)).ok());
        EXPECT_TRUE(proxy.wait_seen("/via-proxy"));
    }
    ScopedEnv no_proxy("NO_PROXY", "localhost,127.0.0.1");
    {
        HttpClient client({}, inline_executor());
        EXPECT_TRUE(run(client, Request::json_post(s.server.url("/direct"), nullptr)).ok());
        EXPECT_THAT(s.request(), HasSubstr("POST /direct HTTP/1.1"));
        for (const auto& line : proxy.seen())
            EXPECT_THAT(line, ::testing::Not(HasSubstr("/direct")));
    }
    {
        Transport none;
        none.proxy = "none";
        ScopedEnv no_list("NO_PROXY", "");
        HttpClient client(none, inline_executor());
        EXPECT_TRUE(run(client, Request::json_post(s.server.url("/never"), nullptr)).ok());
        for (const auto& line : proxy.seen())
            EXPECT_THAT(line, ::testing::Not(HasSubstr("/never")));
    }
}

TEST(Transport, TheProxyForAUrlFollowsConfigEnvironmentAndNoProxy) {
    struct Case {
        std::string url, configured;
        std::map<std::string, std::string> env;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {"https://slack.com/api", "", {}, ""},
        {"https://slack.com/api", "", {{"HTTPS_PROXY", "http://p:3128"}}, "http://p:3128"},
        {"https://slack.com/api", "", {{"https_proxy", "p:3128"}}, "http://p:3128"},
        {"http://chat.corp/api", "", {{"HTTPS_PROXY", "http://p:3128"}}, ""},
        {"http://chat.corp/api", "", {{"HTTP_PROXY", "http://p:3128"}}, "http://p:3128"},
        {"https://slack.com/api",
         "http://c:8080",
         {{"HTTPS_PROXY", "http://p:3128"}},
         "http://c:8080"},
        {"https://slack.com/api", "none", {{"HTTPS_PROXY", "http://p:3128"}}, ""},
        {"https://chat.corp.example/api", "http://c:8080", {{"NO_PROXY", ".corp.example"}}, ""},
        {"https://corp.example/api",
         "",
         {{"HTTPS_PROXY", "http://p:1"}, {"NO_PROXY", "corp.example"}},
         ""},
        {"https://notcorp.example/api",
         "",
         {{"HTTPS_PROXY", "http://p:1"}, {"NO_PROXY", "corp.example"}},
         "http://p:1"},
        {"http://[::1]:8065/api", "", {{"HTTP_PROXY", "http://p:1"}, {"no_proxy", "::1"}}, ""},
        {"https://slack.com/api", "", {{"HTTPS_PROXY", "http://p:1"}, {"NO_PROXY", "*"}}, ""},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.url + " configured=" + c.configured);
        Transport t;
        t.proxy = c.configured;
        auto env = [&](const char* name) -> const char* {
            auto it = c.env.find(name);
            return it == c.env.end() ? nullptr : it->second.c_str();
        };
        EXPECT_EQ(proxy_for(c.url, t, env), c.expected);
    }
}

// --- config ----------------------------------------------------------------------------

std::vector<std::string> transport_errors(const std::string& yaml, Transport& t) {
    core::ConfigErrors errors;
    YAML::Node node = YAML::Load(yaml);
    core::SectionReader section(node, "connectors.slack", errors);
    read_transport(section, t);
    std::vector<std::string> out;
    for (const auto& e : errors.all()) out.push_back(e.message);
    return out;
}

TEST(TransportConfig, ABadCaFileOrProxyIsAClearConfigError) {
    test_support::TempDir dir;
    const std::string not_pem = dir.path() + "/not-a-cert.pem";
    std::ofstream(not_pem) << "this is not a certificate\n";
    struct Case {
        std::string yaml;
        std::string error;  ///< "" = accepted
    };
    const std::vector<Case> cases = {
        {"tls_ca_file: " + dir.path() + "/missing.pem", "cannot read"},
        {"tls_ca_file: " + not_pem, "holds no PEM certificate"},
        {"proxy: socks5://127.0.0.1:1080", "must be an http://HOST:PORT proxy"},
        {"proxy: 127.0.0.1:3128", "must be an http://HOST:PORT proxy"},
        {"proxy: http://proxy.corp:3128", ""},
        {"proxy: none", ""},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.yaml);
        Transport t;
        const auto errors = transport_errors(c.yaml, t);
        if (c.error.empty()) {
            EXPECT_TRUE(errors.empty());
        } else {
            ASSERT_EQ(errors.size(), 1u);
            EXPECT_THAT(errors[0], HasSubstr(c.error));
            EXPECT_THAT(errors[0], HasSubstr(c.yaml.substr(0, c.yaml.find(':'))));
        }
    }
}

TEST(TransportConfig, ARealPemCertificateIsAccepted) {
    test_support::TempDir dir;
    const std::string pem = dir.path() + "/ca.pem";
    const std::string cmd =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca "
        "-keyout " +
        dir.path() + "/ca.key -out " + pem + " 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    Transport t;
    EXPECT_TRUE(transport_errors("tls_ca_file: " + pem, t).empty());
    EXPECT_EQ(t.tls_ca_file, pem);
}

TEST(ApiAnswer, ACallThatReachedNoServerSaysSoNamingThePlatform) {
    const ApiAnswer none = answer_from(0, "connection refused", "Slack");
    EXPECT_FALSE(none.ok());
    EXPECT_EQ(none.error, "cannot reach Slack: connection refused");
    const ApiAnswer answered = answer_from(429, "", "Slack");
    EXPECT_TRUE(answered.ok());  // the caller reads the rest
    EXPECT_EQ(answered.status, 429);
    EXPECT_TRUE(answered.rate_limited());
}

// --- ordered queues --------------------------------------------------------------------

TEST(SerialQueues, JobsOfOneTargetRunInOrderOneAtATimeOthersDoNotWait) {
    std::vector<std::function<void()>> later;
    SerialQueues q(
        [&](std::chrono::milliseconds, std::function<void()> f) { later.push_back(std::move(f)); });
    std::vector<std::string> started;
    std::map<std::string, std::function<void()>> finish;
    auto job = [&](const std::string& name) {
        return [&, name](std::function<void()> done) {
            started.push_back(name);
            finish[name] = std::move(done);
        };
    };
    q.push("C1", job("a1"));
    q.push("C1", job("a2"));
    q.push("C2", job("b1"));
    EXPECT_EQ(started, (std::vector<std::string>{"a1", "b1"}));
    finish["a1"]();
    EXPECT_EQ(started, (std::vector<std::string>{"a1", "b1", "a2"}));
    EXPECT_EQ(q.pending("C1"), 1u);
    finish["a2"]();
    finish["b1"]();
    EXPECT_EQ(q.pending(), 0u);
}

// A platform that answers at once finishes each job inside its own start: a backlog of
// many posts behind one slow post (XMPP's behind an upload) then all go out, in order,
// without each start nesting inside the one before (which would overflow the stack).
TEST(SerialQueues, ABacklogOfJobsThatFinishAtOnceRunsInOrderWithoutNesting) {
    SerialQueues q([](std::chrono::milliseconds, std::function<void()>) {});
    std::function<void()> slow_done;
    q.push("room", [&](std::function<void()> done) { slow_done = std::move(done); });
    constexpr int backlog = 200000;
    std::vector<int> ran;
    int depth = 0, deepest = 0;
    for (int i = 0; i < backlog; ++i) {
        q.push("room", [&, i](std::function<void()> done) {
            ++depth;
            deepest = std::max(deepest, depth);
            ran.push_back(i);
            done();
            --depth;
        });
    }
    EXPECT_TRUE(ran.empty());
    slow_done();
    ASSERT_EQ(ran.size(), static_cast<std::size_t>(backlog));
    for (int i = 0; i < backlog; ++i) ASSERT_EQ(ran[i], i);
    EXPECT_EQ(deepest, 1);
    EXPECT_EQ(q.pending(), 0u);
    // A job finishing twice, or later, starts nothing more.
    q.push("room", [&](std::function<void()> done) {
        done();
        done();
    });
    EXPECT_EQ(q.pending(), 0u);
}

TEST(SerialQueues, APauseHoldsEveryFollowingJobOfThatTargetOnly) {
    std::vector<std::function<void()>> later;
    SerialQueues q(
        [&](std::chrono::milliseconds, std::function<void()> f) { later.push_back(std::move(f)); });
    std::vector<std::string> started;
    std::map<std::string, std::function<void()>> finish;
    auto job = [&](const std::string& name) {
        return [&, name](std::function<void()> done) {
            started.push_back(name);
            finish[name] = std::move(done);
        };
    };
    q.push("C1", job("a1"));
    q.push("C1", job("a2"));
    q.pause("C1", 60s);
    finish["a1"]();
    q.push("C2", job("b1"));
    EXPECT_EQ(started, (std::vector<std::string>{"a1", "b1"}));
    ASSERT_EQ(later.size(), 1u);  // a2 waits for the pause to end
}

// The posts behind one that failed can be taken out of its conversation (to fail them
// too, in order); the one running and the other conversations go on as before.
TEST(SerialQueues, TheJobsWaitingUnderOneTargetAreTakenOutInOrder) {
    SerialQueues q([](std::chrono::milliseconds, std::function<void()>) {});
    std::vector<std::string> started;
    std::map<std::string, std::function<void()>> finish;
    auto job = [&](const std::string& name) {
        return [&, name](std::function<void()> done) {
            started.push_back(name);
            finish[name] = std::move(done);
        };
    };
    q.push("C1", job("a1"));
    q.push("C1", job("a2"));
    q.push("C1", job("a3"));
    q.push("C2", job("b1"));
    q.push("C2", job("b2"));
    auto taken = q.take_waiting("C1");
    ASSERT_EQ(taken.size(), 2u);
    EXPECT_TRUE(q.take_waiting("C3").empty());  // no such target: nothing
    EXPECT_EQ(q.pending("C1"), 1u);             // a1 still runs
    EXPECT_EQ(q.pending("C2"), 2u);
    std::vector<std::string> refused;
    for (auto& t : taken) {
        const std::size_t before = started.size();
        t([] {});
        refused.push_back(started.back());
        EXPECT_EQ(started.size(), before + 1);
    }
    EXPECT_EQ(refused, (std::vector<std::string>{"a2", "a3"}));
    started.clear();
    finish["a1"]();
    EXPECT_TRUE(started.empty());  // nothing was left behind a1
    q.push("C1", job("a4"));       // a new post to C1 starts at once
    finish["b1"]();
    EXPECT_EQ(started, (std::vector<std::string>{"a4", "b2"}));
}

// A post that keeps being rate limited holds its conversation each time and goes back to
// the outbox (retryable) once it has waited longer than the limit in all.
TEST(SerialQueues, ARateLimitedPostWaitsUntilItsLimitThenGoesBack) {
    std::vector<std::chrono::milliseconds> waits;
    SerialQueues q([&](std::chrono::milliseconds d, std::function<void()>) { waits.push_back(d); });
    PostJob post;
    post.key = "C1";
    std::function<void()> finished;
    q.push("C1", [&](std::function<void()> done) { finished = std::move(done); });
    int next_started = 0;
    q.push("C1", [&](std::function<void()>) { ++next_started; });
    EXPECT_TRUE(pause_post(q, post, 30s, 60s));
    EXPECT_TRUE(pause_post(q, post, 30s, 60s));
    EXPECT_FALSE(pause_post(q, post, 1s, 60s));
    EXPECT_EQ(post.waited, 61s);
    finished();                  // the post goes back to the outbox
    EXPECT_EQ(next_started, 0);  // the next post to the conversation waits out the pause
    EXPECT_EQ(waits.size(), 1u);
}

// --- the sender: rate windows, a bounded queue, pauses -----------------------------------

// A steady clock and timers that move only when the test says so: no sleeps.
struct FakeTimers {
    std::chrono::steady_clock::time_point now = std::chrono::steady_clock::time_point{} + 1h;
    std::vector<std::pair<std::chrono::steady_clock::time_point, std::function<void()>>> due;
    SerialQueues::Later later() {
        return [this](std::chrono::milliseconds d, std::function<void()> f) {
            due.emplace_back(now + d, std::move(f));
        };
    }
    SerialQueues::Now clock() {
        return [this] { return now; };
    }
    // Moves the clock by `d`, running every timer that falls due, in time order.
    void advance(std::chrono::milliseconds d) {
        const auto end = now + d;
        for (;;) {
            auto first = std::min_element(due.begin(), due.end(), [](const auto& a, const auto& b) {
                return a.first < b.first;
            });
            if (first == due.end() || first->first > end) break;
            now = std::max(now, first->first);
            auto f = std::move(first->second);
            due.erase(first);
            f();
        }
        now = end;
    }
};

// Records when each job started (by the fake clock) and finishes it at once.
struct StartLog {
    explicit StartLog(FakeTimers& t) : timers(t), t0(t.now) {}
    FakeTimers& timers;
    std::chrono::steady_clock::time_point t0;
    std::vector<std::pair<std::string, std::chrono::milliseconds>> started;
    SerialQueues::Job job(const std::string& name) {
        return [this, name](std::function<void()> done) {
            started.emplace_back(
                name, std::chrono::duration_cast<std::chrono::milliseconds>(timers.now - t0));
            done();
        };
    }
};

TEST(Sender, AConversationsWindowSpacesItsPostsAndOthersDoNotWait) {
    FakeTimers timers;
    SendLimits limits;
    limits.per_conversation_per_minute = 2;  // e.g. a robot's "20 a minute", scaled down
    SerialQueues q(timers.later(), limits, nullptr, timers.clock());
    StartLog log(timers);
    q.push("G1", log.job("g1-a"));
    q.push("G1", log.job("g1-b"));
    q.push("G1", log.job("g1-c"));
    q.push("G2", log.job("g2-a"));
    EXPECT_EQ(log.started.size(), 3u);  // two of G1 at once, G2 not held by G1
    timers.advance(59s);
    EXPECT_EQ(log.started.size(), 3u);
    timers.advance(2s);
    ASSERT_EQ(log.started.size(), 4u);
    EXPECT_EQ(log.started[3].first, "g1-c");
    EXPECT_GE(log.started[3].second, 60s);  // never 3 within one minute
}

TEST(Sender, TheConnectorsWindowHoldsEveryConversationInItsOrder) {
    FakeTimers timers;
    SendLimits limits;
    limits.per_second = 1;
    SerialQueues q(timers.later(), limits, nullptr, timers.clock());
    StartLog log(timers);
    q.push("C1", log.job("c1-a"));
    q.push("C2", log.job("c2-a"));
    q.push("C1", log.job("c1-b"));
    ASSERT_EQ(log.started.size(), 1u);
    timers.advance(3s);
    ASSERT_EQ(log.started.size(), 3u);
    std::vector<std::string> c1;
    for (const auto& [name, at] : log.started) {
        if (name.rfind("c1", 0) == 0) c1.push_back(name);
    }
    EXPECT_EQ(c1, (std::vector<std::string>{"c1-a", "c1-b"}));
    for (std::size_t i = 1; i < log.started.size(); ++i) {
        SCOPED_TRACE(log.started[i].first);
        EXPECT_GE(log.started[i].second - log.started[i - 1].second, 1000ms);
    }
}

TEST(Sender, APauseOfTheWholeConnectorHoldsEveryConversation) {
    FakeTimers timers;
    SerialQueues q(timers.later(), SendLimits{}, nullptr, timers.clock());
    StartLog log(timers);
    q.pause_all(30s);
    q.push("C1", log.job("c1"));
    q.push("C2", log.job("c2"));
    timers.advance(29s);
    EXPECT_TRUE(log.started.empty());
    timers.advance(2s);
    EXPECT_EQ(log.started.size(), 2u);
}

// A full queue refuses the next post with a retryable answer held for a while, so the
// outbox keeps it without using up an attempt; once a post has gone, a new one fits.
TEST(Sender, AFullQueueAnswersRetryableAndHeld) {
    FakeTimers timers;
    core::FakeClock wall(core::from_millis(1'800'000'000'000LL));
    SendLimits limits;
    limits.queue = 2;
    limits.per_second = 1;
    SerialQueues q(timers.later(), limits, &wall, timers.clock());
    std::vector<std::string> answers;
    std::vector<std::shared_ptr<PostJob>> running;
    auto send = [&](const std::string& text) {
        core::Post post;
        post.to.channel = "C1";
        post.text = text;
        queue_new_post<PostJob>(
            q, post,
            [&, text](core::SendResult r) {
                answers.push_back(text + (r.ok ? " ok" : " refused"));
                if (!r.ok) {
                    EXPECT_TRUE(r.retryable);
                    EXPECT_GT(r.held_until_ms, core::to_millis(wall.now()));
                    EXPECT_THAT(r.error, HasSubstr("kept and sent later"));
                }
            },
            [&](const std::shared_ptr<PostJob>& j) { running.push_back(j); });
    };
    send("one");
    send("two");
    send("three");
    EXPECT_EQ(answers, (std::vector<std::string>{"three refused"}));
    ASSERT_EQ(running.size(), 1u);
    finish_post(*running[0], {true, "id1", "", true});
    send("four");  // "one" has gone: it fits again
    EXPECT_EQ(answers, (std::vector<std::string>{"three refused", "one ok"}));
    EXPECT_EQ(q.pending(), 2u);
}

TEST(SenderConfig, RateLimitKeysAreReadAndCheckedWithTheirLine) {
    struct Case {
        std::string yaml;
        std::string error;  // "" = valid
    };
    const std::vector<Case> cases = {
        {"rate_limit: {per_second: 5, per_conversation_per_minute: 20, queue: 50}", ""},
        {"rate_limit: {per_second: -1}", "rate_limit.per_second"},
        {"rate_limit: {queue: 0}", "rate_limit.queue"},
        {"rate_limit: {per_secnd: 5}", "per_secnd"},
        {"rate_limit: 5", "rate_limit must be a mapping"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.yaml);
        YAML::Node node = YAML::Load("\n" + c.yaml);
        core::ConfigErrors errors;
        core::SectionReader section(node, "connectors.slack", errors);
        SendLimits limits;
        read_send_limits(section, limits);
        const std::string text = errors.describe("twintrack.yaml");
        if (c.error.empty()) {
            EXPECT_TRUE(errors.empty()) << text;
            EXPECT_EQ(limits.per_second, 5);
            EXPECT_EQ(limits.per_conversation_per_minute, 20);
            EXPECT_EQ(limits.queue, 50u);
        } else {
            ASSERT_FALSE(errors.empty());
            EXPECT_THAT(text, HasSubstr(c.error));
            EXPECT_THAT(text, HasSubstr("twintrack.yaml:2"));
        }
    }
}

// A server that keeps refusing gets ever longer waits (±20 % jitter, up to the cap); one
// that accepts and drops at once does not reset the wait; a connection that stayed up a
// minute does.
TEST(Backoff, GrowsToTheCapAndResetsOnlyAfterAStableConnection) {
    Backoff b(1000ms, 10000ms, 60s);
    const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
    const double expected[] = {1000, 1750, 3062, 5359, 9378, 10000, 10000};
    for (double nominal : expected) {
        SCOPED_TRACE(nominal);
        const auto d = static_cast<double>(b.next_delay(t0).count());
        EXPECT_GE(d, std::min(nominal * 0.8, 10000.0) - 1);
        EXPECT_LE(d, std::min(nominal * 1.2, 10000.0) + 1);
    }
    // Up for ten seconds, then dropped: still at the cap.
    b.connected(t0);
    EXPECT_GE(b.next_delay(t0 + 10s).count(), 8000);
    // Up for a minute, then dropped: back to the first wait.
    b.connected(t0 + 20s);
    const auto after_stable = b.next_delay(t0 + 20s + 60s).count();
    EXPECT_GE(after_stable, 800);
    EXPECT_LE(after_stable, 1200);
    EXPECT_EQ(b.current(), 1750ms);
}

}  // namespace
}  // namespace twintrack::connectors::runtime
