// Files on the hub: uploads on the page (POST /api/v1/files) kept on disk before they are
// answered, shown to the others and handed to the bot with their bytes; the size limit
// and the kinds of file; and the kept files' signed links, their expiry and pruning.

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>

#include "connectors/hub/file_store.hpp"
#include "connectors/hub/hub_server.hpp"
#include "tests/hub/hub_fixture.hpp"

namespace twintrack::connectors::hub::testing {
namespace {

using test_support::Headers;
using test_support::http_request;

const std::string kPng = std::string("\x89PNG\r\n\x1a\n", 8) + "picture of the stand";

test_support::HttpResponse upload(int port, const std::string& query, const std::string& body,
                                  Headers headers = {}) {
    headers.emplace_back("Content-Type", "application/octet-stream");
    return http_request("POST", "127.0.0.1", port, "/api/v1/files?" + query, headers, body);
}

TEST(HubFileTypes, TheKindComesFromTheBytesAndOnlyKnownKindsAreTaken) {
    EXPECT_EQ(file_type("a.png", kPng), "image/png");
    EXPECT_EQ(file_type("photo.txt", kPng), "image/png");  // the bytes say what it is
    EXPECT_EQ(file_type("a.jpg", "\xff\xd8\xff\xe0 jpeg"), "image/jpeg");
    EXPECT_EQ(file_type("a.gif", "GIF89a..."), "image/gif");
    EXPECT_EQ(file_type("offer.pdf", "%PDF-1.7 ..."), "application/pdf");
    EXPECT_EQ(file_type("plan.xlsx", std::string("PK\x03\x04....", 8)),
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    EXPECT_EQ(file_type("notes.csv", "a,b\n1,2\n"), "text/csv");
    EXPECT_EQ(file_type("notes.txt", "客户名单\n"), "text/plain");
    // Programs, unknown archives, text that is not UTF-8, a page: refused.
    EXPECT_EQ(file_type("setup.exe", "MZ\x90\x00 program"), "");
    EXPECT_EQ(file_type("tool.jar", std::string("PK\x03\x04....", 8)), "");
    EXPECT_EQ(file_type("notes.txt", "\xff\xfe bad"), "");
    EXPECT_EQ(file_type("page.html", "<script>alert(1)</script>"), "");
    EXPECT_EQ(file_type("empty.txt", ""), "");
    EXPECT_EQ(file_name_problem("a/b.png"), "a file name has no control characters, / or \\");
    EXPECT_EQ(file_name_problem(""), "a file needs a name");
    EXPECT_EQ(file_name_problem("展会.png"), "");
}

TEST(HubFileStore, SignedLinksWorkUntilTheyExpireAndNotWhenTamperedAndPruningDeletes) {
    TempDir dir;
    core::FakeClock clock(core::from_millis(1'700'000'000'000));
    FileStore store(dir.path() + "/files", std::chrono::hours(48));
    const StoredFile f = store.put("plan.png", "image/png", kPng, "", "", clock);
    EXPECT_EQ(f.id.size(), 32u);
    EXPECT_EQ(store.read(f.id), kPng);
    const StoredFile other = store.put("old.png", "image/png", "x", "joint", "anna", clock);
    EXPECT_NE(other.id, f.id);

    const std::string query = store.signed_query(f);  // e=...&s=...
    const std::string e = query.substr(2, query.find('&') - 2);
    const std::string s = query.substr(query.find("&s=") + 3);
    EXPECT_EQ(store.check(f.id, e, s, clock), LinkCheck::ok);
    EXPECT_EQ(store.check(other.id, e, s, clock), LinkCheck::tampered);  // another file
    EXPECT_EQ(store.check(f.id, e + "0", s, clock), LinkCheck::tampered);
    std::string wrong = s;
    wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
    EXPECT_EQ(store.check(f.id, e, wrong, clock), LinkCheck::tampered);
    // The key is kept: a store opened again on the folder accepts the link.
    FileStore again(dir.path() + "/files", std::chrono::hours(48));
    EXPECT_EQ(again.check(f.id, e, s, clock), LinkCheck::ok);

    clock.advance(std::chrono::hours(47));
    EXPECT_EQ(store.prune(clock), 0u);
    const StoredFile young = store.put("new.png", "image/png", kPng, "", "", clock);
    clock.advance(std::chrono::hours(1));
    EXPECT_EQ(store.check(f.id, e, s, clock), LinkCheck::expired);
    EXPECT_EQ(store.prune(clock), 2u);
    EXPECT_FALSE(store.find(f.id));
    EXPECT_FALSE(store.read(f.id));
    EXPECT_FALSE(std::filesystem::exists(dir.path() + "/files/" + other.id));
    EXPECT_EQ(store.read(young.id), kPng);
}

// A file's type comes from outside (a Matrix sender's `info.mimetype`, a platform's
// Content-Type) and is sent back as the Content-Type of the link that serves the file:
// nothing but a plain type may be kept, or a sender could add headers (a cookie) to the
// hub's answer.
TEST(HubFileStore, ATypeFromOutsideIsKeptOnlyAsAPlainTypeSoNoHeaderCanRideInIt) {
    EXPECT_EQ(safe_media_type("image/png"), "image/png");
    EXPECT_EQ(safe_media_type("IMAGE/JPEG; charset=binary"), "image/jpeg");
    EXPECT_EQ(safe_media_type("application/vnd.ms-excel"), "application/vnd.ms-excel");
    EXPECT_EQ(safe_media_type("image/png\r\nSet-Cookie: hub_session=x"),
              "application/octet-stream");
    EXPECT_EQ(safe_media_type("text/html\nX-A: b"), "application/octet-stream");
    EXPECT_EQ(safe_media_type(std::string("image/p\0ng", 11)), "application/octet-stream");
    EXPECT_EQ(safe_media_type("png"), "application/octet-stream");
    EXPECT_EQ(safe_media_type("/png"), "application/octet-stream");
    EXPECT_EQ(safe_media_type(""), "application/octet-stream");

    TempDir dir;
    core::FakeClock clock(core::from_millis(1'700'000'000'000));
    FileStore store(dir.path() + "/files", std::chrono::hours(48));
    const StoredFile f =
        store.put("a.png", "image/png\r\nSet-Cookie: hub_session=x", kPng, "", "", clock);
    EXPECT_EQ(f.mime, "application/octet-stream");
    const auto kept = store.find(f.id);
    ASSERT_TRUE(kept);
    EXPECT_EQ(kept->mime, "application/octet-stream");
}

/// The names in a folder (none when it does not exist).
std::set<std::string> names_in(const std::string& dir) {
    std::set<std::string> names;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        names.insert(it->path().filename().string());
    }
    return names;
}

void plant(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

/// A disk that fills up: writes half of what it is given, then fails as a full disk does.
FileStore::Writer full_disk(const std::string& failing_suffix = "") {
    return [failing_suffix](const std::string& path, std::string_view data) {
        const bool fails =
            failing_suffix.empty() || (path.size() >= failing_suffix.size() &&
                                       path.compare(path.size() - failing_suffix.size(),
                                                    failing_suffix.size(), failing_suffix) == 0);
        std::ofstream out(path, std::ios::binary);
        out << (fails ? data.substr(0, data.size() / 2) : data);
        if (fails) throw std::runtime_error("cannot write " + path + ": " + std::strerror(ENOSPC));
    };
}

TEST(HubFileStore, AFileThatWouldPassTheQuotaIsRefusedUnlessExpiredFilesMakeRoomOldestFirst) {
    TempDir dir;
    core::FakeClock clock(core::from_millis(1'700'000'000'000));
    FileStore store(dir.path() + "/files", std::chrono::hours(48), 100);
    const StoredFile older = store.put("a.txt", "text/plain", std::string(40, 'a'), "", "", clock);
    clock.advance(std::chrono::hours(1));
    const StoredFile newer = store.put("b.txt", "text/plain", std::string(40, 'b'), "", "", clock);
    EXPECT_EQ(store.used_bytes(), 80u);
    // 120 bytes would not fit, and nothing has expired: refused, nothing written.
    EXPECT_THROW(store.put("c.txt", "text/plain", std::string(40, 'c'), "", "", clock),
                 FileStoreFull);
    EXPECT_THROW(store.put("huge.txt", "text/plain", std::string(101, 'h'), "", "", clock),
                 FileStoreFull);
    EXPECT_EQ(store.used_bytes(), 80u);
    EXPECT_EQ(names_in(dir.path() + "/files").size(), 4u);  // two files, two details

    // Both expired: the oldest gives its room, the other stays until the prune.
    clock.advance(std::chrono::hours(50));
    const StoredFile c = store.put("c.txt", "text/plain", std::string(40, 'c'), "", "", clock);
    EXPECT_FALSE(store.find(older.id));
    EXPECT_FALSE(store.read(older.id));
    EXPECT_EQ(store.read(newer.id), std::string(40, 'b'));
    EXPECT_EQ(store.read(c.id), std::string(40, 'c'));
    EXPECT_EQ(store.used_bytes(), 80u);
    // A store opened again on the folder counts what is there: 30 more bytes fit only
    // once the expired file is gone.
    clock.advance(std::chrono::hours(1));
    FileStore again(dir.path() + "/files", std::chrono::hours(48), 100);
    const StoredFile d = again.put("d.txt", "text/plain", std::string(30, 'd'), "", "", clock);
    EXPECT_FALSE(again.find(newer.id));
    EXPECT_EQ(again.read(c.id), std::string(40, 'c'));
    EXPECT_EQ(again.used_bytes(), 70u);
}

TEST(HubFileStore, AFullDiskLeavesNothingHalfWrittenAndGivesTheRoomBack) {
    TempDir dir;
    core::FakeClock clock(core::from_millis(1'700'000'000'000));
    FileStore store(dir.path() + "/files", std::chrono::hours(48), 1000);
    store.set_writer(full_disk());
    try {
        store.put("plan.png", "image/png", kPng, "joint", "anna", clock);
        ADD_FAILURE() << "a full disk kept a file";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(std::strerror(ENOSPC)), std::string::npos) << e.what();
    }
    EXPECT_EQ(names_in(dir.path() + "/files"), std::set<std::string>{});
    EXPECT_EQ(store.used_bytes(), 0u);
    // The bytes fit, the details do not: the bytes go too.
    store.set_writer(full_disk(".json.tmp"));
    EXPECT_THROW(store.put("plan.png", "image/png", kPng, "joint", "anna", clock),
                 std::runtime_error);
    EXPECT_EQ(names_in(dir.path() + "/files"), std::set<std::string>{});
    EXPECT_EQ(store.used_bytes(), 0u);
    // Room again on the disk: files are kept as before.
    store.set_writer({});
    const StoredFile f = store.put("plan.png", "image/png", kPng, "joint", "anna", clock);
    EXPECT_EQ(store.read(f.id), kPng);
    EXPECT_EQ(store.used_bytes(), kPng.size());
}

TEST(HubFileStore, PruningDeletesWhatFailedWritesAndCrashesLeftButNotFilesBeingWritten) {
    TempDir dir;
    core::FakeClock clock(core::from_millis(1'700'000'000'000));
    const std::string files = dir.path() + "/files";
    FileStore store(files, std::chrono::hours(48));
    const StoredFile kept = store.put("plan.png", "image/png", kPng, "joint", "anna", clock);
    store.make_key();
    // Left by a crash or a failed details write: bytes without details, temporary
    // files, details nobody can read; and a file of someone else's in the folder.
    const std::string orphan = "0123456789abcdef0123456789abcdef";
    const std::string torn = "fedcba9876543210fedcba9876543210";
    plant(files + "/" + orphan, "bytes of a file whose details never came");
    plant(files + "/" + orphan + ".json.tmp", "{\"id\":");
    plant(files + "/" + torn + ".tmp", "half a file");
    plant(files + "/" + torn + ".json", "{not json");
    plant(files + "/link.key.tmp", "half a key");
    plant(files + "/README", "an admin's note");
    // A file being written right now is not touched.
    FileStore again(files, std::chrono::hours(48));
    const StoredFile writing = again.reserve("new.png", "image/png", kPng.size(), "", "", clock);
    plant(files + "/" + writing.id + ".tmp", "being written");

    EXPECT_EQ(again.prune(clock), 5u);
    EXPECT_EQ(names_in(files), (std::set<std::string>{kept.id, kept.id + ".json", "link.key",
                                                      "README", writing.id + ".tmp"}));
    EXPECT_EQ(again.read(kept.id), kPng);
    again.write(writing, kPng);
    EXPECT_EQ(again.read(writing.id), kPng);
    EXPECT_EQ(again.prune(clock), 0u);
}

TEST_F(HubTest, AnUploadIsKeptShownToTheOthersAndHandedToTheBotWithItsBytes) {
    if (hub_) hub_->stop();
    HubSettings settings;
    settings.bind = "127.0.0.1";
    settings.port = 0;
    hub_ = make_hub(settings, context());
    hub_->fetch_files_up_to(1024);
    hub_->start(sink_);
    port_ = listening_port(*hub_);
    auto bob = sign_in("bob");

    const auto answer =
        upload(port_, "channel=joint&name=booth.png&user=anna&id=c-1&text=Our%20booth", kPng);
    ASSERT_EQ(answer.status, 201) << answer.body;
    const json file = answer.json()["file"];
    EXPECT_EQ(file["name"], "booth.png");
    EXPECT_EQ(file["mime"], "image/png");
    EXPECT_EQ(file["size"], kPng.size());
    // On disk before the answer.
    const std::string kept = data_dir_.path() + "/hub-files/" + file["id"].get<std::string>();
    EXPECT_TRUE(std::filesystem::exists(kept));
    EXPECT_TRUE(std::filesystem::exists(kept + ".json"));

    // Bob sees Anna's message with the file, and can fetch it.
    auto shown = wait_text(*bob, "Our booth");
    ASSERT_TRUE(shown);
    EXPECT_EQ((*shown)["user"], "anna");
    ASSERT_EQ((*shown)["files"].size(), 1u);
    EXPECT_EQ((*shown)["files"][0]["url"], file["url"]);
    const auto fetched =
        test_support::http_get("127.0.0.1", port_, file["url"].get<std::string>() + "?user=bob");
    EXPECT_EQ(fetched.status, 200);
    EXPECT_EQ(fetched.body, kPng);
    EXPECT_EQ(fetched.headers.at("content-type"), "image/png");

    // The bot gets it as Anna's message with the file's bytes.
    auto event = sink_.wait_for_text("Our booth");
    ASSERT_TRUE(event);
    EXPECT_EQ(event->who.user_id, "anna");
    EXPECT_EQ(event->where.channel, "joint");
    const auto files = core::event_files(event->extra);
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files[0].name, "booth.png");
    EXPECT_EQ(files[0].mime, "image/png");
    EXPECT_EQ(files[0].data, kPng);
    EXPECT_EQ(files[0].url, "");  // no public_url: no link for others

