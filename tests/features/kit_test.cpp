// The sales kit end to end through TestBot: adding links (bad links, wrong types, missing
// title, wrong role), search in English and Chinese with its ranking, showing an item and
// the "Useful" button (once per person), the offer after a field report, needs counted on
// the gaps list and a gap closed by a new item, the stats; the file checks, the config
// section and the repository (on SQLite, and on PostgreSQL under the label postgres).

#include "bot/features/kit/kit.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <regex>

#include "app/person_tools.hpp"
#include "bot/features/kit/store/kit_store.hpp"
#include "bot/features/reports/report_settings.hpp"
#include "core/base64.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

/// The feature's own table on the bot's store (bot/features/kit/store/).
store::kit::KitRepository kit_table_of_bot(TestBot& bot) {
    return store::kit::KitRepository(bot.store().db());
}

bot::BotSettings kit_settings() {
    bot::BotSettings s;
    auto& reports = s.features.edit<bot::reports::ReportSettings>();
    reports.competitors = {{"Huawei", {"华为"}}, {"Foo", {}}};
    reports.need_keywords = {{"en", {"case study", "sso"}}, {"zh-CN", {"案例", "单点登录"}}};
    return s;
}

/// The item numbers a listing shows, in order ("#3 ..." at the start of a line).
std::vector<int> ids_in(const std::string& text) {
    std::vector<int> out;
    static const std::regex line(R"((^|\n)#(\d+) )");
    for (std::sregex_iterator it(text.begin(), text.end(), line), end; it != end; ++it) {
        out.push_back(std::stoi((*it)[2]));
    }
    return out;
}

class KitTest : public ::testing::Test {
  protected:
    KitTest() : bot(TestBot::default_start(), kit_settings()) {
        mia_id = bot.add({"mia", "Mia Marketer", "marketing", "staff", "Europe/Berlin"}).id;
        bot.add({"li", "李娜", "marketing", "staff", "Asia/Shanghai", "zh-CN"});
        bot.add({"sam", "Sam Seller", "sales", "staff", "Europe/Berlin"});
        bot.add({"sid", "Sid Boss", "sales", "manager", "Europe/Berlin"});
        bot.add({"wang", "王芳", "sales", "staff", "Asia/Shanghai", "zh-CN"});
        bot.say("mia", "engagement new ACME");
    }
    /// One answer, the text of it.
    std::string one(const std::string& who, const std::string& text) {
        const auto r = bot.say(who, text);
        EXPECT_THAT(r, SizeIs(1)) << text;
        return r.empty() ? std::string() : r.front();
    }
    TestBot bot;
    std::int64_t mia_id = 0;
};

TEST_F(KitTest, AddChecksRoleTitleLinkAndTypeInBothLanguages) {
    struct Case {
        const char* who;
        const char* text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"mia",
         "kit add \"Huawei battlecard\" Huawei retail lang=en "
         "https://intranet.example.com/huawei.pdf",
         "Added to the sales kit as #1: \"Huawei battlecard\" (en), tags huawei, retail."},
        {"sid", "kit add \"Pricing sheet\" pricing https://example.com/prices",
         "Added to the sales kit as #2"},
        {"li", "添加工具 “华为对比卡” 华为 制造业 语言=zh-CN https://intranet.example.com/hw.pdf",
         "已加入销售工具，编号 #3：“华为对比卡”（zh-CN），标签 华为、制造业。"},
        {"li", "工具 添加 “默认语言” 标签 https://example.com/a.docx", "（zh-CN）"},
        {"sam", "kit add \"Mine\" https://example.com/a.pdf",
         "Only marketing, managers and admins"},
        {"wang", "添加工具 “我的” https://example.com/a.pdf", "只有市场部、经理和管理员"},
        {"mia", "kit add https://example.com/a.pdf", "Give the title in quotes first"},
        {"mia", "kit add Battlecard https://example.com/a.pdf", "Give the title in quotes first"},
        {"li", "添加工具 https://example.com/a.pdf", "请先用引号写标题"},
        {"mia", "kit add \"No link\" retail", "Add a link to the material"},
        {"mia", "kit add \"Ftp\" ftp://example.com/a.pdf",
         "\"ftp://example.com/a.pdf\" is not a link the kit can keep"},
        {"mia", "kit add \"No host\" https:///a.pdf", "is not a link the kit can keep"},
        {"mia", "kit add \"Bad port\" https://example.com:99x/a.pdf",
         "is not a link the kit can keep"},
        {"li", "添加工具 “坏链接” http://", "不是可以保存的链接"},
        {"mia", "kit add \"Program\" https://example.com/setup.exe",
         "points to a file type the kit does not keep. Allowed: pdf, pptx, docx, xlsx, png, jpg."},
        {"li", "添加工具 “压缩包” https://example.com/a.zip?x=1", "指向的文件类型不能放进销售工具"},
        {"mia", "kit add \"French\" lang=fr https://example.com/a.pdf",
         "\"fr\" is not a language of the kit"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        EXPECT_THAT(one(c.who, c.text), HasSubstr(c.expected));
    }
    // Only the four good ones were kept, each audited.
    const auto items = kit_table_of_bot(bot).items();
    ASSERT_THAT(items, SizeIs(4));
    EXPECT_EQ(items[0].url, "https://intranet.example.com/huawei.pdf");
    EXPECT_THAT(items[0].tags, ElementsAre("huawei", "retail"));
    EXPECT_EQ(items[2].lang, "zh-CN");
    EXPECT_EQ(items[3].lang, "zh-CN");  // the writer's language by default
    EXPECT_EQ(bot.store().audit().recent(1).front().action, "kit.add");
}

