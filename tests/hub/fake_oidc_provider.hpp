#pragma once
// A fake OpenID provider for tests, on a loopback port: the discovery document, a JWKS
// with keys made by the test with OpenSSL, and a token endpoint that checks the client
// secret, the redirect URL and the PKCE verifier. The test plays the browser at the
// authorization endpoint: it registers a code for the challenge the hub sent.

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <cctype>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "connectors/hub/oidc.hpp"
#include "core/api.hpp"
#include "core/base64.hpp"
#include "tests/support/loopback_proxy.hpp"

namespace twintrack::connectors::hub::testing {

using nlohmann::json;
using oidc::base64url_encode;

inline constexpr const char* client_id = "twintrack-hub";
inline constexpr const char* client_secret = "s3cret";
inline constexpr const char* redirect_url = "http://127.0.0.1/sign-in/oidc/callback";

/// A signing key made for the test, its public half as a JWK, and JWS signatures.
struct TestKey {
    std::string kid;
    std::string alg;  // RS256 or ES256
    std::shared_ptr<EVP_PKEY> pkey;

    static TestKey rsa(const std::string& kid) {
        return {kid, "RS256", std::shared_ptr<EVP_PKEY>(EVP_RSA_gen(2048), EVP_PKEY_free)};
    }
    static TestKey ec(const std::string& kid) {
        return {kid, "ES256", std::shared_ptr<EVP_PKEY>(EVP_EC_gen("P-256"), EVP_PKEY_free)};
    }

    nlohmann::json jwk() const {
        if (alg == "RS256") {
            return {{"kty", "RSA"},
                    {"kid", kid},
                    {"use", "sig"},
                    {"alg", alg},
                    {"n", bn_param(OSSL_PKEY_PARAM_RSA_N)},
                    {"e", bn_param(OSSL_PKEY_PARAM_RSA_E)}};
        }
        unsigned char point[65];
        std::size_t len = 0;
        EVP_PKEY_get_octet_string_param(pkey.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
                                        sizeof point, &len);
        const std::string raw(reinterpret_cast<char*>(point), len);
        return {{"kty", "EC"},
                {"kid", kid},
                {"crv", "P-256"},
                {"x", base64url_encode(raw.substr(1, 32))},
                {"y", base64url_encode(raw.substr(33, 32))}};
    }

    /// The JWS signature of `data` (raw r||s for ES256).
    std::string sign(const std::string& data) const {
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, pkey.get());
        std::size_t len = 0;
        EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                       data.size());
        std::string sig(len, '\0');
        EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size());
        EVP_MD_CTX_free(ctx);
        sig.resize(len);
        if (alg != "ES256") return sig;
        const unsigned char* p = reinterpret_cast<const unsigned char*>(sig.data());
        ECDSA_SIG* ecdsa = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
        unsigned char out[64];
        BN_bn2binpad(ECDSA_SIG_get0_r(ecdsa), out, 32);
        BN_bn2binpad(ECDSA_SIG_get0_s(ecdsa), out + 32, 32);
        ECDSA_SIG_free(ecdsa);
        return std::string(reinterpret_cast<char*>(out), 64);
    }

  private:
    std::string bn_param(const char* name) const {
        BIGNUM* bn = nullptr;
        EVP_PKEY_get_bn_param(pkey.get(), name, &bn);
        std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
        BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
        BN_free(bn);
        return base64url_encode(bytes);
    }
};

/// Keys are slow to make: once for all tests.
inline const TestKey& rsa_key() {
    static const TestKey k = TestKey::rsa("rsa-1");
    return k;
}
inline const TestKey& other_rsa_key() {
    static const TestKey k = TestKey::rsa("rsa-1");  // same kid, different key
    return k;
}
inline const TestKey& ec_key() {
    static const TestKey k = TestKey::ec("ec-1");
    return k;
}

inline std::string jwt(const json& header, const json& claims, const TestKey* key) {
    const std::string signed_part =
        base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
    return signed_part + "." + (key ? base64url_encode(key->sign(signed_part)) : "");
}

struct HttpIn {
    std::string method, target, body;
    std::map<std::string, std::string> headers;  // lower-case names
};