    // After a restart the message is still shown with its file, and the file still served.
    start_hub();
    std::vector<json> history;
    auto carol = sign_in("carol", &history);
    bool found = false;
    for (const auto& h : history) {
        for (const auto& m : h["messages"]) found = found || m.contains("files");
    }
    EXPECT_TRUE(found);
    EXPECT_EQ(test_support::http_get("127.0.0.1", port_, file["url"].get<std::string>()).body,
              kPng);
}

TEST_F(HubTest, UploadsOverTheLimitOfAnotherKindOrWithoutAChannelAreRefusedWithTheirCode) {
    HubSettings settings;
    settings.max_upload_bytes = 100;
    start_hub(settings);
    const std::size_t events = sink_.size();
    struct Case {
        std::string name, query, body;
        int status;
        std::string error;
    };
    for (const Case& c : std::vector<Case>{
             {"over the limit", "channel=joint&name=big.png&user=anna",
              kPng + std::string(100, 'x'), 413, "too_large"},
             {"a program", "channel=joint&name=setup.exe&user=anna", "MZ\x90 program", 415,
              "wrong_type"},
             {"no such channel", "channel=nowhere&name=a.png&user=anna", kPng, 404,
              "unknown_channel"},
             {"no name", "channel=joint&user=anna", kPng, 400, "bad_request"},
             {"no person", "channel=joint&name=a.png", kPng, 400, "bad_request"},
             {"as the bot", "channel=joint&name=a.png&user=TwinTrack", kPng, 400, "bad_request"},
             {"empty", "channel=joint&name=a.png&user=anna", "", 400, "bad_request"},
         }) {
        SCOPED_TRACE(c.name);
        const auto r = upload(port_, c.query, c.body);
        EXPECT_EQ(r.status, c.status);
        EXPECT_EQ(r.json().value("error", ""), c.error);
        if (c.status == 413) {
            EXPECT_EQ(r.json().value("max_bytes", 0), 100);
        }
    }
    EXPECT_EQ(test_support::http_request("GET", "127.0.0.1", port_, "/api/v1/files").status, 405);
    EXPECT_EQ(sink_.size(), events);
    // Nothing was kept.
    std::error_code ec;
    const auto dir = data_dir_.path() + "/hub-files";
    std::size_t kept = 0;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().filename() != "link.key") ++kept;
    }
    EXPECT_EQ(kept, 0u);
}

