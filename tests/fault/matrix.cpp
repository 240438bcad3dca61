// fault_matrix: every command of rocketctl against the simulated battery, with one fault at
// every step (the faults: injector.hpp; the README section "Fault injection"). For each command and each fault kind: a clean run counts the steps the
// fault can fall on; then one run per step with the fault there, each checked for
//   - an exit status documented for that fault (never a crash),
//   - stderr: exactly one "rocketctl: ..." line (+ an optional "hint:" line) when it failed,
//   - stdout: every line is JSON (--json), with the error object carrying the exit status,
//   - files: the -o / --junit / --record target absent or whole and valid, no temporary left,
//   - the pack afterwards, faults off: `status` exits 0 on the same battery; after flash, flash
//     run again finishes and the pack runs the new image; after settime the clock is the old
//     or the new one (the new one when it said so); after sleep it sleeps iff it said so.
// Prints every violation; exits 1 if there is any. --table prints the Markdown table of the
// README (command x fault: held/tried). --only NAME runs one command; -v prints every case.
// A case that never reaches its step (the run took a shorter path) counts as not tried.
// Simulated time throughout (the hub's ManualClock): the whole matrix takes seconds.

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bms/calendar.hpp"
#include "fw/image.hpp"
#include "injector.hpp"
#include "rig.hpp"
#include "sim/diagnostics.hpp"

