// The incoming events a connector holds while their files download (per conversation, in
// order, released at stop, within limits), and the names and types of files every
// connector shares.

#include "connectors/runtime/held_events.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "connectors/runtime/media_names.hpp"
#include "core/event_files.hpp"

namespace twintrack::connectors::runtime {
namespace {

using ::testing::ElementsAre;

core::Event event(const std::string& id, const std::string& conversation) {
    core::Event e;
    e.id = id;
    e.where = {"test", conversation, ""};
    return e;
}

core::EventFile file(const std::string& name, const std::string& url = "") {
    core::EventFile f;
    f.name = name;
    f.url = url;
    return f;
}

class HeldEventsTest : public ::testing::Test {
  protected:
    std::vector<std::string> ids() const {
        std::vector<std::string> out;
        for (const auto& e : got) out.push_back(e.id);
        return out;
    }
    std::vector<core::Event> got;
    HeldEvents::Push push = [this](core::Event e) { got.push_back(std::move(e)); };
};

TEST_F(HeldEventsTest, EventsBehindADownloadWaitForItAndGoOnInOrderWithTheFile) {
    HeldEvents held(push);
    const auto t = held.hold(event("pic", "g1"), {file("photo", "https://x/p")}, 1);
    ASSERT_NE(t, 0u);
    held.pass(event("after-1", "g1"));
    held.pass(event("after-2", "g1"));
    EXPECT_TRUE(got.empty());
    EXPECT_EQ(held.held("g1"), 3u);
    EXPECT_EQ(held.downloads(), 1u);
    core::EventFile fetched = file("photo.png", "https://x/p");
    fetched.data = "bytes";
    fetched.mime = "image/png";
    EXPECT_TRUE(held.done(t, 0, fetched));
    EXPECT_THAT(ids(), ElementsAre("pic", "after-1", "after-2"));
    const auto files = core::event_files(got[0].extra);
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files[0].name, "photo.png");
    EXPECT_EQ(files[0].data, "bytes");
    EXPECT_EQ(held.held(), 0u);
    EXPECT_EQ(held.downloads(), 0u);
    // Answered once only: a second answer changes nothing.
    EXPECT_FALSE(held.done(t, 0, fetched));
    EXPECT_EQ(got.size(), 3u);
}

TEST_F(HeldEventsTest, ASlowFileInOneConversationDoesNotDelayAnother) {
    HeldEvents held(push);
    const auto slow = held.hold(event("a-file", "group-a"), {file("deck.pdf")}, 1);
    held.pass(event("a-text", "group-a"));
    held.pass(event("b-text", "group-b"));
    const auto quick = held.hold(event("b-file", "group-b"), {file("quote.pdf")}, 1);
    held.pass(event("b-after", "group-b"));
    EXPECT_THAT(ids(), ElementsAre("b-text"));
    held.done(quick, 0, file("quote.pdf"));
    EXPECT_THAT(ids(), ElementsAre("b-text", "b-file", "b-after"));
    held.done(slow, 0, file("deck.pdf"));
    EXPECT_THAT(ids(), ElementsAre("b-text", "b-file", "b-after", "a-file", "a-text"));
}

TEST_F(HeldEventsTest, AnEventWaitsForAllItsDownloadsWhicheverAnswersFirst) {
    HeldEvents held(push);
    const auto t = held.hold(event("two", "g"), {file("a", "u-a"), file("b", "u-b")}, 2);
    held.done(t, 1, file("b-fetched"));
    EXPECT_TRUE(got.empty());
    EXPECT_TRUE(held.waiting(t));
    held.done(t, 0, file("a-fetched"));
    ASSERT_EQ(got.size(), 1u);
    const auto files = core::event_files(got[0].extra);
    ASSERT_EQ(files.size(), 2u);
    EXPECT_EQ(files[0].name, "a-fetched");
    EXPECT_EQ(files[1].name, "b-fetched");
}

TEST_F(HeldEventsTest, ReleaseAllHandsOnEveryHeldEventOnceInOrderWithLinksAndNames) {
    HeldEvents held(push);
    const auto t1 = held.hold(event("a-file", "ga"), {file("deck.pdf", "https://x/deck")}, 1);
    held.pass(event("a-after", "ga"));
    const auto t2 = held.hold(event("b-file", "gb"), {file("image")}, 1);
    held.pass(event("b-after", "gb"));
    held.release_all();
    ASSERT_EQ(got.size(), 4u);
    std::vector<std::string> a, b;
    for (const auto& e : got) (e.where.channel == "ga" ? a : b).push_back(e.id);
    EXPECT_THAT(a, ElementsAre("a-file", "a-after"));
    EXPECT_THAT(b, ElementsAre("b-file", "b-after"));
    for (const auto& e : got) {
        if (e.id != "a-file") continue;
        const auto files = core::event_files(e.extra);
        ASSERT_EQ(files.size(), 1u);
        EXPECT_EQ(files[0].url, "https://x/deck");
        EXPECT_TRUE(files[0].data.empty());
    }
    EXPECT_EQ(held.held(), 0u);
    EXPECT_EQ(held.downloads(), 0u);
    // A download answering late is not wanted and hands nothing on again.
    EXPECT_FALSE(held.done(t1, 0, file("deck.pdf")));
    EXPECT_FALSE(held.done(t2, 0, file("image.png")));
    EXPECT_EQ(got.size(), 4u);
    // Afterwards events go straight on.
    held.pass(event("later", "ga"));
    EXPECT_EQ(got.back().id, "later");
}

TEST_F(HeldEventsTest, BeyondTheDownloadLimitAFileGoesOnUnfetchedInItsPlace) {
    HeldEvents held(push, {2, 100});
    const auto t1 = held.hold(event("one", "g"), {file("1", "u1")}, 1);
    const auto t2 = held.hold(event("two", "g"), {file("2", "u2"), file("3", "u3")}, 2);
    EXPECT_NE(t1, 0u);
    EXPECT_EQ(t2, 0u);  // two more would make three awaited at once
    held.pass(event("three", "g"));
    EXPECT_TRUE(got.empty());  // still behind "one"
    const auto other = held.hold(event("other", "h"), {file("4", "u4")}, 1);
    EXPECT_NE(other, 0u);  // one more fits
    EXPECT_EQ(held.hold(event("none-left", "k"), {file("5", "u5")}, 1), 0u);
    EXPECT_THAT(ids(), ElementsAre("none-left"));
    EXPECT_EQ(core::event_files(got[0].extra)[0].url, "u5");
    held.done(t1, 0, file("1"));
    EXPECT_THAT(ids(), ElementsAre("none-left", "one", "two", "three"));
    EXPECT_EQ(core::event_files(got[2].extra).size(), 2u);
    EXPECT_EQ(held.downloads(), 1u);
}

TEST_F(HeldEventsTest, AFullConversationIsReleasedAndItsLateDownloadIgnored) {
    HeldEvents held(push, {8, 3});
    const auto t = held.hold(event("file", "g"), {file("deck.pdf", "https://x/deck")}, 1);
    held.pass(event("m1", "g"));
    held.pass(event("m2", "g"));
    EXPECT_TRUE(got.empty());
    held.pass(event("m3", "g"));  // the fourth: the three held go on first
    EXPECT_THAT(ids(), ElementsAre("file", "m1", "m2", "m3"));
    EXPECT_EQ(core::event_files(got[0].extra)[0].url, "https://x/deck");
    EXPECT_EQ(held.downloads(), 0u);
    EXPECT_FALSE(held.done(t, 0, file("deck.pdf")));
    EXPECT_EQ(got.size(), 4u);
}

TEST_F(HeldEventsTest, AnEventWithNothingToFetchGoesOnWithItsFiles) {
    HeldEvents held(push);
    EXPECT_EQ(held.hold(event("link", "g"), {file("a.pdf", "https://x/a")}, 0), 0u);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(core::event_files(got[0].extra)[0].name, "a.pdf");
}

TEST(MediaNames, ExtensionsAndContentTypesAreReadTheSameEverywhere) {
    EXPECT_EQ(extension_of("Quote.PDF"), "pdf");
    EXPECT_EQ(extension_of("archive.tar.GZ"), "gz");
    EXPECT_EQ(extension_of("README"), "");
    EXPECT_EQ(media_type_of(" Image/PNG ; charset=binary"), "image/png");
    EXPECT_EQ(media_type_of("application/pdf"), "application/pdf");
    EXPECT_EQ(media_type_of(""), "");
}

TEST(MediaNames, TheBytesNameTheTypeAndTheNameOnlyWhereTheyAgree) {
    EXPECT_EQ(sniff_type("", std::string("\x89PNG\r\n\x1a\nxx", 10)), "image/png");
    EXPECT_EQ(sniff_type("x.bin", "\xFF\xD8\xFF\xE0"), "image/jpeg");
    EXPECT_EQ(sniff_type("", "GIF89a..."), "image/gif");
    EXPECT_EQ(sniff_type("", "RIFF0000WEBPVP8 "), "image/webp");
    EXPECT_EQ(sniff_type("", "%PDF-1.4"), "application/pdf");
    EXPECT_EQ(sniff_type("Deck.DOCX", std::string("PK\x03\x04rest", 8)),
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    EXPECT_EQ(sniff_type("notes.txt", "plain words"), "text/plain");
    EXPECT_EQ(sniff_type("notes.txt", std::string("bad\0bytes", 9)), "");
    EXPECT_EQ(sniff_type("photo.png", "not a picture"), "");  // the name alone says nothing
    EXPECT_EQ(sniff_type("", ""), "");
}

TEST(MediaNames, APictureIsNamedByItsBaseWordAndItsType) {
    EXPECT_EQ(picture_name("image", "image/png"), "image.png");
    EXPECT_EQ(picture_name("图片", "image/jpeg"), "图片.jpg");
    EXPECT_EQ(picture_name("image", "image/*"), "image");
    EXPECT_EQ(picture_name("image", "image/svg+xml"), "image");
    EXPECT_EQ(picture_name("image", "application/pdf"), "image");
}

}  // namespace
}  // namespace twintrack::connectors::runtime