// Uploads may be larger than the HTTP server's 1 MiB for other requests, up to
// max_upload_bytes (every other route keeps the smaller limit: tests/hooks).
TEST_F(HubTest, AnUploadLargerThanOtherRequestsIsTakenUpToItsOwnLimit) {
    HubSettings settings;
    settings.max_upload_bytes = 3 * 1024 * 1024;
    start_hub(settings);
    const std::string big = kPng + std::string(2 * 1024 * 1024, 'x');
    const auto ok = upload(port_, "channel=joint&name=poster.png&user=anna", big);
    ASSERT_EQ(ok.status, 201) << ok.body;
    EXPECT_EQ(
        test_support::http_get("127.0.0.1", port_, ok.json()["file"]["url"].get<std::string>())
            .body,
        big);
    // One over it is refused from its headers: the hub does not wait for its body.
    RawUpload over_upload(port_, "/api/v1/files?channel=joint&name=poster.png&user=anna",
                          big.size() + 1024 * 1024);
    const auto over = over_upload.answer();
    EXPECT_EQ(over.status, 413);
    EXPECT_EQ(over.json().value("error", ""), "too_large");
    EXPECT_EQ(over.json().value("max_bytes", 0), 3 * 1024 * 1024);
}

TEST_F(HubTest, AHubWithATokenServesUploadsOnlyWithIt) {
    HubSettings settings;
    settings.token = core::Secret("HUB_TOKEN", "s3cret");
    settings.require_token = true;
    start_hub(settings);
    EXPECT_EQ(upload(port_, "channel=joint&name=a.png&user=anna", kPng).status, 401);
    const auto ok = upload(port_, "channel=joint&name=a.png&user=anna", kPng,
                           {{"Authorization", "Bearer s3cret"}});
    ASSERT_EQ(ok.status, 201);
    const std::string url = ok.json()["file"]["url"];
    EXPECT_EQ(test_support::http_get("127.0.0.1", port_, url).status, 401);
    EXPECT_EQ(
        test_support::http_get("127.0.0.1", port_, url, {{"Authorization", "Bearer s3cret"}}).body,
        kPng);
}

