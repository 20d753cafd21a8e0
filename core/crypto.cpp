#include "core/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/random.h>

#include <cerrno>
#include <stdexcept>
#include <vector>

namespace twintrack::core {
namespace {

std::string hex(const unsigned char* bytes, std::size_t n) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(n * 2);
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(digits[bytes[i] >> 4]);
        out.push_back(digits[bytes[i] & 0x0f]);
    }
    return out;
}

// The kernel's generator (getrandom(2), blocking only until it is seeded at boot) rather
// than OpenSSL's: the first RAND_bytes() initialises OpenSSL (its configuration file, the
// default provider, a DRBG), which maps about 2.5 MiB of libcrypto into a process that
// otherwise needs none of it at start (the leases' holder name, the actions key).
void random_bytes(unsigned char* out, std::size_t n) {
    while (n > 0) {
        const ssize_t got = ::getrandom(out, n, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error("the secure random generator failed");
        }
        out += got;
        n -= static_cast<std::size_t>(got);
    }
}

}  // namespace

std::string sha256_hex(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("SHA-256 failed");
    }
    return hex(digest, len);
}

std::string random_hex(std::size_t n) {
    std::vector<unsigned char> bytes(n);
    random_bytes(bytes.data(), n);
    return hex(bytes.data(), n);
}

std::string random_digits(std::size_t digits) {
    std::string out;
    while (out.size() < digits) {
        unsigned char b = 0;
        random_bytes(&b, 1);
        if (b < 250) out.push_back(static_cast<char>('0' + b % 10));  // 250 = 25 x 10: no bias
    }
    return out;
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest,
             &len) == nullptr) {
        throw std::runtime_error("HMAC-SHA256 failed");
    }
    return hex(digest, len);
}

bool equal_constant_time(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace twintrack::core
