#pragma once
// A small HTTP/1.1 server on its own I/O thread: the `http:` server when no hub runs, and
// a connector's own listener when its config names one (Slack Events API and slash
// commands, Mattermost slash commands and outgoing webhooks, Feishu and WeCom callbacks).
// The handler answers each request at once; slow work goes elsewhere. Limits as
// connectors/http/hook_routes.hpp says (body, headers, time to send the request).

#include <functional>
#include <map>
#include <memory>
#include <string>

namespace twintrack::connectors::http {

struct ListenerRequest {
    std::string method;
    std::string path;                            ///< without the query
    std::string query;                           ///< after '?', "" when none
    std::map<std::string, std::string> headers;  ///< names in lower case
    std::string body;                            ///< the raw bytes, as signed by the sender

    std::string header(const std::string& lower_name) const;
};

struct ListenerResponse {
    int status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
    std::map<std::string, std::string> headers = {};  ///< extra response headers
};

class HttpListener {
  public:
    using Handler = std::function<ListenerResponse(const ListenerRequest&)>;

    explicit HttpListener(Handler handler);
    ~HttpListener();  ///< stop()
    HttpListener(const HttpListener&) = delete;
    HttpListener& operator=(const HttpListener&) = delete;

    /// Listens on bind:port (port 0 picks a free one) and returns the port. Throws
    /// std::runtime_error naming the address when it cannot listen.
    int start(const std::string& bind, int port);
    /// Stops listening, closes connections, joins the thread. Idempotent.
    void stop();

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace twintrack::connectors::http