// An upload larger than other requests is answered from its headers: who sends it and
// how large it says it is are checked before the hub takes any of its body (the client
// here sends none). Only POST /api/v1/files itself may be larger.
TEST_F(HubTest, ALargeUploadIsRefusedFromItsHeadersBeforeItsBodyIsSent) {
    HubSettings settings;
    settings.token = core::Secret("HUB_TOKEN", "s3cret");
    settings.require_token = true;
    settings.max_upload_bytes = 4 * 1024 * 1024;
    start_hub(settings);
    const std::string target = "/api/v1/files?channel=joint&name=poster.png&user=anna";
    const std::size_t three_mib = 3 * 1024 * 1024;

    RawUpload anonymous(port_, target, three_mib);
    const auto no_token = anonymous.answer();
    EXPECT_EQ(no_token.status, 401);
    EXPECT_EQ(no_token.json().value("error", ""), "unauthorized");
    EXPECT_EQ(no_token.header("WWW-Authenticate"), "Bearer");

    RawUpload wrong(port_, target, three_mib, "", {{"Authorization", "Bearer guess"}});
    EXPECT_EQ(wrong.answer().status, 401);

    RawUpload too_large(port_, target, 5 * 1024 * 1024, "", {{"Authorization", "Bearer s3cret"}});
    const auto over = too_large.answer();
    EXPECT_EQ(over.status, 413);
    EXPECT_EQ(over.json().value("error", ""), "too_large");
    EXPECT_EQ(over.json().value("max_bytes", 0), 4 * 1024 * 1024);

    // Paths that only start like it, and other methods, keep the 1 MiB of every request.
    for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
             {"POST", "/api/v1/files2?channel=joint&name=a.png&user=anna"},
             {"POST", "/api/v1/files/x?channel=joint&name=a.png&user=anna"},
             {"PUT", target}}) {
        SCOPED_TRACE(method + " " + path);
        RawUpload other(port_, path, three_mib, "", {{"Authorization", "Bearer s3cret"}}, method);
        EXPECT_EQ(other.answer().status, 413);
    }

    // With the token the body is taken.
    const std::string big = kPng + std::string(three_mib, 'x');
    RawUpload ok(port_, target, big.size(), "", {{"Authorization", "Bearer s3cret"}});
    ASSERT_TRUE(ok.send(big));
    const auto taken = ok.answer();
    ASSERT_EQ(taken.status, 201) << taken.body;
    EXPECT_EQ(taken.json()["file"]["size"], big.size());
}

