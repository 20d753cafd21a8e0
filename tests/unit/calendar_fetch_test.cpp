// The program's calendar fetcher: which addresses count as internal, the allow list,
// fetches against an HTTP server of the test's own on a loopback port (a body, an error
// status, redirects, refusals), and the bot with the real fetcher: a refused URL answered
// in both languages, the engine answering `ping` while a fetch is held, and a remote error
// status never shown to the user.

#include "app/calendar_fetch.hpp"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "bot/features/meetings/meeting_settings.hpp"
#include "bot/features/meetings/store/meetings_store.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::app {
namespace {

/// The meetings feature's own tables on the bot's store (bot/features/meetings/store/).
using MeetingTable = store::meetings::MeetingRepository;

using Outcome = bot::CalendarFetchResult::Outcome;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

/// An HTTP server on 127.0.0.1 answering every request with `response`, on its own
/// thread. While held, answers wait until release().
class FakeCalendarServer {
  public:
    explicit FakeCalendarServer(std::string response, bool held = false)
        : response_(std::move(response)), held_(held) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        ::listen(fd_, 8);
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~FakeCalendarServer() {
        release();
        ::shutdown(fd_, SHUT_RDWR);
        ::close(fd_);
        thread_.join();
    }
    std::string url(const std::string& path, const std::string& host = "127.0.0.1") const {
        return "http://" + host + ":" + std::to_string(port_) + path;
    }
    int port() const { return port_; }
    void release() {
        {
            std::lock_guard<std::mutex> lock(mu_);
            held_ = false;
        }
        cv_.notify_all();
    }
    int requests() {
        std::lock_guard<std::mutex> lock(mu_);
        return requests_;
    }

  private:
    void serve() {
        for (;;) {
            const int c = ::accept(fd_, nullptr, nullptr);
            if (c < 0) return;
            char buf[4096];
            std::string request;
            while (request.find("\r\n\r\n") == std::string::npos) {
                const auto n = ::read(c, buf, sizeof buf);
                if (n <= 0) break;
                request.append(buf, static_cast<std::size_t>(n));
            }
            {
                std::unique_lock<std::mutex> lock(mu_);
                ++requests_;
                cv_.wait(lock, [this] { return !held_; });
            }
            (void)!::write(c, response_.data(), response_.size());
            ::close(c);
        }
    }

