#include "tests/xmpp/xmpp_client.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace twintrack::xmpp_test {

using namespace std::chrono_literals;

namespace {

std::string attr(xmpp_stanza_t* s, const char* name) {
    const char* v = s == nullptr ? nullptr : xmpp_stanza_get_attribute(s, name);
    return v == nullptr ? std::string() : std::string(v);
}

std::string bare(const std::string& jid) { return jid.substr(0, jid.find('/')); }

}  // namespace

XmppClient::XmppClient(int port, const std::string& user, const std::string& password,
                       const std::string& ca_file)
    : jid_(user + "@localhost") {
    xmpp_initialize();
    ctx_ = xmpp_ctx_new(nullptr, nullptr);
    conn_ = xmpp_conn_new(ctx_);
    xmpp_conn_set_flags(conn_, XMPP_CONN_FLAG_DISABLE_SM);
    xmpp_conn_set_jid(conn_, (jid_ + "/test").c_str());
    xmpp_conn_set_pass(conn_, password.c_str());
    if (!ca_file.empty()) xmpp_conn_set_cafile(conn_, ca_file.c_str());
    xmpp_handler_add(conn_, &XmppClient::on_message, nullptr, "message", nullptr, this);
    xmpp_handler_add(conn_, &XmppClient::on_presence, nullptr, "presence", nullptr, this);
    if (xmpp_connect_client(conn_, "127.0.0.1", static_cast<unsigned short>(port),
                            &XmppClient::on_conn, this) != XMPP_EOK) {
        xmpp_conn_release(conn_);
        xmpp_ctx_free(ctx_);
        throw std::runtime_error("xmpp_connect_client failed");
    }
    thread_ = std::thread([this] { run(); });
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, 15s, [this] { return state_ != 0; }) || state_ != 1) {
        lock.unlock();
        quit_ = true;
        thread_.join();
        xmpp_conn_release(conn_);
        xmpp_ctx_free(ctx_);
        throw std::runtime_error("the test client " + jid_ + " could not sign in");
    }
}

XmppClient::~XmppClient() {
    post([this] {
        if (state_ == 1) xmpp_disconnect(conn_);
    });
    {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait_for(lock, 2s, [this] { return state_ != 1; });
    }
    quit_ = true;
    thread_.join();
    xmpp_conn_release(conn_);
    xmpp_ctx_free(ctx_);
}

void XmppClient::run() {
    while (!quit_) {
        std::deque<std::function<void()>> work;
        {
            std::lock_guard<std::mutex> lock(mu_);
            work.swap(tasks_);
        }
        for (auto& f : work) f();
        xmpp_run_once(ctx_, 20);
    }
}

void XmppClient::post(std::function<void()> f) {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.push_back(std::move(f));
}

void XmppClient::on_conn(xmpp_conn_t* conn, xmpp_conn_event_t event, int, xmpp_stream_error_t*,
                         void* self) {
    auto* c = static_cast<XmppClient*>(self);
    if (event == XMPP_CONN_CONNECT) {
        xmpp_stanza_t* p = xmpp_presence_new(c->ctx_);
        xmpp_send(conn, p);
        xmpp_stanza_release(p);
    }
    std::lock_guard<std::mutex> lock(c->mu_);
    c->state_ = event == XMPP_CONN_CONNECT ? 1 : -1;
    c->cv_.notify_all();
}

int XmppClient::on_message(xmpp_conn_t*, xmpp_stanza_t* s, void* self) {
    auto* c = static_cast<XmppClient*>(self);
    Received r;
    r.from = attr(s, "from");
    r.type = attr(s, "type");
    r.id = attr(s, "id");
    if (xmpp_stanza_t* subject = xmpp_stanza_get_child_by_name(s, "subject");
        subject != nullptr && xmpp_stanza_get_child_by_name(s, "body") == nullptr) {
        std::lock_guard<std::mutex> lock(c->mu_);
        c->subjects_.push_back(bare(r.from));
        c->cv_.notify_all();
        return 1;
    }
    xmpp_stanza_t* body = xmpp_stanza_get_child_by_name(s, "body");
    if (xmpp_stanza_t* ret =
            xmpp_stanza_get_child_by_name_and_ns(s, "retract", "urn:xmpp:message-retract:1")) {
        r.retract_id = attr(ret, "id");
    }
    if (body == nullptr && r.retract_id.empty()) return 1;
    char* text = body ? xmpp_stanza_get_text(body) : nullptr;
    r.body = text ? text : "";
    if (text) xmpp_free(c->ctx_, text);
    if (xmpp_stanza_t* reply =
            xmpp_stanza_get_child_by_name_and_ns(s, "reply", "urn:xmpp:reply:0")) {
        r.reply_id = attr(reply, "id");
        r.reply_to = attr(reply, "to");
    }
    for (xmpp_stanza_t* ch = xmpp_stanza_get_children(s); ch; ch = xmpp_stanza_get_next(ch)) {
        const char* n = xmpp_stanza_get_name(ch);
        if (n != nullptr && std::strcmp(n, "stanza-id") == 0 && attr(ch, "by") == bare(r.from)) {
            r.stanza_id = attr(ch, "id");
        }
    }
    r.store_hint = xmpp_stanza_get_child_by_name_and_ns(s, "store", "urn:xmpp:hints") != nullptr;
    if (xmpp_stanza_t* rep =
            xmpp_stanza_get_child_by_name_and_ns(s, "replace", "urn:xmpp:message-correct:0")) {
        r.replace_id = attr(rep, "id");
    }
    r.delayed = xmpp_stanza_get_child_by_name_and_ns(s, "delay", "urn:xmpp:delay") != nullptr;
    if (xmpp_stanza_t* x = xmpp_stanza_get_child_by_name_and_ns(s, "x", "jabber:x:oob")) {
        if (xmpp_stanza_t* u = xmpp_stanza_get_child_by_name(x, "url")) {
            char* url = xmpp_stanza_get_text(u);
            r.oob_url = url ? url : "";
            if (url) xmpp_free(c->ctx_, url);
        }
    }
    std::lock_guard<std::mutex> lock(c->mu_);
    c->got_.push_back(std::move(r));
    c->cv_.notify_all();
    return 1;
}