// kit add is declared (bot/args.hpp): an unknown or repeated option is named in the
// writer's language, a link's query is part of the link, and `help` shows the declaration.
TEST_F(KitTest, AddIsDeclaredInBothLanguages) {
    EXPECT_THAT(one("mia", "kit add \"X\" retail https://example.com/a.pdf colour=red"),
                HasSubstr("\"colour=\" is not an option of kit add. The options are: lang."));
    EXPECT_THAT(one("li", "添加工具 “X” https://example.com/a.pdf 颜色=红"),
                HasSubstr("“颜色=”不是添加工具的选项。可用的选项：语言。"));
    EXPECT_THAT(one("mia", "kit add \"X\" lang=en lang=zh-CN https://example.com/a.pdf"),
                HasSubstr("\"lang=\" is given twice"));
    EXPECT_THAT(one("li", "添加工具 “X” 语言=en 语言=zh-CN https://example.com/a.pdf"),
                HasSubstr("“语言=”写了两次"));
    EXPECT_THAT(one("mia", "kit add"), HasSubstr("kit add needs \"TITLE\"."));
    EXPECT_THAT(one("li", "添加工具"), HasSubstr("添加工具需要\"标题\"。"));
    EXPECT_THAT(one("mia", "help kit add"),
                HasSubstr("kit add \"TITLE\" [TAGS... URL] [lang=en|zh-CN]"));
    EXPECT_THAT(one("li", "帮助 添加工具"),
                HasSubstr("添加工具 \"标题\" [标签... 链接] [语言=en|zh-CN]"));
    EXPECT_TRUE(kit_table_of_bot(bot).items().empty());
    // Good calls: lang= anywhere, a link with a query.
    EXPECT_THAT(one("mia", "kit add \"Pricing\" lang=zh-CN pricing https://example.com/p?v=2"),
                HasSubstr("Added to the sales kit as #1: \"Pricing\""));
    EXPECT_THAT(one("li", "添加工具 “对比卡” 华为 https://example.com/hw.pdf?x=1 语言=en"),
                HasSubstr("#2"));
    ASSERT_EQ(kit_table_of_bot(bot).items().size(), 2u);
}

