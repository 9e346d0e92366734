// tapstack serve-http's request parsing, path resolution, types, listings
// and log lines (client/cli/serve_http_request.cpp).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "client/cli/serve_http.hpp"

namespace tapstack::cli::http {
namespace {

int status_of(const std::string& head) { return parse_head(head).status; }

TEST(ServeHttpParse, AcceptsGetAndHeadWithDecodedPath) {
  const Parsed get = parse_head("GET /a%20b/c.txt?x=1#f HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(get.status, 0);
  EXPECT_EQ(get.request.method, "GET");
  EXPECT_EQ(get.request.path, "/a b/c.txt");
  EXPECT_EQ(get.request.target, "/a%20b/c.txt?x=1#f");
  const Parsed head = parse_head("HEAD / HTTP/1.0\n\n");  // bare LF (RFC 9112 §2.2)
  EXPECT_EQ(head.status, 0);
  EXPECT_EQ(head.request.path, "/");
}

TEST(ServeHttpParse, RefusesOtherMethodsWith405) {
  EXPECT_EQ(status_of("POST / HTTP/1.1\r\n\r\n"), 405);
  EXPECT_EQ(status_of("DELETE /x HTTP/1.1\r\n\r\n"), 405);
}

TEST(ServeHttpParse, RefusesMalformedRequestLinesWith400) {
  EXPECT_EQ(status_of("garbage\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET /\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET  / HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1 extra\r\n\r\n"), 400);
  EXPECT_EQ(status_of("G(T / HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET relative HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / FTP/1.0\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/2.0\r\n\r\n"), 505);
  EXPECT_EQ(status_of("\r\n\r\n"), 400);
}

TEST(ServeHttpParse, RefusesBadFieldLines) {
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nno colon\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nBad Name: b\r\n\r\n"), 400);
}

TEST(ServeHttpParse, RefusesEscapesFromTheRoot) {
  EXPECT_EQ(status_of("GET /../etc/passwd HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET /%2e%2e/etc/passwd HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET /%2E%2E HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET /a/..%2fb HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET /a/.. HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET /a%5c..%5cb HTTP/1.1\r\n\r\n"), 400);  // backslash
  EXPECT_EQ(parse_head("GET /a..b/..c HTTP/1.1\r\n\r\n").status, 0);  // not a ".." segment
}

TEST(ServeHttpParse, RefusesBadPercentEscapesAndNul) {
  EXPECT_EQ(status_of("GET /%zz HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET /%2 HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET /% HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET /a%00b HTTP/1.1\r\n\r\n"), 400);
}

TEST(ServeHttpParse, RefusesLongTargetsWith414) {
  const std::string target = "/" + std::string(kMaxTarget, 'a');
  EXPECT_EQ(status_of("GET " + target + " HTTP/1.1\r\n\r\n"), 414);
  EXPECT_EQ(status_of("GET /" + std::string(kMaxTarget - 1, 'a') + " HTTP/1.1\r\n\r\n"), 0);
}

TEST(ServeHttpTypes, ByExtensionCaseInsensitive) {
  EXPECT_EQ(content_type("/x/index.HTML"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type("a.png"), "image/png");
  EXPECT_EQ(content_type("a.tar.gz"), "application/gzip");
  EXPECT_EQ(content_type("/dir.d/file"), "application/octet-stream");
  EXPECT_EQ(content_type(".bashrc"), "application/octet-stream");
  EXPECT_EQ(content_type("big.bin"), "application/octet-stream");
}

class ServeHttpFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/serve-http-test.XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    base_ = pattern;
    root_ = base_ + "/root";
    ASSERT_EQ(::mkdir(root_.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((root_ + "/sub").c_str(), 0755), 0);
    std::ofstream(root_ + "/file.txt") << "x";
    std::ofstream(root_ + "/<b>&\"x\".txt") << "y";
    std::ofstream(base_ + "/outside.txt") << "secret";
    ASSERT_EQ(::symlink((base_ + "/outside.txt").c_str(), (root_ + "/out").c_str()), 0);
    ASSERT_EQ(::symlink("file.txt", (root_ + "/in").c_str()), 0);
    ASSERT_EQ(::symlink(base_.c_str(), (root_ + "/up").c_str()), 0);
  }
  void TearDown() override {
    const std::string command = "rm -rf '" + base_ + "'";
    EXPECT_EQ(std::system(command.c_str()), 0);
  }
  std::string base_;
  std::string root_;
};

TEST_F(ServeHttpFiles, ResolvesInsideTheRootOnly) {
  EXPECT_EQ(resolve_path(root_, "/file.txt").file, root_ + "/file.txt");
  EXPECT_EQ(resolve_path(root_, "/in").file, root_ + "/file.txt");
  EXPECT_EQ(resolve_path(root_, "/").file, root_);
  EXPECT_EQ(resolve_path(root_, "/missing").status, 404);
  EXPECT_EQ(resolve_path(root_, "/file.txt/x").status, 404);
  EXPECT_EQ(resolve_path(root_, "/out").status, 404);
  EXPECT_EQ(resolve_path(root_, "/up/outside.txt").status, 404);
  // A sibling whose name starts with the root's is not inside it.
  ASSERT_EQ(::mkdir((root_ + "2").c_str(), 0755), 0);
  ASSERT_EQ(::symlink((root_ + "2").c_str(), (root_ + "/twin").c_str()), 0);
  EXPECT_EQ(resolve_path(root_, "/twin").status, 404);
}

TEST_F(ServeHttpFiles, ListingEscapesNamesAndMarksDirectories) {
  const auto page = directory_listing(root_, "/");
  ASSERT_TRUE(page.has_value());
  EXPECT_NE(page->find("<a href=\"file.txt\">file.txt</a>"), std::string::npos);
  EXPECT_NE(page->find("<a href=\"sub/\">sub/</a>"), std::string::npos);
  EXPECT_NE(page->find("href=\"%3Cb%3E%26%22x%22.txt\">&lt;b&gt;&amp;&quot;x&quot;.txt<"),
            std::string::npos);
  EXPECT_EQ(page->find("../"), std::string::npos);  // none at the top
  const auto sub = directory_listing(root_ + "/sub", "/sub/");
  ASSERT_TRUE(sub.has_value());
  EXPECT_NE(sub->find("href=\"../\""), std::string::npos);
  EXPECT_FALSE(directory_listing(root_ + "/missing", "/missing/").has_value());
}

TEST(ServeHttpResponse, HeadCarriesLengthAndClose) {
  EXPECT_EQ(response_head(404, "text/html", 12),
            "HTTP/1.1 404 Not Found\r\nServer: tapstack\r\nContent-Type: text/html\r\n"
            "Content-Length: 12\r\nConnection: close\r\n\r\n");
  EXPECT_NE(response_head(405, "t", 0, "Allow: GET, HEAD\r\n").find("\r\nAllow: GET, HEAD\r\n\r\n"),
            std::string::npos);
}

TEST(ServeHttpLog, CommonLogFormatWithEscapedRequest) {
  const std::string line = access_log_line("10.0.0.1", "GET /\"a\x01 HTTP/1.1", 200, 5);
  EXPECT_TRUE(line.starts_with("10.0.0.1 - - ["));
  EXPECT_TRUE(line.ends_with("] \"GET /\\x22a\\x01 HTTP/1.1\" 200 5")) << line;
}

}  // namespace
}  // namespace tapstack::cli::http
