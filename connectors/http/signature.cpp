#include "connectors/http/signature.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace twintrack::connectors::http {

std::string hmac_sha256(const std::string& key, const std::string& data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
    return std::string(reinterpret_cast<const char*>(out), len);
}

std::string hmac_sha256_hex(const std::string& key, const std::string& data) {
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned char c : hmac_sha256(key, data)) {
        out += hex[c >> 4];
        out += hex[c & 15];
    }
    return out;
}

std::string base64(const std::string& bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()),
                                  static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

}  // namespace twintrack::connectors::http