TEST_F(KitTest, FindRanksTagsOverTitlesThenUsefulInBothLanguages) {
    bot.say("mia", "kit add \"Pricing sheet 2026\" pricing https://example.com/1");
    bot.say("mia", "kit add \"Huawei battlecard\" huawei pricing https://example.com/2");
    bot.say("mia", "kit add \"Why we beat Huawei\" retail https://example.com/3");
    bot.say("mia", "kit add \"Retail brochure\" retail https://example.com/4");
    bot.say("mia", "kit add \"Retail case study\" retail https://example.com/5");
    bot.say("li", "添加工具 “华为对比卡” 华为 制造业 https://example.com/6");
    struct Case {
        const char* who;
        const char* text;
        std::vector<int> expected;
    };
    const std::vector<Case> cases = {
        // a tag and the title (#2) before the title alone (#3)
        {"sam", "kit find huawei", {2, 3}},
        {"sam", "kit find Pricing", {1, 2}},
        {"sam", "kit find retail brochure", {4, 5, 3}},
        // equal scores: the newer first, until someone finds the older useful (below)
        {"sam", "kit find retail", {5, 4, 3}},
        {"wang", "查找工具 华为", {6}},
        {"wang", "工具 查找 制造业的案例", {6}},
        {"sam", "find kit the huawei", {2, 3}},  // "the" is ignored
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        EXPECT_EQ(ids_in(one(c.who, c.text)), c.expected);
    }
    EXPECT_THAT(one("sam", "kit find huawei"),
                AllOf(HasSubstr("Sales kit, 2 found for \"huawei\":"),
                      HasSubstr("#2 Huawei battlecard [huawei, pricing]"),
                      HasSubstr("Open one with: kit NUMBER")));
    EXPECT_THAT(one("wang", "查找工具 华为"), AllOf(HasSubstr("销售工具中找到 1 个与“华为”相关的"),
                                                    HasSubstr("#6 华为对比卡 [制造业、华为]")));

    bot.say("sam", "kit useful 4");
    EXPECT_EQ(ids_in(one("sam", "kit find retail")), (std::vector<int>{4, 5, 3}));
    EXPECT_THAT(one("sam", "kit find retail"),
                HasSubstr("#4 Retail brochure [retail] · useful to 1"));

    EXPECT_EQ(one("sam", "kit find zebra"),
              "Nothing in the sales kit matches \"zebra\". Try other words, or ask marketing.");
    EXPECT_THAT(one("wang", "查找工具 斑马"), HasSubstr("销售工具里没有与“斑马”相关的内容"));
    EXPECT_THAT(one("sam", "kit find"), HasSubstr("kit find WORDS"));
}

TEST_F(KitTest, ShowAndUsefulOncePerPerson) {
    bot.say("mia", "kit add \"Huawei battlecard\" huawei https://example.com/hw.pdf");
    bot.set_shows_actions(true);
    const auto before = bot.all_posts().size();
    bot.say("sam", "kit 1");
    const std::vector<core::Post> shown(bot.all_posts().begin() + static_cast<long>(before),
                                        bot.all_posts().end());
    ASSERT_THAT(shown, SizeIs(1));
    EXPECT_THAT(shown[0].text,
                AllOf(HasSubstr("#1 Huawei battlecard (en)"), HasSubstr("Tags: huawei"),
                      HasSubstr("Link: https://example.com/hw.pdf"),
                      HasSubstr("Added by Mia Marketer on 2026-11-02")));
    ASSERT_THAT(shown[0].actions, SizeIs(1));
    EXPECT_EQ(shown[0].actions[0].label, "Useful");

    const auto clicked = bot.click("sam", shown[0].actions[0].token, bot.message_id_of(shown[0]));
    EXPECT_THAT(texts(clicked),
                Contains(HasSubstr("Thanks, marketing will know: #1 \"Huawei battlecard\" is now "
                                   "useful to 1.")));
    // Once per person: the button is settled, and typing it again changes nothing.
    EXPECT_THAT(texts(bot.click("sam", shown[0].actions[0].token)),
                Contains(HasSubstr("already decided")));
    EXPECT_EQ(one("sam", "kit useful 1"), "You already marked #1 \"Huawei battlecard\" useful.");
    bot.set_shows_actions(false);
    EXPECT_THAT(one("sam", "kit 1"), AllOf(HasSubstr("useful to 1"), Not(HasSubstr("To answer"))));
    EXPECT_THAT(one("sid", "kit 1"), HasSubstr("1. Useful: kit useful 1"));
    EXPECT_THAT(one("wang", "工具有用 1"), HasSubstr("现在有 2 人觉得有用"));
    EXPECT_THAT(one("wang", "工具 1"), AllOf(HasSubstr("标签：huawei"), HasSubstr("2 人觉得有用")));
    EXPECT_EQ(kit_table_of_bot(bot).item(1)->useful, 2);

    // A person's export holds what they added and what they marked useful.
    const auto export_mia =
        app::person_export_json(bot.store(), "mia@example.com", core::to_millis(bot.clock().now()));
    ASSERT_TRUE(export_mia.has_value());
    EXPECT_EQ((*export_mia)["tables"]["kit_items"].size(), 1u);
    const auto export_sam =
        app::person_export_json(bot.store(), "sam@example.com", core::to_millis(bot.clock().now()));
    ASSERT_TRUE(export_sam.has_value());
    EXPECT_EQ((*export_sam)["tables"]["kit_useful"].size(), 1u);

    // Declared (bot/args.hpp): a word that is not a number, a word too many and a missing
    // number are answered by the parser in the writer's language, naming the token.
    EXPECT_THAT(one("sam", "kit abc"),
                AllOf(HasSubstr("\"abc\" is not a number"), HasSubstr("Usage: kit [ID]")));
    EXPECT_THAT(one("wang", "工具 第一"),
                AllOf(HasSubstr("“第一”不是编号"), HasSubstr("用法：工具 [编号]")));
    EXPECT_THAT(one("sam", "kit useful"), HasSubstr("kit useful needs ID."));
    EXPECT_THAT(one("wang", "工具有用 1 2"), HasSubstr("这里不该有“2”"));
    EXPECT_THAT(one("sam", "kit stats now"), HasSubstr("I did not expect \"now\" here."));
    EXPECT_THAT(one("wang", "工具缺口 现在"), HasSubstr("这里不该有“现在”"));
    EXPECT_THAT(one("sam", "help kit find"), HasSubstr("kit find WORDS"));
    EXPECT_THAT(one("wang", "帮助 查找工具"), HasSubstr("查找工具 关键词"));
    EXPECT_EQ(one("sam", "kit 99"), "There is no sales kit item #99.");
    EXPECT_EQ(one("wang", "工具 99"), "没有编号为 #99 的销售工具。");
    EXPECT_THAT(one("sam", "kit"), AllOf(HasSubstr("Sales kit, newest first (1 in all)"),
                                         HasSubstr("#1 Huawei battlecard [huawei]")));
}

