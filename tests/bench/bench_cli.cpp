// Benchmark (not a test): the `rocketctl` binary end to end, as a user runs it, against the
// simulated battery on the in-process hub paced at 250 kbit/s (`-i sim:bitrate=250000`).
// Each command is run RUNS times (default 5); the median run by wall time is shown.
//
// For each run the child's wall time (spawn to exit), CPU time and peak RSS come from wait4();
// its --trace file gives every frame on the bus, from which this program rebuilds the bus's
// timeline: a frame the tool sends is ready when the trace stamps it (when send() returned); a
// frame the BMS sends was ready one wire time before the tool received it; each occupies the
// wire for its exact time (can::wire_time: every field, stuff bits included), from when it is
// ready or the wire is free, whichever is later. Hence
//   wire    the frames' time on a 250 kbit/s wire, and wall/wire;
//   start   spawn to the first frame ready (process start-up: loader, options, frame map, ...);
//   bms     the wire idle while waiting for the BMS: its answer delay, the erase, the restarts,
//           waits the pack imposes. Idle before a frame of the BMS, and idle before a frame of
//           the tool that follows the tool's own request (a poll or an ISO-TP single frame):
//           the tool waited for an answer that did not come and asks again (CONNECT while the
//           pack restarts);
//   tool    the rest of the idle before a frame of the tool: its turnaround;
//   exit    the wire free for the last time to the process's exit (rendering, files, tear-down).
// start + wire + bms + tool + exit = wall, exactly.
//
// Also shown: `rocketctl --version` and a plain C++ program linked to the same libraries
// (bench_baseline), spawn to exit, for what start-up costs before rocketctl's own work.
//
//   bench_cli ROCKETCTL BASELINE [--runs N]

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "bms/protocol.hpp"
#include "can/candump.hpp"
#include "can/wire.hpp"
#include "sim/diagnostics.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Seconds = std::chrono::duration<double>;

constexpr std::uint32_t k_bitrate = 250000;

struct Run {
  double wall = 0, cpu = 0;
  long peak_kib = 0;
  int status = -1;
  // From the trace (all zero when the command sends nothing):
  std::size_t frames = 0;
  double wire = 0, start = 0, tool = 0, bms = 0, exit = 0;
};

// Spawns argv with stdout and stderr to /dev/null; fills wall, cpu, peak and status.
// `spawned` receives the wall-clock time just before the spawn (trace times are wall-clock).
Run spawn_and_wait(const std::vector<std::string>& args, std::int64_t& spawned_us) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  Run run;
  spawned_us = can::to_micros(std::chrono::system_clock::now());
  const auto t0 = std::chrono::steady_clock::now();
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) {
    std::fprintf(stderr, "bench_cli: cannot run %s\n", argv[0]);
    std::exit(2);
  }
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  run.wall = Seconds(std::chrono::steady_clock::now() - t0).count();
  posix_spawn_file_actions_destroy(&actions);
  run.cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
            static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  run.peak_kib = ru.ru_maxrss;
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return run;
}

// Splits the run's wall time along the frames of its trace (see the file comment).
void analyse_trace(const fs::path& trace, std::int64_t spawned_us, Run& run) {
  std::ifstream in(trace);
  std::string line;
  std::optional<double> first;
  double wire_free = 0;  // seconds since spawn when the wire is next free
  bool awaiting_answer = false;  // the last frame was a request of the tool's
  while (std::getline(in, line)) {
    can::CandumpRecord r;
    if (can::parse_candump(line, r) != nullptr || r.error) continue;
    ++run.frames;
    const double wire = Seconds(can::wire_time(r.frame, k_bitrate)).count();
    // Poll and diagnostic identifiers both end in the sender's address (§3.1, §6).
    const bool by_tool = (r.frame.id & 0xFFU) == bms::k_default_tool;
    const double stamped = static_cast<double>(r.time_us - spawned_us) / 1e6;
    const double ready = by_tool ? stamped : stamped - wire;
    if (!first) {
      first = ready;
      wire_free = ready;
    }
    const double begin = std::max(ready, wire_free);
    (by_tool && !awaiting_answer ? run.tool : run.bms) += begin - wire_free;
    const bool poll = bms::parse_poll_id(r.frame.id).has_value();
    const bool single_frame = r.frame.size() > 0 && (r.frame.data[0] >> 4) == 0;  // ISO-TP PCI 0
    awaiting_answer = by_tool && (poll || single_frame);
    run.wire += wire;
    wire_free = begin + wire;
  }
  if (!first) return;
  run.start = *first;
  run.exit = run.wall - wire_free;
}

