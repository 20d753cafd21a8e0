#include "connectors/hub/oidc.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <vector>

#include "core/crypto.hpp"
#include "core/text.hpp"

namespace twintrack::connectors::hub::oidc {
namespace {

using json = nlohmann::json;

const char* const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int sextet(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

std::shared_ptr<void> own(EVP_PKEY* key) {
    return std::shared_ptr<void>(key, [](void* p) { EVP_PKEY_free(static_cast<EVP_PKEY*>(p)); });
}

struct BnFree {
    void operator()(BIGNUM* b) const { BN_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;

Bn bignum(const std::string& bytes) {
    return Bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                        static_cast<int>(bytes.size()), nullptr));
}

// EVP_PKEY from parameters (OpenSSL 3: no deprecated RSA_/EC_KEY_ setters).
EVP_PKEY* from_params(const char* type, OSSL_PARAM_BLD* build) {
    OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(build);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
    EVP_PKEY* key = nullptr;
    if (params && ctx && EVP_PKEY_fromdata_init(ctx) == 1) {
        if (EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) key = nullptr;
    }
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return key;
}

EVP_PKEY* rsa_key(const json& jwk) {
    const auto n = base64url_decode(jwk.value("n", ""));
    const auto e = base64url_decode(jwk.value("e", ""));
    if (!n || !e || n->size() < 256 || e->empty()) return nullptr;  // 2048 bits at least
    Bn bn_n = bignum(*n), bn_e = bignum(*e);
    OSSL_PARAM_BLD* build = OSSL_PARAM_BLD_new();
    EVP_PKEY* key = nullptr;
    if (build && bn_n && bn_e && OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_N, bn_n.get()) &&
        OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_E, bn_e.get())) {
        key = from_params("RSA", build);
    }
    OSSL_PARAM_BLD_free(build);
    return key;
}

EVP_PKEY* ec_key(const json& jwk) {
    if (jwk.value("crv", "") != "P-256") return nullptr;
    const auto x = base64url_decode(jwk.value("x", ""));
    const auto y = base64url_decode(jwk.value("y", ""));
    if (!x || !y || x->size() != 32 || y->size() != 32) return nullptr;
    const std::string point = std::string(1, '\x04') + *x + *y;
    OSSL_PARAM_BLD* build = OSSL_PARAM_BLD_new();
    EVP_PKEY* key = nullptr;
    if (build &&
        OSSL_PARAM_BLD_push_utf8_string(build, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
        OSSL_PARAM_BLD_push_octet_string(build, OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                         point.size())) {
        key = from_params("EC", build);
    }
    OSSL_PARAM_BLD_free(build);
    return key;
}

// JWS ES256 signatures are r||s (32 bytes each); OpenSSL verifies DER.
std::optional<std::string> ecdsa_der(const std::string& raw) {
    if (raw.size() != 64) return std::nullopt;
    ECDSA_SIG* sig = ECDSA_SIG_new();
    BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr);
    BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr);
    if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(sig);
        return std::nullopt;
    }
    unsigned char* der = nullptr;
    const int len = i2d_ECDSA_SIG(sig, &der);
    ECDSA_SIG_free(sig);
    if (len <= 0) return std::nullopt;
    std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
    OPENSSL_free(der);
    return out;
}

bool signature_ok(const Key& key, const std::string& alg, const std::string& signed_part,
                  const std::string& signature) {
    std::string sig = signature;
    if (alg == "ES256") {
        const auto der = ecdsa_der(signature);
        if (!der) return false;
        sig = *der;
    }
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    bool ok = ctx != nullptr &&
              EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr,
                                   static_cast<EVP_PKEY*>(key.pkey.get())) == 1 &&
              EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                               reinterpret_cast<const unsigned char*>(signed_part.data()),
                               signed_part.size()) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

std::optional<json> json_part(std::string_view part) {
    const auto text = base64url_decode(part);
    if (!text) return std::nullopt;
    json out = json::parse(*text, nullptr, false);
    if (out.is_discarded() || !out.is_object()) return std::nullopt;
    return out;
}

std::optional<std::int64_t> seconds_claim(const json& claims, const char* name) {
    const auto it = claims.find(name);
    if (it == claims.end() || !it->is_number()) return std::nullopt;
    return static_cast<std::int64_t>(it->get<double>());
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::uint32_t acc = 0;
    int bits = 0;
    for (unsigned char c : bytes) {
        acc = (acc << 8) | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out.push_back(alphabet[(acc >> bits) & 0x3f]);
        }
    }
    if (bits > 0) out.push_back(alphabet[(acc << (6 - bits)) & 0x3f]);
    return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
    while (!text.empty() && text.back() == '=') text.remove_suffix(1);
    if (text.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(text.size() * 3 / 4);
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : text) {
        const int v = sextet(c);
        if (v < 0) return std::nullopt;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xff));
        }
    }
    return out;
}

std::string pkce_challenge(const std::string& verifier) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(verifier.data(), verifier.size(), digest, &len, EVP_sha256(), nullptr);
    return base64url_encode(std::string_view(reinterpret_cast<const char*>(digest), len));
}