TEST_F(KitTest, AStoredFileIsSentWithTheItem) {
    store::kit::KitItem item;
    item.title = "Price chart";
    item.file_name = "chart.png";
    item.file_mime = "image/png";
    item.file_size = 12;
    item.added_by = mia_id;
    item.added_at = core::to_millis(bot.clock().now());
    const std::string bytes = "\x89PNG\r\n\x1a\nDATA";
    kit_table_of_bot(bot).add_item(item, core::base64_encode(bytes));
    const auto before = bot.all_posts().size();
    EXPECT_THAT(one("sam", "kit 1"), HasSubstr("File: chart.png (1 KB)"));
    const auto& post = bot.all_posts().at(before);
    ASSERT_THAT(post.attachments, SizeIs(1));
    EXPECT_EQ(post.attachments[0].name, "chart.png");
    EXPECT_EQ(post.attachments[0].data, bytes);
}

TEST_F(KitTest, ReportOffersItemsAndCountsGapsUntilAnItemCoversThem) {
    bot.say("mia", "kit add \"Huawei battlecard\" huawei https://example.com/hw.pdf");
    bot.say("mia", "kit add \"SSO guide\" sso https://example.com/sso.pdf");
    const auto r = bot.say("sam", "report ACME: Huawei is there; they need sso and a case study");
    ASSERT_THAT(r, SizeIs(2));
    EXPECT_THAT(r[0], HasSubstr("Saved report #1 on ACME"));
    EXPECT_EQ(r[1],
              "From the sales kit for report #1:\n#1 Huawei battlecard (Huawei)\n#2 SSO guide "
              "(sso)\n\nTo answer, type:\n1. Open #1: kit 1\n2. Open #2: kit 2");
    // The same need in Chinese, and the English one again.
    const auto zh = bot.say("wang", "报告 ACME：客户想要案例，华为也在");
    ASSERT_THAT(zh, SizeIs(2));
    EXPECT_THAT(zh[1],
                HasSubstr("销售工具里有与报告 #2 相关的资料：\n#1 Huawei battlecard（Huawei）"));
    EXPECT_THAT(bot.say("sam", "report ACME: still asking for a case study"), SizeIs(1));

    EXPECT_THAT(one("sam", "kit gaps"), HasSubstr("for marketing, managers and admins"));
    EXPECT_THAT(one("wang", "工具缺口"), HasSubstr("只对市场部、经理和管理员开放"));
    const std::string gaps = one("mia", "kit gaps");
    EXPECT_THAT(gaps, AllOf(HasSubstr("Kit gaps: 2 needs reported with no kit item"),
                            HasSubstr("case study: asked in 2 reports, first 2026-11-02"),
                            HasSubstr("案例: asked in 1 reports")));
    EXPECT_LT(gaps.find("case study"), gaps.find("案例"));  // most asked first
    EXPECT_THAT(one("li", "工具缺口"), HasSubstr("case study：2 份报告提到"));
    EXPECT_THAT(one("sid", "kit stats"),
                AllOf(HasSubstr("1 of 4 reported needs had a kit item (25%)"),
                      HasSubstr("Open gaps: 2 (case study ×2 案例 ×1 )")));
    EXPECT_EQ(bot.store().audit().recent(1).front().action, "kit.gap_count");
    // The same figures in the joint metrics (through the KitStats service).
    EXPECT_THAT(bot.say("sid", "metrics"),
                Contains(HasSubstr(
                    "Sales kit: reported needs with a kit item 1 / 4 (25%) · open kit gaps 2")));
    EXPECT_THAT(bot.say("wang", "指标"),
                Contains(HasSubstr("销售工具：有工具的报告需求 1 / 4 (25%) · 未解决的工具缺口 2")));

    // A new item tagged with the need closes its gap; the next report is offered it.
    EXPECT_THAT(one("mia", "kit add \"ACME case study\" \"case study\" https://example.com/cs.pdf"),
                HasSubstr("It closes these kit gaps: case study."));
    EXPECT_THAT(one("li", "添加工具 “制造业案例” 案例 https://example.com/cs-zh.pdf"),
                HasSubstr("它补上了这些工具缺口：案例。"));
    EXPECT_EQ(one("mia", "kit gaps"),
              "No open kit gaps: every need reported so far has a kit item.");
    const auto later = bot.say("sam", "report ACME: they want a case study");
    ASSERT_THAT(later, SizeIs(2));
    EXPECT_THAT(later[1], HasSubstr("#3 ACME case study (case study)"));
    EXPECT_THAT(kit_table_of_bot(bot).open_gaps(), IsEmpty());
}