// Each hub of a process takes uploads up to its own max_upload_bytes.
TEST_F(HubTest, EachHubTakesUploadsUpToItsOwnLimit) {
    HubSettings small;
    small.max_upload_bytes = 2 * 1024 * 1024;
    start_hub(small);
    HubSettings large;
    large.name = "hub2";
    large.bind = "127.0.0.1";
    large.port = 0;
    large.max_upload_bytes = 4 * 1024 * 1024;
    auto second = make_hub(large, context());
    RecordingSink second_sink;
    second->start(second_sink);
    const int second_port = listening_port(*second);
    ASSERT_GT(second_port, 0);

    const std::string big = kPng + std::string(3 * 1024 * 1024, 'x');
    const std::string target = "/api/v1/files?channel=joint&name=poster.png&user=anna";
    RawUpload to_small(port_, target, big.size());
    const auto refused = to_small.answer();
    EXPECT_EQ(refused.status, 413);
    EXPECT_EQ(refused.json().value("max_bytes", 0), 2 * 1024 * 1024);
    const auto taken = upload(second_port, "channel=joint&name=poster.png&user=anna", big);
    EXPECT_EQ(taken.status, 201) << taken.body;
    second->stop();
}

// Four large uploads are received at once; a fifth is told to come back (503 with
// Retry-After, which the page follows) and is taken once one of them is done.
TEST_F(HubTest, AtMostFourLargeUploadsAreReceivedAtOnceAndAFifthComesBackLater) {
    HubSettings settings;
    settings.max_upload_bytes = 3 * 1024 * 1024;
    start_hub(settings);
    const std::string big = kPng + std::string(2 * 1024 * 1024, 'x');
    const std::string target = "/api/v1/files?channel=joint&name=poster.png&user=anna";
    std::vector<std::unique_ptr<RawUpload>> held;
    for (int i = 0; i < 4; ++i) {
        held.push_back(std::make_unique<RawUpload>(port_, target, big.size(), big.substr(0, 4096)));
    }
    // The hub has read the four heads once a small request after them is answered.
    ASSERT_EQ(test_support::http_get("127.0.0.1", port_, "/api/v1/ui/en").status, 200);

    RawUpload fifth(port_, target, big.size());
    const auto busy = fifth.answer();
    EXPECT_EQ(busy.status, 503);
    EXPECT_EQ(busy.json().value("error", ""), "busy");
    EXPECT_EQ(busy.header("Retry-After"), "5");
    // Small uploads are not held up.
    EXPECT_EQ(upload(port_, "channel=joint&name=a.png&user=anna", kPng).status, 201);

    // One of the four finishes: the hub keeps it, and takes another in its place.
    ASSERT_TRUE(held[0]->send(big.substr(4096)));
    EXPECT_EQ(held[0]->answer().status, 201);
    held[0].reset();
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (status != 201 && std::chrono::steady_clock::now() < deadline) {
        RawUpload again(port_, target, big.size(), big);
        status = again.answer().status;
        EXPECT_TRUE(status == 201 || status == 503 || status == 0) << status;
    }
    EXPECT_EQ(status, 201);
}

