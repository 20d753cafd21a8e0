#pragma once
// A person for the XMPP tests: a small libstrophe client on a thread of its own that
// signs in to the test Prosody, joins rooms, sends messages and records what it gets.

#include <strophe.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace twintrack::xmpp_test {

struct Received {
    std::string from;  ///< full JID
    std::string type;  ///< chat, groupchat, normal
    std::string body;
    std::string id;
    std::string replace_id;   ///< XEP-0308 correction of this id, if any
    std::string retract_id;   ///< XEP-0424 retraction of this id, if any
    std::string reply_id;     ///< XEP-0461 reply to this id, if any
    std::string reply_to;     ///< and the JID of the replied message's writer
    std::string stanza_id;    ///< XEP-0359 stanza-id the room (for groupchat) gave it
    bool store_hint = false;  ///< XEP-0334 <store/>
    bool delayed = false;     ///< XEP-0203 delay (history, offline storage)
    std::string oob_url;      ///< XEP-0066 <x xmlns='jabber:x:oob'><url>, if any
};

class XmppClient {
  public:
    /// Signs in as user@localhost on 127.0.0.1:port (STARTTLS when the server offers it;
    /// `ca_file` to trust); throws when it cannot within 15 s.
    XmppClient(int port, const std::string& user, const std::string& password,
               const std::string& ca_file = "");
    ~XmppClient();
    XmppClient(const XmppClient&) = delete;
    XmppClient& operator=(const XmppClient&) = delete;

    const std::string& jid() const { return jid_; }
    /// Joins `room` as `nick` and waits for the room's subject (the end of the join).
    bool join(const std::string& room, const std::string& nick,
              std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// Sends a message (`type`: chat or groupchat) with `id` (empty: a fresh one).
    void say(const std::string& to, const std::string& text, const std::string& type = "chat",
             const std::string& id = "");
    /// Sends `xml`, a whole stanza, as it is.
    void send_raw(const std::string& xml);
    /// The first message not yet taken that matches; nothing after `timeout`.
    std::optional<Received> wait_for(const std::function<bool(const Received&)>& match,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// Bodies of live (not delayed) messages whose sender starts with `from`, until none
    /// came for `quiet` (at most 15 s in all); taken.
    std::vector<std::string> bodies_until_quiet(const std::string& from,
                                                std::chrono::milliseconds quiet);
    /// True when a live room occupant `nick` is present in `room` (as this client sees).
    bool sees_occupant(const std::string& room, const std::string& nick);
    bool occupant_gone(const std::string& room, const std::string& nick,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));

  private:
    void run();
    void post(std::function<void()> f);
    static void on_conn(xmpp_conn_t*, xmpp_conn_event_t, int, xmpp_stream_error_t*, void*);
    static int on_message(xmpp_conn_t*, xmpp_stanza_t*, void*);
    static int on_presence(xmpp_conn_t*, xmpp_stanza_t*, void*);

    std::string jid_;
    xmpp_ctx_t* ctx_ = nullptr;
    xmpp_conn_t* conn_ = nullptr;
    std::thread thread_;
    std::atomic<bool> quit_{false};

    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> tasks_;
    std::vector<Received> got_;
    std::vector<std::string> subjects_;   ///< rooms whose subject came
    std::vector<std::string> occupants_;  ///< full occupant JIDs present
    int state_ = 0;                       ///< 0 connecting, 1 online, -1 failed
};

}  // namespace twintrack::xmpp_test
