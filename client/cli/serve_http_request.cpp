// serve-http without sockets: request heads, paths, types, listings, logs.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <vector>

#include "client/cli/serve_http.hpp"

namespace tapstack::cli::http {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// RFC 3986 §2.1; nullopt for a malformed escape or a decoded NUL.
std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0') return std::nullopt;
    out.push_back(c);
  }
  return out;
}

/// RFC 3986 §2.3: unreserved characters and '/' stay, the rest is escaped.
std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    }
  }
  return out;
}

std::string html_escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

/// RFC 9110 §5.6.2 token characters.
bool is_token(std::string_view text) {
  if (text.empty()) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

/// Splits at CRLF or a bare LF (RFC 9112 §2.2 lets a recipient accept LF).
std::vector<std::string_view> split_lines(std::string_view head) {
  std::vector<std::string_view> lines;
  while (!head.empty()) {
    const auto end = head.find('\n');
    std::string_view line = head.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (end == std::string_view::npos) break;
    head.remove_prefix(end + 1);
  }
  return lines;
}

/// The decoded path of an origin-form target (RFC 9112 §3.2.1), or the
/// status refusing it: no "..", NUL or backslash anywhere after decoding.
Parsed parse_target(Parsed p) {
  std::string_view target = p.request.target;
  if (target.size() > kMaxTarget) return p.status = 414, p;
  if (target.empty() || target.front() != '/') return p.status = 400, p;
  target = target.substr(0, target.find_first_of("?#"));
  auto path = percent_decode(target);
  if (!path || path->find('\\') != std::string::npos) return p.status = 400, p;
  std::string_view rest = *path;
  while (!rest.empty()) {
    const auto end = rest.find('/');
    if (rest.substr(0, end) == "..") return p.status = 400, p;
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  p.request.path = std::move(*path);
  return p;
}

}  // namespace

Parsed parse_head(std::string_view head) {
  Parsed p;
  const auto lines = split_lines(head);
  if (lines.empty()) return p.status = 400, p;
  const std::string_view line = lines.front();
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return p.status = 400, p;
  }
  p.request.method = line.substr(0, sp1);
  p.request.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  p.request.version = line.substr(sp2 + 1);
  if (!is_token(p.request.method)) return p.status = 400, p;
  const std::string_view version = p.request.version;
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    return p.status = version.starts_with("HTTP/") ? 505 : 400, p;
  }
  // Field lines: name ":" value; obs-fold (leading whitespace) is refused
  // (RFC 9112 §5.2), as is whitespace before the colon (§5.1).
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string_view field = lines[i];
    if (field.empty()) break;
    const auto colon = field.find(':');
    if (colon == std::string_view::npos || !is_token(field.substr(0, colon))) return p.status = 400, p;
  }
  if (p.request.method != "GET" && p.request.method != "HEAD") {
    return p.status = p.request.target.size() > kMaxTarget ? 414 : 405, p;
  }
  return parse_target(std::move(p));
}

Resolved resolve_path(const std::string& root, const std::string& path) {
  const std::string full = root + path;
  std::unique_ptr<char, decltype(&std::free)> real(::realpath(full.c_str(), nullptr), &std::free);
  if (!real) return {{}, errno == EACCES ? 403 : 404};
  std::string file(real.get());
  const bool inside = root == "/" || file == root ||
                      (file.size() > root.size() && file.starts_with(root) && file[root.size()] == '/');
  if (!inside) return {{}, 404};  // a symlink out of the root: as if it were not there
  return {std::move(file), 0};
}

std::string_view content_type(std::string_view name) {
  struct Type {
    std::string_view extension;
    std::string_view type;
  };
  static constexpr Type kTypes[] = {
      {"html", "text/html; charset=utf-8"}, {"htm", "text/html; charset=utf-8"},
      {"txt", "text/plain; charset=utf-8"}, {"md", "text/markdown; charset=utf-8"},
      {"css", "text/css"},                  {"js", "text/javascript"},
      {"json", "application/json"},         {"xml", "application/xml"},
      {"csv", "text/csv"},                  {"png", "image/png"},
      {"jpg", "image/jpeg"},                {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},                 {"svg", "image/svg+xml"},
      {"ico", "image/vnd.microsoft.icon"},  {"webp", "image/webp"},
      {"pdf", "application/pdf"},           {"zip", "application/zip"},
      {"gz", "application/gzip"},           {"tar", "application/x-tar"},
      {"wasm", "application/wasm"},         {"mp4", "video/mp4"},
      {"mp3", "audio/mpeg"},                {"woff2", "font/woff2"},
  };
  const auto slash = name.rfind('/');
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return "application/octet-stream";
  std::string extension(name.substr(dot + 1));
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
  for (const auto& t : kTypes) {
    if (t.extension == extension) return t.type;
  }
  return "application/octet-stream";
}

std::optional<std::string> directory_listing(const std::string& dir, const std::string& url_path) {
  struct CloseDir {
    void operator()(DIR* d) const { ::closedir(d); }
  };
  std::unique_ptr<DIR, CloseDir> d(::opendir(dir.c_str()));
  if (!d) return std::nullopt;
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d.get())) {
    const std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st {};
    const bool is_dir = ::fstatat(::dirfd(d.get()), e->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
    names.push_back(std::string(name) + (is_dir ? "/" : ""));
  }
  std::sort(names.begin(), names.end());
  const std::string title = "Index of " + html_escape(url_path);
  std::string page = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title +
                     "</title></head>\n<body><h1>" + title + "</h1>\n<ul>\n";
  if (url_path != "/") page += "<li><a href=\"../\">../</a></li>\n";
  for (const auto& name : names) {
    const bool is_dir = name.back() == '/';
    const std::string href =
        percent_encode(is_dir ? std::string_view(name).substr(0, name.size() - 1) : name) +
        (is_dir ? "/" : "");
    page += "<li><a href=\"" + href + "\">" + html_escape(name) + "</a></li>\n";
  }
  page += "</ul></body></html>\n";
  return page;
}

std::string_view reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 301: return "Moved Permanently";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

std::string response_head(int status, std::string_view type, std::uint64_t length,
                          std::string_view extra) {
  std::string head = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason(status)) +
                     "\r\nServer: tapstack\r\nContent-Type: " + std::string(type) +
                     "\r\nContent-Length: " + std::to_string(length) + "\r\nConnection: close\r\n";
  head += extra;
  head += "\r\n";
  return head;
}

std::string error_body(int status) {
  const std::string line = std::to_string(status) + " " + std::string(reason(status));
  return "<!DOCTYPE html>\n<html><head><title>" + line + "</title></head><body><h1>" + line +
         "</h1></body></html>\n";
}

std::string access_log_line(const std::string& peer, const std::string& request_line, int status,
                            std::uint64_t bytes) {
  char date[64];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  std::strftime(date, sizeof date, "%d/%b/%Y:%H:%M:%S +0000", &tm);
  // Control characters and quotes from the client are escaped, so a request
  // cannot forge log lines.
  std::string line;
  for (const char c : request_line.substr(0, 1024)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", u);
      line += escaped;
    } else {
      line.push_back(c);
    }
  }
  return peer + " - - [" + date + "] \"" + line + "\" " + std::to_string(status) + " " +
         std::to_string(bytes);
}

}  // namespace tapstack::cli::http
