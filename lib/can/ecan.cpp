// can::Bus over GCAN's libECanVci.so.1 (see ecan.hpp): loading the library, opening the
// channel, the transmit and receive loops, and the vendor error bits as can::BusError.

#include "can/ecan.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace can {
namespace {

using namespace std::chrono_literals;

constexpr std::uint32_t k_batch = 64;            // CAN_OBJ slots per Receive call
constexpr auto k_receive_slice = 20ms;           // the longest one Receive call may block
constexpr auto k_poll_every = 100ms;             // error information, while the bus is quiet
constexpr auto k_transmit_retry = 1ms;           // between Transmit attempts that sent nothing
constexpr std::uint32_t k_bitrate = 250000;
constexpr std::uint8_t k_status_bus_off = 0x80;  // SJA1000 status register: bus status
constexpr std::uint8_t k_ecc_segment = 0x1F;     // SJA1000 error-code capture: segment bits
constexpr std::uint8_t k_ecc_ack_slot = 0x19;
constexpr std::uint8_t k_ecc_ack_delimiter = 0x1B;
constexpr int k_warning_level = 96;
constexpr int k_passive_level = 128;

const char* type_name(std::uint32_t type) {
  return type == ecan::k_usbcan_1 ? "USBCAN-I" : "USBCAN-II";
}

std::string install_hint() {
  return "install GCAN's Linux driver (copy libECanVci.so.1 and its libusb libraries to "
         "/usr/lib) or set ROCKETCTL_ECAN_LIB to the library's path";
}

}  // namespace

// The library handle and every function the bus calls.
struct EcanBus::Api {
  void* handle = nullptr;
  std::string path;
  ecan::OpenDeviceFn OpenDevice = nullptr;
  ecan::CloseDeviceFn CloseDevice = nullptr;
  ecan::InitCanFn InitCAN = nullptr;
  ecan::ChannelFn StartCAN = nullptr;
  ecan::ChannelFn ResetCAN = nullptr;
  ecan::ChannelFn ClearBuffer = nullptr;
  ecan::ReadErrInfoFn ReadErrInfo = nullptr;
  ecan::ReadCanStatusFn ReadCANStatus = nullptr;
  ecan::TransmitFn Transmit = nullptr;
  ecan::ReceiveFn Receive = nullptr;

  ~Api() {
    if (handle != nullptr) ::dlclose(handle);
  }

  // dlsym of `symbol` into `fn`; the name of the missing one on failure.
  template <class Fn>
  bool bind(Fn& fn, const char* symbol) {
    void* p = ::dlsym(handle, symbol);
    if (p == nullptr) return false;
    fn = reinterpret_cast<Fn>(p);
    return true;
  }

  util::Result<void> load() {
    std::string tried;
    std::string reason;
    for (const std::string& candidate : ecan_library_candidates()) {
      ::dlerror();
      handle = ::dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (handle != nullptr) {
        path = candidate;
        break;
      }
      tried += (tried.empty() ? "" : ", ") + candidate;
      const char* why = ::dlerror();
      // "cannot open shared object file" says nothing new; a missing dependency does.
      if (why != nullptr && std::strstr(why, "cannot open shared object file") == nullptr)
        reason = why;
    }
    if (handle == nullptr)
      return util::fail(util::Errc::interface_error,
                        fmt::format("cannot load the ECAN library (tried {}){}: {}", tried,
                                    reason.empty() ? "" : ": " + reason, install_hint()));
    const char* missing = nullptr;
    if (!bind(OpenDevice, "OpenDevice")) missing = "OpenDevice";
    else if (!bind(CloseDevice, "CloseDevice")) missing = "CloseDevice";
    else if (!bind(InitCAN, "InitCAN")) missing = "InitCAN";
    else if (!bind(StartCAN, "StartCAN")) missing = "StartCAN";
    else if (!bind(ResetCAN, "ResetCAN")) missing = "ResetCAN";
    else if (!bind(ClearBuffer, "ClearBuffer")) missing = "ClearBuffer";
    else if (!bind(ReadErrInfo, "ReadErrInfo")) missing = "ReadErrInfo";
    else if (!bind(ReadCANStatus, "ReadCANStatus")) missing = "ReadCANStatus";
    else if (!bind(Transmit, "Transmit")) missing = "Transmit";
    else if (!bind(Receive, "Receive")) missing = "Receive";
    if (missing != nullptr)
      return util::fail(util::Errc::interface_error,
                        fmt::format("the ECAN library {} has no function {}: it is the wrong or "
                                    "too old a library: {}",
                                    path, missing, install_hint()));
    return {};
  }
};