namespace {

namespace fs = std::filesystem;
using fault::Kind;
using fault::Outcome;
using fault::Rig;
using fault::Step;

enum class Output { none, xlsx, csv, json, junit, record };

struct Command {
  std::string name;           // the row of the table
  std::vector<std::string> args;  // after `-i fault --json`; {FILE} is the output, {AT} the time
  Output output = Output::none;
  std::string file;           // the output's name in the case folder
};

constexpr fw::Version k_versions[2] = {{1, 5, 0}, {1, 6, 0}};
constexpr std::size_t k_image_size = 16 * 1024;  // 5 TransferData blocks of up to 4093 bytes
const char* const k_times[2] = {"2030-01-01T00:00:00", "2031-06-15T12:00:00"};

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool starts_with(const std::string& s, std::string_view p) { return s.rfind(p, 0) == 0; }

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Intel HEX of `data` at `base` (extended linear address records, 16 bytes a line).
std::string to_hex(const std::vector<std::uint8_t>& data, std::uint32_t base) {
  auto record = [](int type, std::uint16_t address, const std::uint8_t* p, std::size_t n) {
    std::vector<std::uint8_t> body{static_cast<std::uint8_t>(n), static_cast<std::uint8_t>(address >> 8),
                                   static_cast<std::uint8_t>(address), static_cast<std::uint8_t>(type)};
    body.insert(body.end(), p, p + n);
    std::uint8_t sum = 0;
    for (auto b : body) sum = static_cast<std::uint8_t>(sum + b);
    body.push_back(static_cast<std::uint8_t>(-sum));
    std::string line = ":";
    for (auto b : body) line += fmt::format("{:02X}", b);
    return line + "\n";
  };
  std::string out;
  std::uint32_t upper = 0xFFFFFFFF;
  for (std::size_t at = 0; at < data.size(); at += 16) {
    const std::uint32_t address = base + static_cast<std::uint32_t>(at);
    if (address >> 16 != upper) {
      upper = address >> 16;
      const std::uint8_t ela[2] = {static_cast<std::uint8_t>(upper >> 8), static_cast<std::uint8_t>(upper)};
      out += record(4, 0, ela, 2);
    }
    out += record(0, static_cast<std::uint16_t>(address), data.data() + at, std::min<std::size_t>(16, data.size() - at));
  }
  return out + record(1, 0, nullptr, 0);
}

// Fields per record of a CSV text (quotes honoured); empty when a quote is left open.
std::vector<std::size_t> csv_fields(const std::string& text, bool* open_quote) {
  std::vector<std::size_t> rows;
  std::size_t fields = 1;
  bool quoted = false, any = false;
  for (char c : text) {
    any = true;
    if (quoted) {
      if (c == '"') quoted = false;  // "" re-enters at once: fine for counting
      continue;
    }
    if (c == '"') quoted = true;
    else if (c == ',') ++fields;
    else if (c == '\n') {
      rows.push_back(fields);
      fields = 1;
      any = false;
    }
  }
  if (any) rows.push_back(fields);  // a last line without newline
  *open_quote = quoted;
  return rows;
}

// Why `path` is not a whole, valid output of its kind ("" when it is).
std::string invalid(const fs::path& path, Output kind) {
  const std::string text = read_file(path);
  switch (kind) {
    case Output::xlsx:
      if (!starts_with(text, "PK\x03\x04")) return "not a zip file";
      if (text.find("PK\x05\x06", text.size() > 70000 ? text.size() - 70000 : 0) == std::string::npos)
        return "zip without its central directory (cut short)";
      return {};
    case Output::csv: {
      bool open = false;
      auto rows = csv_fields(text, &open);
      if (open) return "an open quote";
      if (text.empty() || text.back() != '\n') return "the last line is cut short";
      if (rows.size() < 2) return "no records";
      for (std::size_t i = 1; i < rows.size(); ++i)
        if (rows[i] != rows[0]) return fmt::format("row {} has {} fields, the header {}", i, rows[i], rows[0]);
      return {};
    }
    case Output::json: {
      auto j = nlohmann::json::parse(text, nullptr, false);
      if (j.is_discarded()) return "not JSON";
      if (!j.contains("records") || !j.contains("count")) return "no records or count";
      if (j["records"].size() != j["count"].get<std::size_t>())
        return fmt::format("{} records of {}", j["records"].size(), j["count"].get<std::size_t>());
      return {};
    }
    case Output::junit:
      if (!starts_with(text, "<?xml")) return "no XML declaration";
      if (text.size() < 14 || text.substr(text.size() - 14) != "</testsuites>\n") return "cut short";
      if (text.find("<testcase") == std::string::npos) return "no testcase";
      return {};
    case Output::record: {
      if (text.empty()) return {};
      bool open = false;
      auto rows = csv_fields(text, &open);
      if (open || text.back() != '\n') return "a partial row";
      for (std::size_t i = 1; i < rows.size(); ++i)
        if (rows[i] != rows[0]) return fmt::format("row {} has {} fields, the header {}", i, rows[i], rows[0]);
      return {};
    }
    case Output::none:
      return {};
  }
  return {};
}

std::string set_text(const std::set<int>& s) {
  std::string t;
  for (int v : s) t += (t.empty() ? "" : ",") + std::to_string(v);
  return t;
}

struct Cell {
  int tried = 0;
  int held = 0;
};

class Matrix {
public:
  Matrix(fs::path work, fs::path limits, bool verbose) : m_work(std::move(work)), m_verbose(verbose) {
    if (const char* k = std::getenv("FAULT_KIND")) m_only_kind = k;
    if (const char* k = std::getenv("FAULT_STEP")) m_only_step = std::atol(k);
    m_trace = std::getenv("FAULT_TRACE") != nullptr;
    fs::create_directories(m_work / "in");
    fs::copy_file(limits, m_work / "in" / "limits.toml", fs::copy_options::overwrite_existing);
    for (int i = 0; i < 2; ++i) {
      auto image = sim::synthetic_image(3, k_versions[i], k_image_size);
      m_crc[i] = fw::crc32(image);
      std::ofstream(m_work / "in" / fmt::format("fw-{}.hex", fw::to_string(k_versions[i]))) << to_hex(image, 0x08004000);
    }
  }

  void run_command(const Command& c) {
    for (Kind kind : fault::all_kinds())
      if (m_only_kind.empty() || m_only_kind == fault::kind_name(kind)) run_kind(c, kind);
  }