int XmppClient::on_presence(xmpp_conn_t*, xmpp_stanza_t* s, void* self) {
    auto* c = static_cast<XmppClient*>(self);
    const std::string from = attr(s, "from");
    std::lock_guard<std::mutex> lock(c->mu_);
    auto& o = c->occupants_;
    o.erase(std::remove(o.begin(), o.end(), from), o.end());
    if (attr(s, "type").empty()) o.push_back(from);
    c->cv_.notify_all();
    return 1;
}

bool XmppClient::join(const std::string& room, const std::string& nick,
                      std::chrono::milliseconds timeout) {
    post([this, room, nick] {
        xmpp_stanza_t* p = xmpp_presence_new(ctx_);
        xmpp_stanza_set_to(p, (room + "/" + nick).c_str());
        xmpp_stanza_t* x = xmpp_stanza_new(ctx_);
        xmpp_stanza_set_name(x, "x");
        xmpp_stanza_set_ns(x, "http://jabber.org/protocol/muc");
        xmpp_stanza_t* h = xmpp_stanza_new(ctx_);
        xmpp_stanza_set_name(h, "history");
        xmpp_stanza_set_attribute(h, "maxstanzas", "0");
        xmpp_stanza_add_child(x, h);
        xmpp_stanza_release(h);
        xmpp_stanza_add_child(p, x);
        xmpp_stanza_release(x);
        xmpp_send(conn_, p);
        xmpp_stanza_release(p);
    });
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
        return std::find(subjects_.begin(), subjects_.end(), room) != subjects_.end();
    });
}

void XmppClient::say(const std::string& to, const std::string& text, const std::string& type,
                     const std::string& id) {
    post([this, to, text, type, id] {
        char* uuid = xmpp_uuid_gen(ctx_);
        xmpp_stanza_t* m =
            xmpp_message_new(ctx_, type.c_str(), to.c_str(), id.empty() ? uuid : id.c_str());
        xmpp_free(ctx_, uuid);
        xmpp_message_set_body(m, text.c_str());
        xmpp_send(conn_, m);
        xmpp_stanza_release(m);
    });
}

void XmppClient::send_raw(const std::string& xml) {
    post([this, xml] { xmpp_send_raw(conn_, xml.data(), xml.size()); });
}

std::optional<Received> XmppClient::wait_for(const std::function<bool(const Received&)>& match,
                                             std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    std::optional<Received> found;
    cv_.wait_for(lock, timeout, [&] {
        for (auto it = got_.begin(); it != got_.end(); ++it) {
            if (match(*it)) {
                found = *it;
                got_.erase(it);
                return true;
            }
        }
        return false;
    });
    return found;
}

std::vector<std::string> XmppClient::bodies_until_quiet(const std::string& from,
                                                        std::chrono::milliseconds quiet) {
    std::vector<std::string> out;
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
        auto r = wait_for(
            [&](const Received& m) { return !m.delayed && m.from.rfind(from, 0) == 0; }, quiet);
        if (!r) break;
        out.push_back(r->body);
    }
    return out;
}

bool XmppClient::sees_occupant(const std::string& room, const std::string& nick) {
    std::lock_guard<std::mutex> lock(mu_);
    return std::find(occupants_.begin(), occupants_.end(), room + "/" + nick) != occupants_.end();
}

bool XmppClient::occupant_gone(const std::string& room, const std::string& nick,
                               std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
        return std::find(occupants_.begin(), occupants_.end(), room + "/" + nick) ==
               occupants_.end();
    });
}

}  // namespace twintrack::xmpp_test
