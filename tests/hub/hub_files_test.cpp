// Files on the hub: uploads on the page (POST /api/v1/files) kept on disk before they are
// answered, shown to the others and handed to the bot with their bytes; the size limit
// and the kinds of file; and the kept files' signed links, their expiry and pruning.

#include <filesystem>

#include "connectors/hub/file_store.hpp"
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
    const auto over = upload(port_, "channel=joint&name=poster.png&user=anna",
                             big + std::string(1024 * 1024, 'x'));
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

}  // namespace
}  // namespace twintrack::connectors::hub::testing
