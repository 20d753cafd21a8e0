// A connector's own words in the reader's language, and the directory's language per
// person, as the DingTalk, Feishu and WeCom connectors answer a picture with them.

#include "connectors/runtime/connector_words.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "connectors/api/connector.hpp"
#include "core/source_dir.hpp"
#include "tests/support/temp_dir.hpp"

namespace twintrack::connectors::runtime {
namespace {

using test_support::TempDir;

void write_words(const TempDir& dir, const std::string& locale, const std::string& text) {
    std::filesystem::create_directories(dir.path() + "/" + locale);
    dir.file(locale + "/demo.yaml", "messages:\n  text_only: \"" + text + "\"\n");
}

TEST(ConnectorWords, AnswersInTheReadersLanguageElseTheBotsElseEnglish) {
    TempDir dir;
    write_words(dir, "en", "Only text is read.");
    write_words(dir, "zh-CN", "只能读取文字。");
    const ConnectorWords words(dir.path(), "demo.yaml", "messages", "text_only");
    ASSERT_TRUE(words.any());

    struct Case {
        std::string locale, fallback, expected;
    };
    for (const Case& c :
         {Case{"zh-CN", "en", "只能读取文字。"}, Case{"en", "zh-CN", "Only text is read."},
          Case{"fr", "zh-CN", "只能读取文字。"},  // no French: the bot's
          Case{"fr", "de", "Only text is read."}}) {
        SCOPED_TRACE(c.locale + " / " + c.fallback);
        EXPECT_EQ(words.in(c.locale, c.fallback), c.expected);
    }
}

TEST(ConnectorWords, NoPromptsFolderOrNoSuchKeyGivesNoWords) {
    EXPECT_FALSE(ConnectorWords("", "demo.yaml", "messages", "text_only").any());
    TempDir dir;
    write_words(dir, "en", "Only text is read.");
    const ConnectorWords other(dir.path(), "demo.yaml", "messages", "not_text");
    EXPECT_FALSE(other.any());
    EXPECT_EQ(other.in("en", "en"), "");
}

TEST(ConnectorWords, ABrokenPromptsFileIsRefusedNamingIt) {
    TempDir dir;
    write_words(dir, "en", "Only text is read.");
    std::filesystem::create_directories(dir.path() + "/zh-CN");
    dir.file("zh-CN/demo.yaml", "messages: [unclosed\n");
    try {
        ConnectorWords(dir.path(), "demo.yaml", "messages", "text_only");
        FAIL() << "a broken file was read";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("zh-CN/demo.yaml"), std::string::npos) << e.what();
    }
}

TEST(ConnectorWords, TheShippedPromptsHaveEachPlatformsAnswerInBothLanguages) {
    const std::string prompts = core::source_dir() + "/prompts";
    struct Case {
        std::string file, key;
    };
    for (const Case& c : {Case{"dingtalk.yaml", "text_only"}, Case{"feishu.yaml", "text_only"},
                          Case{"matrix.yaml", "text_only"}, Case{"wecom.yaml", "not_text"}}) {
        SCOPED_TRACE(c.file);
        const ConnectorWords words(prompts, c.file, "messages", c.key);
        const std::string en = words.in("en", "en");
        const std::string zh = words.in("zh-CN", "en");
        EXPECT_FALSE(en.empty());
        EXPECT_FALSE(zh.empty());
        EXPECT_NE(en, zh);
    }
}

TEST(ConnectorWords, TheShippedPromptsNameUnnamedFilesInBothLanguages) {
    const std::string prompts = core::source_dir() + "/prompts";
    for (const std::string file : {"dingtalk.yaml", "feishu.yaml", "wecom.yaml"}) {
        for (const std::string key : {"picture_name", "file_name", "unnamed_file"}) {
            SCOPED_TRACE(file + " " + key);
            const ConnectorWords words(prompts, file, "messages", key);
            const std::string en = words.in("en", "en");
            const std::string zh = words.in("zh-CN", "en");
            EXPECT_FALSE(en.empty());
            EXPECT_FALSE(zh.empty());
            EXPECT_NE(en, zh);
        }
        // The note of a left-out file names a file without a name in the reader's language.
        const ConnectorWords note(prompts, file, "messages", "file_left_out");
        const ConnectorWords unnamed(prompts, file, "messages", "unnamed_file");
        EXPECT_EQ(note.in_with("en", "en", "name", unnamed.in("en", "en")),
                  "[file: (no name), not shown here]");
        EXPECT_EQ(note.in_with("zh-CN", "en", "name", unnamed.in("zh-CN", "en")),
                  "[文件：（无名称），此处无法显示]");
    }
}

// FileWords: the five words of a connector that passes files on, read from its one prompts
// file, the answer to what it cannot read under the key that file gives it.
TEST(FileWords, ReadsTheFileWordsOfOnePromptsFileInEveryLanguage) {
    TempDir dir;
    for (const auto& [locale, words] : std::map<std::string, std::vector<std::string>>{
             {"en", {"Text only.", "[file: {{name}}]", "image", "file", "(no name)"}},
             {"zh-CN", {"只读文字。", "[文件：{{name}}]", "图片", "文件", "（无名称）"}}}) {
        std::filesystem::create_directories(dir.path() + "/" + locale);
        dir.file(locale + "/demo.yaml",
                 "messages:\n  not_text: \"" + words[0] + "\"\n  file_left_out: \"" + words[1] +
                     "\"\n  picture_name: \"" + words[2] + "\"\n  file_name: \"" + words[3] +
                     "\"\n  unnamed_file: \"" + words[4] + "\"\n");
    }
    const FileWords words(dir.path(), "demo.yaml", "not_text");
    EXPECT_EQ(words.text_only.in("zh-CN", "en"), "只读文字。");
    EXPECT_EQ(words.text_only.in("en", "en"), "Text only.");
    EXPECT_EQ(words.left_out.in_with("zh-CN", "en", "name", words.unnamed.in("zh-CN", "en")),
              "[文件：（无名称）]");
    EXPECT_EQ(words.left_out.in_with("en", "en", "name", "a.pdf"), "[file: a.pdf]");
    EXPECT_EQ(words.picture.in("fr", "zh-CN"), "图片");  // no French: the bot's language
    EXPECT_EQ(words.file.in("en", "zh-CN"), "file");
    // Without the key named, text_only is read: this file has none.
    EXPECT_FALSE(FileWords(dir.path(), "demo.yaml").text_only.any());
    EXPECT_TRUE(FileWords(dir.path(), "demo.yaml").unnamed.any());
}

TEST(RosterLocale, ThePersonsLanguageByIdentityElseTheFallback) {
    auto roster = std::make_shared<Roster>();
    roster->set({{"li.na", "Li Na", "sales", "zh-CN"},
                 {"Ann", "Ann", "marketing", "en"},
                 {"bo", "Bo", "sales", ""}});
    struct Case {
        std::string user;
        bool any_case;
        std::string expected;
    };
    for (const Case& c :
         {Case{"li.na", false, "zh-CN"}, Case{"Ann", false, "en"},
          Case{"ann", false, "de"},  // ids compared exactly by default
          Case{"ann", true, "en"},   // WeCom: ignoring ASCII case
          Case{"LI.NA", true, "zh-CN"}, Case{"bo", false, "de"}, Case{"nobody", true, "de"}}) {
        SCOPED_TRACE(c.user);
        EXPECT_EQ(reader_locale(roster, c.user, "de", c.any_case), c.expected);
    }
    EXPECT_EQ(reader_locale(nullptr, "li.na", "de"), "de");

    roster->set({{"li.na", "Li Na", "sales", "en"}});
    EXPECT_EQ(reader_locale(roster, "li.na", "de"), "en") << "a changed directory is used";
    EXPECT_EQ(roster->get()->size(), 1u);
}

}  // namespace
}  // namespace twintrack::connectors::runtime