    std::string response_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool held_;
    int requests_ = 0;
    int fd_ = -1;
    int port_ = 0;
    std::thread thread_;
};

std::string http(const std::string& status, const std::string& body,
                 const std::string& headers = "") {
    return "HTTP/1.1 " + status +
           "\r\nContent-Type: text/calendar\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n" + headers + "Connection: close\r\n\r\n" + body;
}

const std::string ics =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
    "UID:u1\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261103T020000Z\r\n"
    "DTEND:20261103T040000Z\r\nSUMMARY:Customer visit\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

CalendarUrlPolicy policy(const std::vector<std::string>& allow) {
    std::string error;
    auto p = CalendarUrlPolicy::parse(allow, error);
    EXPECT_TRUE(p.has_value()) << error;
    return p ? *p : CalendarUrlPolicy();
}

TEST(CalendarAddress, InternalAddressesAreRecognised) {
    struct Case {
        std::string address;
        bool internal;
    };
    const std::vector<Case> cases = {{"127.0.0.1", true},
                                     {"127.255.1.2", true},
                                     {"0.0.0.0", true},
                                     {"10.1.2.3", true},
                                     {"172.16.0.1", true},
                                     {"172.31.255.255", true},
                                     {"172.32.0.1", false},
                                     {"192.168.1.1", true},
                                     {"100.64.0.1", true},
                                     {"100.128.0.1", false},
                                     {"169.254.169.254", true},
                                     {"224.0.0.1", true},
                                     {"255.255.255.255", true},
                                     {"8.8.8.8", false},
                                     {"93.184.216.34", false},
                                     {"::1", true},
                                     {"::", true},
                                     {"fe80::1", true},
                                     {"fc00::1", true},
                                     {"fd12:3456::1", true},
                                     {"::ffff:127.0.0.1", true},
                                     {"::ffff:10.0.0.1", true},
                                     {"::ffff:8.8.8.8", false},
                                     {"64:ff9b::a9fe:a9fe", true},
                                     {"2002:0a00:0001::", true},
                                     {"2606:4700:4700::1111", false},
                                     {"ff02::1", true}};
    for (const auto& c : cases) {
        SCOPED_TRACE(c.address);
        const auto ip = IpAddress::parse(c.address);
        ASSERT_TRUE(ip.has_value());
        EXPECT_EQ(is_internal_address(*ip), c.internal);
    }
    EXPECT_FALSE(IpAddress::parse("example.com").has_value());
    EXPECT_FALSE(IpAddress::parse("999.1.1.1").has_value());
}

TEST(CalendarAddress, TheAllowListTakesHostsAndNetworks) {
    const auto p = policy({"calendar.intranet.example", "10.20.0.0/16", "127.0.0.1", "fd00::/8"});
    EXPECT_TRUE(p.host_listed("Calendar.Intranet.Example"));
    EXPECT_FALSE(p.host_listed("intranet.example"));
    struct Case {
        std::string address;
        bool allowed;
    };
    const std::vector<Case> cases = {
        {"10.20.3.4", true}, {"10.21.0.1", false}, {"127.0.0.1", true}, {"127.0.0.2", false},
        {"fd00::5", true},   {"fe80::1", false},   {"8.8.8.8", true}};
    for (const auto& c : cases) {
        SCOPED_TRACE(c.address);
        EXPECT_EQ(p.address_allowed(*IpAddress::parse(c.address)), c.allowed);
    }
    for (const std::string bad :
         {"10.0.0.0/33", "fd00::/129", "10.0.0.0/", "http://x", "a b", "intranet/16"}) {
        SCOPED_TRACE(bad);
        std::string error;
        EXPECT_FALSE(CalendarUrlPolicy::parse({bad}, error).has_value());
        EXPECT_THAT(error, HasSubstr(bad));
    }
}

TEST(CalendarFetch, LoopbackIsRefusedUnlessAllowed) {
    FakeCalendarServer server(http("200 OK", ics));
    const auto refused = fetch_calendar(server.url("/cal.ics"), CalendarUrlPolicy());
    EXPECT_EQ(refused.outcome, Outcome::refused);
    EXPECT_EQ(server.requests(), 0);  // never connected
    // The same address written differently is the same address.
    EXPECT_EQ(fetch_calendar("http://2130706433:" + std::to_string(server.port()) + "/c.ics",
                             CalendarUrlPolicy())
                  .outcome,
              Outcome::refused);
    EXPECT_EQ(fetch_calendar("http://0.0.0.0:" + std::to_string(server.port()) + "/c.ics",
                             CalendarUrlPolicy())
                  .outcome,
              Outcome::refused);
    // A host name resolving to loopback is refused by its address.
    EXPECT_EQ(fetch_calendar(server.url("/cal.ics", "localhost"), CalendarUrlPolicy()).outcome,
              Outcome::refused);

    const auto fetched = fetch_calendar(server.url("/cal.ics"), policy({"127.0.0.1"}));
    EXPECT_EQ(fetched.outcome, Outcome::ok);
    EXPECT_EQ(fetched.body, ics);
    EXPECT_EQ(fetch_calendar(server.url("/cal.ics", "localhost"), policy({"localhost"})).outcome,
              Outcome::ok);
}

TEST(CalendarFetch, RedirectsAreCheckedLikeTheFirstUrl) {
    FakeCalendarServer target(http("200 OK", ics));
    FakeCalendarServer redirect(
        http("302 Found", "", "Location: " + target.url("/cal.ics") + "\r\n"));
    // localhost is allowed by name; the redirect to 127.0.0.1 is not.
    const auto r = fetch_calendar(redirect.url("/go", "localhost"), policy({"localhost"}));
    EXPECT_EQ(r.outcome, Outcome::refused);
    EXPECT_EQ(target.requests(), 0);
    const auto ok = fetch_calendar(redirect.url("/go"), policy({"127.0.0.1"}));
    EXPECT_EQ(ok.outcome, Outcome::ok);
    EXPECT_EQ(ok.body, ics);
    // A redirect to another protocol is not followed.
    FakeCalendarServer to_file(http("302 Found", "", "Location: file:///etc/hostname\r\n"));
    EXPECT_EQ(fetch_calendar(to_file.url("/go"), policy({"127.0.0.1"})).outcome, Outcome::failed);
}

TEST(CalendarFetch, ErrorStatusesAndOtherProtocolsFail) {
    FakeCalendarServer server(http("500 Internal Server Error", "db password is hunter2"));
    const auto r = fetch_calendar(server.url("/cal.ics"), policy({"127.0.0.1"}));
    EXPECT_EQ(r.outcome, Outcome::failed);
    EXPECT_EQ(r.body, "");
    EXPECT_EQ(fetch_calendar("file:///etc/hostname", CalendarUrlPolicy()).outcome, Outcome::failed);
    EXPECT_EQ(fetch_calendar("not a url", CalendarUrlPolicy()).outcome, Outcome::failed);
}

/// TestBot with the program's fetch service. Each finished fetch is counted, so a test
/// can wait for one and then let the engine run the result.
class CalendarUrlTest : public ::testing::Test {
  protected:
    explicit CalendarUrlTest(std::vector<std::string> allow = {})
        : bot(testing::TestBot::default_start(), settings(std::move(allow))),
          service(std::make_unique<CalendarFetchService>()) {
        bot.engine().services().provide<bot::CalendarFetcher>(
            std::make_shared<CountingFetcher>(*this));
        bot.add({"anna", "Anna Becker", "marketing"});
        testing::TestPerson li{"li", "Li Wei", "sales"};
        li.locale = "zh-CN";
        bot.add(li);
    }
    ~CalendarUrlTest() override { service.reset(); }  // before the engine goes

