#pragma once
// What every command shares: the global options, and the bus, frame map, client and
// language they lead to, opened when a command first asks for them.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bms/catalogue.hpp"
#include "bms/client.hpp"
#include "bms/frame_map.hpp"
#include "bms/scan.hpp"
#include "bms/targets.hpp"
#include "can/bus.hpp"
#include "can/trace.hpp"
#include "isotp/channel.hpp"
#include "uds/client.hpp"
#include "term.hpp"

namespace cli {

struct GlobalOptions {
  std::string iface;          // -i/--iface; empty: ROCKETCTL_IFACE, else can0
  std::string address_text = "1";  // --address: N, a list (1,3,5-8) or all
  bms::AddressSpec targets;   // --address parsed (cli::run)
  int address = 1;            // the first address of --address: single-pack commands
  int window = bms::k_default_window;  // --window: BMSs with a request outstanding at once
  int timeout_ms = 250;       // --timeout: poll timeout base (§3.2)
  bool json = false;          // --json
  std::string lang;           // --lang en|it; empty: from the locale
  std::string dbc;            // --dbc FILE
  std::string trace;          // --trace FILE: every frame of every bus opened, candump log format
  int verbose = 0;            // -v (repeatable)
  bool quiet = false;         // -q
};

// Set by SIGINT / SIGTERM; long-running commands poll it.
extern std::atomic<bool> g_stop;
void install_signal_handlers();

// Test seam (tests/fault), never set by the shipping binary: when set, App opens every bus by
// asking it first with the interface name (-i) and the receive filters; a bus it returns is
// used as the interface (wrapped for --trace like any other), nullptr opens the name as usual.
// It lets a test process run command after command against one simulated battery that keeps
// its state, and put a fault injector between the tool and it.
using BusProvider = std::function<std::unique_ptr<can::Bus>(const std::string& name,
                                                            const std::vector<can::Filter>& filters)>;
void set_bus_provider(BusProvider provider);

class App {
public:
  GlobalOptions options;

  App() = default;
  // Completes the --trace file, and says on stderr when it could not be written (disk full).
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // The interface name in use: -i, else ROCKETCTL_IFACE, else can0.
  std::string interface_name() const;
  // Opens the interface with the tool's receive filters (answers to our tool address).
  util::Result<can::Bus*> bus();
  // Opens the interface for a node that serves requests (`simulate`): every protocol frame.
  util::Result<std::unique_ptr<can::Bus>> open_bus_unfiltered();
  // Opens the interface with no filter at all (`doctor`: other traffic is a finding).
  util::Result<std::unique_ptr<can::Bus>> open_bus_all() { return open({}); }
  util::Result<const bms::FrameMap*> frame_map();
  // A client for BMS --address on the bus.
  util::Result<bms::Client*> client();
  // Every BMS that answers a broadcast CONNECT (bms::scan); Errc::no_answer when none does.
  util::Result<bms::ScanResult> scan_bus();
  // More than one pack named: --address all, a list or a range.
  bool several() const { return options.targets.several(); }
  // Errc::usage when --address names several packs: `command` works on one.
  util::Result<void> one_pack(std::string_view command) const;
  // The packs --address names, `all` resolved by a broadcast CONNECT (bms::resolve_targets).
  util::Result<bms::Targets> targets();
  // The client's dispatcher: every pack on the bus, many at once.
  util::Result<bms::Dispatcher*> dispatcher();
  // The UDS client of BMS --address (or `address`) on the diagnostic channel (§6), on the
  // same bus. One at a time: asking for another address replaces it.
  util::Result<uds::Client*> uds();
  util::Result<uds::Client*> uds(std::uint8_t address);
  util::Result<bms::Lang> lang() const;
  const bms::Catalogue& catalogue() const { return bms::Catalogue::builtin(); }
  Style style() const { return Style::for_stdout(); }

private:
  util::Result<std::unique_ptr<can::Bus>> open(std::vector<can::Filter> filters);

  std::shared_ptr<can::TraceWriter> m_trace;  // --trace: shared by every bus opened
  std::unique_ptr<can::Bus> m_bus;
  std::optional<bms::FrameMap> m_loaded_map;
  const bms::FrameMap* m_map = nullptr;
  std::unique_ptr<bms::Client> m_client;
  std::unique_ptr<isotp::Channel> m_channel;
  std::unique_ptr<uds::Client> m_uds;
  std::uint8_t m_uds_address = 0;
};

}  // namespace cli
