#include "tests/support/postgres_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "store/store.hpp"

namespace twintrack::test_support {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDefaultBin = "/usr/lib/postgresql/15/bin";

std::string tail_of(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    if (s.size() > 2000) s = "..." + s.substr(s.size() - 2000);
    return s;
}

int free_loopback_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("socket() failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot find a free loopback port");
    }
    ::close(fd);
    return ntohs(addr.sin_port);
}

/// Starts argv[0] with output to `log`, as `user` when given (this process is root then).
/// The child gets SIGINT when this process dies, so a crashed test leaves no server.
pid_t spawn(const std::vector<std::string>& args, const std::string& log, const std::string& user) {
    uid_t uid = 0;
    gid_t gid = 0;
    if (!user.empty()) {
        const passwd* pw = ::getpwnam(user.c_str());
        if (!pw) throw std::runtime_error("no system user " + user);
        uid = pw->pw_uid;
        gid = pw->pw_gid;
    }
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            ::dup2(fd, 1);
            ::dup2(fd, 2);
            ::close(fd);
        }
        if (!user.empty()) {
            if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) {
                ::_exit(126);
            }
        }
        ::prctl(PR_SET_PDEATHSIG, SIGINT);
        if (::getppid() != parent) ::_exit(125);
        std::vector<char*> argv;
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    return pid;
}

int wait_for(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void hand_over(const std::string& path, const std::string& user) {
    if (user.empty()) return;
    const passwd* pw = ::getpwnam(user.c_str());
    if (!pw || ::chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
        throw std::runtime_error("cannot give " + path + " to user " + user);
    }
}

}  // namespace

PostgresServer::PostgresServer(Durability durability)
    : durable_(durability == Durability::durable) {
    const char* env_bin = std::getenv("TWINTRACK_PG_BIN");
    bin_ = env_bin && *env_bin ? env_bin : kDefaultBin;
    for (const char* tool : {"initdb", "postgres"}) {
        if (::access((bin_ + "/" + tool).c_str(), X_OK) != 0) {
            throw std::runtime_error(
                "PostgreSQL server binaries not found: " + bin_ + "/" + tool +
                " is missing. Install them with `scripts/install-deps.sh --test` "
                "(Debian package postgresql-15), or set TWINTRACK_PG_BIN to their folder.");
        }
    }
    if (::geteuid() == 0) {
        // PostgreSQL refuses root; Debian's package brings the `postgres` user.
        user_ = ::getpwnam("postgres") ? "postgres" : "nobody";
    }
    char pattern[] = "/tmp/twintrack-pg.XXXXXX";
    if (::mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    try {
        hand_over(dir_, user_);
        const std::string data = dir_ + "/data";
        const int rc = wait_for(spawn({bin_ + "/initdb", "-D", data, "-U", "postgres", "-A",
                                       "trust", "-E", "UTF8", "--locale=C", "--no-sync"},
                                      dir_ + "/initdb.log", user_));
        if (rc != 0) {
            throw std::runtime_error("initdb failed (exit " + std::to_string(rc) +
                                     "): " + tail_of(dir_ + "/initdb.log"));
        }
        // A port found free may be taken before the server binds it: try a few.
        for (int attempt = 0;; ++attempt) {
            try {
                start_once();
                break;
            } catch (const std::exception&) {
                if (attempt == 2) throw;
            }
        }
    } catch (...) {
        stop();
        std::error_code ec;
        fs::remove_all(dir_, ec);
        throw;
    }
}

void PostgresServer::start_once() {
    port_ = free_loopback_port();
    const std::string log = dir_ + "/postgres.log";
    std::vector<std::string> args = {bin_ + "/postgres",
                                     "-D",
                                     dir_ + "/data",
                                     "-p",
                                     std::to_string(port_),
                                     "-c",
                                     "listen_addresses=127.0.0.1",
                                     "-c",
                                     "unix_socket_directories=" + dir_,
                                     "-c",
                                     "max_connections=200"};
    if (!durable_) {
        for (const char* setting :
             {"fsync=off", "synchronous_commit=off", "full_page_writes=off"}) {
            args.push_back("-c");
            args.push_back(setting);
        }
    }
    pid_ = spawn(args, log, user_);
    const std::string conninfo = "host=127.0.0.1 port=" + std::to_string(port_) +
                                 " user=postgres dbname=postgres connect_timeout=2";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (;;) {
        if (PQping(conninfo.c_str()) == PQPING_OK) return;
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("postgres exited while starting: " + tail_of(log));
        }
        if (std::chrono::steady_clock::now() > deadline) {
            stop();
            throw std::runtime_error("postgres did not accept connections within 60 s: " +
                                     tail_of(log));
        }
        // Polling a condition (the server answering), not a fixed wait.
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

PostgresServer::~PostgresServer() {
    stop();
    std::error_code ec;
    fs::remove_all(dir_, ec);
}

void PostgresServer::stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGINT);  // fast shutdown
    wait_for(pid_);
    pid_ = -1;
}

