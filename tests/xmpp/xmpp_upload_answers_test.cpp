// The XEP-0363 uploader's questions and answers without a server: an answer that does
// not come from the entity asked is ignored (it could choose where a file is PUT), and a
// slot whose put URL is plain HTTP to another machine is refused. The stanzas the
// uploader sends are caught; the answers are written here as a server would send them.
#include <gtest/gtest.h>
#include <strophe.h>

#include <optional>
#include <string>
#include <vector>

#include "connectors/runtime/http_client.hpp"
#include "connectors/xmpp/http_upload.hpp"

namespace twintrack::connectors::xmpp {
namespace {

/// A question the uploader sent: its id, addressee and whole text.
struct SentQuestion {
    std::string id;
    std::string to;
    std::string xml;
};

class UploadAnswers : public ::testing::Test {
  protected:
    void SetUp() override {
        ctx_ = xmpp_ctx_new(nullptr, nullptr);
        http_.emplace(runtime::Transport{},
                      [this](std::function<void()> f) { completions_.push_back(std::move(f)); });
        upload_.use(
            ctx_,
            [this](xmpp_stanza_t* s) {
                SentQuestion q;
                q.id = xmpp_stanza_get_id(s) ? xmpp_stanza_get_id(s) : "";
                q.to = xmpp_stanza_get_to(s) ? xmpp_stanza_get_to(s) : "";
                char* buf = nullptr;
                std::size_t len = 0;
                if (xmpp_stanza_to_text(s, &buf, &len) == XMPP_EOK) {
                    q.xml.assign(buf, len);
                    xmpp_free(ctx_, buf);
                }
                sent_.push_back(q);
                return true;
            },
            &*http_, [this](const UploadService& s) { found_.push_back(s); });
    }
    void TearDown() override {
        http_->shutdown();
        xmpp_ctx_free(ctx_);
    }

    /// Hands `xml` (an <iq/>) to the uploader as if it came in; its answer.
    bool answer(const std::string& xml) {
        xmpp_stanza_t* iq = xmpp_stanza_new_from_string(ctx_, xml.c_str());
        EXPECT_NE(iq, nullptr) << xml;
        if (iq == nullptr) return false;
        const bool handled = upload_.on_iq(iq);
        xmpp_stanza_release(iq);
        return handled;
    }

    /// The question sent to `to` whose text holds `needle`.
    std::optional<SentQuestion> question(const std::string& to, const std::string& needle) const {
        for (const auto& q : sent_) {
            if (q.to == to && q.xml.find(needle) != std::string::npos) return q;
        }
        return std::nullopt;
    }

    /// Discovery of example.org ends with upload.example.org as its upload service.
    void discover_service() {
        upload_.discover("example.org");
        auto items = question("example.org", "disco#items");
        auto info = question("example.org", "disco#info");
        ASSERT_TRUE(items && info);
        ASSERT_TRUE(answer("<iq type='result' id='" + items->id +
                           "'><query xmlns='http://jabber.org/protocol/disco#items'>"
                           "<item jid='upload.example.org'/></query></iq>"));
        ASSERT_TRUE(answer("<iq type='result' id='" + info->id +
                           "'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"));
        auto service_info = question("upload.example.org", "disco#info");
        ASSERT_TRUE(service_info);
        ASSERT_TRUE(answer("<iq type='result' from='upload.example.org' id='" + service_info->id +
                           "'><query xmlns='http://jabber.org/protocol/disco#info'>"
                           "<feature var='urn:xmpp:http:upload:0'/></query></iq>"));
        ASSERT_EQ(found_.size(), 1u);
        ASSERT_EQ(found_[0].jid, "upload.example.org");
    }

    static core::Attachment file(const std::string& name) {
        core::Attachment a;
        a.name = name;
        a.mime = "text/plain";
        a.data = "the plan for the spring fair";
        return a;
    }