std::vector<std::string> ecan_library_candidates() {
  const char* env = std::getenv("ROCKETCTL_ECAN_LIB");
  if (env != nullptr && *env != '\0') return {env};
  return {"libECanVci.so.1", "libECanVci.so"};
}

std::optional<BusError> translate_ecan_error(const ecan::ErrInfo& info,
                                             const ecan::CanStatus& status) {
  BusError e;
  e.tx_errors = status.regTECounter;
  e.rx_errors = status.regRECounter;
  const int worst = std::max(e.tx_errors, e.rx_errors);
  const std::uint32_t code = info.ErrCode;
  const std::uint8_t segment = status.regECCapture & k_ecc_segment;
  const bool bus_error = (code & ecan::k_err_bus) != 0;
  using Kind = BusError::Kind;
  if (status.regStatus & k_status_bus_off)
    e.kind = Kind::bus_off;
  else if (bus_error && (segment == k_ecc_ack_slot || segment == k_ecc_ack_delimiter))
    e.kind = Kind::no_ack;
  else if (code & (ecan::k_err_can_overflow | ecan::k_err_rx_overrun | ecan::k_err_buffer_overflow))
    e.kind = Kind::rx_overflow;
  else if ((code & ecan::k_err_passive) || worst >= k_passive_level)
    e.kind = Kind::error_passive;
  else if ((code & ecan::k_err_warning) || worst >= k_warning_level)
    e.kind = Kind::error_warning;
  else if (bus_error)
    e.kind = Kind::protocol;
  else
    return std::nullopt;
  return e;
}

ControllerStatus ecan_controller_status(const ecan::CanStatus& status) {
  ControllerStatus s;
  s.tx_errors = status.regTECounter;
  s.rx_errors = status.regRECounter;
  s.bitrate = k_bitrate;
  const int worst = std::max(*s.tx_errors, *s.rx_errors);
  if (status.regStatus & k_status_bus_off) s.state = "BUS-OFF";
  else if (worst >= k_passive_level) s.state = "ERROR-PASSIVE";
  else if (worst >= k_warning_level) s.state = "ERROR-WARNING";
  else s.state = "ERROR-ACTIVE";
  return s;
}

EcanBus::EcanBus(std::string name, const EcanAddress& address, std::vector<Filter> filters)
    : m_name(std::move(name)),
      m_address(address),
      m_filters(std::move(filters)),
      m_api(std::make_unique<Api>()),
      m_batch(k_batch) {}

EcanBus::~EcanBus() {
  if (m_device_open) {
    // Even after the adapter vanished: the library frees its handle for the next open.
    const auto [type, index, channel] = m_address;
    if (!m_gone) m_api->ResetCAN(type, index, channel);
    m_api->CloseDevice(type, index);
  }
}