  const std::map<std::string, std::map<Kind, Cell>>& table() const { return m_table; }
  const std::vector<std::string>& violations() const { return m_violations; }
  long cases() const { return m_cases; }

private:
  // The args of `c` for this run: the output path, the time to set, the image to flash.
  std::vector<std::string> args_for(const Command& c) {
    std::vector<std::string> a{"--json"};
    const auto fw = m_rig.battery().diagnostics().firmware();
    m_image = (fw.major == 1 && fw.minor == 5) ? 1 : 0;
    m_time = 1 - m_time;
    for (const std::string& x : c.args) {
      if (x == "{FILE}") a.push_back((case_dir() / c.file).string());
      else if (x == "{AT}") a.push_back(k_times[m_time]);
      else if (x == "{IMAGE}") a.push_back((m_work / "in" / fmt::format("fw-{}.hex", fw::to_string(k_versions[m_image]))).string());
      else if (x == "{LIMITS}") a.push_back((m_work / "in" / "limits.toml").string());
      else a.push_back(x);
    }
    return a;
  }

  fs::path case_dir() const { return m_work / "case"; }

  static bool is_flash(const Command& c) { return c.args.front() == "flash"; }
  static bool is_sleep(const Command& c) { return c.args.front() == "sleep"; }
  static bool is_settime(const Command& c) { return c.args.front() == "settime"; }

  // Where a clean run's steps put a fault: from the answer that commits the change (SET
  // CLOCK, SLEEP) on, success is right whatever comes; after the tool's last frame it has all it
  // needs, and a lasting fault it never sends into is silence to it.
  struct Plan {
    long commit = 0;     // the step of the committing answer (0: none)
    long last_send = 0;  // the step of the tool's last frame
  };

  static Plan plan_of(const std::vector<Step>& steps) {
    Plan p;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const Step& s = steps[i];
      const long at = static_cast<long>(i) + 1;
      if (s.sent) p.last_send = at;
      if (!s.sent && s.what == Step::What::poll_answer && p.commit == 0) {
        const auto cmd = static_cast<std::uint8_t>(s.frame.id >> 16);
        if (cmd == 0x20 || cmd == 0x21) p.commit = at;
      }
    }
    return p;
  }

  // The exit statuses a fault of `kind` at `step` (of all frames) may end in (rockets-can-v1,
  // cmd/exit_status.hpp and the README's table of exit statuses).
  static std::set<int> expected(const Command& c, Kind kind, int clean, long step, const Plan& plan,
                                bool at_receive, bool at_connect) {
    std::set<int> ok;
    switch (kind) {
      case Kind::drop:
      case Kind::reset: ok = {clean, 3, 9}; break;  // retried, or no answer / lost part-way
      case Kind::standby: ok = {3, 9}; break;       // success only when all was said (below)
      case Kind::nak_busy: ok = {clean}; break;  // like no answer: asked again (§12)
      case Kind::nak_session:  // CONNECT again and repeat (§3.3); CONNECT itself refused: 5
        ok = {clean};
        if (at_connect) ok.insert(5);
        break;
      case Kind::nak_unknown:
      case Kind::nak_invalid:
      case Kind::nak_conditions: ok = {5}; break;
      case Kind::nrc_conditions:
        ok = {5};
        // log dump answers a refused RequestUpload by ending a stale upload (10 01) and asking again.
        if (c.args.front() == "log") ok.insert(clean);
        break;
      case Kind::nrc_pending: ok = {clean}; break;
      case Kind::bus_glitch: ok = {clean}; break;
      case Kind::no_ack:
      case Kind::bus_off:
        ok = {6};
        if (is_settime(c) || is_flash(c)) ok.insert(9);  // lost part-way through a change, in words of the bus
        if (step > plan.last_send) ok.insert({clean, 3});
        // Nothing acknowledging is only seen by sending: a tool that waits on (for 'response
        // pending', for the rest of a message) and gives up hears silence.
        if (kind == Kind::no_ack && at_receive) ok.insert(3);
        break;
      case Kind::sigint: ok = {130}; break;  // success only when all was said (below)
      case Kind::none: ok = {clean}; break;
    }
    // Discovery (scan, settime --all) takes what answers a broadcast CONNECT; a NAK is none.
    if (c.args.front() == "scan" || std::find(c.args.begin(), c.args.end(), "--all") != c.args.end())
      if (kind == Kind::nak_unknown || kind == Kind::nak_invalid || kind == Kind::nak_conditions ||
          kind == Kind::nak_busy || kind == Kind::nak_session)
        ok.insert({clean, 3});
    // sleep checks that the pack is silent: any answer then, a NAK too, means it is awake.
    if (is_sleep(c)) ok.insert(11);
    // After the tool's last frame, or the answer that commits the change, the command has what
    // it needs: finishing it is right.
    if (step > plan.last_send || (plan.commit != 0 && step >= plan.commit)) ok.insert(clean);
    // scan's data is in once discovery has answered (step 2); what follows is best-effort.
    if (c.args.front() == "scan" && step >= 2) ok.insert(clean);
    return ok;
  }

