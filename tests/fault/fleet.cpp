// fault_fleet: commands on several packs (--address all) against four simulated packs, with
// one fault at every step of one pack's exchange (pack 2: its requests and its answers). Every
// case must end with
//   - the other packs' results right: an object for each, without an error, their values read;
//   - the faulty pack reported as the one-pack command reports that fault (fault_matrix's exit
//     statuses), or read after all (a repeat, a reconnect);
//   - the exit status the worst of the packs', with its JSON error object and one stderr line;
//   - the fleet fine afterwards, faults off: `--address all status` exits 0.
// Simulated time throughout. -v prints every case.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bms/protocol.hpp"
#include "injector.hpp"
#include "rig.hpp"

namespace {

using fault::Kind;
using fault::Step;

constexpr std::uint8_t k_faulty = 2;
constexpr int k_packs = 4;

struct Command {
  std::string name;
  std::vector<std::string> args;  // after `--json --address all`
};

std::vector<Command> commands(const std::string& limits) {
  return {{"status", {"status"}},
          {"cells", {"cells"}},
          {"settime", {"settime", "--at", "2030-01-01T00:00:00"}},
          {"check", {"check", "--limits", limits}}};
}

// The kinds that fall on one pack (the lasting bus faults and Ctrl-C concern every pack:
// fault_matrix has them).
const std::vector<Kind>& kinds() {
  static const std::vector<Kind> k{Kind::drop,        Kind::reset,          Kind::standby,
                                   Kind::nak_unknown, Kind::nak_invalid,    Kind::nak_busy,
                                   Kind::nak_conditions, Kind::nak_session, Kind::bus_glitch};
  return k;
}

// A step of pack 2's: a request to it, or an answer from it.
bool of_faulty_pack(const Step& s) {
  auto id = bms::parse_poll_id(s.frame.id);
  if (!id) return false;
  return s.sent ? id->dst == k_faulty : id->src == k_faulty;
}

// What the one-pack command may end in with that fault (fault_matrix's rules).
std::set<int> allowed(Kind kind, bool at_connect) {
  switch (kind) {
    case Kind::drop:
    case Kind::reset: return {0, 3, 9};
    case Kind::standby: return {0, 3, 9};
    case Kind::nak_busy:
    case Kind::bus_glitch: return {0};
    case Kind::nak_session: return at_connect ? std::set<int>{0, 5} : std::set<int>{0};
    default: return {5};
  }
}

std::vector<nlohmann::json> json_lines(const std::string& text, std::string* bad) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    try {
      out.push_back(nlohmann::json::parse(line));
    } catch (const std::exception&) {
      *bad = "a line of stdout is not JSON: " + line;
    }
  }
  return out;
}

int count_lines(const std::string& text, std::string_view prefix) {
  int n = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) n += line.rfind(prefix, 0) == 0 ? 1 : 0;
  return n;
}

class Fleet {
public:
  explicit Fleet(bool verbose) : m_rig(fmt::format("packs={}", k_packs)), m_verbose(verbose) {
    m_rig.target(*m_rig.packs()[k_faulty - 1]);
  }

