#include "connectors/feishu/feishu_protocol.hpp"

#include <openssl/evp.h>

#include <memory>

#include "connectors/http/json_fields.hpp"
#include "core/base64.hpp"
#include "core/text.hpp"

namespace twintrack::connectors::feishu {
namespace {

using namespace http::json_reading;

std::string sha256_raw(const std::string& data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(data.data(), data.size(), out, &n, EVP_sha256(), nullptr);
    return std::string(reinterpret_cast<const char*>(out), n);
}

std::optional<std::string> base64_decode(const std::string& text) {
    std::string in;
    for (char c : text) {
        if (c != '\n' && c != '\r' && c != ' ') in.push_back(c);
    }
    if (in.empty() || in.size() % 4 != 0) return std::nullopt;
    std::string out(in.size() / 4 * 3, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(in.data()),
                                  static_cast<int>(in.size()));
    if (n < 0) return std::nullopt;
    std::size_t len = static_cast<std::size_t>(n);
    if (in.size() >= 1 && in[in.size() - 1] == '=') --len;
    if (in.size() >= 2 && in[in.size() - 2] == '=') --len;
    out.resize(len);
    return out;
}

struct CipherFree {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

std::optional<std::string> aes_cbc(bool encrypting, const std::string& key, const std::string& iv,
                                   const std::string& in) {
    std::unique_ptr<EVP_CIPHER_CTX, CipherFree> ctx(EVP_CIPHER_CTX_new());
    if (!ctx || iv.size() != 16 || key.size() != 32) return std::nullopt;
    const auto* k = reinterpret_cast<const unsigned char*>(key.data());
    const auto* v = reinterpret_cast<const unsigned char*>(iv.data());
    if (EVP_CipherInit_ex(ctx.get(), EVP_aes_256_cbc(), nullptr, k, v, encrypting ? 1 : 0) != 1) {
        return std::nullopt;
    }
    std::string out(in.size() + 32, '\0');
    int n = 0;
    int tail = 0;
    auto* o = reinterpret_cast<unsigned char*>(out.data());
    if (EVP_CipherUpdate(ctx.get(), o, &n, reinterpret_cast<const unsigned char*>(in.data()),
                         static_cast<int>(in.size())) != 1) {
        return std::nullopt;
    }
    if (EVP_CipherFinal_ex(ctx.get(), o + n, &tail) != 1) return std::nullopt;  // bad padding
    out.resize(static_cast<std::size_t>(n + tail));
    return out;
}

// The plain text of a `post` (rich text) message: its title and the `text` and `a`
// elements of each paragraph, paragraphs on lines of their own; the image_keys of its `img`
// elements go to `images`.
std::string post_text(const json& content, std::vector<std::string>& images) {
    const json* body = &content;
    // Sends use {"zh_cn": {...}}; received posts have title/content at the top.
    if (!content.contains("content") && content.is_object() && !content.empty()) {
        body = &content.begin().value();
    }
    std::string out = string_field(*body, "title");
    const json& paragraphs =
        body->is_object() && body->contains("content") ? (*body)["content"] : json();
    if (!paragraphs.is_array()) return out;
    for (const auto& paragraph : paragraphs) {
        if (!paragraph.is_array()) continue;
        std::string line;
        for (const auto& element : paragraph) {
            const std::string tag = string_field(element, "tag");
            if (tag == "text" || tag == "a") line += string_field(element, "text");
            if (tag == "img" && !string_field(element, "image_key").empty()) {
                images.push_back(string_field(element, "image_key"));
            }
        }
        if (!out.empty()) out += "\n";
        out += std::string(core::trim(line));
    }
    return out;
}

}  // namespace

std::string sha256_hex(const std::string& data) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned char c : sha256_raw(data)) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 15]);
    }
    return out;
}

std::optional<std::string> decrypt(const std::string& encrypt_key, const std::string& encrypted) {
    auto data = base64_decode(encrypted);
    if (!data || data->size() < 32 || data->size() % 16 != 0) return std::nullopt;
    return aes_cbc(false, sha256_raw(encrypt_key), data->substr(0, 16), data->substr(16));
}

std::string encrypt(const std::string& encrypt_key, const std::string& plain,
                    const std::string& iv) {
    auto out = aes_cbc(true, sha256_raw(encrypt_key), iv, plain);
    return out ? core::base64_encode(iv + *out) : std::string();
}

std::string signature(const std::string& timestamp, const std::string& nonce,
                      const std::string& encrypt_key, const std::string& body) {
    return sha256_hex(timestamp + nonce + encrypt_key + body);
}

