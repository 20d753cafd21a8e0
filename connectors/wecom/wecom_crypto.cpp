#include "connectors/wecom/wecom_crypto.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <memory>
#include <stdexcept>
#include <vector>

#include "connectors/http/signature.hpp"
#include "core/crypto.hpp"

namespace twintrack::connectors::wecom {
namespace {

constexpr std::size_t kBlock = 32;  // WeCom pads to 32 bytes, not AES's 16

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

// AES-256-CBC without OpenSSL's padding; false when OpenSSL refuses.
bool aes_cbc(bool encrypt, const std::string& key, const std::string& in, std::string& out) {
    CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    if (!ctx) return false;
    const auto* k = reinterpret_cast<const unsigned char*>(key.data());
    if (EVP_CipherInit_ex(ctx.get(), EVP_aes_256_cbc(), nullptr, k, k, encrypt ? 1 : 0) != 1) {
        return false;
    }
    EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
    out.assign(in.size() + 32, '\0');
    int written = 0;
    int last = 0;
    auto* o = reinterpret_cast<unsigned char*>(out.data());
    if (EVP_CipherUpdate(ctx.get(), o, &written, reinterpret_cast<const unsigned char*>(in.data()),
                         static_cast<int>(in.size())) != 1) {
        return false;
    }
    if (EVP_CipherFinal_ex(ctx.get(), o + written, &last) != 1) return false;
    out.resize(static_cast<std::size_t>(written + last));
    return true;
}

}  // namespace

std::string sha1_hex(const std::string& data) {
    std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
    SHA1(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data());
    static const char* hex = "0123456789abcdef";
    std::string out;
    out.reserve(2 * digest.size());
    for (unsigned char b : digest) {
        out += hex[b >> 4];
        out += hex[b & 15];
    }
    return out;
}

bool base64_decode(const std::string& text, std::string& bytes) {
    if (text.empty() || text.size() % 4 != 0) return false;
    std::size_t pad = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                           (c >= '0' && c <= '9') || c == '+' || c == '/';
        if (c == '=') {
            if (i + 2 < text.size()) return false;  // only the last two may be '='
            ++pad;
        } else if (!alpha || pad > 0) {
            return false;
        }
    }
    std::string out(text.size() / 4 * 3, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(text.data()),
                                  static_cast<int>(text.size()));
    if (n < 0 || static_cast<std::size_t>(n) < pad) return false;
    out.resize(static_cast<std::size_t>(n) - pad);  // EVP_DecodeBlock counts the padding
    bytes = std::move(out);
    return true;
}

std::string CallbackCrypto::check_aes_key(const std::string& encoding_aes_key) {
    if (encoding_aes_key.size() != 43) {
        return "must be the 43-character EncodingAESKey of the app's callback settings (it "
               "has " +
               std::to_string(encoding_aes_key.size()) + " characters)";
    }
    std::string key;
    if (!base64_decode(encoding_aes_key + "=", key) || key.size() != 32) {
        return "is not an EncodingAESKey: it must be 43 letters and digits as the admin "
               "console generates them (Base64 of a 32-byte key)";
    }
    return "";
}

CallbackCrypto::CallbackCrypto(std::string token, const std::string& encoding_aes_key,
                               std::string receive_id)
    : token_(std::move(token)), receive_id_(std::move(receive_id)) {
    const std::string why = check_aes_key(encoding_aes_key);
    if (!why.empty()) throw std::invalid_argument("EncodingAESKey " + why);
    base64_decode(encoding_aes_key + "=", key_);
}

std::string CallbackCrypto::signature(const std::string& timestamp, const std::string& nonce,
                                      const std::string& encrypted) const {
    std::vector<std::string> parts = {token_, timestamp, nonce, encrypted};
    std::sort(parts.begin(), parts.end());
    std::string joined;
    for (const auto& p : parts) joined += p;
    return sha1_hex(joined);
}

bool CallbackCrypto::signature_matches(const std::string& given, const std::string& timestamp,
                                       const std::string& nonce,
                                       const std::string& encrypted) const {
    std::string lower = given;
    for (char& c : lower) {
        if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    }
    return core::equal_constant_time(lower, signature(timestamp, nonce, encrypted));
}

CallbackCrypto::Opened CallbackCrypto::decrypt(const std::string& encrypted) const {
    Opened out;
    std::string cipher;
    if (!base64_decode(encrypted, cipher)) {
        out.problem = Problem::not_base64;
        return out;
    }
    if (cipher.size() < kBlock || cipher.size() % 16 != 0) {
        out.problem = Problem::bad_length;
        return out;
    }
    std::string plain;
    if (!aes_cbc(false, key_, cipher, plain)) {
        out.problem = Problem::cipher_failure;
        return out;
    }
    const auto pad = static_cast<unsigned char>(plain.back());
    if (pad < 1 || pad > kBlock || pad > plain.size()) {
        out.problem = Problem::bad_padding;
        return out;
    }
    for (std::size_t i = plain.size() - pad; i < plain.size(); ++i) {
        if (static_cast<unsigned char>(plain[i]) != pad) {
            out.problem = Problem::bad_padding;
            return out;
        }
    }
    plain.resize(plain.size() - pad);
    if (plain.size() < 20) {
        out.problem = Problem::bad_message_size;
        return out;
    }
    const auto* p = reinterpret_cast<const unsigned char*>(plain.data()) + 16;
    const std::size_t length =
        (static_cast<std::size_t>(p[0]) << 24) | (static_cast<std::size_t>(p[1]) << 16) |
        (static_cast<std::size_t>(p[2]) << 8) | static_cast<std::size_t>(p[3]);
    if (length > plain.size() - 20) {
        out.problem = Problem::bad_message_size;
        return out;
    }
    out.message = plain.substr(20, length);
    out.receive_id = plain.substr(20 + length);
    if (!core::equal_constant_time(out.receive_id, receive_id_)) {
        out.problem = Problem::wrong_receive_id;
        out.message.clear();
        return out;
    }
    out.problem = Problem::none;
    return out;
}

std::string CallbackCrypto::encrypt(const std::string& message, const std::string& random16) const {
    if (random16.size() != 16) throw std::invalid_argument("encrypt: random16 must be 16 bytes");
    std::string plain = random16;
    const auto n = static_cast<std::uint32_t>(message.size());
    plain += static_cast<char>((n >> 24) & 0xff);
    plain += static_cast<char>((n >> 16) & 0xff);
    plain += static_cast<char>((n >> 8) & 0xff);
    plain += static_cast<char>(n & 0xff);
    plain += message;
    plain += receive_id_;
    const std::size_t pad = kBlock - plain.size() % kBlock;
    plain.append(pad, static_cast<char>(pad));
    std::string cipher;
    if (!aes_cbc(true, key_, plain, cipher)) throw std::runtime_error("AES encryption failed");
    return http::base64(cipher);
}

const char* problem_name(CallbackCrypto::Problem problem) {
    switch (problem) {
        case CallbackCrypto::Problem::none:
            return "none";
        case CallbackCrypto::Problem::not_base64:
            return "ciphertext is not Base64";
        case CallbackCrypto::Problem::bad_length:
            return "ciphertext is not whole AES blocks";
        case CallbackCrypto::Problem::bad_padding:
            return "bad PKCS#7 padding";
        case CallbackCrypto::Problem::bad_message_size:
            return "bad message length field";
        case CallbackCrypto::Problem::wrong_receive_id:
            return "receive id is not this corp's";
        case CallbackCrypto::Problem::cipher_failure:
            return "AES decryption failed";
    }
    return "unknown";
}

}  // namespace twintrack::connectors::wecom
