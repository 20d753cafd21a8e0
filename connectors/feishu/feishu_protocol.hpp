#pragma once
// The Feishu / Lark wire formats, without I/O: event callback decryption and signature
// checks (as the official SDKs do them), schema 2.0 events and `im.message.receive_v1`,
// the OpenAPI's answers, and the bodies of message sends. Pure functions, for the
// connector, its tests and fuzzing.

#include <chrono>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "connectors/runtime/recent_ids.hpp"

namespace twintrack::connectors::feishu {

/// Decrypts the `encrypt` member of a callback body: AES-256-CBC with the SHA-256 of the
/// app's Encrypt Key as the key, the first 16 bytes of the Base64-decoded data as the IV,
/// PKCS#7 padding. Nothing when the data is not Base64, too short, or does not decrypt
/// (a wrong key almost always shows as bad padding).
std::optional<std::string> decrypt(const std::string& encrypt_key, const std::string& encrypted);

/// The inverse of decrypt() with a given 16-byte IV (tests and the fake platform).
std::string encrypt(const std::string& encrypt_key, const std::string& plain,
                    const std::string& iv);

/// `X-Lark-Signature`: the lower-case hex SHA-256 of timestamp + nonce + encrypt_key + body.
std::string signature(const std::string& timestamp, const std::string& nonce,
                      const std::string& encrypt_key, const std::string& body);

/// SHA-256 as lower-case hex.
std::string sha256_hex(const std::string& data);

/// A callback body after decryption, with the fields that decide what it is.
struct Callback {
    std::string type;        ///< "url_verification" for the console's check, else ""
    std::string challenge;   ///< of a url_verification
    std::string token;       ///< the Verification Token it carries (header.token in 2.0)
    std::string schema;      ///< "2.0" for current events
    std::string event_id;    ///< header.event_id (2.0) or uuid (1.0)
    std::string event_type;  ///< header.event_type (2.0) or event.type (1.0)
    std::string app_id;
    nlohmann::json event;  ///< the `event` object
};

/// Reads a decrypted callback body; nothing when it is not a JSON object.
std::optional<Callback> read_callback(const std::string& plain);

/// An `im.message.receive_v1` event as the connector needs it.
struct Message {
    std::string message_id;    ///< om_...
    std::string root_id;       ///< the thread's first message, "" when none
    std::string parent_id;     ///< the message answered, "" when none
    std::string thread_id;     ///< omt_... when in a topic thread
    std::string chat_id;       ///< oc_...
    std::string chat_type;     ///< "p2p" or "group"
    std::string message_type;  ///< "text", "post", "image", ...
    std::string open_id;       ///< the sender's open_id (ou_...)
    std::string sender_type;   ///< "user", "app", ...
    std::string text;          ///< the text with @mentions removed, trimmed
    long long create_ms = 0;   ///< message.create_time
    bool mentioned = false;    ///< the message @mentions someone (in groups: the bot)
    /// An `image`, `file`, `audio` or `media` message: the key of its resource (image_key
    /// or file_key) and the file name it names ("" for pictures, which have none).
    std::string file_key;
    std::string file_name;
    /// A `post` (rich text) message: the image_keys of its pictures (`img` elements), in
    /// order.
    std::vector<std::string> post_images;
    bool direct() const { return chat_type == "p2p"; }
    /// What `GET im/v1/messages/{id}/resources/{key}?type=` takes for it: image or file.
    std::string resource_type() const { return message_type == "image" ? "image" : "file"; }
};

enum class MessageRead { ok, incomplete, not_text };

/// Reads the `event` of an `im.message.receive_v1`. The text of `text` messages and the
/// plain text of `post` (rich text) messages is read, and the image_keys of its pictures;
/// `@_user_N` placeholders are removed.
/// Other types are `not_text`; of an image, file, audio or media message the resource's
/// key and file name are read too.
MessageRead read_message(const nlohmann::json& event, Message& out);

/// The outcome of an OpenAPI call.
struct ApiOutcome {
    enum class Kind {
        ok,
        token_invalid,
        rate_limited,
        transient,
        permanent
    } kind = Kind::transient;
    long long code = 0;
    std::string message;
};

/// Classifies an answer by HTTP status and Feishu's `code`: 0 ok; 99991663/99991661/
/// 99991668 the token is invalid; HTTP 429, 99991400 or 230020 (the IM API's frequency
/// limit) rate limited; 5xx or no answer transient; anything else permanent.
ApiOutcome read_api_answer(int status, const std::string& body);

/// The body of `POST /open-apis/im/v1/messages` (with receive_id) or of `.../reply`
/// (receive_id ""), a `text` message; `uuid` makes retries idempotent (Feishu keeps it an
/// hour).
nlohmann::json text_message(const std::string& receive_id, const std::string& text,
                            const std::string& uuid);

/// The same for any `msg_type`: `interactive` (content: the card), `image` (content:
/// {"image_key": ...}), ...; the content object goes as a JSON string, as Feishu wants it.
nlohmann::json message_of_type(const std::string& receive_id, const std::string& msg_type,
                               const nlohmann::json& content, const std::string& uuid);

/// Event ids already handled, the most recent `capacity` of them (the runtime's window).
using runtime::RecentIds;

}  // namespace twintrack::connectors::feishu
