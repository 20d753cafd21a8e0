// What WeCom sends to an app's callback URL: the outer XML (connectors/wecom:
// read_xml_fields) and its Encrypt element, checked and decrypted (CallbackCrypto::decrypt:
// Base64, AES, the 32-byte padding, the length field, the receive id), then the inner XML
// and a template card click in it (connectors/wecom/wecom_cards).
// The input is also encrypted and decrypted again: the round trip must give it back.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "connectors/wecom/wecom_cards.hpp"
#include "connectors/wecom/wecom_crypto.hpp"
#include "connectors/wecom/wecom_xml.hpp"

namespace wecom = twintrack::connectors::wecom;

namespace {

// A click read from the callback names its clicker, its button key and a valid task id.
void check_card_click(const wecom::XmlFields& fields) {
    if (const auto click = wecom::read_card_click(fields)) {
        if (click->user.empty() || click->key.empty() || !wecom::valid_task_id(click->task_id)) {
            std::abort();
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const wecom::CallbackCrypto crypto("hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo",
                                              "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt",
                                              "ww1436e0e65a779aee");
    const std::string input(reinterpret_cast<const char*>(data), size);
    (void)crypto.signature_matches(input.substr(0, 40), "1476422779", "1597212914", input);
    std::string encrypted = input;
    if (const auto outer = wecom::read_xml_fields(input)) {
        encrypted = wecom::field(*outer, "Encrypt");
    }
    const auto opened = crypto.decrypt(encrypted);
    if (opened.problem == wecom::CallbackCrypto::Problem::none) {
        if (opened.receive_id != crypto.receive_id()) std::abort();
        if (const auto inner = wecom::read_xml_fields(opened.message)) check_card_click(*inner);
    }
    if (const auto plain = wecom::read_xml_fields(input)) check_card_click(*plain);
    const auto again = crypto.decrypt(crypto.encrypt(input, "0123456789abcdef"));
    if (again.problem != wecom::CallbackCrypto::Problem::none || again.message != input) {
        std::abort();
    }
    return 0;
}