  void run(const Command& c) {
    std::vector<std::string> args{"--json", "--address", "all"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    settle();
    m_rig.run(args, Kind::none, 0, {}, true);
    const std::vector<Step> steps = m_rig.injector().steps;
    for (Kind kind : kinds()) {
      // The steps this kind can fall on, as the clean run took them (the same until the fault).
      std::vector<const Step*> eligible;
      fault::Injector probe;
      probe.kind = kind;
      for (const Step& s : steps)
        if (probe.applies(s) && of_faulty_pack(s)) eligible.push_back(&s);
      const long n = static_cast<long>(eligible.size());
      for (long at = 1; at <= n; ++at) {
        settle();
        const fault::Outcome o = m_rig.run(args, kind, at, of_faulty_pack);
        const bool at_connect = (eligible[at - 1]->frame.id >> 16 & 0xFF) == 0x01;
        ++m_cases;
        std::vector<std::string> bad = check(c, kind, o, at_connect);
        settle();
        if (auto after = m_rig.run({"--address", "all", "status"}); after.status != 0)
          bad.push_back(fmt::format("afterwards, --address all status exits {}", after.status));
        const std::string where = fmt::format("{} | {} | step {} of {}", c.name, fault::kind_name(kind), at, n);
        for (const std::string& b : bad) m_violations.push_back(fmt::format("{}: {} [exit {}]", where, b, o.status));
        if (m_verbose) std::printf("%s: exit %d%s\n", where.c_str(), o.status, bad.empty() ? "" : " VIOLATION");
      }
    }
  }

  int cases() const { return m_cases; }
  const std::vector<std::string>& violations() const { return m_violations; }

private:
  // Every pack awake and out of its restart, sessions as they are.
  void settle() {
    for (sim::Battery* b : m_rig.packs()) b->wake();
    m_rig.idle(std::chrono::seconds(2));
  }

  std::vector<std::string> check(const Command& c, Kind kind, const fault::Outcome& o, bool at_connect) {
    std::vector<std::string> bad;
    std::string not_json;
    auto objects = json_lines(o.out, &not_json);
    if (!not_json.empty()) bad.push_back(not_json);
    std::map<int, nlohmann::json> by_address;
    for (const auto& j : objects)
      if (j.contains("address")) by_address[j["address"].get<int>()] = j;
    for (int a = 1; a <= k_packs; ++a) {
      auto it = by_address.find(a);
      if (it == by_address.end()) {
        bad.push_back(fmt::format("no object for BMS {}", a));
        continue;
      }
      const nlohmann::json& j = it->second;
      if (a != k_faulty) {
        if (j.contains("error")) bad.push_back(fmt::format("BMS {} failed: {}", a, j["error"].dump()));
        if (c.name == "status" && j.value("voltage_mv", 0) != 36423) bad.push_back(fmt::format("BMS {}: wrong voltage", a));
        if (c.name == "settime" && !j.value("verified", false)) bad.push_back(fmt::format("BMS {} not verified", a));
        continue;
      }
      const int status = j.contains("error") ? j["error"].value("exit_status", -1) : 0;
      if (!allowed(kind, at_connect).count(status)) bad.push_back(fmt::format("BMS {} ended {}, not one the one-pack command gives", a, status));
    }
    // The last line: the error object of the worst pack, when one failed.
    const int worst = by_address.count(k_faulty) && by_address[k_faulty].contains("error")
                          ? by_address[k_faulty]["error"].value("exit_status", -1)
                          : 0;
    if (o.status != worst) bad.push_back(fmt::format("exit {} is not the worst pack's {}", o.status, worst));
    if (o.status > 1) {
      if (objects.empty() || !objects.back().contains("error") || objects.back()["error"].value("exit_status", -1) != o.status)
        bad.push_back("no final JSON error object with the exit status");
      if (count_lines(o.err, "rocketctl: ") != 1) bad.push_back("not exactly one 'rocketctl:' line on stderr");
    }
    return bad;
  }

  fault::Rig m_rig;
  bool m_verbose;
  int m_cases = 0;
  std::vector<std::string> m_violations;
};

}  // namespace

int main(int argc, char** argv) {
  const bool verbose = argc > 1 && std::string(argv[1]) == "-v";
  const std::filesystem::path limits = std::filesystem::temp_directory_path() / "rocketctl-fault-fleet.toml";
  std::ofstream(limits) << "[cells]\ncount = 10\nmax_diff_mv = 100\n[pack]\nmin_mv = 30000\n";
  Fleet f(verbose);
  for (const Command& c : commands(limits.string())) f.run(c);
  std::filesystem::remove(limits);
  for (const std::string& v : f.violations()) std::printf("VIOLATION %s\n", v.c_str());
  std::printf("fault_fleet: %d cases, %zu violations\n", f.cases(), f.violations().size());
  return f.violations().empty() ? 0 : 1;
}
