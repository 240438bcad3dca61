// The persistent battery and the in-process command line (see rig.hpp).
#include "rig.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <stdexcept>

#include "app.hpp"
#include "bms/frame_map.hpp"
#include "run.hpp"
#include "sim/options.hpp"

namespace fault {
namespace {

std::string slurp(std::FILE* f) {
  std::fflush(f);
  std::string text;
  std::rewind(f);
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) text.append(buffer, n);
  return text;
}

void reset(std::FILE* f) {
  std::rewind(f);
  if (::ftruncate(fileno(f), 0) != 0) std::perror("ftruncate");
}

}  // namespace

namespace {

// The reference battery, with an event log of 64 records at most: the log grows by a record at
// every restart, clock set and standby (§12), and the matrix makes thousands; a log dump of
// 64 records (1 KiB, ~150 frames) keeps every frame of it in the matrix in reasonable time.
sim::BatteryConfig battery_config() {
  sim::BatteryConfig c;
  c.diag.log_capacity = 64;
  return c;
}

}  // namespace

Rig::Rig()
    : m_hub(can::Hub::Options{can::Hub::Timing::simulated, 0, false}),
      m_battery(std::make_unique<sim::Battery>(battery_config(), bms::FrameMap::builtin())) {
  m_hub.attach(*m_battery, "bms");
  m_packs = {m_battery.get()};
  attach_bus();
}

Rig::Rig(std::string_view fleet) : m_hub(can::Hub::Options{can::Hub::Timing::simulated, 0, false}) {
  auto options = sim::parse_options(fleet);
  auto created = options ? sim::Fleet::create(*options, bms::FrameMap::builtin())
                         : util::Result<std::unique_ptr<sim::Fleet>>(tl::unexpected(options.error()));
  if (!created) throw std::invalid_argument("fault rig: " + created.error().message);
  m_fleet = std::move(*created);
  m_fleet->attach(m_hub);
  m_packs = m_fleet->batteries();
  attach_bus();
}

void Rig::attach_bus() {
  m_target = m_packs.front();
  m_inj.battery = m_target;
  cli::set_bus_provider([this](const std::string&, const std::vector<can::Filter>& filters) {
    return std::unique_ptr<can::Bus>(std::make_unique<FaultBus>(m_hub.open_port("fault", filters), m_inj));
  });
  m_out = std::tmpfile();
  m_err = std::tmpfile();
  m_saved_out = ::dup(STDOUT_FILENO);
  m_saved_err = ::dup(STDERR_FILENO);
}

Rig::~Rig() {
  cli::set_bus_provider({});
  if (m_out) std::fclose(m_out);
  if (m_err) std::fclose(m_err);
  if (m_saved_out >= 0) ::close(m_saved_out);
  if (m_saved_err >= 0) ::close(m_saved_err);
}

Outcome Rig::run(const std::vector<std::string>& args, Kind kind, long at,
                 std::function<bool(const Step&)> sample, bool record) {
  Injector fresh;
  fresh.kind = kind;
  fresh.at = at;
  fresh.sample = std::move(sample);
  fresh.record = record;
  fresh.battery = m_target;
  m_inj = std::move(fresh);

  std::vector<std::string> argv_text{"rocketctl", "-i", "fault"};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);

  cli::g_stop.store(false);
  std::fflush(stdout);
  std::fflush(stderr);
  reset(m_out);
  reset(m_err);
  ::dup2(fileno(m_out), STDOUT_FILENO);
  ::dup2(fileno(m_err), STDERR_FILENO);
  Outcome o;
  o.status = cli::run(static_cast<int>(argv_text.size()), argv.data(), "fault-matrix");
  std::fflush(stdout);
  std::fflush(stderr);
  ::dup2(m_saved_out, STDOUT_FILENO);
  ::dup2(m_saved_err, STDERR_FILENO);
  cli::g_stop.store(false);
  // Between runs Ctrl-C stops the harness, as it should.
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  o.out = slurp(m_out);
  o.err = slurp(m_err);
  return o;
}

}  // namespace fault