    static bot::BotSettings settings(std::vector<std::string> allow) {
        bot::BotSettings s;
        auto& m = s.features.edit<bot::meetings::MeetingSettings>();
        m.calendar_urls = true;
        m.calendar_url_allow = std::move(allow);
        return s;
    }

    /// The program's fetcher (CalendarFetchService::fetcher()), counting finished fetches.
    class CountingFetcher final : public bot::CalendarFetcher {
      public:
        explicit CountingFetcher(CalendarUrlTest& test) : test_(test) {}
        void fetch(const std::string& url, const std::vector<std::string>& allow,
                   std::function<void(bot::CalendarFetchResult)> done) override {
            test_.service->fetcher()->fetch(url, allow, [this, done](bot::CalendarFetchResult r) {
                done(std::move(r));
                std::lock_guard<std::mutex> lock(test_.mu);
                ++test_.finished;
                test_.cv.notify_all();
            });
        }

      private:
        CalendarUrlTest& test_;
    };

    /// Waits until `n` fetches finished, then runs what they queued in the engine.
    void wait_for_fetches(int n) {
        std::unique_lock<std::mutex> lock(mu);
        const bool done =
            cv.wait_for(lock, std::chrono::seconds(30), [&] { return finished >= n; });
        lock.unlock();
        EXPECT_TRUE(done) << "the fetch never finished";
        bot.advance(std::chrono::milliseconds(0));
    }
    /// `who` imports `url`; everything the bot said until the fetch number `n` is done.
    std::vector<std::string> import_and_wait(const std::string& who, const std::string& url,
                                             int n) {
        const std::size_t from = bot.all_posts().size();
        bot.say(who, "calendar import " + url);
        wait_for_fetches(n);
        return said_since(from);
    }
    std::vector<std::string> said_since(std::size_t from) {
        const auto& all = bot.all_posts();
        return testing::texts(
            std::vector<core::Post>(all.begin() + static_cast<long>(from), all.end()));
    }

