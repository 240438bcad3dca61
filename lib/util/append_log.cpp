#include "util/append_log.hpp"
#include "util/folder.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace util {
namespace {

Error io_error(const std::string& what, const std::string& path) {
  return Error{Errc::io, what + " " + path + ": " + std::strerror(errno)};
}

// write() until every byte is out (a regular file takes it whole unless the disk is full).
bool write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

Result<AppendLog> AppendLog::open(const std::string& path, const std::string& header) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return tl::unexpected(io_error("cannot open", path));
  AppendLog log(fd, path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return tl::unexpected(io_error("cannot read", path));
  if (st.st_size == 0) {
    if (auto r = log.append(header); !r) return tl::unexpected(r.error());
    sync_folder(folder_of(path));
  }
  return log;
}

AppendLog::AppendLog(AppendLog&& other) noexcept : m_fd(other.m_fd), m_path(std::move(other.m_path)) {
  other.m_fd = -1;
}

AppendLog& AppendLog::operator=(AppendLog&& other) noexcept {
  if (this != &other) {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = other.m_fd;
    m_path = std::move(other.m_path);
    other.m_fd = -1;
  }
  return *this;
}

AppendLog::~AppendLog() {
  if (m_fd >= 0) ::close(m_fd);
}

Result<void> AppendLog::append(const std::string& line) {
  if (!write_all(m_fd, line + "\n")) return tl::unexpected(io_error("cannot write to", m_path));
  if (::fsync(m_fd) != 0) return tl::unexpected(io_error("cannot sync", m_path));
  return {};
}

std::string csv_text(const std::string& text) {
  std::string t = text;
  if (!t.empty() && (t[0] == '=' || t[0] == '+' || t[0] == '-' || t[0] == '@')) t = "'" + t;
  if (t.find_first_of(",\"\r\n") == std::string::npos) return t;
  std::string quoted = "\"";
  for (char c : t) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

}  // namespace util
