// The WeCom callback encryption against the vectors of WeCom's official callback samples
// (weworkapi_callback Sample: Token, EncodingAESKey, CorpID; the URL check's signature
// and echostr; a message's signature, ciphertext and its plaintext), bit for bit; the
// expected plaintexts were worked out independently (Python `cryptography`). Plus the
// XML reader and the send pacer.

#include "connectors/wecom/wecom_crypto.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "connectors/http/signature.hpp"
#include "connectors/wecom/send_pacer.hpp"
#include "connectors/wecom/wecom_xml.hpp"
#include "tests/wecom/wecom_test_keys.hpp"

namespace twintrack::wecom_test {
namespace {

using connectors::wecom::CallbackCrypto;
using ::testing::HasSubstr;
using ::testing::Not;
using Problem = CallbackCrypto::Problem;

// The official sample's settings.
const std::string kCorpId = "ww1436e0e65a779aee";

// Example one: the URL check.
const std::string kVerifySignature = "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb";
const std::string kVerifyTimestamp = "1476416373";
const std::string kVerifyNonce = "47744683";
const std::string kEchoStr =
    "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==";
const std::string kEchoPlain = "1288432023552776189";
const std::string kEchoRandom = "8908d0ff052afda0";  // its 16 random bytes

// Example two: a member's message.
const std::string kMsgSignature = "0c3914025cb4b4d68103f6bfc8db550f79dcf48e";
const std::string kMsgTimestamp = "1476422779";
const std::string kMsgNonce = "1597212914";
const std::string kMsgEncrypt =
    "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGz"
    "BhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+"
    "3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4"
    "iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDP"
    "OYuPDGOCI8jmnKiypE+";
const std::string kMsgPlain =
    "<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun</FromUserName>"
    "<CreateTime>1476422779</CreateTime><MsgType>text</MsgType><Content>你好</Content>"
    "<MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>";

TEST(WecomCrypto, TheOfficialUrlCheckVector) {
    CallbackCrypto crypto(kToken, kAesKey, kCorpId);
    EXPECT_EQ(crypto.signature(kVerifyTimestamp, kVerifyNonce, kEchoStr), kVerifySignature);
    EXPECT_TRUE(
        crypto.signature_matches(kVerifySignature, kVerifyTimestamp, kVerifyNonce, kEchoStr));
    const auto opened = crypto.decrypt(kEchoStr);
    ASSERT_EQ(opened.problem, Problem::none) << problem_name(opened.problem);
    EXPECT_EQ(opened.message, kEchoPlain);
    EXPECT_EQ(opened.receive_id, kCorpId);
    // Encrypting with the same random bytes gives WeCom's ciphertext, bit for bit.
    EXPECT_EQ(crypto.encrypt(kEchoPlain, kEchoRandom), kEchoStr);
}

TEST(WecomCrypto, TheOfficialMessageVector) {
    CallbackCrypto crypto(kToken, kAesKey, kCorpId);
    EXPECT_EQ(crypto.signature(kMsgTimestamp, kMsgNonce, kMsgEncrypt), kMsgSignature);
    const auto opened = crypto.decrypt(kMsgEncrypt);
    ASSERT_EQ(opened.problem, Problem::none) << problem_name(opened.problem);
    EXPECT_EQ(opened.message, kMsgPlain);
    const auto fields = connectors::wecom::read_xml_fields(opened.message);
    ASSERT_TRUE(fields);
    EXPECT_EQ(connectors::wecom::field(*fields, "Content"), "你好");
    EXPECT_EQ(connectors::wecom::field(*fields, "FromUserName"), "ChenJiaShun");
    EXPECT_EQ(connectors::wecom::field(*fields, "MsgId"), "1456453720");
}

TEST(WecomCrypto, ForgedOrAlteredSignaturesDoNotMatch) {
    CallbackCrypto crypto(kToken, kAesKey, kCorpId);
    struct Case {
        std::string name, signature, timestamp, nonce, encrypted;
    };
    std::string flipped = kMsgSignature;
    flipped[39] = flipped[39] == '0' ? '1' : '0';
    const std::vector<Case> cases = {
        {"one hex digit changed", flipped, kMsgTimestamp, kMsgNonce, kMsgEncrypt},
        {"another timestamp", kMsgSignature, "1476422780", kMsgNonce, kMsgEncrypt},
        {"another nonce", kMsgSignature, kMsgTimestamp, "1597212915", kMsgEncrypt},
        {"ciphertext of the URL check", kMsgSignature, kMsgTimestamp, kMsgNonce, kEchoStr},
        {"empty", "", kMsgTimestamp, kMsgNonce, kMsgEncrypt},
        {"prefix only", kMsgSignature.substr(0, 20), kMsgTimestamp, kMsgNonce, kMsgEncrypt},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_FALSE(crypto.signature_matches(c.signature, c.timestamp, c.nonce, c.encrypted));
    }
    CallbackCrypto other_token("AnotherToken", kAesKey, kCorpId);
    EXPECT_FALSE(
        other_token.signature_matches(kMsgSignature, kMsgTimestamp, kMsgNonce, kMsgEncrypt));
}

TEST(WecomCrypto, AnotherReceiveIdIsRefused) {
    CallbackCrypto crypto(kToken, kAesKey, "ww0000000000000000");
    const auto opened = crypto.decrypt(kMsgEncrypt);
    EXPECT_EQ(opened.problem, Problem::wrong_receive_id);
    EXPECT_EQ(opened.receive_id, kCorpId);
    EXPECT_TRUE(opened.message.empty());
}

// AES-256-CBC of whole blocks with the sample's key and no padding of OpenSSL's own,
// Base64: for plaintexts WeCom would never send.
std::string raw_encrypt(const std::string& plain) {
    std::string key;
    EXPECT_TRUE(connectors::wecom::base64_decode(kAesKey + "=", key));
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    const auto* k = reinterpret_cast<const unsigned char*>(key.data());
    EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), nullptr, k, k);
    EVP_CIPHER_CTX_set_padding(ctx, 0);
    std::string out(plain.size() + 32, '\0');
    int n = 0, last = 0;
    EVP_EncryptUpdate(ctx, reinterpret_cast<unsigned char*>(out.data()), &n,
                      reinterpret_cast<const unsigned char*>(plain.data()),
                      static_cast<int>(plain.size()));
    EVP_EncryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(out.data()) + n, &last);
    EVP_CIPHER_CTX_free(ctx);
    out.resize(static_cast<std::size_t>(n + last));
    return connectors::http::base64(out);
}