inline HttpIn parse_request(const std::string& raw) {
    HttpIn in;
    const auto head_end = raw.find("\r\n\r\n");
    const std::string head = raw.substr(0, head_end);
    in.body = head_end == std::string::npos ? "" : raw.substr(head_end + 4);
    std::size_t pos = head.find("\r\n");
    const std::string line = head.substr(0, pos);
    const auto sp1 = line.find(' ');
    const auto sp2 = line.find(' ', sp1 + 1);
    in.method = line.substr(0, sp1);
    in.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    while (pos != std::string::npos && pos < head.size()) {
        const auto next = head.find("\r\n", pos + 2);
        const std::string h =
            head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
        const auto colon = h.find(':');
        if (colon != std::string::npos) {
            std::string name = h.substr(0, colon);
            for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            std::string value = h.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.erase(0, 1);
            in.headers[name] = value;
        }
        pos = next;
    }
    return in;
}

/// The fake provider. The test plays the browser at the authorization endpoint: it
/// registers a code for the challenge and nonce the hub sent, with the ID token the
/// token endpoint hands out for it.
class FakeProvider {
  public:
    FakeProvider()
        : server_([this](int fd) { serve(fd); }),
          issuer_("http://127.0.0.1:" + std::to_string(server_.port())) {
        keys_ = {rsa_key().jwk(), ec_key().jwk()};
    }

    const std::string& issuer() const { return issuer_; }

    /// Registers `code`; the token endpoint answers with `id_token` once the verifier
    /// matches `challenge`.
    void add_code(const std::string& code, const std::string& challenge,
                  const std::string& id_token) {
        std::lock_guard<std::mutex> lock(mu_);
        codes_[code] = {challenge, id_token};
    }
    void set_keys(nlohmann::json keys) {
        std::lock_guard<std::mutex> lock(mu_);
        keys_ = std::move(keys);
    }
    int jwks_fetches() const {
        std::lock_guard<std::mutex> lock(mu_);
        return jwks_fetches_;
    }
    /// Why the token endpoint refused, last.
    std::string refused() const {
        std::lock_guard<std::mutex> lock(mu_);
        return refused_;
    }

  private:
    struct Code {
        std::string challenge, id_token;
    };

    void serve(int fd) {
        const HttpIn in = parse_request(test_support::read_http_request(fd));
        int status = 200;
        nlohmann::json body;
        {
            std::lock_guard<std::mutex> lock(mu_);
            if (in.target == "/.well-known/openid-configuration") {
                body = {{"issuer", issuer_},
                        {"authorization_endpoint", issuer_ + "/authorize"},
                        {"token_endpoint", issuer_ + "/token"},
                        {"jwks_uri", issuer_ + "/jwks"}};
            } else if (in.target == "/jwks") {
                ++jwks_fetches_;
                body = {{"keys", keys_}};
            } else if (in.target == "/token" && in.method == "POST") {
                status = 400;
                auto form = core::parse_query(in.body);
                const auto code = codes_.find(form["code"]);
                const auto auth = in.headers.find("authorization");
                const std::string basic =
                    "Basic " + core::base64_encode(std::string(client_id) + ":" + client_secret);
                if (auth == in.headers.end() || auth->second != basic) {
                    refused_ = "client";
                } else if (form["grant_type"] != "authorization_code" ||
                           form["redirect_uri"] != redirect_url || code == codes_.end()) {
                    refused_ = "grant";
                } else if (oidc::pkce_challenge(form["code_verifier"]) != code->second.challenge) {
                    refused_ = "pkce";
                } else {
                    status = 200;
                    body = {{"access_token", "at"},
                            {"token_type", "Bearer"},
                            {"id_token", code->second.id_token}};
                    codes_.erase(code);  // a code works once
                }
                if (status != 200) body = {{"error", "invalid_grant"}};
            } else {
                status = 404;
                body = {{"error", "not_found"}};
            }
        }
        const std::string text = body.dump();
        test_support::write_all(fd, "HTTP/1.1 " + std::to_string(status) +
                                        " X\r\nContent-Type: application/json\r\n"
                                        "Content-Length: " +
                                        std::to_string(text.size()) +
                                        "\r\nConnection: close\r\n\r\n" + text);
    }

    mutable std::mutex mu_;
    std::map<std::string, Code> codes_;
    nlohmann::json keys_;
    int jwks_fetches_ = 0;
    std::string refused_;
    test_support::LoopbackServer server_;
    std::string issuer_;
};

}  // namespace twintrack::connectors::hub::testing