std::string fmt_packs(const std::string& sim, int n) { return sim + ",packs=" + std::to_string(n); }
std::string fmt_tag(int n, const char* load) {
  return std::to_string(n) + (n == 1 ? " pack" : " packs") + (*load ? ", load 40 %" : "");
}

struct Case {
  std::string label;
  std::vector<std::string> args;  // after the binary; "{dir}" becomes the scratch folder
  bool traced = true;
  int worst_ok = 0;  // highest exit status that counts as a run (check: 1, a limit failed)
};

// The median run by wall time; nullopt when the binary refuses the command (an older one).
std::optional<Run> median_of(const Case& c, const std::string& binary, const fs::path& dir, int runs) {
  std::vector<Run> all;
  for (int i = 0; i < runs; ++i) {
    fs::path trace = dir / "trace.log";
    fs::remove(trace);
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.path().extension() == ".xlsx") fs::remove(entry.path());
    std::vector<std::string> args{binary};
    if (c.traced) args.insert(args.end(), {"--trace", trace.string()});
    for (std::string a : c.args) {
      if (auto p = a.find("{dir}"); p != std::string::npos) a.replace(p, 5, dir.string());
      args.push_back(a);
    }
    std::int64_t spawned_us = 0;
    Run run = spawn_and_wait(args, spawned_us);
    if (run.status < 0 || run.status > c.worst_ok) {
      std::fprintf(stderr, "bench_cli: '%s' exited with %d\n", c.label.c_str(), run.status);
      return std::nullopt;
    }
    if (c.traced) analyse_trace(trace, spawned_us, run);
    all.push_back(run);
  }
  std::sort(all.begin(), all.end(), [](const Run& a, const Run& b) { return a.wall < b.wall; });
  return all[all.size() / 2];
}