// The hub's room for files (max_files_bytes) is kept: an upload past it is refused with
// a reason the page words in the reader's language, nothing of it is left, and the hub
// goes on serving.
TEST_F(HubTest, AnUploadPastTheRoomForFilesIsRefusedAndTheHubGoesOn) {
    HubSettings settings;
    settings.max_files_bytes = 100;
    start_hub(settings);
    auto bob = sign_in("bob");
    const std::string picture = kPng + std::string(40, 'x');  // 68 bytes
    ASSERT_EQ(upload(port_, "channel=joint&name=one.png&user=anna&text=one", picture).status, 201);
    const std::size_t events = sink_.size();

    const auto full = upload(port_, "channel=joint&name=two.png&user=anna&text=two", picture);
    EXPECT_EQ(full.status, 507);
    EXPECT_EQ(full.json().value("error", ""), "quota");
    EXPECT_EQ(full.json().value("max_files_bytes", 0), 100);
    EXPECT_EQ(names_in(data_dir_.path() + "/hub-files").size(), 3u);  // one file, details, key
    EXPECT_EQ(sink_.size(), events);

    // What still fits is kept, and the refused one was never shown.
    ASSERT_EQ(upload(port_, "channel=joint&name=three.png&user=anna&text=three", kPng).status, 201);
    EXPECT_TRUE(wait_text(*bob, "three"));
    // The page words the refusal (and the busy and disk answers) in both languages.
    for (const std::string locale : {"en", "zh-CN"}) {
        const json ui = test_support::http_get("127.0.0.1", port_, "/api/v1/ui/" + locale).json();
        for (const char* key : {"upload_quota", "upload_busy", "upload_storage"}) {
            EXPECT_NE(ui.value(key, "").find("{name}"), std::string::npos) << locale << " " << key;
        }
    }
    const json en = test_support::http_get("127.0.0.1", port_, "/api/v1/ui/en").json();
    const json zh = test_support::http_get("127.0.0.1", port_, "/api/v1/ui/zh-CN").json();
    EXPECT_NE(en["upload_quota"], zh["upload_quota"]);
}

