#pragma once
// The pieces of `tapstack serve-http` that do not touch sockets: parsing a
// request head, mapping its target to a file under the served directory,
// content types, the directory listing and the access-log line.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tapstack::cli::http {

/// Longest request target accepted (longer: 414, RFC 9112 §3 / RFC 9110 §15.5.15).
constexpr std::size_t kMaxTarget = 4096;
/// Longest request head (request line and fields) read.
constexpr std::size_t kMaxHead = 16384;

/// What the request line says (RFC 9112 §3).
struct Request {
  std::string method;
  std::string target;   // as sent
  std::string version;  // "HTTP/1.0" or "HTTP/1.1"
  std::string path;     // the target's path, percent-decoded
};

/// A parsed head, or the status that refuses it (400, 405, 414, 505).
struct Parsed {
  Request request;
  int status = 0;  // 0: acceptable
};

/// Parses a complete head (up to and including the empty line): request line,
/// method (GET and HEAD; others 405, RFC 9110 §15.5.6), origin-form target
/// (RFC 9112 §3.2.1), percent-decoding (RFC 3986 §2.1) and the refusal of
/// NUL bytes, backslashes and ".." segments.
Parsed parse_head(std::string_view head);

/// The file `path` (a decoded request path) names under `root` (a realpath):
/// symlinks resolved with realpath(3) and the result required to stay inside
/// `root`. Returns the resolved path, or the status to send (404, 403).
struct Resolved {
  std::string file;
  int status = 0;
};
Resolved resolve_path(const std::string& root, const std::string& path);

/// Content-Type for a file name's extension; application/octet-stream else.
std::string_view content_type(std::string_view name);

/// An HTML page listing the directory `dir`, linked relative to `url_path`.
std::optional<std::string> directory_listing(const std::string& dir, const std::string& url_path);

/// The reason phrase of a status code (RFC 9110 §15).
std::string_view reason(int status);

/// A status line and fields ending with the empty line; Connection: close.
std::string response_head(int status, std::string_view type, std::uint64_t length,
                          std::string_view extra = {});

/// A small HTML body for an error status.
std::string error_body(int status);

/// One line of the Common Log Format: host - - [date] "line" status bytes.
std::string access_log_line(const std::string& peer, const std::string& request_line, int status,
                            std::uint64_t bytes);

}  // namespace tapstack::cli::http