util::Result<std::unique_ptr<Bus>> EcanBus::open(const std::string& name,
                                                 const EcanAddress& address,
                                                 std::vector<Filter> filters) {
  std::unique_ptr<EcanBus> bus(new EcanBus(name, address, std::move(filters)));
  Api& api = *bus->m_api;
  if (auto loaded = api.load(); !loaded) return tl::unexpected(loaded.error());

  const auto [type, index, channel] = address;
  const std::string adapter = fmt::format("ECAN adapter {} ({})", index, type_name(type));
  if (api.OpenDevice(type, index, 0) != ecan::k_ok) {
    ecan::ErrInfo info{};
    const bool known = api.ReadErrInfo(type, index, channel, &info) == ecan::k_ok;
    if (known && (info.ErrCode & ecan::k_err_device_open))
      return util::fail(util::Errc::interface_error,
                        fmt::format("{} is busy: another program (a second rocketctl, BMS "
                                    "Studio?) has it open: close that program and try again",
                                    adapter));
    return util::fail(util::Errc::interface_error,
                      fmt::format("no {}: plug the adapter in (lsusb should show 0c66:000c) and "
                                  "check that its udev rule lets you use it",
                                  adapter));
  }
  bus->m_device_open = true;

  ecan::InitConfig config{};
  config.AccCode = 0;
  config.AccMask = 0xFFFFFFFFU;  // accept everything: filters run in receive()
  config.Filter = 0;
  config.Timing0 = ecan::k_timing0_250k;
  config.Timing1 = ecan::k_timing1_250k;
  config.Mode = 0;  // normal: the adapter acknowledges frames
  const std::string which = fmt::format("channel {} of the {}", channel, adapter);
  const std::string channels =
      type == ecan::k_usbcan_1 ? "a USBCAN-I has channel 0 only"
                               : "a USBCAN-II has channels 0 and 1; for a USBCAN-I use "
                                 "ecan:<device>:0:usbcan-i";
  if (api.InitCAN(type, index, channel, &config) != ecan::k_ok)
    return util::fail(util::Errc::interface_error,
                      fmt::format("cannot initialise {} at 250 kbit/s ({}): unplug the adapter, "
                                  "plug it back in and try again",
                                  which, channels));
  if (api.StartCAN(type, index, channel) != ecan::k_ok)
    return util::fail(util::Errc::interface_error,
                      fmt::format("cannot start {}: unplug the adapter, plug it back in and try "
                                  "again",
                                  which));
  // Frames left from an earlier program are not answers to us; a failure here is harmless.
  api.ClearBuffer(type, index, channel);
  return std::unique_ptr<Bus>(std::move(bus));
}

util::Error EcanBus::device_gone() const {
  return {util::Errc::interface_error,
          fmt::format("the ECAN adapter ({}) disappeared (USB unplugged?): plug it back in and run "
                      "the same command again",
                      m_name)};
}

util::Error EcanBus::device_error(const std::string& what) const {
  return {util::Errc::interface_error,
          fmt::format("the ECAN adapter ({}) failed: {}: unplug it, plug it back in and run the "
                      "same command again",
                      m_name, what)};
}

bool EcanBus::accepts(const Frame& f) const {
  if (m_filters.empty()) return true;
  return std::any_of(m_filters.begin(), m_filters.end(),
                     [&](const Filter& filter) { return filter.matches(f); });
}

util::Result<void> EcanBus::send(const Frame& frame, util::TimePoint deadline) {
  if (m_gone) return tl::unexpected(device_gone());
  ecan::CanObj obj{};
  obj.ID = frame.extended ? (frame.id & k_max_extended_id) : (frame.id & k_max_standard_id);
  obj.SendType = 0;  // automatic retransmission, as SocketCAN
  obj.RemoteFlag = frame.remote ? 1 : 0;
  obj.ExternFlag = frame.extended ? 1 : 0;
  // A byte count, 0..8: DLC codes 9..15 go out as 8 (the vendor copies DataLen bytes).
  obj.DataLen = static_cast<std::uint8_t>(std::min<std::size_t>(frame.dlc, 8));
  if (!frame.remote) std::copy_n(frame.data.begin(), obj.DataLen, obj.Data);
  const auto [type, index, channel] = m_address;
  for (;;) {
    const std::uint32_t sent = m_api->Transmit(type, index, channel, &obj, 1);
    if (sent == 1) return {};
    if (sent == ecan::k_device_gone) {
      m_gone = true;
      return tl::unexpected(device_gone());
    }
    if (sent != 0) return tl::unexpected(device_error(fmt::format("Transmit returned {}", sent)));
    // Not sent. The library also says 0 when the device went away: its error bits tell.
    ecan::ErrInfo info{};
    if (m_api->ReadErrInfo(type, index, channel, &info) == ecan::k_device_gone ||
        (info.ErrCode & (ecan::k_err_no_device | ecan::k_err_not_open))) {
      m_gone = true;
      return tl::unexpected(device_gone());
    }
    const util::TimePoint now = m_clock.now();
    if (now >= deadline)
      return util::fail(util::Errc::bus_error,
                        fmt::format("the ECAN adapter ({}) cannot get frames onto the bus (is "
                                    "anything else on the bus? 250 kbit/s?)",
                                    m_name));
    m_clock.sleep_until(std::min(deadline, now + k_transmit_retry));
  }
}