// 16 random bytes, the length field, the message, the CorpID, then `tail` up to 64 bytes.
std::string plaintext(std::uint32_t length, const std::string& message, char fill,
                      const std::string& tail) {
    std::string p = "0123456789abcdef";
    p += static_cast<char>(length >> 24);
    p += static_cast<char>((length >> 16) & 0xff);
    p += static_cast<char>((length >> 8) & 0xff);
    p += static_cast<char>(length & 0xff);
    p += message + kCorpId;
    p.append(64 - p.size() - tail.size(), fill);
    return p + tail;
}

TEST(WecomCrypto, BadCiphertextAndPaddingAreRefused) {
    CallbackCrypto crypto(kToken, kAesKey, kCorpId);
    const std::string hi = "hi";  // 16 + 4 + 2 + 18 = 40 bytes, 24 of padding to 64
    struct Case {
        std::string name, encrypted;
        Problem problem;
    };
    const std::vector<Case> cases = {
        {"not Base64", "not base64 at all!", Problem::not_base64},
        {"Base64 without padding", kMsgEncrypt.substr(0, kMsgEncrypt.size() - 1),
         Problem::not_base64},
        {"shorter than 32 bytes", "AAAAAAAAAAAAAAAAAAAAAA==", Problem::bad_length},
        {"cut mid-block", kMsgEncrypt.substr(0, 40), Problem::bad_length},
        {"padding byte 0", raw_encrypt(plaintext(2, hi, '\0', "")), Problem::bad_padding},
        {"padding byte 33 (more than a 32-byte block)", raw_encrypt(plaintext(2, hi, 33, "")),
         Problem::bad_padding},
        {"padding bytes that disagree",
         raw_encrypt(plaintext(2, hi, 24, std::string("\x17\x18", 2))), Problem::bad_padding},
        {"length field past the end", raw_encrypt(plaintext(4000, hi, 24, "")),
         Problem::bad_message_size},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_EQ(crypto.decrypt(c.encrypted).problem, c.problem);
    }
    // The same construction with correct padding decrypts: the cases above fail for
    // the reason they name.
    const auto good = crypto.decrypt(raw_encrypt(plaintext(2, hi, 24, "")));
    EXPECT_EQ(good.problem, Problem::none);
    EXPECT_EQ(good.message, "hi");
}

TEST(WecomCrypto, RoundTripOfEveryLengthAroundTheBlockSize) {
    CallbackCrypto crypto(kToken, kAesKey, kCorpId);
    for (std::size_t n = 0; n < 80; ++n) {
        SCOPED_TRACE(n);
        const std::string message(n, 'x');
        const auto opened = crypto.decrypt(crypto.encrypt(message, "0123456789abcdef"));
        ASSERT_EQ(opened.problem, Problem::none);
        EXPECT_EQ(opened.message, message);
    }
}