PostgresServer& PostgresServer::shared() {
    static PostgresServer server;
    return server;
}

std::string PostgresServer::url(const std::string& db) const {
    return "postgres://postgres@127.0.0.1:" + std::to_string(port_) + "/" + db;
}

std::string PostgresServer::create_database() {
    std::lock_guard<std::mutex> lock(mu_);
    return create_database_from("");
}

std::string PostgresServer::create_migrated_database() {
    std::lock_guard<std::mutex> lock(mu_);
    if (migrated_template_.empty()) {
        const std::string url_of_template = create_database_from("");
        // Migrated and closed again: PostgreSQL copies a template only while nobody is
        // connected to it.
        store::Store::open_url(url_of_template, 0).reset();
        migrated_template_ = url_of_template.substr(url_of_template.rfind('/') + 1);
    }
    return create_database_from(migrated_template_);
}

std::string PostgresServer::take_empty_database() {
    for (;;) {
        std::string url;
        {
            std::lock_guard<std::mutex> lock(mu_);
            if (given_back_.empty()) break;
            url = given_back_.back();
            given_back_.pop_back();
        }
        if (empty_database(url)) return url;
    }
    return create_migrated_database();
}

void PostgresServer::give_back(const std::string& url) {
    std::lock_guard<std::mutex> lock(mu_);
    given_back_.push_back(url);
}

bool PostgresServer::empty_database(const std::string& url) {
    const std::string db = url.substr(url.rfind('/') + 1);
    PGconn* conn = PQconnectdb(("host=127.0.0.1 port=" + std::to_string(port_) +
                                " user=postgres connect_timeout=5 dbname=" + db)
                                   .c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
        PQfinish(conn);
        return false;
    }
    // Every row of every table but the migrations' own, foreign keys not checked (the
    // session acts as a replica) since every table empties; identity sequences start
    // again (setval, which unlike ALTER SEQUENCE makes no new file). DELETE rather than TRUNCATE:
    // the tables hold a few rows, and TRUNCATE makes new files for each table and index. A
    // connection a test left open that still holds a lock makes this database unusable rather than
    // the next test wait.
    static const char* const empty_all = R"sql(
SET lock_timeout = '2s';
SET session_replication_role = replica;
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT tablename FROM pg_tables
              WHERE schemaname = 'public' AND tablename <> 'schema_migrations' LOOP
        EXECUTE format('DELETE FROM %I', t.tablename);
    END LOOP;
    FOR t IN SELECT sequencename, start_value FROM pg_sequences
              WHERE schemaname = 'public' AND last_value IS NOT NULL LOOP
        PERFORM setval(format('%I', t.sequencename)::regclass, t.start_value, false);
    END LOOP;
END
$$;)sql";
    PGresult* res = PQexec(conn, empty_all);
    const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    PQfinish(conn);
    return ok;
}

std::string PostgresServer::create_database_from(const std::string& template_db) {
    const std::string name = "tt_" + std::to_string(::getpid()) + "_" + std::to_string(++next_db_);
    PGconn* conn = PQconnectdb(
        ("host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres dbname=postgres")
            .c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
        const std::string msg = PQerrorMessage(conn);
        PQfinish(conn);
        throw std::runtime_error("cannot connect to the test server: " + msg);
    }
    // Names made here from digits; CREATE DATABASE takes no parameters.
    const std::string sql =
        "CREATE DATABASE " + name + (template_db.empty() ? "" : " TEMPLATE " + template_db);
    PGresult* res = PQexec(conn, sql.c_str());
    const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    const std::string msg = ok ? "" : PQerrorMessage(conn);
    PQclear(res);
    PQfinish(conn);
    if (!ok) throw std::runtime_error("CREATE DATABASE failed: " + msg);
    return url(name);
}

}  // namespace twintrack::test_support