  void violation(const std::string& where, const std::string& what, const Outcome& o) {
    std::string err = o.err;
    std::replace(err.begin(), err.end(), '\n', '|');
    m_violations.push_back(fmt::format("{}: {} [exit {}; stderr: {}]", where, what, o.status, err));
  }

  // Checks one run's exit status, stderr, stdout and files: the problems found (none: it held).
  std::vector<std::string> check_run(const Command& c, const Outcome& o, const std::set<int>& allowed) {
    std::vector<std::string> bad;
    if (!allowed.count(o.status))
      bad.push_back(fmt::format("exit {} not in {{{}}}", o.status, set_text(allowed)));
    // stderr
    auto lines = split_lines(o.err);
    std::vector<std::size_t> msgs;
    for (std::size_t i = 0; i < lines.size(); ++i)
      if (starts_with(lines[i], "rocketctl: ")) msgs.push_back(i);
    if (o.status == 0 || o.status == 1) {
      if (!msgs.empty()) bad.push_back(fmt::format("an error message with exit {}", o.status));
    } else if (msgs.size() != 1) {
      bad.push_back(fmt::format("{} 'rocketctl:' lines on stderr", msgs.size()));
    } else {
      const std::size_t at = msgs.front();
      const bool last = at + 1 == lines.size() || (at + 2 == lines.size() && starts_with(lines[at + 1], "hint: "));
      if (!last) bad.push_back("the error message is not the last word on stderr");
      if (lines[at].find("internal error") != std::string::npos) bad.push_back("an internal error");
      // Before it: flash's recovery instructions; with an output file, a warning about it
      // ("nothing recorded to FILE"). Anything else is noise.
      for (std::size_t i = 0; i < at; ++i)
        if (!is_flash(c) && !(c.output != Output::none && starts_with(lines[i], "warning: ")))
          bad.push_back("stderr says more than the error: " + lines[i]);
    }
    // stdout: JSON lines; a failure carries its exit status
    bool error_object = false;
    int json_lines = 0;
    for (const std::string& line : split_lines(o.out)) {
      if (line.empty()) continue;
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded()) {
        bad.push_back("stdout line is not JSON: " + line.substr(0, 60));
        break;
      }
      ++json_lines;
      if (j.contains("error") && j["error"].is_object() && j["error"].value("exit_status", -1) == o.status)
        error_object = true;
    }
    if (o.status != 0 && o.status != 1 && !error_object) bad.push_back("no JSON error object with the exit status");
    if (o.status == 0 && json_lines == 0) bad.push_back("exit 0 and nothing on stdout");
    // files
    for (const auto& entry : fs::directory_iterator(case_dir())) {
      const std::string name = entry.path().filename().string();
      if (name != c.file) bad.push_back("left behind: " + name);
    }
    if (c.output != Output::none) {
      const fs::path target = case_dir() / c.file;
      const bool must = o.status == 0 || c.output == Output::junit;
      if (!fs::exists(target)) {
        if (must) bad.push_back("no " + c.file);
      } else if (auto why = invalid(target, c.output); !why.empty()) {
        bad.push_back(c.file + ": " + why);
      }
    }
    return bad;
  }

  void clean_case_dir() {
    fs::remove_all(case_dir());
    fs::create_directories(case_dir());
  }

  // After a run (faults off): the pack as the user would find it. Returns the problems.
  std::vector<std::string> check_after(const Command& c, Kind kind, const Outcome& o, std::int64_t clock_before,
                                       util::TimePoint t0, int image, bool late_reset = false) {
    std::vector<std::string> bad;
    sim::Battery& b = m_rig.battery();
    if (is_sleep(c)) {
      if (o.status == 0 && !b.in_standby() && !late_reset) bad.push_back("sleep said done but the pack is awake");
      if (o.status == 5 && b.in_standby() && kind != Kind::standby) bad.push_back("sleep was refused but the pack sleeps");
    }
    if (b.in_standby()) {
      if (!is_sleep(c) && kind != Kind::standby) bad.push_back("the pack was left in standby");
      b.wake();  // the user charges it for 1-2 s
    }
    if (is_settime(c)) {
      const double elapsed = std::chrono::duration<double>(m_rig.now() - t0).count();
      const std::int64_t now = bms::to_seconds(b.clock_now());
      const std::int64_t target = bms::to_seconds(*bms::parse_calendar(k_times[m_time]));
      const bool old = std::llabs(now - (clock_before + static_cast<std::int64_t>(elapsed))) <= 2;
      const bool fresh = now >= target - 1 && now <= target + static_cast<std::int64_t>(elapsed) + 2;
      if (!old && !fresh) bad.push_back(fmt::format("the BMS clock is neither the old nor the new: {}", bms::to_iso(b.clock_now())));
      if (o.status == 0 && !fresh) bad.push_back("settime said done but the clock is the old one");
    }
    if (is_flash(c)) {
      if (o.status != 0) {
        // What the tool told the user to do: run the same flash again.
        Outcome again = m_rig.run(m_last_args);
        if (again.status != 0) {
          bad.push_back(fmt::format("flash run again failed: exit {}: {}", again.status, again.err));
          return bad;
        }
      }
      const auto fw = b.diagnostics().firmware();
      const fw::Version want = k_versions[image];
      if (fw.major != want.major || fw.minor != want.minor || fw.patch != want.patch ||
          b.diagnostics().application_crc() != m_crc[image])
        bad.push_back(fmt::format("the pack runs {}.{}.{}, not the new image {}", fw.major, fw.minor, fw.patch,
                                  fw::to_string(want)));
    }
    if (!is_sleep(c) && !is_flash(c)) {
      // The same command again, faults off: nothing the fault left behind may stand in its way.
      clean_case_dir();
      Outcome again = m_rig.run(m_last_args);
      if (again.status != 0 && again.status != 1)
        bad.push_back(fmt::format("{} run again: exit {}: {}", c.args.front(), again.status, again.err));
      clean_case_dir();
    }
    Outcome status = m_rig.run({"--json", "status"});
    if (status.status != 0)
      bad.push_back(fmt::format("status afterwards: exit {}: {}", status.status, status.err));
    return bad;
  }

  void run_kind(const Command& c, Kind kind) {
    // A clean run, recorded: how many steps this fault can fall on.
    clean_case_dir();
    m_last_args = args_for(c);
    int clean_image = m_image;
    std::int64_t clock_before = bms::to_seconds(m_rig.battery().clock_now());
    util::TimePoint t0 = m_rig.now();
    Outcome clean = m_rig.run(m_last_args, Kind::none, 0, {}, true);
    const std::vector<Step> steps = m_rig.injector().steps;
    const std::string where0 = fmt::format("{} | clean", c.name);
    for (const auto& p : check_run(c, clean, {0, 1})) violation(where0, p, clean);
    for (const auto& p : check_after(c, Kind::none, clean, clock_before, t0, clean_image)) violation(where0, p, clean);
    if (clean.status != 0 && clean.status != 1) return;

    // Flash: every frame of the sequence, but of each TransferData block's consecutive frames
    // only the first, second, middle and last (a block is ~585 frames alike).
    std::map<int, int> cfs;
    for (const Step& s : steps)
      if (s.sent && s.consecutive && s.transfer_block > 0) cfs[s.transfer_block] = std::max(cfs[s.transfer_block], s.cf_index);
    std::function<bool(const Step&)> sample;
    if (!cfs.empty())
      sample = [cfs](const Step& s) {
        if (!(s.sent && s.consecutive && s.transfer_block > 0)) return true;
        auto it = cfs.find(s.transfer_block);
        const int n = it == cfs.end() ? 0 : it->second, i = s.cf_index;
        return i == 1 || i == 2 || i == n / 2 || i == n;
      };
    const Plan plan = plan_of(steps);
    fault::Injector probe;
    probe.kind = kind;
    long n = 0;
    for (const Step& s : steps)
      if (probe.applies(s) && (!sample || sample(s))) ++n;

    Cell& cell = m_table[c.name][kind];
    for (long k = 1; k <= n; ++k) {
      if (m_only_step != 0 && (k < m_only_step - 1 || k > m_only_step)) continue;  // and the one before
      clean_case_dir();
      m_last_args = args_for(c);
      if (m_trace && k == m_only_step) m_last_args.insert(m_last_args.begin(), "-vv");
      const int image = m_image;
      clock_before = bms::to_seconds(m_rig.battery().clock_now());
      t0 = m_rig.now();
      Outcome o = m_rig.run(m_last_args, kind, k, sample);
      const bool fired = m_rig.injector().fired;
      const long fired_at = m_rig.injector().fired_at;
      // The user (or a script) runs the next command; a new process takes that long to start,
      // and what the pack was told last takes effect (standby comes within 200 ms, §4 0x21).
      m_rig.idle(std::chrono::milliseconds(250));
      ++m_cases;
      const std::string where = fmt::format("{} | {} | step {} of {}", c.name, fault::kind_name(kind), k, n);
      // The step it fell on, as the clean run had it (the runs are alike up to the fault).
      const Step* on = fired_at > 0 && fired_at <= static_cast<long>(steps.size())
                           ? &steps[static_cast<std::size_t>(fired_at - 1)] : nullptr;
      const bool at_receive = on != nullptr && !on->sent;
      const bool at_connect = on != nullptr && on->what == Step::What::poll_request && (on->frame.id >> 16 & 0xFF) == 0x01;
      std::vector<std::string> bad = check_run(c, o, expected(c, kind, clean.status, fired_at, plan, at_receive, at_connect));
      if (!fired) bad.clear();  // the run took another path and ended before step k: nothing tried
      // A pack that resets after sleep has checked that it is silent wakes up; no check can see that.
      const bool late_reset = kind == Kind::reset && plan.commit != 0 && fired_at > plan.commit;
      auto after = check_after(c, kind, o, clock_before, t0, image, late_reset);
      bad.insert(bad.end(), after.begin(), after.end());
      if (m_verbose) {
        std::string err = o.err;
        std::replace(err.begin(), err.end(), '\n', '|');
        std::fprintf(stderr, "%s: exit %d%s: %s\n", where.c_str(), o.status, fired ? "" : " (not fired)", err.c_str());
      }
      if (!fired && bad.empty()) continue;
      ++cell.tried;
      if (bad.empty()) ++cell.held;
      for (const auto& p : bad) violation(where, p, o);
    }
  }

  fs::path m_work;
  bool m_verbose;
  Rig m_rig;
  std::uint32_t m_crc[2] = {0, 0};
  int m_image = 0;
  int m_time = 0;
  std::vector<std::string> m_last_args;
  std::map<std::string, std::map<Kind, Cell>> m_table;
  std::vector<std::string> m_violations;
  long m_cases = 0;
  // For looking at one case (environment): FAULT_KIND="frame lost" FAULT_STEP=15 FAULT_TRACE=1
  // (the case's run with -vv: every frame on stderr).
  std::string m_only_kind;
  long m_only_step = 0;
  bool m_trace = false;
};