TEST(WecomCrypto, BadEncodingAesKeysAreRefusedWithoutRepeatingThem) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"too short", "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhU"},
        {"too long", kAesKey + "x"},
        {"not Base64", "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToq!!t"},
        {"empty", ""},
    };
    for (const auto& [name, key] : cases) {
        SCOPED_TRACE(name);
        const std::string why = CallbackCrypto::check_aes_key(key);
        EXPECT_FALSE(why.empty());
        if (!key.empty()) {
            EXPECT_THAT(why, Not(HasSubstr(key)));
        }
        EXPECT_THROW(CallbackCrypto(kToken, key, kCorpId), std::invalid_argument);
    }
    EXPECT_EQ(CallbackCrypto::check_aes_key(kAesKey), "");
}

TEST(WecomXml, ReadsTheRootsChildrenAndRefusesWhatIsNotPlainXml) {
    const auto fields = connectors::wecom::read_xml_fields(
        "<xml><A><![CDATA[x < y & z]]></A><B>plain &amp; text</B><C><D>nested</D></C></xml>");
    ASSERT_TRUE(fields);
    EXPECT_EQ(connectors::wecom::field(*fields, "A"), "x < y & z");
    EXPECT_EQ(connectors::wecom::field(*fields, "B"), "plain & text");
    EXPECT_EQ(connectors::wecom::field(*fields, "D"), "");
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"malformed", "<xml><A>x</B></xml>"},
        {"not XML", "{\"json\": true}"},
        {"entity expansion",
         "<!DOCTYPE xml [<!ENTITY a \"aaaaaaaa\"><!ENTITY b "
         "\"&a;&a;&a;&a;\">]><xml><A>&b;</A></xml>"},
        {"two roots", "<xml></xml><xml></xml>"},
        {"empty", ""},
    };
    for (const auto& [name, xml] : bad) {
        SCOPED_TRACE(name);
        EXPECT_FALSE(connectors::wecom::read_xml_fields(xml));
    }
}

TEST(WecomPacer, AMemberGetsAtMost30AMinuteAnd1000AnHour) {
    using namespace std::chrono;
    connectors::wecom::SendPacer pacer;
    const auto windows = connectors::wecom::member_windows();
    const auto t0 = steady_clock::time_point{} + hours(100);
    for (int i = 0; i < 30; ++i) {
        SCOPED_TRACE(i);
        ASSERT_EQ(pacer.reserve("member:@li", windows, t0 + seconds(i)).count(), 0);
    }
    // The 31st waits until the first leaves the minute (sent at t0, so at t0 + 60 s).
    EXPECT_EQ(pacer.reserve("member:@li", windows, t0 + seconds(30)), milliseconds(30000));
    // Another member is not held up.
    EXPECT_EQ(pacer.reserve("member:@wang", windows, t0 + seconds(30)).count(), 0);
    EXPECT_EQ(pacer.reserve("member:@li", windows, t0 + seconds(60)).count(), 0);

    // An hour: 1000 at most, even when spread out under 30 a minute.
    connectors::wecom::SendPacer hourly;
    auto t = t0;
    int sent = 0;
    while (sent < 1000) {
        if (hourly.reserve("member:@li", windows, t).count() == 0) {
            ++sent;
        }
        t += seconds(2);  // 30 a minute
    }
    ASSERT_LT(t - t0, hours(1));
    const auto wait = hourly.reserve("member:@li", windows, t);
    EXPECT_GT(wait.count(), 0);
    EXPECT_EQ(duration_cast<milliseconds>(t0 + hours(1) - t), wait);
    EXPECT_EQ(hourly.reserve("member:@li", windows, t0 + hours(1)).count(), 0);
}

TEST(WecomPacer, AnAppGroupChatGetsAtMost200AMinute) {
    using namespace std::chrono;
    connectors::wecom::SendPacer pacer;
    const auto windows = connectors::wecom::chat_windows();
    const auto t0 = steady_clock::time_point{} + hours(100);
    for (int i = 0; i < 200; ++i) {
        ASSERT_EQ(pacer.reserve("chat:sales", windows, t0 + milliseconds(i)).count(), 0) << i;
    }
    EXPECT_EQ(pacer.reserve("chat:sales", windows, t0 + seconds(1)), milliseconds(59000));
}

}  // namespace
}  // namespace twintrack::wecom_test