void print_row(const std::string& label, const std::optional<Run>& run) {
  auto ms = [](double s) { return s * 1e3; };
  if (!run) {
    std::printf("| %-28s | %9s | %7s | %7s | %6s | %6s | %6s | %8s | %6s | %6s | %7s |\n", label.c_str(),
                "n/a", "", "", "", "", "", "", "", "", "");
    return;
  }
  const Run& r = *run;
  if (r.frames == 0) {
    std::printf("| %-28s | %9.1f | %7.1f | %7s | %6s | %6s | %6s | %8s | %6s | %6s | %7ld |\n",
                label.c_str(), ms(r.wall), ms(r.cpu), "-", "-", "-", "-", "-", "-", "-", r.peak_kib / 1024);
    return;
  }
  std::printf("| %-28s | %9.1f | %7.1f | %7.1f | %6.2f | %6zu | %6.1f | %8.1f | %6.1f | %6.1f | %7ld |\n",
              label.c_str(), ms(r.wall), ms(r.cpu), ms(r.wire), r.wall / r.wire, r.frames, ms(r.start),
              ms(r.bms), ms(r.tool), ms(r.exit), r.peak_kib / 1024);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_cli ROCKETCTL BASELINE [--runs N]\n");
    return 2;
  }
  const std::string rocketctl = fs::absolute(argv[1]).string();
  const std::string baseline = fs::absolute(argv[2]).string();
  int runs = 5;
  bool fleet = false;
  for (int i = 3; i < argc; ++i) {
    if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
    else if (std::strcmp(argv[i], "--fleet") == 0) fleet = true;
  }

  char dir_template[] = "/tmp/bench_cli.XXXXXX";
  if (mkdtemp(dir_template) == nullptr) {
    std::perror("bench_cli: mkdtemp");
    return 2;
  }
  const fs::path dir = dir_template;
  // The flash image: 112 KiB of application area, version 1.5.0 for hardware revision 3 (the
  // simulated pack's), as the tool reads it from a .bin file.
  {
    auto bytes = sim::synthetic_image(3, {1, 5, 0}, 112 * 1024);
    std::ofstream(dir / "new.bin", std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }

  const std::string sim = "sim:bitrate=250000";
  std::ofstream(dir / "limits.toml") << "[cells]\ncount = 10\nmin_mv = 3000\nmax_mv = 3650\n[pack]\nmin_mv = 30000\n"
                                       "[temperature]\ncell_max_c = 45\n[rsoc]\nmin_pct = 30\n[flags]\n"
                                       "set = [\"D-MOS\", \"C-MOS\"]\n";
  // --fleet: commands on every pack of 1 to 63 (settime --all and check --all are the forms
  // an older rocketctl has too; `--address all status` is n/a there), on a quiet bus and at 40 %
  // foreign traffic (whose frames the tool never receives: not in the wire column).
  std::vector<Case> fleet_cases;
  for (const char* load : {"", ",load=40"})
    for (int n : {1, 8, 32, 63}) {
      const std::string iface = fmt_packs(sim, n) + load;
      const std::string tag = fmt_tag(n, load);
      fleet_cases.push_back({"scan " + tag, {"-i", iface, "scan"}});
      fleet_cases.push_back({"status " + tag, {"-i", iface, "--address", "all", "status"}, true, 1});
      fleet_cases.push_back({"settime " + tag, {"-i", iface, "settime", "--all"}});
      fleet_cases.push_back({"check " + tag, {"-i", iface, "check", "--all", "--limits", "{dir}/limits.toml"}, true, 1});
    }
  // What the window of packs in flight costs: status of 63 packs, from one at a time to all.
  for (int window : {1, 4, 8, 16, 32, 63})
    fleet_cases.push_back({"status 63 packs, window " + std::to_string(window),
                           {"-i", fmt_packs(sim, 63), "--window", std::to_string(window), "--address", "all", "status"},
                           true, 1});
  const std::vector<Case> cases = fleet ? fleet_cases : std::vector<Case>{{
      {"baseline (same libraries)", {}, false},
      {"rocketctl --version", {"--version"}, false},
      {"status", {"-i", sim, "status"}},
      {"cells", {"-i", sim, "cells"}},
      {"log dump 2000 records, xlsx", {"-i", sim + ",log=2000", "log", "dump", "-o", "{dir}/log.xlsx"}},
      {"log dump 2000 records, json", {"-i", sim + ",log=2000", "--json", "log", "dump"}},
      {"flash 112 KiB", {"-i", sim, "flash", "{dir}/new.bin", "--yes"}},
  }};

  std::printf("rocketctl against -i %s%s, median of %d runs (milliseconds, peak RSS in MiB)\n\n",
              sim.c_str(), fleet ? ",packs=N[,load=40]" : "", runs);
  std::printf("| %-28s | %9s | %7s | %7s | %6s | %6s | %6s | %8s | %6s | %6s | %7s |\n", "command", "wall",
              "cpu", "wire", "w/wire", "frames", "start", "bms", "tool", "exit", "RSS");
  std::printf("|%s|%s:|%s:|%s:|%s:|%s:|%s:|%s:|%s:|%s:|%s:|\n", std::string(30, '-').c_str(),
              std::string(10, '-').c_str(), std::string(8, '-').c_str(), std::string(8, '-').c_str(),
              std::string(7, '-').c_str(), std::string(7, '-').c_str(), std::string(7, '-').c_str(),
              std::string(9, '-').c_str(), std::string(7, '-').c_str(), std::string(7, '-').c_str(),
              std::string(8, '-').c_str());
  for (const Case& c : cases) {
    const std::string& binary = c.label.rfind("baseline", 0) == 0 ? baseline : rocketctl;
    print_row(c.label, median_of(c, binary, dir, runs));
  }
  fs::remove_all(dir);
  return 0;
}