const std::vector<Command>& commands() {
  static const std::vector<Command> k{
      {"status", {"status"}, Output::none, ""},
      {"cells", {"cells"}, Output::none, ""},
      {"faults", {"faults"}, Output::none, ""},
      {"scan", {"scan"}, Output::none, ""},
      {"settime", {"settime", "--at", "{AT}"}, Output::none, ""},
      {"settime --all", {"settime", "--all", "--at", "{AT}"}, Output::none, ""},
      {"sleep", {"sleep", "--yes"}, Output::none, ""},
      {"log dump -o .xlsx", {"log", "dump", "-o", "{FILE}"}, Output::xlsx, "log.xlsx"},
      {"log dump -o .csv", {"log", "dump", "-o", "{FILE}"}, Output::csv, "log.csv"},
      {"log dump -o .json", {"log", "dump", "-o", "{FILE}"}, Output::json, "log.json"},
      {"flash (Intel HEX)", {"flash", "{IMAGE}", "--yes", "--allow-downgrade", "--force"}, Output::none, ""},
      {"check --junit", {"check", "--limits", "{LIMITS}", "--junit", "{FILE}"}, Output::junit, "junit.xml"},
      {"check --samples 2 --junit", {"check", "--limits", "{LIMITS}", "--samples", "2", "--interval", "0", "--junit", "{FILE}"},
       Output::junit, "junit.xml"},
      {"status --record", {"status", "--record", "{FILE}"}, Output::record, "record.csv"},
  };
  return k;
}

}  // namespace