// A disk that fills up (or turns read-only) during an upload: the sender hears that the
// file could not be kept, nothing half-written is left, nobody is shown it, and the hub
// goes on serving and keeps files again once the disk has room.
TEST_F(HubTest, AFullDiskDuringAnUploadLeavesNothingAndTheHubGoesOn) {
    start_hub();
    auto bob = sign_in("bob");
    auto& files = dynamic_cast<HubServer&>(*hub_).files();
    files.set_writer(full_disk());
    const std::size_t events = sink_.size();
    const auto failed = upload(port_, "channel=joint&name=a.png&user=anna&text=lost", kPng);
    EXPECT_EQ(failed.status, 500);
    EXPECT_EQ(failed.json().value("error", ""), "storage");
    EXPECT_EQ(names_in(data_dir_.path() + "/hub-files"), std::set<std::string>{"link.key"});
    EXPECT_EQ(sink_.size(), events);
    EXPECT_EQ(files.used_bytes(), 0u);

    files.set_writer({});
    ASSERT_EQ(upload(port_, "channel=joint&name=a.png&user=anna&text=kept", kPng).status, 201);
    EXPECT_TRUE(wait_text(*bob, "kept"));
    EXPECT_FALSE(sink_.wait_for_text("lost", 0s));
}

// A bot post's files are kept on the hub's file worker, not on its I/O thread; posts
// sent after it still come in the order they were sent, and a post whose files cannot
// be kept (a full disk) is still shown, with its text.
TEST_F(HubTest, PostsAfterOneWithFilesComeInTheOrderTheyWereSent) {
    start_hub();
    auto alice = sign_in("alice");
    std::vector<std::future<core::SendResult>> results;
    const auto send = [&](const std::string& text, std::vector<core::Attachment> files) {
        core::Post post;
        post.to = {"hub", "joint", ""};
        post.text = text;
        post.attachments = std::move(files);
        auto promise = std::make_shared<std::promise<core::SendResult>>();
        results.push_back(promise->get_future());
        hub_->send(post, [promise](core::SendResult r) { promise->set_value(std::move(r)); });
    };
    send("first, with the deals", {{"deals.csv", "text/csv", "a,b\n"}});
    send("second", {});
    send("third, with the plan", {{"plan.pdf", "application/pdf", "%PDF-1.7"}});
    send("fourth", {});
    for (auto& r : results) {
        ASSERT_EQ(r.wait_for(5s), std::future_status::ready);
        EXPECT_TRUE(r.get().ok);
    }
    for (const std::string text :
         {"first, with the deals", "second", "third, with the plan", "fourth"}) {
        const auto frame = alice->wait_for_type("message");
        ASSERT_TRUE(frame);
        EXPECT_EQ((*frame)["text"], text);
        EXPECT_EQ(frame->contains("files"), text.find("with") != std::string::npos) << text;
    }

    dynamic_cast<HubServer&>(*hub_).files().set_writer(full_disk());
    results.clear();
    send("fifth, with a file the disk has no room for", {{"big.pdf", "application/pdf", "%PDF"}});
    ASSERT_EQ(results[0].wait_for(5s), std::future_status::ready);
    EXPECT_TRUE(results[0].get().ok);
    const auto frame = alice->wait_for_type("message");
    ASSERT_TRUE(frame);
    EXPECT_EQ((*frame)["text"], "fifth, with a file the disk has no room for");
    EXPECT_FALSE(frame->contains("files"));
}

// Kept files that a crash or a failed write left half-done are deleted when the hub
// starts.
TEST_F(HubTest, TheHubDeletesHalfWrittenFilesWhenItStarts) {
    start_hub();
    const auto answer = upload(port_, "channel=joint&name=a.png&user=anna", kPng);
    ASSERT_EQ(answer.status, 201);
    const std::string id = answer.json()["file"]["id"];
    hub_->stop();
    const std::string files = data_dir_.path() + "/hub-files";
    plant(files + "/0123456789abcdef0123456789abcdef", "bytes without details");
    plant(files + "/fedcba9876543210fedcba9876543210.json.tmp", "{\"id\":");
    start_hub();
    EXPECT_EQ(names_in(files), (std::set<std::string>{id, id + ".json", "link.key"}));
    EXPECT_EQ(
        test_support::http_get("127.0.0.1", port_, answer.json()["file"]["url"].get<std::string>())
            .body,
        kPng);
}

}  // namespace
}  // namespace twintrack::connectors::hub::testing