TEST(KitFiles, TypeAndSizeAreChecked) {
    bot::kit::KitSettings s;
    s.max_file_mb = 1;
    const std::string pdf = "%PDF-1.7\n";
    struct Case {
        const char* name;
        std::string bytes;
        std::optional<std::string> expected;
    };
    const std::vector<Case> cases = {
        {"deck.pdf", pdf + "x", std::nullopt},
        {"Deck.PDF", pdf, std::nullopt},
        {"big.pdf", pdf + std::string(1024 * 1024, 'x'), "too_big"},
        {"setup.exe", "MZ", "bad_type"},
        {"fake.pdf", "MZ not a pdf", "bad_type"},
        {"noext", pdf, "bad_type"},
        {"photo.jpeg", "\xFF\xD8\xFF\xE0", std::nullopt},
        {"slides.pptx", std::string("PK\x03\x04", 4), std::nullopt},
        {"notes.txt", "hello", "bad_type"},  // not in the default list
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_EQ(bot::kit::file_problem(c.name, c.bytes, s), c.expected);
    }
}

TEST(KitConfig, SectionIsCheckedWithItsLines) {
    const YAML::Node node = YAML::Load("max_file_mb: 0\ntypes: [pdf, exe]\ncolour: red\n");
    core::ConfigErrors errors;
    core::SectionReader section(node, "kit", errors);
    bot::FeatureSettings settings;
    bot::kit::read_config(section, settings);
    const std::string text = errors.describe("twintrack.yaml");
    EXPECT_THAT(text,
                AllOf(HasSubstr("twintrack.yaml:1:"), HasSubstr("twintrack.yaml:2:"),
                      HasSubstr("unknown file type \"exe\""), HasSubstr("twintrack.yaml:3:")));

    const YAML::Node good = YAML::Load("max_file_mb: 25\ntypes: [pdf, .PNG, jpeg]\n");
    core::ConfigErrors none;
    core::SectionReader ok(good, "kit", none);
    bot::FeatureSettings read;
    bot::kit::read_config(ok, read);
    EXPECT_TRUE(none.empty()) << none.describe("x");
    EXPECT_EQ(read.get<bot::kit::KitSettings>().max_file_mb, 25);
    EXPECT_THAT(read.get<bot::kit::KitSettings>().types, ElementsAre("pdf", "png", "jpg"));
}

