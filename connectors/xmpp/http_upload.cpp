#include "connectors/xmpp/http_upload.hpp"

#include <spdlog/spdlog.h>
#include <strophe.h>

#include <cstring>
#include <utility>

#include "connectors/runtime/http_client.hpp"
#include "connectors/xmpp/stanza_reading.hpp"
#include "connectors/xmpp/xmpp_jid.hpp"
#include "core/crypto.hpp"
#include "core/text.hpp"

namespace twintrack::connectors::xmpp {
namespace {

constexpr const char* kItemsNs = "http://jabber.org/protocol/disco#items";
constexpr const char* kInfoNs = "http://jabber.org/protocol/disco#info";
constexpr const char* kDataNs = "jabber:x:data";

bool named(xmpp_stanza_t* s, const char* name) {
    const char* n = xmpp_stanza_get_name(s);
    return n != nullptr && std::strcmp(n, name) == 0;
}

xmpp_stanza_t* new_child(xmpp_ctx_t* ctx, xmpp_stanza_t* parent, const char* name, const char* ns) {
    xmpp_stanza_t* c = xmpp_stanza_new(ctx);
    xmpp_stanza_set_name(c, name);
    if (ns != nullptr) xmpp_stanza_set_ns(c, ns);
    xmpp_stanza_add_child(parent, c);
    xmpp_stanza_release(c);
    return c;
}

/// An <error/>'s type and condition ("cancel item-not-found: its text").
std::string error_words(xmpp_stanza_t* iq, std::string* type) {
    xmpp_stanza_t* e = xmpp_stanza_get_child_by_name(iq, "error");
    if (e == nullptr) return "an error without <error/>";
    if (type != nullptr) *type = attr(e, "type");
    std::string words = attr(e, "type");
    std::string text;
    for (xmpp_stanza_t* c = xmpp_stanza_get_children(e); c != nullptr;
         c = xmpp_stanza_get_next(c)) {
        const char* n = xmpp_stanza_get_name(c);
        if (n == nullptr) continue;
        if (std::strcmp(n, "text") == 0) {
            text = text_of(c);
        } else {
            words += std::string(" ") + n;
        }
    }
    if (!text.empty()) words += ": " + text;
    return words;
}

/// The max-file-size of a disco#info <query/>'s XEP-0128 form for the upload
/// namespace; 0 when it names none.
std::uint64_t max_file_size(xmpp_stanza_t* query) {
    for (xmpp_stanza_t* x = xmpp_stanza_get_children(query); x != nullptr;
         x = xmpp_stanza_get_next(x)) {
        const char* ns = xmpp_stanza_get_ns(x);
        if (!named(x, "x") || ns == nullptr || std::strcmp(ns, kDataNs) != 0) continue;
        std::string form_type;
        std::string max;
        for (xmpp_stanza_t* f = xmpp_stanza_get_children(x); f != nullptr;
             f = xmpp_stanza_get_next(f)) {
            if (!named(f, "field")) continue;
            const std::string var = attr(f, "var");
            const std::string value = text_of(xmpp_stanza_get_child_by_name(f, "value"));
            if (var == "FORM_TYPE") form_type = value;
            if (var == "max-file-size") max = value;
        }
        if (form_type != kHttpUploadNs || max.empty() || max.size() > 19 ||
            max.find_first_not_of("0123456789") != std::string::npos) {
            continue;
        }
        return std::stoull(max);
    }
    return 0;
}

/// A header value without line breaks (nothing can ride in on one).
bool clean_header(const std::string& value) {
    return value.find_first_of("\r\n") == std::string::npos;
}

}  // namespace

struct HttpUpload::Job {
    std::vector<core::Attachment> files;
    std::size_t next = 0;
    bool asked_discovery = false;  ///< discovery was started for this job once
    Uploaded result;
    Done done;
};

void HttpUpload::use(xmpp_ctx_t* ctx, Send send, runtime::HttpClient* http, Found found) {
    ctx_ = ctx;
    send_ = std::move(send);
    http_ = http;
    found_ = std::move(found);
}

// --- questions --------------------------------------------------------------------------

void HttpUpload::ask(const std::string& to, xmpp_stanza_t* iq, Answer answer) {
    // An id nobody can guess, and (in on_iq) only the entity asked may answer it: an
    // answer someone else forges would choose where the bot PUTs a file.
    const std::string id = "up-" + core::random_hex(12);
    xmpp_stanza_set_id(iq, id.c_str());
    xmpp_stanza_set_to(iq, to.c_str());
    const bool sent = send_ && send_(iq);
    xmpp_stanza_release(iq);
    if (!sent) return answer(nullptr, "not connected");
    questions_[id] = {std::move(answer), std::chrono::steady_clock::now(), to};
}

bool HttpUpload::on_iq(xmpp_stanza_t* iq) {
    const char* id = xmpp_stanza_get_id(iq);
    if (id == nullptr) return false;
    auto it = questions_.find(id);
    if (it == questions_.end()) return false;
    // The answer must come from the JID asked; a server answers for its own domain with
    // no 'from' at all.
    const char* from = xmpp_stanza_get_from(iq);
    const std::string asked = normal_jid(bare_jid(it->second.to));
    const bool from_asked =
        from != nullptr ? normal_jid(bare_jid(from)) == asked : asked == normal_jid(domain_);
    if (!from_asked) {
        spdlog::warn("xmpp {}: an upload answer from {} to a question to {} is ignored", name_,
                     from != nullptr ? from : "(the server)", it->second.to);
        return true;
    }
    Answer answer = std::move(it->second.answer);
    questions_.erase(it);
    const char* type = xmpp_stanza_get_type(iq);
    if (type != nullptr && std::strcmp(type, "result") == 0) {
        answer(iq, "");
    } else {
        std::string kind;
        const std::string words = error_words(iq, &kind);
        answer(iq, words.empty() ? "error" : words);
    }
    return true;
}

void HttpUpload::reset(const std::string& why) {
    std::map<std::string, Question> open;
    open.swap(questions_);
    for (auto& [id, q] : open) q.answer(nullptr, why);  // may end a discovery
    state_ = State::unknown;
    service_ = {};
    std::vector<std::function<void()>> waiting;
    waiting.swap(waiting_);
    for (auto& w : waiting) w();  // with no link: they fail as temporary
}

void HttpUpload::tick(std::chrono::steady_clock::time_point now) {
    std::vector<Answer> late;
    for (auto it = questions_.begin(); it != questions_.end();) {
        if (now - it->second.since >= wait) {
            late.push_back(std::move(it->second.answer));
            it = questions_.erase(it);
        } else {
            ++it;
        }
    }
    for (auto& a : late) {
        a(nullptr, "no answer within " + std::to_string(wait.count() / 1000) + " s");
    }
}

// --- discovery --------------------------------------------------------------------------

void HttpUpload::discover(const std::string& domain) {
    if (!domain.empty()) domain_ = domain;
    state_ = State::asking;
    service_ = {};
    answers_.clear();
    candidates_ = {domain_};
    unanswered_ = false;
    open_infos_ = 2;  // the domain's info and its items
    xmpp_stanza_t* items = xmpp_iq_new(ctx_, "get", nullptr);
    new_child(ctx_, items, "query", kItemsNs);
    const std::string d = domain_;
    ask(d, items, [this, d](xmpp_stanza_t* iq, const std::string& error) {
        if (!error.empty()) {
            if (iq == nullptr) unanswered_ = true;
            spdlog::info("xmpp {}: disco#items of {}: {}", name_, d, error);
        } else {
            on_items(iq, d);
        }
        if (--open_infos_ == 0) discovery_done();
    });
    xmpp_stanza_t* info = xmpp_iq_new(ctx_, "get", nullptr);
    new_child(ctx_, info, "query", kInfoNs);
    ask(d, info, [this, d](xmpp_stanza_t* iq, const std::string& error) {
        if (!error.empty() && iq == nullptr) unanswered_ = true;
        if (error.empty()) on_info(d, iq);
        if (--open_infos_ == 0) discovery_done();
    });
}

void HttpUpload::on_items(xmpp_stanza_t* iq, const std::string& domain) {
    xmpp_stanza_t* query = xmpp_stanza_get_child_by_name_and_ns(iq, "query", kItemsNs);
    if (query == nullptr) return;
    for (xmpp_stanza_t* item = xmpp_stanza_get_children(query); item != nullptr;
         item = xmpp_stanza_get_next(item)) {
        if (!named(item, "item")) continue;
        const std::string jid = core::ascii_lower(attr(item, "jid"));
        // Services are addresses of their own (upload.example.com), no node, no user.
        if (jid.empty() || jid == domain || !attr(item, "node").empty() ||
            jid.find_first_of("@/") != std::string::npos) {
            continue;
        }
        candidates_.push_back(jid);
        ++open_infos_;
        xmpp_stanza_t* info = xmpp_iq_new(ctx_, "get", nullptr);
        new_child(ctx_, info, "query", kInfoNs);
        ask(jid, info, [this, jid](xmpp_stanza_t* answer, const std::string& error) {
            if (!error.empty() && answer == nullptr) unanswered_ = true;
            if (error.empty()) on_info(jid, answer);
            if (--open_infos_ == 0) discovery_done();
        });
    }
}

void HttpUpload::on_info(const std::string& jid, xmpp_stanza_t* iq) {
    xmpp_stanza_t* query = xmpp_stanza_get_child_by_name_and_ns(iq, "query", kInfoNs);
    if (query == nullptr) return;
    for (xmpp_stanza_t* f = xmpp_stanza_get_children(query); f != nullptr;
         f = xmpp_stanza_get_next(f)) {
        if (named(f, "feature") && attr(f, "var") == kHttpUploadNs) {
            answers_[jid] = {jid, max_file_size(query)};
            return;
        }
    }
}

void HttpUpload::discovery_done() {
    if (state_ != State::asking) return;
    service_ = {};
    for (const auto& c : candidates_) {
        auto it = answers_.find(c);
        if (it != answers_.end()) {
            service_ = it->second;
            break;
        }
    }
    if (service_.jid.empty() && unanswered_) {
        // Not every question was answered: asked again by the next upload.
        state_ = State::unknown;
        spdlog::info("xmpp {}: service discovery on {} got no full answer", name_, domain_);
    } else {
        state_ = State::known;
        if (service_.jid.empty()) {
            spdlog::info(
                "xmpp {}: {} offers no XEP-0363 upload service; files relayed here go as "
                "a line with their name",
                name_, domain_);
        } else {
            spdlog::info("xmpp {}: upload service {}{}", name_, service_.jid,
                         service_.max_size > 0
                             ? " (max-file-size " + std::to_string(service_.max_size) + " bytes)"
                             : std::string());
        }
        if (found_) found_(service_);
    }
    std::vector<std::function<void()>> waiting;
    waiting.swap(waiting_);
    for (auto& w : waiting) w();
}

// --- uploads ----------------------------------------------------------------------------

void HttpUpload::upload(const std::vector<core::Attachment>& files, Done done) {
    auto job = std::make_shared<Job>();
    job->files = files;
    job->done = std::move(done);
    job->result.urls.assign(files.size(), "");
    job->result.refused.assign(files.size(), "");
    next_file(job);
}

void HttpUpload::left_out(const std::shared_ptr<Job>& job, const std::string& why) {
    const core::Attachment& f = job->files[job->next];
    spdlog::warn("xmpp {}: the file {} ({} bytes) was not uploaded: {}; its name goes instead",
                 name_, f.name.empty() ? "(no name)" : f.name, f.data.size(), why);
    job->result.refused[job->next] = why;
    ++job->next;
    next_file(job);
}

void HttpUpload::next_file(const std::shared_ptr<Job>& job) {
    if (job->next >= job->files.size()) return job->done(std::move(job->result));
    if (state_ == State::asking) {
        waiting_.push_back([this, job] { next_file(job); });
        return;
    }
    if (state_ == State::unknown) {
        if (job->asked_discovery || domain_.empty()) {
            job->result.temporary = true;
            job->result.why =
                "the server's upload service is not known yet (service discovery "
                "got no answer)";
            return job->done(std::move(job->result));
        }
        job->asked_discovery = true;
        waiting_.push_back([this, job] { next_file(job); });
        discover(domain_);
        return;
    }
    const core::Attachment& f = job->files[job->next];
    if (service_.jid.empty()) return left_out(job, "the server offers no XEP-0363 upload service");
    if (http_ == nullptr) return left_out(job, "no HTTP client");
    if (service_.max_size > 0 && f.data.size() > service_.max_size) {
        return left_out(job, "larger than the upload service's max-file-size (" +
                                 std::to_string(service_.max_size) + " bytes)");
    }
    if (f.data.empty()) return left_out(job, "an empty file");
    const std::string name = f.name.empty() ? "file" : f.name;
    const std::string type = f.mime.empty() ? "application/octet-stream" : f.mime;
    xmpp_stanza_t* iq = xmpp_iq_new(ctx_, "get", nullptr);
    xmpp_stanza_t* req = new_child(ctx_, iq, "request", kHttpUploadNs);
    xmpp_stanza_set_attribute(req, "filename", name.c_str());
    const std::string size = std::to_string(f.data.size());
    xmpp_stanza_set_attribute(req, "size", size.c_str());
    xmpp_stanza_set_attribute(req, "content-type", type.c_str());
    ask(service_.jid, iq, [this, job](xmpp_stanza_t* answer, const std::string& error) {
        if (answer == nullptr) {
            job->result.temporary = true;
            job->result.why = "slot request: " + error;
            return job->done(std::move(job->result));
        }
        if (!error.empty()) {
            std::string type;
            error_words(answer, &type);
            if (type == "wait") {
                job->result.temporary = true;
                job->result.why = "slot request refused for now: " + error;
                return job->done(std::move(job->result));
            }
            return left_out(job, "the upload service refused a slot: " + error);
        }
        xmpp_stanza_t* slot = xmpp_stanza_get_child_by_name_and_ns(answer, "slot", kHttpUploadNs);
        xmpp_stanza_t* put_el = slot ? xmpp_stanza_get_child_by_name(slot, "put") : nullptr;
        xmpp_stanza_t* get_el = slot ? xmpp_stanza_get_child_by_name(slot, "get") : nullptr;
        const std::string put_url = attr(put_el, "url");
        const std::string get_url = attr(get_el, "url");
        std::string scheme, host;
        int port = 0;
        if (!runtime::parse_http_url(put_url, scheme, host, port) ||
            !runtime::parse_http_url(get_url, scheme, host, port)) {
            return left_out(job, "the slot has no http(s) put and get URL");
        }
        std::string put_scheme, put_host;
        runtime::parse_http_url(put_url, put_scheme, put_host, port);
        // XEP-0363 puts over HTTPS: over plain HTTP the file and the slot's Authorization
        // or Cookie would cross the network readable (a server on this machine aside).
        const bool loopback = put_host == "localhost" || put_host == "::1" || put_host == "[::1]" ||
                              put_host.rfind("127.", 0) == 0;
        if (put_scheme != "https" && !loopback) {
            return left_out(job, "the slot's put URL is not https");
        }
        std::vector<std::pair<std::string, std::string>> headers;
        for (xmpp_stanza_t* h = xmpp_stanza_get_children(put_el); h != nullptr;
             h = xmpp_stanza_get_next(h)) {
            if (!named(h, "header")) continue;
            const std::string n = core::ascii_lower(attr(h, "name"));
            const std::string v = text_of(h);
            // XEP-0363 allows these three only; anything else is dropped.
            if ((n == "authorization" || n == "cookie" || n == "expires") && clean_header(v)) {
                headers.emplace_back(attr(h, "name"), v);
            }
        }
        put(job, put_url, std::move(headers), get_url);
    });
}

void HttpUpload::put(const std::shared_ptr<Job>& job, const std::string& put_url,
                     std::vector<std::pair<std::string, std::string>> headers,
                     const std::string& get_url) {
    const core::Attachment& f = job->files[job->next];
    runtime::Request req;
    req.method = "PUT";
    req.url = put_url;
    req.headers = std::move(headers);
    req.body = f.data;
    req.content_type = f.mime.empty() ? "application/octet-stream" : f.mime;
    req.timeout = std::chrono::seconds(120);
    req.max_body = 64 * 1024;
    http_->send(std::move(req), [this, job, get_url](runtime::Result r) {
        if (r.ok()) {
            job->result.urls[job->next] = get_url;
            ++job->next;
            return next_file(job);
        }
        if (r.retryable()) {
            job->result.temporary = true;
            job->result.why = "PUT to the upload service: " + r.error;
            return job->done(std::move(job->result));
        }
        left_out(job, "PUT to the upload service: " + r.error);
    });
}

}  // namespace twintrack::connectors::xmpp