    std::mutex mu;
    std::condition_variable cv;
    int finished = 0;
    testing::TestBot bot;
    std::unique_ptr<CalendarFetchService> service;
};

TEST_F(CalendarUrlTest, LoopbackIsRefusedWithAClearAnswerInBothLanguages) {
    FakeCalendarServer server(http("200 OK", ics));
    struct Case {
        std::string who, fetching, refused;
    };
    const std::vector<Case> cases = {
        {"anna", "Fetching the calendar from 127.0.0.1",
         "internal or private network address, which I'm not allowed to reach"},
        {"li", "正在从 127.0.0.1", "它指向内部或私有网络地址，我不能访问"}};
    int n = 0;
    for (const auto& c : cases) {
        SCOPED_TRACE(c.who);
        EXPECT_THAT(import_and_wait(c.who, server.url("/cal.ics"), ++n),
                    ElementsAre(HasSubstr(c.fetching), HasSubstr(c.refused)));
    }
    EXPECT_EQ(server.requests(), 0);
    EXPECT_THAT(MeetingTable(bot.store().db()).busy({1, 2}, 0, INT64_MAX), SizeIs(0));
}

class AllowedCalendarUrlTest : public CalendarUrlTest {
  protected:
    AllowedCalendarUrlTest() : CalendarUrlTest({"127.0.0.1"}) {}
};

TEST_F(AllowedCalendarUrlTest, TheEngineAnswersWhileAFetchIsHeld) {
    FakeCalendarServer server(http("200 OK", ics), /*held=*/true);
    EXPECT_THAT(bot.say("anna", "calendar import " + server.url("/cal.ics")),
                ElementsAre(HasSubstr("Fetching the calendar from 127.0.0.1")));
    // The server holds its answer: the engine still answers other commands, and a second
    // import by the same person waits for the first.
    EXPECT_THAT(bot.say("anna", "ping"), ElementsAre("pong"));
    EXPECT_THAT(bot.say("li", "ping"), ElementsAre("pong"));
    EXPECT_THAT(bot.say("anna", "calendar import " + server.url("/again.ics")),
                ElementsAre(HasSubstr("still fetching your last calendar")));
    {
        std::lock_guard<std::mutex> lock(mu);
        EXPECT_EQ(finished, 0);
    }
    EXPECT_THAT(MeetingTable(bot.store().db()).busy({1}, 0, INT64_MAX), SizeIs(0));
    const std::size_t from = bot.all_posts().size();
    server.release();
    wait_for_fetches(1);
    EXPECT_THAT(said_since(from), ElementsAre(HasSubstr("Imported 1 busy times from 127.0.0.1")));
    const auto blocks = MeetingTable(bot.store().db()).busy({1}, 0, INT64_MAX);
    ASSERT_THAT(blocks, SizeIs(1));
    EXPECT_EQ(blocks[0].summary, "Customer visit");
    // Once answered, the person may import again.
    EXPECT_THAT(import_and_wait("anna", server.url("/cal.ics"), 2),
                ElementsAre(HasSubstr("Fetching"), HasSubstr("Imported 1 busy times")));
}

TEST_F(AllowedCalendarUrlTest, AnErrorStatusIsNotEchoed) {
    FakeCalendarServer server(http("500 Internal Server Error", "db password is hunter2"));
    struct Case {
        std::string who, fetching, failed;
    };
    const std::vector<Case> cases = {
        {"anna", "Fetching the calendar", "couldn't fetch the calendar from 127.0.0.1:"},
        {"li", "正在从 127.0.0.1", "无法从 127.0.0.1:"}};
    int n = 0;
    for (const auto& c : cases) {
        SCOPED_TRACE(c.who);
        EXPECT_THAT(
            import_and_wait(c.who, server.url("/cal.ics"), ++n),
            ElementsAre(HasSubstr(c.fetching),
                        AllOf(HasSubstr(c.failed), Not(HasSubstr(" 500")), Not(HasSubstr("HTTP")),
                              Not(HasSubstr("hunter2")), Not(HasSubstr("Internal")))));
    }
}

}  // namespace
}  // namespace twintrack::app
