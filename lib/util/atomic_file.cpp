#include "util/atomic_file.hpp"
#include "util/folder.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace util {
namespace {

std::string name_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

tl::unexpected<Error> io_error(const std::string& what, const std::string& path, int err) {
  return fail(Errc::io, what + " " + path + ": " + std::strerror(err));
}

tl::unexpected<Error> exists_error(const std::string& target) {
  return fail(Errc::usage, target + " exists: add --force to replace it");
}

// The permissions a file created now gets (0666 less the umask), as open(O_CREAT) would give;
// mkstemp itself always creates 0600.
mode_t default_mode() {
  mode_t mask = ::umask(0);
  ::umask(mask);
  return 0666 & ~mask;
}

}  // namespace

Result<void> AtomicFile::check_target(const std::string& target, bool force) {
  if (target.empty() || name_of(target).empty())
    return fail(Errc::usage, "'" + target + "' is not a file name");
  struct stat st {};
  if (::stat(target.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode)) return fail(Errc::io, "cannot write " + target + ": not a regular file");
    if (!force) return exists_error(target);
  } else if (errno != ENOENT) {
    return io_error("cannot write", target, errno);
  }
  const std::string folder = folder_of(target);
  if (::access(folder.c_str(), W_OK | X_OK) != 0)
    return io_error("cannot write", target, errno);
  return {};
}

Result<AtomicFile> AtomicFile::create(const std::string& target, bool force) {
  if (auto ok = check_target(target, force); !ok) return tl::unexpected(ok.error());
  const std::string folder = folder_of(target);
  std::string prefix = target.find('/') == std::string::npos ? "" : folder == "/" ? "/" : folder + "/";
  std::string temp = prefix + "." + name_of(target) + ".XXXXXX";
  std::vector<char> buffer(temp.begin(), temp.end());
  buffer.push_back('\0');
  int fd = ::mkostemp(buffer.data(), O_CLOEXEC);
  if (fd < 0) return io_error("cannot create a temporary file for", target, errno);
  temp.assign(buffer.data());
  AtomicFile file(fd, target, temp, force);
  // A replaced file keeps its permissions; a new one gets what open() would have given it.
  struct stat st {};
  mode_t mode = ::stat(target.c_str(), &st) == 0 ? (st.st_mode & 07777) : default_mode();
  if (::fchmod(fd, mode) != 0) return io_error("cannot set the permissions of", temp, errno);
  return file;
}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : m_fd(other.m_fd),
      m_target(std::move(other.m_target)),
      m_temp(std::move(other.m_temp)),
      m_force(other.m_force),
      m_committed(other.m_committed) {
  other.m_fd = -1;
  other.m_temp.clear();
}

AtomicFile& AtomicFile::operator=(AtomicFile&& other) noexcept {
  if (this != &other) {
    discard();
    m_fd = other.m_fd;
    m_target = std::move(other.m_target);
    m_temp = std::move(other.m_temp);
    m_force = other.m_force;
    m_committed = other.m_committed;
    other.m_fd = -1;
    other.m_temp.clear();
  }
  return *this;
}

AtomicFile::~AtomicFile() { discard(); }

void AtomicFile::discard() {
  if (m_fd >= 0) {
    ::close(m_fd);
    m_fd = -1;
  }
  if (!m_committed && !m_temp.empty()) {
    ::unlink(m_temp.c_str());
    m_temp.clear();
  }
}

Result<void> AtomicFile::write(std::string_view data) {
  if (m_fd < 0) return fail(Errc::io, "cannot write " + m_target + ": the file is closed");
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(m_fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot write", m_target, errno);
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

Result<void> AtomicFile::commit() {
  if (m_committed) return {};
  if (m_fd < 0) return fail(Errc::io, "cannot write " + m_target + ": the file was discarded");
  // The data must be on disk before the name points at it: a rename that reaches the disk
  // first would leave an empty target after a power cut.
  if (::fsync(m_fd) != 0) {
    int err = errno;
    discard();
    return io_error("cannot write", m_target, err);
  }
  int fd = m_fd;
  m_fd = -1;
  if (::close(fd) != 0) {
    int err = errno;
    discard();
    return io_error("cannot write", m_target, err);
  }
  int rc = 0;
  if (m_force) {
    rc = ::rename(m_temp.c_str(), m_target.c_str());
  } else {
    // Never replace a file that appeared since check_target(): RENAME_NOREPLACE, or on file
    // systems without it a hard link (which fails on an existing name) and an unlink.
    rc = ::renameat2(AT_FDCWD, m_temp.c_str(), AT_FDCWD, m_target.c_str(), RENAME_NOREPLACE);
    if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {
      rc = ::link(m_temp.c_str(), m_target.c_str());
      if (rc == 0) {
        ::unlink(m_temp.c_str());
      } else if (errno == EPERM || errno == EOPNOTSUPP) {  // no hard links here either
        struct stat st {};
        if (::stat(m_target.c_str(), &st) == 0) {
          errno = EEXIST;
          rc = -1;
        } else {
          rc = ::rename(m_temp.c_str(), m_target.c_str());
        }
      }
    }
  }
  if (rc != 0) {
    int err = errno;
    discard();
    if (err == EEXIST) return exists_error(m_target);
    return io_error("cannot write", m_target, err);
  }
  m_committed = true;
  sync_folder(folder_of(m_target));
  return {};
}

}  // namespace util
