// util::AtomicFile: the target appears whole at commit() or not at all.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <dirent.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "util/atomic_file.hpp"

namespace {

// A fresh folder per test, removed with what is left in it.
struct TempFolder {
  std::string path;
  TempFolder() {
    char name[] = "/tmp/rocketctl-atomic-XXXXXX";
    REQUIRE(::mkdtemp(name) != nullptr);
    path = name;
  }
  ~TempFolder() {
    for (const std::string& n : names()) ::unlink((path + "/" + n).c_str());
    ::rmdir(path.c_str());
  }
  std::set<std::string> names() const {
    std::set<std::string> out;
    if (DIR* d = ::opendir(path.c_str())) {
      while (dirent* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n != "." && n != "..") out.insert(n);
      }
      ::closedir(d);
    }
    return out;
  }
  std::string operator/(const std::string& name) const { return path + "/" + name; }
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void spit(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("atomic file: nothing at the target until commit, then all of it", "[util][atomic]") {
  TempFolder dir;
  const std::string target = dir / "log.csv";
  auto file = util::AtomicFile::create(target, false);
  REQUIRE(file);
  // The temporary file is hidden, beside the target (same file system: rename is atomic).
  CHECK(file->temp_path().rfind(dir / ".log.csv.", 0) == 0);
  CHECK(file->temp_path().size() == (dir / ".log.csv.XXXXXX").size());
  REQUIRE(file->write("a,b\r\n"));
  REQUIRE(file->write("1,2\r\n"));
  CHECK_FALSE(exists(target));
  CHECK(dir.names().size() == 1);
  REQUIRE(file->commit());
  CHECK(file->committed());
  CHECK(slurp(target) == "a,b\r\n1,2\r\n");
  CHECK(dir.names() == std::set<std::string>{"log.csv"});
  // A new file gets the permissions open() would give it, not mkstemp's 0600.
  mode_t mask = ::umask(0);
  ::umask(mask);
  CHECK(mode_of(target) == (0666 & ~mask));
}

TEST_CASE("atomic file: given up without commit, it leaves nothing behind", "[util][atomic]") {
  TempFolder dir;
  {
    auto file = util::AtomicFile::create(dir / "x.json", false);
    REQUIRE(file);
    REQUIRE(file->write("{\"half\": "));
    CHECK(dir.names().size() == 1);
  }  // an error or Ctrl-C unwinds through here
  CHECK(dir.names().empty());

  auto file = util::AtomicFile::create(dir / "y.json", false);
  REQUIRE(file);
  file->discard();
  file->discard();  // twice is harmless
  CHECK(dir.names().empty());
  CHECK_FALSE(file->commit());
  CHECK_FALSE(exists(dir / "y.json"));
}

TEST_CASE("atomic file: an existing file is replaced only with force", "[util][atomic]") {
  TempFolder dir;
  const std::string target = dir / "log.xlsx";
  spit(target, "old");
  ::chmod(target.c_str(), 0640);

  auto refused = util::AtomicFile::create(target, false);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == util::Errc::usage);
  CHECK(refused.error().message == target + " exists: add --force to replace it");
  CHECK(util::AtomicFile::check_target(target, false).error().code == util::Errc::usage);
  CHECK(slurp(target) == "old");
  CHECK(dir.names().size() == 1);

  auto file = util::AtomicFile::create(target, true);
  REQUIRE(file);
  REQUIRE(file->write("new"));
  CHECK(slurp(target) == "old");  // untouched until the commit
  REQUIRE(file->commit());
  CHECK(slurp(target) == "new");
  CHECK(mode_of(target) == 0640);  // the replaced file's permissions are kept
  CHECK(dir.names().size() == 1);
}

TEST_CASE("atomic file: a file that appears meanwhile is not replaced without force", "[util][atomic]") {
  TempFolder dir;
  const std::string target = dir / "log.csv";
  auto file = util::AtomicFile::create(target, false);
  REQUIRE(file);
  REQUIRE(file->write("mine"));
  spit(target, "theirs");
  auto committed = file->commit();
  REQUIRE_FALSE(committed);
  CHECK(committed.error().code == util::Errc::usage);
  CHECK_THAT(committed.error().message, Catch::Contains("add --force"));
  CHECK(slurp(target) == "theirs");
  CHECK(dir.names() == std::set<std::string>{"log.csv"});  // and no temporary file left
}

TEST_CASE("atomic file: writers that take a file name write the temporary path", "[util][atomic]") {
  TempFolder dir;
  auto file = util::AtomicFile::create(dir / "book.xlsx", false);
  REQUIRE(file);
  // As libxlsxwriter does: open the name for writing (truncating), write, close.
  FILE* f = std::fopen(file->temp_path().c_str(), "wb");
  REQUIRE(f != nullptr);
  std::fputs("PK workbook", f);
  std::fclose(f);
  REQUIRE(file->commit());
  CHECK(slurp(dir / "book.xlsx") == "PK workbook");
  CHECK(dir.names() == std::set<std::string>{"book.xlsx"});
}

TEST_CASE("atomic file: unwritable places are io errors naming the file", "[util][atomic]") {
  auto missing = util::AtomicFile::create("/nonexistent-folder/log.csv", false);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == util::Errc::io);
  CHECK_THAT(missing.error().message, Catch::Contains("/nonexistent-folder/log.csv"));

  TempFolder dir;
  auto folder = util::AtomicFile::create(dir.path, true);  // a folder is never replaced
  REQUIRE_FALSE(folder);
  CHECK(folder.error().code == util::Errc::io);
  CHECK_THAT(folder.error().message, Catch::Contains("not a regular file"));

  auto empty = util::AtomicFile::create(dir.path + "/", false);
  REQUIRE_FALSE(empty);
  CHECK(empty.error().code == util::Errc::usage);
}

TEST_CASE("atomic file: a write that fails (disk full) is an io error and leaves nothing", "[util][atomic]") {
  TempFolder dir;
  // A file size limit makes write() fail with EFBIG as a full disk fails with ENOSPC.
  rlimit old{};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = old;
  small.rlim_cur = 4096;
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
  {
    auto file = util::AtomicFile::create(dir / "big.csv", false);
    REQUIRE(file);
    auto written = file->write(std::string(10000, 'x'));
    ::setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, old_handler);
    REQUIRE_FALSE(written);
    CHECK(written.error().code == util::Errc::io);
    CHECK_THAT(written.error().message, Catch::Contains(dir / "big.csv"));
  }
  ::setrlimit(RLIMIT_FSIZE, &old);
  CHECK(dir.names().empty());
}

TEST_CASE("atomic file: a name without a folder is written in the working folder", "[util][atomic]") {
  TempFolder dir;
  char here[4096];
  REQUIRE(::getcwd(here, sizeof here) != nullptr);
  REQUIRE(::chdir(dir.path.c_str()) == 0);
  auto file = util::AtomicFile::create("plain.json", false);
  bool ok = file && file->temp_path().rfind(".plain.json.", 0) == 0 && file->write("{}\n") &&
            file->commit();
  REQUIRE(::chdir(here) == 0);
  REQUIRE(ok);
  CHECK(slurp(dir / "plain.json") == "{}\n");
}