int main(int argc, char** argv) {
  bool table = false, verbose = false;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--table") table = true;
    else if (a == "-v") verbose = true;
    else if (a == "--only" && i + 1 < argc) only = argv[++i];
    else {
      std::fprintf(stderr, "usage: fault_matrix [--table] [--only COMMAND] [-v]\n");
      return 2;
    }
  }
  // Files are synced to disk at every row and rename (AppendLog, AtomicFile): in memory
  // (/dev/shm) when there is one, or the matrix waits for the disk.
  const fs::path base = fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
  const fs::path work = base / fmt::format("rocketctl-fault-{}", ::getpid());
  int rc = 0;
  {
    Matrix m(work, fs::path(ROCKETCTL_SOURCE_DIR) / "docs" / "limits.example.toml", verbose);
    for (const Command& c : commands())
      if (only.empty() || c.name == only) m.run_command(c);
    for (const std::string& v : m.violations()) std::printf("VIOLATION %s\n", v.c_str());
    long tried = 0, held = 0;
    for (const auto& [name, row] : m.table())
      for (const auto& [kind, cell] : row) {
        tried += cell.tried;
        held += cell.held;
      }
    if (table) {
      std::printf("\n| command |");
      for (Kind k : fault::all_kinds()) std::printf(" %s |", fault::kind_name(k));
      std::printf("\n|---|");
      for (std::size_t i = 0; i < fault::all_kinds().size(); ++i) std::printf("---|");
      std::printf("\n");
      for (const Command& c : commands()) {
        auto it = m.table().find(c.name);
        if (it == m.table().end()) continue;
        std::printf("| %s |", c.name.c_str());
        for (Kind k : fault::all_kinds()) {
          auto cell = it->second.find(k);
          if (cell == it->second.end() || cell->second.tried == 0) std::printf(" – |");
          else std::printf(" %d/%d |", cell->second.held, cell->second.tried);
        }
        std::printf("\n");
      }
      std::printf("\nheld/tried; %ld of %ld cases held.\n", held, tried);
    }
    std::printf("fault_matrix: %ld cases, %ld held, %zu violations\n", tried, held, m.violations().size());
    rc = m.violations().empty() ? 0 : 1;
  }
  fs::remove_all(work);
  return rc;
}
