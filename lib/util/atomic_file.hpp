#pragma once
// A file that appears whole or not at all: for outputs such as `log dump -o FILE` that must
// never be left half-written by an interrupted read, a full disk or a killed process.
//
// The content goes to a hidden temporary file beside the target (".NAME.XXXXXX", mkstemp, so
// the same file system and a rename that is atomic); commit() syncs it, renames it over the
// target and syncs the directory, so that after a power cut the target is either the old
// file (or none) or the complete new one. Until commit() the target is untouched; an
// AtomicFile destroyed without commit() removes its temporary file (the normal path of an
// error or of Ctrl-C, where the signal handler only sets a flag and the command unwinds).
// SIGKILL or a power cut before commit() can leave only the hidden temporary file, never a
// partial target.
//
// An existing target is replaced only with `force`; without it, Errc::usage.

#include <string>
#include <string_view>

#include "util/result.hpp"

namespace util {

class AtomicFile {
public:
  // Checks that `target` may be written before any long work is done: Errc::usage
  // "FILE exists: add --force to replace it" when it exists and !force, Errc::io when it is
  // not a regular file or its folder is missing or not writable. Creates nothing.
  static Result<void> check_target(const std::string& target, bool force);

  // check_target(), then creates the temporary file in the target's folder. Errc::io when
  // it cannot be created.
  static Result<AtomicFile> create(const std::string& target, bool force);

  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&& other) noexcept;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();  // discard() unless committed

  // Appends `data` to the temporary file. Errc::io (disk full, ...): the caller gives up and
  // the destructor removes the temporary file.
  Result<void> write(std::string_view data);

  // Syncs the temporary file (whatever wrote it: write(), or a library given temp_path()),
  // renames it to the target and syncs the folder. Without `force`, a target that appeared
  // meanwhile is not replaced (Errc::usage, as check_target). Errc::io on failure; the
  // temporary file is removed on every failure.
  Result<void> commit();

  // Removes the temporary file; the target is untouched. Safe to call more than once.
  void discard();

  // The temporary file's path, for writers that only take a file name (libxlsxwriter):
  // they write there (replacing its content), then the caller commits.
  const std::string& temp_path() const { return m_temp; }
  const std::string& target() const { return m_target; }
  bool committed() const { return m_committed; }

private:
  AtomicFile(int fd, std::string target, std::string temp, bool force)
      : m_fd(fd), m_target(std::move(target)), m_temp(std::move(temp)), m_force(force) {}

  int m_fd = -1;
  std::string m_target;
  std::string m_temp;
  bool m_force = false;
  bool m_committed = false;
};

}  // namespace util
