#pragma once
// The message encryption of WeCom (企业微信) callbacks, as its developer documentation
// describes it ("回调和回复的加解密方案"): a SHA-1 signature over the sorted token,
// timestamp, nonce and ciphertext, and AES-256-CBC with the key of the 43-character
// EncodingAESKey (Base64 of the key without its "="), the IV being the key's first 16
// bytes. Plaintext = 16 random bytes, the message length (4 bytes, big-endian), the
// message and the receive id (the CorpID); PKCS#7 padding to a multiple of 32 bytes,
// removed and checked here (OpenSSL's own unpadding only knows 16-byte blocks).
// Immutable after construction, so one object may be used from several threads.

#include <string>

namespace twintrack::connectors::wecom {

/// SHA-1 of `data` as 40 lower-case hex digits.
std::string sha1_hex(const std::string& data);

/// Strict Base64 (standard alphabet, padded, length a multiple of 4). False when `text`
/// is anything else.
bool base64_decode(const std::string& text, std::string& bytes);

class CallbackCrypto {
  public:
    /// Why an EncodingAESKey cannot be used ("" when it can). Never repeats the key.
    static std::string check_aes_key(const std::string& encoding_aes_key);

    /// Throws std::invalid_argument with check_aes_key()'s reason for a bad key.
    CallbackCrypto(std::string token, const std::string& encoding_aes_key, std::string receive_id);

    /// The msg_signature of a request: SHA-1 hex of the four strings sorted and joined.
    std::string signature(const std::string& timestamp, const std::string& nonce,
                          const std::string& encrypted) const;
    /// Compares `given` with signature(...) in constant time.
    bool signature_matches(const std::string& given, const std::string& timestamp,
                           const std::string& nonce, const std::string& encrypted) const;

    enum class Problem {
        none,
        not_base64,        ///< the ciphertext is not Base64
        bad_length,        ///< not whole AES blocks, or too short
        bad_padding,       ///< PKCS#7 padding (1 to 32 bytes) missing or inconsistent
        bad_message_size,  ///< the length field points past the end
        wrong_receive_id,  ///< decrypted, but meant for another corp or app
        cipher_failure,    ///< OpenSSL refused
    };
    struct Opened {
        Problem problem = Problem::cipher_failure;
        std::string message;     ///< the plaintext message when problem == none
        std::string receive_id;  ///< what the sender put there (when it decrypted)
    };
    /// Decrypts the Base64 `encrypted` (an `Encrypt` element or an `echostr`) and checks
    /// the padding and the receive id.
    Opened decrypt(const std::string& encrypted) const;

    /// Encrypts `message` with the 16 bytes `random16` in front (Base64 result); what
    /// WeCom does, for passive replies and for tests that play WeCom.
    std::string encrypt(const std::string& message, const std::string& random16) const;

    const std::string& receive_id() const { return receive_id_; }

  private:
    std::string token_;
    std::string key_;  ///< 32 bytes
    std::string receive_id_;
};

/// A short English description of a decryption problem, for logs.
const char* problem_name(CallbackCrypto::Problem problem);

}  // namespace twintrack::connectors::wecom
