#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "bot/people_import.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::bot {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const char* header = "name,email,department,role,timezone,locale,working_hours,identities\n";

class ImportTest : public ::testing::Test {
  protected:
    ImportOutcome import(const std::string& csv, const std::string& locale = "en") {
        std::istringstream in(csv);
        return import_people_csv(in, bot.store(), bot.engine().prompts(), locale, 0);
    }
    testing::TestBot bot;
};

TEST_F(ImportTest, ImportsTheIssueExampleAndTheBotKnowsThem) {
    auto r = import(
        std::string(header) +
        "Li Wei,li.wei@example.com,sales,staff,Asia/Shanghai,zh-CN,09:00-18:00,"
        "irc:liwei;test:liwei\n"
        "\"Smith, "
        "Anna\",anna@example.com,marketing,manager,Europe/Berlin,en,08:00-16:30,test:anna\n");
    ASSERT_TRUE(r.ok()) << r.errors.front();
    EXPECT_EQ(r.added, 2);
    bot.engine().reload_directory();
    EXPECT_THAT(bot.say("liwei", "我是谁"), ElementsAre(HasSubstr("irc:liwei")));
    EXPECT_THAT(bot.say("anna", "whoami"), ElementsAre(HasSubstr("Smith, Anna")));
}

TEST_F(ImportTest, ReimportUpdatesByEmail) {
    import(std::string(header) +
           "Li Wei,li.wei@example.com,sales,staff,Asia/Shanghai,zh-CN,,test:liwei\n");
    auto r =
        import(std::string(header) +
               "Li Wei,LI.WEI@example.com,marketing,manager,Asia/Shanghai,zh-CN,,test:liwei\n");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.updated, 1);
    EXPECT_EQ(r.added, 0);
    const auto all = bot.store().people().all();
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].department, "marketing");
}

TEST_F(ImportTest, RowErrorsNameTheirLinesAndNothingIsImported) {
    auto r =
        import(std::string(header) +
               "Good Person,good@example.com,sales,staff,Asia/Shanghai,en,09:00-18:00,test:good\n"
               "Bad Dept,bad@example.com,legal,staff,Asia/Shanghai,en,09:00-18:00,\n"
               "Bad Zone,zone@example.com,sales,staff,Asia/Atlantis,en,09:00-18:00,\n"
               "No Email,not-an-email,sales,staff,Asia/Shanghai,en,,\n"
               "Late,late@example.com,sales,staff,Asia/Shanghai,en,18:00-09:00,\n"
               "Twice,good@example.com,sales,staff,Asia/Shanghai,en,,\n"
               "Short,row@example.com,sales\n"
               "Ident,ident@example.com,sales,staff,Asia/Shanghai,en,,test:good\n"
               "Role,role@example.com,sales,boss,Asia/Shanghai,fr,,hub\n");
    EXPECT_FALSE(r.ok());
    std::string all;
    for (const auto& e : r.errors) all += e + "\n";
    EXPECT_THAT(all, HasSubstr("line 3: department \"legal\""));
    EXPECT_THAT(all, HasSubstr("line 4: \"Asia/Atlantis\" is not an IANA time zone"));
    EXPECT_THAT(all, HasSubstr("line 5: \"not-an-email\" is not an email"));
    EXPECT_THAT(all, HasSubstr("line 6: working hours \"18:00-09:00\""));
    EXPECT_THAT(all, HasSubstr("line 7: good@example.com appears again (first on line 2)"));
    EXPECT_THAT(all, HasSubstr("line 8: expected 8 fields, found 3"));
    EXPECT_THAT(all, HasSubstr("line 9: identity test:good is also given on line 2"));
    EXPECT_THAT(all, HasSubstr("line 10: role \"boss\""));
    EXPECT_THAT(all, HasSubstr("line 10: locale \"fr\""));
    EXPECT_THAT(all, HasSubstr("line 10: identity \"hub\""));
    EXPECT_EQ(bot.store().people().count(), 0);
}

TEST_F(ImportTest, ErrorsInChinese) {
    auto r = import(
        std::string(header) + "王芳,wang@example.com,销售,staff,Asia/Shanghai,zh-CN,,\n", "zh-CN");
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_THAT(r.errors[0], HasSubstr("第 2 行：部门“销售”"));
}

TEST_F(ImportTest, BadHeaderAndEmptyFileAreRefused) {
    EXPECT_THAT(import("").errors, ElementsAre(HasSubstr("empty")));
    EXPECT_THAT(import("name,email\nA,a@b.c\n").errors, ElementsAre(HasSubstr("header must be")));
}

TEST_F(ImportTest, IdentityTakenBySomeoneElseIsRefusedButMayMoveWithinTheFile) {
    import(std::string(header) + "A,a@example.com,sales,staff,Asia/Shanghai,en,,test:shared\n");
    auto taken =
        import(std::string(header) + "B,b@example.com,sales,staff,Asia/Shanghai,en,,test:shared\n");
    EXPECT_THAT(taken.errors, ElementsAre(HasSubstr("already belongs to a@example.com")));
    auto moved = import(std::string(header) +
                        "B,b@example.com,sales,staff,Asia/Shanghai,en,,test:shared\n"
                        "A,a@example.com,sales,staff,Asia/Shanghai,en,,test:a\n");
    EXPECT_TRUE(moved.ok()) << (moved.errors.empty() ? "" : moved.errors.front());
}

TEST_F(ImportTest, InvalidUtf8RowIsNamed) {
    auto r = import(std::string(header) + "Caf\xE9,c@example.com,sales,staff,Asia/Shanghai,en,,\n");
    EXPECT_THAT(r.errors, ElementsAre(HasSubstr("line 2: the row is not valid UTF-8")));
    EXPECT_THAT(bot.store().people().count(), 0);
    (void)IsEmpty();
}

}  // namespace
}  // namespace twintrack::bot
