#include "app.hpp"

#include <csignal>
#include <cstdlib>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "can/open.hpp"
#include "can/socketcan.hpp"
#include "sim/sim_bus.hpp"

namespace cli {

std::atomic<bool> g_stop{false};

namespace {

extern "C" void on_stop_signal(int) { g_stop.store(true); }

BusProvider& bus_provider() {
  static BusProvider provider;
  return provider;
}

}  // namespace

void set_bus_provider(BusProvider provider) { bus_provider() = std::move(provider); }

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocking wait returns EINTR and sees g_stop
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

App::~App() {
  if (!m_trace) return;
  m_trace->flush();
  // A trace that lost lines is worth a word; the command's own outcome stands.
  if (auto written = m_trace->status(); !written)
    fmt::print(stderr, "rocketctl: --trace: {}\n", written.error().message);
}

std::string App::interface_name() const {
  return options.iface.empty() ? can::default_interface_name() : options.iface;
}

util::Result<std::unique_ptr<can::Bus>> App::open(std::vector<can::Filter> filters) {
  auto name = can::parse_interface_name(interface_name());
  if (!name) return tl::unexpected(name.error());
  if (!options.trace.empty() && !m_trace) {
    // Opened before the bus, so that a bad path costs nothing on the bus.
    auto writer = can::TraceWriter::open(options.trace);
    if (!writer) return util::with_context(writer.error(), "--trace");
    m_trace = std::move(*writer);
  }
  spdlog::info("opening CAN interface {}", interface_name());
  util::Result<std::unique_ptr<can::Bus>> bus;
  std::unique_ptr<can::Bus> provided = bus_provider() ? bus_provider()(interface_name(), filters) : nullptr;
  if (provided) {
    bus = std::move(provided);
  } else if (name->kind == can::InterfaceName::Kind::sim) {
    auto sim_bus = sim::SimBus::open(name->options, std::move(filters));
    if (!sim_bus) return tl::unexpected(sim_bus.error());
    bus = std::unique_ptr<can::Bus>(std::move(*sim_bus));
  } else {
    bus = can::open_interface(*name, std::move(filters));
  }
  if (!bus || !m_trace) return bus;
  // Every transport the same way: the trace sees what the command sends and receives.
  return std::unique_ptr<can::Bus>(std::make_unique<can::TracingBus>(std::move(*bus), m_trace));
}

util::Result<can::Bus*> App::bus() {
  if (!m_bus) {
    // Poll answers and diagnostic frames addressed to our tool address (§3.1, §6).
    const std::uint32_t tool = bms::k_default_tool;
    auto bus = open({can::Filter{0x18000000U | tool << 8, 0x1F00FF00U}});
    if (!bus) return tl::unexpected(bus.error());
    m_bus = std::move(*bus);
  }
  return m_bus.get();
}

util::Result<std::unique_ptr<can::Bus>> App::open_bus_unfiltered() {
  return open({can::Filter{0x18000000U, 0x1F000000U}});
}

util::Result<const bms::FrameMap*> App::frame_map() {
  if (m_map) return m_map;
  if (options.dbc.empty()) {
    m_map = &bms::FrameMap::builtin();
  } else {
    auto map = bms::FrameMap::load(options.dbc);
    if (!map) return util::with_context(map.error(), "--dbc");
    m_loaded_map = std::move(*map);
    m_map = &*m_loaded_map;
  }
  return m_map;
}

util::Result<bms::Client*> App::client() {
  if (m_client) return m_client.get();
  auto map = frame_map();
  if (!map) return tl::unexpected(map.error());
  auto bus = this->bus();
  if (!bus) return tl::unexpected(bus.error());
  bms::ClientOptions o;
  o.bms = static_cast<std::uint8_t>(options.address);
  o.timeout = std::chrono::milliseconds(options.timeout_ms);
  o.window = options.window;
  o.cancelled = [] { return g_stop.load(); };
  m_client = std::make_unique<bms::Client>(**bus, **map, o);
  if (options.verbose >= 2) {
    m_client->set_observer([](const can::Frame& f, bool sent) {
      fmt::print(stderr, "{} {}\n", sent ? "->" : "<-", can::to_string(f));
    });
  }
  return m_client.get();
}

util::Result<bms::ScanResult> App::scan_bus() {
  auto c = client();
  if (!c) return tl::unexpected(c.error());
  auto result = bms::scan(**c, bms::k_listen_window);
  if (result && result->packs.empty())
    return util::fail(util::Errc::no_answer,
                      fmt::format("no BMS answered a broadcast CONNECT on {}", interface_name()));
  return result;
}

util::Result<void> App::one_pack(std::string_view command) const {
  if (!several()) return {};
  return util::fail(util::Errc::usage,
                    fmt::format("{} works on one pack: give one --address, not '{}'", command,
                                options.address_text));
}

util::Result<bms::Dispatcher*> App::dispatcher() {
  auto c = client();
  if (!c) return tl::unexpected(c.error());
  return &(*c)->dispatcher();
}

util::Result<bms::Targets> App::targets() {
  auto d = dispatcher();
  if (!d) return tl::unexpected(d.error());
  return (*d)->run(bms::resolve_targets(**d, options.targets, bms::k_listen_window));
}

util::Result<uds::Client*> App::uds() { return uds(static_cast<std::uint8_t>(options.address)); }

util::Result<uds::Client*> App::uds(std::uint8_t bms) {
  if (m_uds && m_uds_address == bms) return m_uds.get();
  auto c = client();  // opens the bus
  if (!c) return tl::unexpected(c.error());
  m_uds_address = bms;
  isotp::Config config;
  config.tx_id = isotp::diag_id(bms, bms::k_default_tool);
  config.rx_id = isotp::diag_id(bms::k_default_tool, bms);
  m_channel = std::make_unique<isotp::Channel>((*c)->bus(), config);
  m_channel->cancelled = [] { return g_stop.load(); };
  if (options.verbose >= 2) {
    m_channel->observer = [](const can::Frame& f, bool sent) {
      fmt::print(stderr, "{} {}\n", sent ? "->" : "<-", can::to_string(f));
    };
  }
  uds::Options o;
  o.cancelled = [] { return g_stop.load(); };
  // A BMS still sending a response that an earlier run abandoned (Ctrl-C, a lost flow control)
  // waits N_Bs = 1000 ms for flow control and drops requests meanwhile: five tries of P2
  // (1250 ms) outlast it, three (750 ms) would not.
  o.retries = 4;
  m_uds = std::make_unique<uds::Client>(*m_channel, o);
  return m_uds.get();
}

util::Result<bms::Lang> App::lang() const {
  if (options.lang.empty()) return bms::lang_from_environment();
  return bms::parse_lang(options.lang);
}

}  // namespace cli
