// Commands end to end on Matrix: the real engine (TestBot's) behind the Matrix connector
// and the fake homeserver. A command in a direct chat is answered there, in the writer's
// language (an English and a Chinese reader of the people directory).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "connectors/matrix/matrix_connector.hpp"
#include "core/source_dir.hpp"
#include "tests/matrix/fake_homeserver.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::matrix_test {
namespace {

using connectors::matrix::matrix_status;
using connectors::matrix::MatrixSettings;
using ::testing::HasSubstr;

class MatrixBotTest : public ::testing::Test {
  protected:
    void SetUp() override {
        add("ann@example.com", "Ann Marketer", "marketing", "en", "@ann:fake");
        add("li@example.com", "李娜", "sales", "zh-CN", "@li:fake");
        bot.engine().reload_directory();
        fake.set_direct("@ann:fake", "!ann-dm:fake");
        fake.set_direct("@li:fake", "!li-dm:fake");
        MatrixSettings s;
        s.name = "matrix";
        s.homeserver = fake.url();
        s.user = "tt";
        s.password = core::Secret("TT_MATRIX_PASSWORD", FakeHomeserver::bot_password);
        s.backoff_initial = 100ms;
        connectors::ConnectorContext context;
        context.clock = &bot.clock();
        context.data_dir = dir.path();
        context.prompts_dir = core::source_dir() + "/prompts";
        matrix = connectors::matrix::make_matrix(std::move(s), context);
        matrix->start(bot.engine());
        auto* raw = matrix.get();
        bot.engine().add_outlet(
            "matrix",
            [raw](const core::Post& p, core::SendDone done) { raw->send(p, std::move(done)); },
            raw->shows_actions());
        ASSERT_TRUE(fake.wait([&] { return matrix_status(*matrix).syncs > 0; }));
    }

    void TearDown() override { matrix->stop(); }

    void add(const std::string& email, const std::string& name, const std::string& department,
             const std::string& locale, const std::string& matrix_id) {
        store::Person p;
        p.name = name;
        p.email = email;
        p.department = department;
        p.role = "staff";
        p.timezone = locale == "en" ? "Europe/Berlin" : "Asia/Shanghai";
        p.locale = locale;
        p.work_start = 9 * 60;
        p.work_end = 18 * 60;
        p.identities = {{"matrix", matrix_id}};
        bot.store().people().upsert_by_email(p, core::to_millis(bot.clock().now()));
    }

    /// Lets the engine handle what the connector pushed until a message went to `room`.
    std::optional<Sent> answer_in(const std::string& room) {
        std::optional<Sent> found;
        fake.wait([&] {
            bot.engine().drain();
            for (const auto& s : fake.sent()) {
                if (s.room == room && !s.repeat) {
                    found = s;
                    return true;
                }
            }
            return false;
        });
        return found;
    }

    testing::TestBot bot;
    FakeHomeserver fake;
    test_support::TempDir dir;
    std::unique_ptr<connectors::Connector> matrix;
};

TEST_F(MatrixBotTest, ADirectCommandIsAnsweredInTheWritersLanguage) {
    fake.push_message("!ann-dm:fake", "@ann:fake", {{"msgtype", "m.text"}, {"body", "help"}});
    auto en = answer_in("!ann-dm:fake");
    ASSERT_TRUE(en);
    EXPECT_EQ(en->content.value("msgtype", ""), "m.notice");
    EXPECT_THAT(en->content.value("body", ""), HasSubstr("\"help all\""));

    fake.push_message("!li-dm:fake", "@li:fake", {{"msgtype", "m.text"}, {"body", "帮助"}});
    auto zh = answer_in("!li-dm:fake");
    ASSERT_TRUE(zh);
    EXPECT_THAT(zh->content.value("body", ""), HasSubstr("“帮助 全部”"));
}

}  // namespace
}  // namespace twintrack::matrix_test
