// What WeCom sends to an app's callback URL: the outer XML (connectors/wecom:
// read_xml_fields) and its Encrypt element, checked and decrypted (CallbackCrypto::decrypt:
// Base64, AES, the 32-byte padding, the length field, the receive id), then the inner XML.
// The input is also encrypted and decrypted again: the round trip must give it back.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "connectors/wecom/wecom_crypto.hpp"
#include "connectors/wecom/wecom_xml.hpp"

namespace wecom = twintrack::connectors::wecom;

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
        (void)wecom::read_xml_fields(opened.message);
    }
    const auto again = crypto.decrypt(crypto.encrypt(input, "0123456789abcdef"));
    if (again.problem != wecom::CallbackCrypto::Problem::none || again.message != input) {
        std::abort();
    }
    return 0;
}