util::Result<std::optional<BusError>> EcanBus::poll_errors() {
  m_last_poll = m_clock.now();
  const auto [type, index, channel] = m_address;
  ecan::ErrInfo info{};
  ecan::CanStatus status{};
  const std::uint32_t read = m_api->ReadErrInfo(type, index, channel, &info);
  // A library that answers an unplugged adapter's Receive with 0 rather than 0xFFFFFFFF still
  // says so here.
  if (read == ecan::k_device_gone ||
      (read == ecan::k_ok && (info.ErrCode & (ecan::k_err_no_device | ecan::k_err_not_open)))) {
    m_gone = true;
    return tl::unexpected(device_gone());
  }
  if (read != ecan::k_ok) return std::nullopt;
  if (m_api->ReadCANStatus(type, index, channel, &status) != ecan::k_ok) status = {};
  std::optional<BusError> fault = translate_ecan_error(info, status);
  if (!fault) {
    m_reported.reset();  // healthy again: the next fault is news
    return std::nullopt;
  }
  if (m_reported == fault->kind) return std::nullopt;  // already said
  m_reported = fault->kind;
  return std::optional<BusError>(fault);
}

util::Result<std::optional<Event>> EcanBus::receive(util::TimePoint deadline) {
  const auto [type, index, channel] = m_address;
  for (;;) {
    if (!m_queue.empty()) {
      auto [event, at] = std::move(m_queue.front());
      m_queue.pop_front();
      m_timestamp = at;
      return std::optional<Event>(std::move(event));
    }
    if (m_gone) return tl::unexpected(device_gone());
    const util::TimePoint now = m_clock.now();
    const auto left = std::clamp<util::Duration>(deadline - now, 0ms, k_receive_slice);
    // Rounded up, so that a wait never ends before the deadline.
    const auto wait_ms = static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
    const std::uint32_t n =
        m_api->Receive(type, index, channel, m_batch.data(), k_batch, wait_ms);
    if (n == ecan::k_device_gone) {
      m_gone = true;
      return tl::unexpected(device_gone());
    }
    if (n > k_batch)
      return tl::unexpected(device_error(fmt::format("Receive returned {} frames for {} slots", n, k_batch)));
    const auto at = std::chrono::system_clock::now();
    for (std::uint32_t i = 0; i < n; ++i) {
      const ecan::CanObj& obj = m_batch[i];
      Frame f;
      f.extended = obj.ExternFlag != 0;
      f.remote = obj.RemoteFlag != 0;
      f.id = f.extended ? (obj.ID & k_max_extended_id) : (obj.ID & k_max_standard_id);
      f.dlc = std::min<std::uint8_t>(obj.DataLen, 15);
      f.data = {};
      if (!f.remote) std::copy_n(obj.Data, f.size(), f.data.begin());
      if (accepts(f)) m_queue.emplace_back(Event{f}, at);
    }
    if (n == 0 && m_clock.now() - m_last_poll >= k_poll_every) {
      auto fault = poll_errors();
      if (!fault) return tl::unexpected(fault.error());
      if (*fault) m_queue.emplace_back(Event{**fault}, at);
    }
    if (m_queue.empty() && m_clock.now() >= deadline) return std::optional<Event>{};
  }
}

std::optional<ControllerStatus> EcanBus::controller_status() {
  if (m_gone) return std::nullopt;
  const auto [type, index, channel] = m_address;
  ecan::CanStatus status{};
  if (m_api->ReadCANStatus(type, index, channel, &status) != ecan::k_ok) return std::nullopt;
  return ecan_controller_status(status);
}

}  // namespace can