KeySet KeySet::parse(const json& jwks) {
    KeySet set;
    if (!jwks.is_object() || !jwks.contains("keys") || !jwks["keys"].is_array()) return set;
    for (const auto& jwk : jwks["keys"]) {
        if (!jwk.is_object()) continue;
        Key key;
        key.kid = jwk.value("kid", "");
        key.kty = jwk.value("kty", "");
        key.alg = jwk.value("alg", "");
        if (jwk.value("use", "sig") != "sig") continue;
        EVP_PKEY* pkey = key.kty == "RSA" ? rsa_key(jwk) : key.kty == "EC" ? ec_key(jwk) : nullptr;
        if (pkey == nullptr) continue;
        key.pkey = own(pkey);
        set.keys_[key.kid] = std::move(key);
    }
    return set;
}

const Key* KeySet::find(const std::string& kid) const {
    const auto it = keys_.find(kid);
    return it == keys_.end() ? nullptr : &it->second;
}

const char* problem_name(Problem problem) {
    switch (problem) {
        case Problem::none:
            return "none";
        case Problem::malformed:
            return "malformed";
        case Problem::algorithm:
            return "algorithm";
        case Problem::unknown_key:
            return "unknown_key";
        case Problem::signature:
            return "signature";
        case Problem::issuer:
            return "issuer";
        case Problem::audience:
            return "audience";
        case Problem::expired:
            return "expired";
        case Problem::not_yet_valid:
            return "not_yet_valid";
        case Problem::nonce:
            return "nonce";
    }
    return "unknown";
}

Verified verify_id_token(const std::string& jwt, const KeySet& keys, const Expected& expected) {
    Verified out;
    const auto fail = [&](Problem p) {
        out.problem = p;
        out.claims = json();
        return out;
    };
    const auto dot1 = jwt.find('.');
    const auto dot2 = dot1 == std::string::npos ? dot1 : jwt.find('.', dot1 + 1);
    if (dot2 == std::string::npos || jwt.find('.', dot2 + 1) != std::string::npos) {
        return fail(Problem::malformed);
    }
    const auto header = json_part(std::string_view(jwt).substr(0, dot1));
    const auto payload = json_part(std::string_view(jwt).substr(dot1 + 1, dot2 - dot1 - 1));
    const auto signature = base64url_decode(std::string_view(jwt).substr(dot2 + 1));
    if (!header || !payload || !signature) return fail(Problem::malformed);
    // The algorithm is ours to choose, never the token's: none and HS256 (a public key
    // used as an HMAC secret) are refused before any key is looked at.
    const std::string alg = header->value("alg", "");
    if (alg != "RS256" && alg != "ES256") return fail(Problem::algorithm);
    const Key* key = keys.find(header->value("kid", ""));
    if (key == nullptr) return fail(Problem::unknown_key);
    if ((alg == "RS256" && key->kty != "RSA") || (alg == "ES256" && key->kty != "EC") ||
        (!key->alg.empty() && key->alg != alg)) {
        return fail(Problem::algorithm);
    }
    if (!signature_ok(*key, alg, jwt.substr(0, dot2), *signature)) {
        return fail(Problem::signature);
    }
    const json& claims = *payload;
    if (!claims.contains("iss") || claims["iss"] != expected.issuer) return fail(Problem::issuer);
    const auto aud = claims.find("aud");
    bool audience_ok = false;
    if (aud != claims.end() && aud->is_string()) {
        audience_ok = *aud == expected.audience;
    } else if (aud != claims.end() && aud->is_array()) {
        for (const auto& a : *aud) audience_ok = audience_ok || a == expected.audience;
        if (audience_ok && aud->size() > 1) {
            audience_ok = claims.value("azp", "") == expected.audience;
        }
    }
    if (!audience_ok) return fail(Problem::audience);
    const std::int64_t now = expected.now_ms / 1000;
    const auto exp = seconds_claim(claims, "exp");
    if (!exp || now > *exp + leeway_seconds) return fail(Problem::expired);
    const auto iat = seconds_claim(claims, "iat");
    const auto nbf = seconds_claim(claims, "nbf");
    if ((iat && *iat > now + leeway_seconds) || (nbf && *nbf > now + leeway_seconds)) {
        return fail(Problem::not_yet_valid);
    }
    if (expected.nonce.empty() ||
        !core::equal_constant_time(claims.value("nonce", ""), expected.nonce)) {
        return fail(Problem::nonce);
    }
    out.claims = claims;
    return out;
}

std::string role_for_groups(const json& groups, const std::map<std::string, std::string>& mapping) {
    std::vector<std::string> names;
    if (groups.is_string()) names.push_back(groups.get<std::string>());
    if (groups.is_array()) {
        for (const auto& g : groups) {
            if (g.is_string()) names.push_back(g.get<std::string>());
        }
    }
    int best = 0;
    static const char* const ranked[] = {"staff", "manager", "hr", "admin"};
    for (const auto& name : names) {
        const auto it = mapping.find(name);
        if (it == mapping.end()) continue;
        for (int i = 0; i < 4; ++i) {
            if (it->second == ranked[i] && i > best) best = i;
        }
    }
    return ranked[best];
}

std::string locale_of(std::string_view accept_language) {
    std::string_view rest = accept_language;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        std::string part = core::ascii_lower(std::string(core::trim(rest.substr(0, comma))));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        if (part.rfind("zh", 0) == 0) return "zh-CN";
        if (part.rfind("en", 0) == 0) return "en";
    }
    return "en";
}

}  // namespace twintrack::connectors::hub::oidc