TEST(KitRepository, ItemsUsefulNeedsAndGaps) {
    TestBot bot;
    const std::int64_t mia = bot.add({"mia", "Mia Marketer", "marketing"}).id;
    const std::int64_t sam = bot.add({"sam", "Sam Seller", "sales"}).id;
    auto kit = kit_table_of_bot(bot);
    store::kit::KitItem link;
    link.title = "Battlecard";
    link.url = "https://example.com/b.pdf";
    link.tags = {"huawei", "retail"};
    link.added_by = mia;
    link.added_at = 1000;
    const auto a = kit.add_item(link, "");
    store::kit::KitItem file = link;
    file.title = "Chart";
    file.url.clear();
    file.file_name = "c.png";
    file.file_mime = "image/png";
    file.file_size = 3;
    file.tags = {"pricing"};
    const auto b = kit.add_item(file, "QUJD");
    ASSERT_TRUE(kit.item(a).has_value());
    EXPECT_THAT(kit.item(a)->tags, ElementsAre("huawei", "retail"));
    EXPECT_EQ(kit.item(b)->file_name, "c.png");
    EXPECT_EQ(kit.item(b)->url, "");
    EXPECT_EQ(kit.file_data(b), "QUJD");
    EXPECT_FALSE(kit.file_data(a).has_value());
    EXPECT_FALSE(kit.item(99).has_value());
    EXPECT_THAT(kit.items(), SizeIs(2));

    EXPECT_TRUE(kit.mark_useful(b, sam, 2000));
    EXPECT_FALSE(kit.mark_useful(b, sam, 3000));
    EXPECT_TRUE(kit.mark_useful(b, mia, 3000));
    EXPECT_TRUE(kit.mark_useful(a, sam, 3000));
    EXPECT_TRUE(kit.marked_useful(a, sam));
    EXPECT_FALSE(kit.marked_useful(a, mia));
    const auto top = kit.most_useful(5);
    ASSERT_THAT(top, SizeIs(2));
    EXPECT_EQ(top[0].id, b);
    EXPECT_EQ(top[0].useful, 2);

    kit.record_need(1, "sso", std::nullopt, 1000);
    kit.record_need(1, "pricing", b, 1000);
    kit.record_need(2, "sso", std::nullopt, 5000);
    EXPECT_EQ(kit.needs_total(0, 2000), 2);
    EXPECT_EQ(kit.needs_covered(0, 2000), 1);
    EXPECT_EQ(kit.needs_total(0, 6000), 3);

    kit.count_gap("sso", "SSO", 1000);
    kit.count_gap("sso", "sso", 5000);
    kit.count_gap("on-premise", "on-premise", 4000);
    auto open = kit.open_gaps();
    ASSERT_THAT(open, SizeIs(2));
    EXPECT_EQ(open[0].need_key, "sso");
    EXPECT_EQ(open[0].need, "SSO");
    EXPECT_EQ(open[0].asked, 2);
    EXPECT_EQ(open[0].first_asked, 1000);
    EXPECT_EQ(open[0].last_asked, 5000);
    kit.close_gap(open[0].id, a, 6000);
    open = kit.open_gaps();
    ASSERT_THAT(open, SizeIs(1));
    EXPECT_EQ(open[0].need_key, "on-premise");
    EXPECT_EQ(kit.gap("sso")->closed_by, a);
    // Asked again after it was closed: open again, counted from one.
    kit.count_gap("sso", "sso", 7000);
    EXPECT_EQ(kit.gap("sso")->asked, 1);
    EXPECT_EQ(kit.gap("sso")->first_asked, 7000);
    EXPECT_FALSE(kit.gap("sso")->closed_at.has_value());
}

}  // namespace
}  // namespace twintrack::testing