    xmpp_ctx_t* ctx_ = nullptr;
    std::vector<std::function<void()>> completions_;
    std::optional<runtime::HttpClient> http_;
    HttpUpload upload_{"xmpp-test"};
    std::vector<SentQuestion> sent_;
    std::vector<UploadService> found_;
};

TEST_F(UploadAnswers, AnAnswerToDiscoveryFromAnotherAccountIsIgnored) {
    upload_.discover("example.org");
    auto items = question("example.org", "disco#items");
    auto info = question("example.org", "disco#info");
    ASSERT_TRUE(items && info);

    // Someone who learnt the id offers a service of their own: not taken.
    EXPECT_TRUE(answer("<iq type='result' from='mallory@example.org/x' id='" + items->id +
                       "'><query xmlns='http://jabber.org/protocol/disco#items'>"
                       "<item jid='upload.mallory.net'/></query></iq>"));
    EXPECT_FALSE(question("upload.mallory.net", "disco#info"));
    EXPECT_TRUE(found_.empty());

    // The server's own answers (no 'from': its domain) still count: no upload service.
    EXPECT_TRUE(answer("<iq type='result' id='" + items->id +
                       "'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>"));
    EXPECT_TRUE(answer("<iq type='result' id='" + info->id +
                       "'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"));
    ASSERT_EQ(found_.size(), 1u);
    EXPECT_EQ(found_[0].jid, "");
    EXPECT_FALSE(question("upload.mallory.net", "disco#info"));
}

TEST_F(UploadAnswers, AnIdNobodyAskedIsNotTheUploadersToHandle) {
    upload_.discover("example.org");
    EXPECT_FALSE(answer("<iq type='result' id='up-000000000000'/>"));
    EXPECT_FALSE(answer("<iq type='result'/>"));
}

TEST_F(UploadAnswers, ASlotFromAnotherEntityStartsNoUploadAndThePostIsTriedAgainLater) {
    discover_service();
    std::optional<Uploaded> result;
    upload_.upload({file("plan.txt")}, [&](Uploaded u) { result = std::move(u); });
    auto slot = question("upload.example.org", "urn:xmpp:http:upload:0");
    ASSERT_TRUE(slot);

    // A forged slot pointing at a server of the forger's choice (here loopback, so that
    // nothing would leave the machine if it were taken).
    EXPECT_TRUE(answer("<iq type='result' from='mallory@example.org/x' id='" + slot->id +
                       "'><slot xmlns='urn:xmpp:http:upload:0'>"
                       "<put url='http://127.0.0.1:1/steal'/>"
                       "<get url='http://127.0.0.1:1/steal'/></slot></iq>"));
    EXPECT_EQ(http_->in_flight(), 0u);
    EXPECT_FALSE(result.has_value());

    // The real service never answers: the post fails for now, to be sent again.
    upload_.tick(std::chrono::steady_clock::now() + upload_.wait);
    ASSERT_TRUE(result.has_value());
    EXPECT_TRUE(result->temporary);
    EXPECT_EQ(http_->in_flight(), 0u);
}

TEST_F(UploadAnswers, APlainHttpPutToAnotherMachineIsRefusedAndTheFileIsNamedInstead) {
    discover_service();
    std::optional<Uploaded> result;
    upload_.upload({file("plan.txt")}, [&](Uploaded u) { result = std::move(u); });
    auto slot = question("upload.example.org", "urn:xmpp:http:upload:0");
    ASSERT_TRUE(slot);
    EXPECT_NE(slot->xml.find("plan.txt"), std::string::npos);

    EXPECT_TRUE(answer("<iq type='result' from='upload.example.org' id='" + slot->id +
                       "'><slot xmlns='urn:xmpp:http:upload:0'>"
                       "<put url='http://files.example.org/put/plan.txt'>"
                       "<header name='Authorization'>Basic c2VjcmV0</header></put>"
                       "<get url='https://files.example.org/get/plan.txt'/></slot></iq>"));
    ASSERT_TRUE(result.has_value());
    EXPECT_FALSE(result->temporary);
    ASSERT_EQ(result->urls.size(), 1u);
    EXPECT_EQ(result->urls[0], "");
    EXPECT_NE(result->refused[0].find("https"), std::string::npos);
    EXPECT_EQ(http_->in_flight(), 0u);
}

TEST_F(UploadAnswers, AFileOverTheServicesLimitIsNamedWithoutAskingForASlot) {
    upload_.discover("example.org");
    auto items = question("example.org", "disco#items");
    auto info = question("example.org", "disco#info");
    ASSERT_TRUE(items && info);
    ASSERT_TRUE(answer("<iq type='result' id='" + items->id +
                       "'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>"));
    ASSERT_TRUE(
        answer("<iq type='result' id='" + info->id +
               "'><query xmlns='http://jabber.org/protocol/disco#info'>"
               "<feature var='urn:xmpp:http:upload:0'/><x xmlns='jabber:x:data' type='result'>"
               "<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:http:upload:0</value></field>"
               "<field var='max-file-size'><value>10</value></field></x></query></iq>"));
    ASSERT_EQ(found_.size(), 1u);
    EXPECT_EQ(found_[0].jid, "example.org");
    EXPECT_EQ(found_[0].max_size, 10u);

    const std::size_t before = sent_.size();
    std::optional<Uploaded> result;
    upload_.upload({file("plan.txt")}, [&](Uploaded u) { result = std::move(u); });
    ASSERT_TRUE(result.has_value());
    EXPECT_FALSE(result->temporary);
    EXPECT_NE(result->refused[0].find("max-file-size"), std::string::npos);
    EXPECT_EQ(sent_.size(), before);
}

}  // namespace
}  // namespace twintrack::connectors::xmpp
