#pragma once
// A file that only grows by whole lines, each made durable before the next: for reports that
// must survive a killed process or a power cut (the bench's --report CSV). A line is written
// with one write() on an O_APPEND descriptor, then fsync()ed; a new file gets its header
// first, and its directory is synced so that the file itself survives.

#include <string>

#include "util/result.hpp"

namespace util {

class AppendLog {
public:
  // Opens (creating) `path` for appending. An empty file gets `header` (one line, no newline
  // needed) first; a file that has content is appended to as it is. Errc::io on failure.
  static Result<AppendLog> open(const std::string& path, const std::string& header);

  AppendLog(AppendLog&& other) noexcept;
  AppendLog& operator=(AppendLog&& other) noexcept;
  AppendLog(const AppendLog&) = delete;
  AppendLog& operator=(const AppendLog&) = delete;
  ~AppendLog();

  // Appends `line` plus a newline and syncs it to disk. Errc::io on failure (disk full).
  Result<void> append(const std::string& line);

  const std::string& path() const { return m_path; }

private:
  AppendLog(int fd, std::string path) : m_fd(fd), m_path(std::move(path)) {}
  int m_fd = -1;
  std::string m_path;
};

// One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; text that a
// spreadsheet would run as a formula (starting with = + - @) is prefixed with a quote mark.
std::string csv_text(const std::string& text);

}  // namespace util