std::optional<Callback> read_callback(const std::string& plain) {
    const json body = json::parse(plain, nullptr, false);
    if (!body.is_object()) return std::nullopt;
    Callback c;
    c.type = string_field(body, "type");
    c.challenge = string_field(body, "challenge");
    c.schema = string_field(body, "schema");
    c.event = object_field(body, "event");
    if (c.schema == "2.0") {
        const json& header = object_field(body, "header");
        c.token = string_field(header, "token");
        c.event_id = string_field(header, "event_id");
        c.event_type = string_field(header, "event_type");
        c.app_id = string_field(header, "app_id");
    } else {
        c.token = string_field(body, "token");
        c.event_id = string_field(body, "uuid");
        c.event_type = string_field(c.event, "type");
        c.app_id = string_field(c.event, "app_id");
    }
    return c;
}

MessageRead read_message(const json& event, Message& out) {
    const json& message = object_field(event, "message");
    const json& sender = object_field(event, "sender");
    out.message_id = string_field(message, "message_id");
    out.root_id = string_field(message, "root_id");
    out.parent_id = string_field(message, "parent_id");
    out.thread_id = string_field(message, "thread_id");
    out.chat_id = string_field(message, "chat_id");
    out.chat_type = string_field(message, "chat_type");
    out.message_type = string_field(message, "message_type");
    out.open_id = string_field(object_field(sender, "sender_id"), "open_id");
    out.sender_type = string_field(sender, "sender_type");
    const std::string created = string_field(message, "create_time");
    if (!created.empty() && created.size() < 19 &&
        created.find_first_not_of("0123456789") == std::string::npos) {
        out.create_ms = std::stoll(created);
    }
    if (out.message_id.empty() || out.chat_id.empty() || out.open_id.empty() ||
        out.chat_type.empty()) {
        return MessageRead::incomplete;
    }
    const json content = json::parse(string_field(message, "content"), nullptr, false);
    if (out.message_type != "text" && out.message_type != "post") {
        // image: {"image_key"}; file, audio, media: {"file_key", "file_name"?, ...}.
        out.file_key =
            string_field(content, out.message_type == "image" ? "image_key" : "file_key");
        if (out.message_type != "image") out.file_name = string_field(content, "file_name");
        return MessageRead::not_text;
    }
    std::string text = out.message_type == "text" ? string_field(content, "text")
                                                  : post_text(content, out.post_images);
    const json& mentions = message.contains("mentions") ? message["mentions"] : json();
    if (mentions.is_array()) {
        for (const auto& m : mentions) {
            const std::string key = string_field(m, "key");
            if (key.empty()) continue;
            out.mentioned = true;
            for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at)) {
                // "@_user_1" must not eat the front of "@_user_10".
                const std::size_t end = at + key.size();
                if (end < text.size() && text[end] >= '0' && text[end] <= '9') {
                    at = end;
                    continue;
                }
                text.erase(at, key.size());
            }
        }
    }
    out.text = std::string(core::trim(text));
    return MessageRead::ok;
}

ApiOutcome read_api_answer(int status, const std::string& body) {
    ApiOutcome o;
    const json j = json::parse(body, nullptr, false);
    o.code = integer_field(j, "code", status >= 200 && status < 300 ? 0 : -1);
    o.message = string_field(j, "msg");
    if (o.message.empty() && status != 0) o.message = "HTTP " + std::to_string(status);
    using Kind = ApiOutcome::Kind;
    if (o.code == 99991663 || o.code == 99991661 || o.code == 99991668) {
        o.kind = Kind::token_invalid;
    } else if (status == 429 || o.code == 99991400 || o.code == 230020) {
        o.kind = Kind::rate_limited;
    } else if (status >= 200 && status < 300 && o.code == 0 && j.is_object()) {
        o.kind = Kind::ok;
    } else if (status == 0 || status == 408 || status >= 500 ||
               (status >= 200 && status < 300 && !j.is_object())) {
        o.kind = Kind::transient;
    } else {
        o.kind = Kind::permanent;
    }
    return o;
}

json text_message(const std::string& receive_id, const std::string& text, const std::string& uuid) {
    return message_of_type(receive_id, "text", json{{"text", text}}, uuid);
}

json message_of_type(const std::string& receive_id, const std::string& msg_type,
                     const json& content, const std::string& uuid) {
    json body = {{"msg_type", msg_type}, {"content", content.dump()}};
    if (!receive_id.empty()) body["receive_id"] = receive_id;
    if (!uuid.empty()) body["uuid"] = uuid;
    return body;
}

}  // namespace twintrack::connectors::feishu
