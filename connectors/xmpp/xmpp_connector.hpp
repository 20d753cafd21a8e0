#pragma once
// The XMPP connector: a client on libstrophe, which does SASL, STARTTLS and the XML
// stream, so this connector is only the mapping between XMPP and TwinTrack. libstrophe's
// event loop runs on the connector's own thread, which owns the connection and all its
// state; other threads hand it work through a queue.
//
// Direct messages (type chat or normal, no roster needed) are DM events; XEP-0045 rooms
// are joined with a nick and mapped to tracks by `channels:`. What never reaches the bot:
// the history a room plays back on join (messages with a XEP-0203 delay, and anything
// before the room's subject, which ends the join burst), the bot's own messages the
// room reflects, error and headline messages, chat states without a body, and ids seen
// before (XEP-0359 stanza-id given by the room or the server, else the sender's id).
// After a drop it reconnects with runtime::Backoff and joins every room again; a link
// that goes silent is found by a XEP-0199 ping to the server and dropped.
//
// Message ids: a message's id is the `id` its sender gave it (the XEP-0359 origin-id of
// modern clients and of this connector), as XEP-0308 corrections name it. XEP-0424
// retractions and XEP-0461 replies in a room name the room's stanza-id instead; the
// connector keeps the pairs it has seen per room (the last 5000) and translates both ways.
// The pairs outlive a restart in DATA_DIR/xmpp-NAME.stanza-ids, written through a
// temporary file and a rename at most once a second when they changed, and when the
// connector stops; a file that cannot be read is logged and ignored.
//
// Files: a post's attachments go up to the server's XEP-0363 upload service first
// (http_upload.hpp) and out as messages with the get URL and a XEP-0066 link; one the
// service does not take is named under the text.

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "connectors/api/connector.hpp"
#include "connectors/api/connector_type.hpp"
#include "core/yaml_check.hpp"

namespace twintrack::connectors::xmpp {

enum class TlsMode { required, optional };

struct XmppRoom {
    std::string jid;  ///< "sales@conference.example.com" (lower case)
    std::string track;
};

struct XmppSettings {
    std::string name = "xmpp";
    std::string jid;  ///< the bot's account, a bare JID
    core::Secret password;
    std::string resource = "twintrack";
    /// Host to connect to; empty: the JID's domain (its SRV records, then the domain).
    std::string server;
    int port = 0;  ///< 0: 5222 or what SRV says
    TlsMode tls = TlsMode::required;
    /// A PEM file of CAs to trust besides the system store (private CAs, tests).
    std::string tls_ca_file;
    std::string nick = "twintrack";  ///< the nick in rooms
    std::vector<XmppRoom> rooms;
    /// Longest message body, in characters; longer posts go out as several messages.
    std::size_t max_chars = 3000;
    /// History stanzas asked for when joining a room. 0 in production; tests ask for some
    /// to see that played-back history is not answered.
    int join_history = 0;
    /// A room whose subject has not come this long after the bot's join is taken as live.
    std::chrono::milliseconds join_grace{5000};
    /// A XEP-0199 ping to the server after this long without a stanza from it; no
    /// answer within as long again: the link is dead, dropped and made again. 0: off.
    std::chrono::milliseconds ping_interval{60000};
    /// The hosts of the server's XEP-0363 upload service (`upload_hosts:`): a person's
    /// XEP-0066 link is fetched (when a bridge asks for files) only from one of them or
    /// their subdomains; any other link stays a link. Nothing: the upload service that
    /// service discovery finds (its address, and the hosts of the get URLs it gives the
    /// bot); none found: nothing is fetched.
    std::optional<std::vector<std::string>> upload_hosts;
    std::chrono::milliseconds backoff_initial{1000};
    std::chrono::milliseconds backoff_max{600000};
};

/// The `type: xmpp` entry of the connector registry.
ConnectorType connector_type();

/// Builds an XMPP connector (tests use this directly).
std::unique_ptr<Connector> make_xmpp(XmppSettings settings, const ConnectorContext& context);

/// What an XMPP connector is doing right now (for tests and logs). Thread-safe.
struct XmppStatus {
    bool online = false;               ///< signed in
    std::string bound_jid;             ///< the full JID the server bound
    std::vector<std::string> live;     ///< rooms joined whose join burst is over
    int attempts = 0;                  ///< connection attempts so far
    int connections = 0;               ///< successful sign-ins so far
    int auth_failures = 0;             ///< logins the server refused
    int history_skipped = 0;           ///< played-back room messages not answered
    int own_skipped = 0;               ///< the bot's own messages reflected by a room
    int repeats = 0;                   ///< messages whose id was seen before
    std::vector<long long> delays_ms;  ///< every reconnect delay chosen, in order
    int pings = 0;                     ///< XEP-0199 pings sent
    int dead_links = 0;                ///< links dropped for a ping not answered
    int ids_restored = 0;              ///< stanza-id pairs read from the id file at start
    int id_file_errors = 0;            ///< id files not readable or not written
    int files_fetched = 0;             ///< XEP-0066 files fetched from the upload service
    int files_uploaded = 0;            ///< attachments sent through XEP-0363 HTTP upload
    int files_left_out = 0;            ///< attachments the upload service did not take
};

/// True when `url` (http or https) is on one of `hosts` or, with `subdomains`, a subdomain
/// of one (host names compared in lower case, an IP address only as itself). Hosts an
/// admin lists count with their subdomains; hosts discovery found count only as
/// themselves (the service on a company's own domain must not open its intranet).
bool on_upload_host(const std::string& url, const std::vector<std::string>& hosts,
                    bool subdomains = true);

/// The status of an XMPP connector; a default status for other connectors.
XmppStatus xmpp_status(const Connector& connector);

}  // namespace twintrack::connectors::xmpp
