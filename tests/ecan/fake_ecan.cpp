// A fake GCAN libECanVci.so.1 for the test suite: the ECAN C API of the ABI sheet
// (docs: ecan-abi.md), behind which the simulated battery runs on an in-process realtime hub.
// rocketctl loads it with dlopen exactly as it would load the vendor's library
// (ROCKETCTL_ECAN_LIB=<this file>), so the shim's whole path is exercised.
//
// The structures are declared again here from the sheet, with their own static_asserts: this
// file deliberately does not include lib/can/ecan_abi.hpp, so a mistake in one is caught by the
// other. Everything but the ECAN API and the fake_ecan_* controls is hidden (-fvisibility=hidden,
// --exclude-libs), so the simulator inside cannot clash with the program that loads it.
//
// Environment (read when the library is first used):
//   FAKE_ECAN_SIM   simulator options, the text after "sim:" of `-i sim:...` ("standby=1");
//                   "none": no battery, an empty wire (the Bus contract suite)
//   FAKE_ECAN_FAIL  open       OpenDevice fails, ERR_INFO says "device does not exist"
//                   busy       OpenDevice fails, ERR_INFO says "device already open" (0x0100)
//                   init       InitCAN fails
//                   start      StartCAN fails
//                   transmit0  Transmit sends nothing (no acknowledgement: ERR_INFO bus error
//                              with the ACK slot in the error-code capture, counters rising)
//                   unplug_after=N  the USB link drops after N frames (sent + received):
//                              Transmit and Receive return 0xFFFFFFFF from then on
//                   unplug_quiet_after=N  the same, but Transmit and Receive return 0 (as some
//                              libraries do) and only ReadErrInfo tells (0x1000, no device)
//   FAKE_ECAN_LOG   a file: one line per API call, "Name(args) = result", appended
// Built twice: FAKE_ECAN_OMIT_SYMBOL leaves ReadCANStatus out (a wrong or too old library).

#include <algorithm>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bms/frame_map.hpp"
#include "can/hub.hpp"
#include "sim/fleet.hpp"
#include "sim/options.hpp"

#define FAKE_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

// ---- The ABI sheet, x86_64, natural alignment ----
struct CAN_OBJ {
  std::uint32_t ID;
  std::uint32_t TimeStamp;
  std::uint8_t TimeFlag;
  std::uint8_t SendType;
  std::uint8_t RemoteFlag;
  std::uint8_t ExternFlag;
  std::uint8_t DataLen;
  std::uint8_t Data[8];
  std::uint8_t Reserved[3];
};
struct INIT_CONFIG {
  std::uint32_t AccCode;
  std::uint32_t AccMask;
  std::uint32_t Reserved;
  std::uint8_t Filter;
  std::uint8_t Timing0;
  std::uint8_t Timing1;
  std::uint8_t Mode;
};
struct ERR_INFO {
  std::uint32_t ErrCode;
  std::uint8_t Passive_ErrData[3];
  std::uint8_t ArLost_ErrData;
};
struct CAN_STATUS {
  std::uint8_t ErrInterrupt, regMode, regStatus, regALCapture, regECCapture, regEWLimit,
      regRECounter, regTECounter;
  std::uint32_t Reserved;
};
struct BOARD_INFO {
  std::uint16_t hw_Version, fw_Version, dr_Version, in_Version, irq_Num;
  std::uint8_t can_Num;
  char str_Serial_Num[20];
  char str_hw_Type[40];
  std::uint16_t Reserved[4];
};

static_assert(sizeof(CAN_OBJ) == 24 && offsetof(CAN_OBJ, ID) == 0 &&
              offsetof(CAN_OBJ, TimeStamp) == 4 && offsetof(CAN_OBJ, TimeFlag) == 8 &&
              offsetof(CAN_OBJ, SendType) == 9 && offsetof(CAN_OBJ, RemoteFlag) == 10 &&
              offsetof(CAN_OBJ, ExternFlag) == 11 && offsetof(CAN_OBJ, DataLen) == 12 &&
              offsetof(CAN_OBJ, Data) == 13 && offsetof(CAN_OBJ, Reserved) == 21);
static_assert(sizeof(INIT_CONFIG) == 16 && offsetof(INIT_CONFIG, AccMask) == 4 &&
              offsetof(INIT_CONFIG, Reserved) == 8 && offsetof(INIT_CONFIG, Filter) == 12 &&
              offsetof(INIT_CONFIG, Timing0) == 13 && offsetof(INIT_CONFIG, Timing1) == 14 &&
              offsetof(INIT_CONFIG, Mode) == 15);
static_assert(sizeof(ERR_INFO) == 8 && offsetof(ERR_INFO, Passive_ErrData) == 4 &&
              offsetof(ERR_INFO, ArLost_ErrData) == 7);
static_assert(sizeof(CAN_STATUS) == 12 && offsetof(CAN_STATUS, regStatus) == 2 &&
              offsetof(CAN_STATUS, regECCapture) == 4 && offsetof(CAN_STATUS, regRECounter) == 6 &&
              offsetof(CAN_STATUS, regTECounter) == 7 && offsetof(CAN_STATUS, Reserved) == 8);
static_assert(sizeof(BOARD_INFO) == 80 && offsetof(BOARD_INFO, irq_Num) == 8 &&
              offsetof(BOARD_INFO, can_Num) == 10 && offsetof(BOARD_INFO, str_Serial_Num) == 11 &&
              offsetof(BOARD_INFO, str_hw_Type) == 31 && offsetof(BOARD_INFO, Reserved) == 72);

constexpr std::uint32_t k_gone = 0xFFFFFFFFU;
constexpr std::uint32_t k_err_bus = 0x0010;
constexpr std::uint32_t k_err_passive = 0x0004;
constexpr std::uint32_t k_err_warning = 0x0002;
constexpr std::uint32_t k_err_device_open = 0x0100;
constexpr std::uint32_t k_err_not_open = 0x0400;
constexpr std::uint32_t k_err_no_device = 0x1000;
constexpr std::uint8_t k_ecc_ack_slot = 0x19;

struct Channel {
  bool initialised = false;
  std::unique_ptr<can::Bus> port;  // on the hub while started
};

struct Device {
  bool open = false;
  std::uint32_t type = 0;
  Channel channels[2];
  std::uint32_t err_code = 0;  // what ReadErrInfo reports
  CAN_STATUS status{};
};

struct State {
  std::string sim_options;
  std::string fail;
  long unplug_after = -1;  // frames; -1 never
  long frames = 0;
  bool unplugged = false;
  bool quiet = false;  // an unplugged adapter's Transmit and Receive return 0, not 0xFFFFFFFF
  std::FILE* log = nullptr;
  std::unique_ptr<can::Hub> hub;
  std::unique_ptr<sim::Fleet> fleet;
  std::map<std::uint32_t, Device> devices;
  std::uint32_t last_error = 0;  // for a device that is not open
  // Injected by fake_ecan_set_errors: held until changed (not cleared on read).
  bool injected = false;
  std::uint32_t inject_code = 0;
  CAN_STATUS inject_status{};

  State() {
    if (const char* s = std::getenv("FAKE_ECAN_SIM")) sim_options = s;
    if (const char* f = std::getenv("FAKE_ECAN_FAIL")) fail = f;
    if (fail.rfind("unplug_after=", 0) == 0) unplug_after = std::atol(fail.c_str() + 13);
    if (fail.rfind("unplug_quiet_after=", 0) == 0) {
      unplug_after = std::atol(fail.c_str() + 19);
      quiet = true;
    }
    if (const char* l = std::getenv("FAKE_ECAN_LOG"); l != nullptr && *l != '\0')
      log = std::fopen(l, "a");
  }
  ~State() {
    if (log != nullptr) std::fclose(log);
  }

  // The wire and the battery on it, made on the first OpenDevice; kept until the library is
  // unloaded, so a pack keeps its state across close, unplug and replug.
  bool make_wire() {
    if (hub) return true;
    std::uint32_t bitrate = 0;
    if (sim_options != "none") {
      auto options = sim::parse_options(sim_options);
      if (!options) {
        std::fprintf(stderr, "fake ECAN: FAKE_ECAN_SIM: %s\n", options.error().message.c_str());
        return false;
      }
      auto fleet_made = sim::Fleet::create(*options, bms::FrameMap::builtin());
      if (!fleet_made) {
        std::fprintf(stderr, "fake ECAN: FAKE_ECAN_SIM: %s\n", fleet_made.error().message.c_str());
        return false;
      }
      fleet = std::move(*fleet_made);
      bitrate = options->bitrate;
    }
    hub = std::make_unique<can::Hub>(can::Hub::Options{can::Hub::Timing::realtime, bitrate, false});
    if (fleet) fleet->attach(*hub);
    return true;
  }

  void note(const char* fmt, ...) __attribute__((format(printf, 2, 3))) {
    if (log == nullptr) return;
    va_list args;
    va_start(args, fmt);
    std::vfprintf(log, fmt, args);
    va_end(args);
    std::fputc('\n', log);
    std::fflush(log);
  }

  // The USB link drops: every port goes, the devices stay "open" in the caller's view.
  void unplug() {
    unplugged = true;
    for (auto& [index, device] : devices)
      for (Channel& c : device.channels) c.port.reset();
  }
  bool check_unplug() {
    if (!unplugged && unplug_after >= 0 && frames >= unplug_after) unplug();
    return unplugged;
  }

  Channel* channel(std::uint32_t index, std::uint32_t ch) {
    auto it = devices.find(index);
    if (it == devices.end() || !it->second.open) return nullptr;
    const std::uint32_t count = it->second.type == 3 ? 1 : 2;
    if (ch >= count) return nullptr;
    return &it->second.channels[ch];
  }
};

State& state() {
  static State s;
  return s;
}

std::uint32_t control(std::uint32_t result, const char* name, std::uint32_t type,
                      std::uint32_t index, long channel = -1) {
  if (channel < 0) state().note("%s(%u,%u) = %u", name, type, index, result);
  else state().note("%s(%u,%u,%ld) = %u", name, type, index, channel, result);
  return result;
}

}  // namespace

FAKE_EXPORT std::uint32_t OpenDevice(std::uint32_t type, std::uint32_t index, std::uint32_t) {
  State& s = state();
  auto done = [&](std::uint32_t r) { return control(r, "OpenDevice", type, index); };
  if ((type != 3 && type != 4) || s.unplugged || s.fail == "open") {
    s.last_error = k_err_no_device;
    return done(0);
  }
  if (s.fail == "busy" || s.devices[index].open) {
    s.last_error = k_err_device_open;
    return done(0);
  }
  if (!s.make_wire()) return done(0);
  Device& d = s.devices[index];
  d = Device{};
  d.open = true;
  d.type = type;
  return done(1);
}

FAKE_EXPORT std::uint32_t CloseDevice(std::uint32_t type, std::uint32_t index) {
  State& s = state();
  auto it = s.devices.find(index);
  if (it == s.devices.end() || !it->second.open) return control(0, "CloseDevice", type, index);
  s.devices.erase(it);
  return control(1, "CloseDevice", type, index);
}

FAKE_EXPORT std::uint32_t InitCAN(std::uint32_t type, std::uint32_t index, std::uint32_t ch,
                                  INIT_CONFIG* config) {
  State& s = state();
  Channel* c = s.channel(index, ch);
  // Only the configuration the shim must ask for: 250 kbit/s, accept everything, normal mode.
  bool ok = c != nullptr && !s.unplugged && s.fail != "init" && config != nullptr &&
            config->Timing0 == 0x01 && config->Timing1 == 0x1C && config->AccCode == 0 &&
            config->AccMask == 0xFFFFFFFFU && config->Mode == 0;
  if (ok) c->initialised = true;
  return control(ok ? 1 : 0, "InitCAN", type, index, ch);
}

FAKE_EXPORT std::uint32_t StartCAN(std::uint32_t type, std::uint32_t index, std::uint32_t ch) {
  State& s = state();
  Channel* c = s.channel(index, ch);
  bool ok = c != nullptr && c->initialised && !s.unplugged && s.fail != "start";
  if (ok && !c->port) c->port = s.hub->open_port("ecan" + std::to_string(index) + ":" + std::to_string(ch));
  return control(ok ? 1 : 0, "StartCAN", type, index, ch);
}

FAKE_EXPORT std::uint32_t ResetCAN(std::uint32_t type, std::uint32_t index, std::uint32_t ch) {
  State& s = state();
  Channel* c = s.channel(index, ch);
  if (c == nullptr || s.unplugged) return control(0, "ResetCAN", type, index, ch);
  c->port.reset();
  return control(1, "ResetCAN", type, index, ch);
}

FAKE_EXPORT std::uint32_t ClearBuffer(std::uint32_t type, std::uint32_t index, std::uint32_t ch) {
  State& s = state();
  Channel* c = s.channel(index, ch);
  if (c == nullptr || s.unplugged) return control(0, "ClearBuffer", type, index, ch);
  if (c->port) {
    while (true) {
      auto e = c->port->receive(c->port->clock().now());
      if (!e || !*e) break;
    }
  }
  return control(1, "ClearBuffer", type, index, ch);
}

FAKE_EXPORT std::uint32_t ReadBoardInfo(std::uint32_t type, std::uint32_t index, BOARD_INFO* info) {
  State& s = state();
  if (s.channel(index, 0) == nullptr || s.unplugged || info == nullptr)
    return control(0, "ReadBoardInfo", type, index);
  *info = BOARD_INFO{};
  info->can_Num = type == 3 ? 1 : 2;
  std::strcpy(info->str_Serial_Num, "FAKE0001");
  std::strcpy(info->str_hw_Type, type == 3 ? "USBCAN-I" : "USBCAN-II");
  return control(1, "ReadBoardInfo", type, index);
}

FAKE_EXPORT std::uint32_t ReadErrInfo(std::uint32_t type, std::uint32_t index, std::uint32_t ch,
                                      ERR_INFO* info) {
  State& s = state();
  if (info == nullptr) return control(0, "ReadErrInfo", type, index, ch);
  *info = ERR_INFO{};
  auto it = s.devices.find(index);
  if (s.unplugged) info->ErrCode = k_err_no_device;
  else if (it == s.devices.end() || !it->second.open) info->ErrCode = s.last_error ? s.last_error : k_err_not_open;
  else info->ErrCode = s.injected ? s.inject_code : it->second.err_code;
  state().note("ReadErrInfo(%u,%u,%u) = 1 [0x%04X]", type, index, ch, info->ErrCode);
  return 1;
}

#ifndef FAKE_ECAN_OMIT_SYMBOL
FAKE_EXPORT std::uint32_t ReadCANStatus(std::uint32_t type, std::uint32_t index, std::uint32_t ch,
                                        CAN_STATUS* status) {
  State& s = state();
  auto it = s.devices.find(index);
  if (status == nullptr || s.unplugged || it == s.devices.end() || !it->second.open)
    return control(0, "ReadCANStatus", type, index, ch);
  *status = it->second.status;
  if (s.injected) *status = s.inject_status;
  return control(1, "ReadCANStatus", type, index, ch);
}
#endif

FAKE_EXPORT std::uint32_t GetReceiveNum(std::uint32_t type, std::uint32_t index, std::uint32_t ch) {
  State& s = state();
  if (s.check_unplug()) return control(k_gone, "GetReceiveNum", type, index, ch);
  return control(0, "GetReceiveNum", type, index, ch);
}

FAKE_EXPORT std::uint32_t Transmit(std::uint32_t type, std::uint32_t index, std::uint32_t ch,
                                   CAN_OBJ* frames, std::uint32_t count) {
  State& s = state();
  if (s.check_unplug()) return control(s.quiet ? 0 : k_gone, "Transmit", type, index, ch);
  Channel* c = s.channel(index, ch);
  if (c == nullptr || !c->port || frames == nullptr) return control(0, "Transmit", type, index, ch);
  if (s.fail == "transmit0") {
    // Nobody acknowledges: the SJA1000 retransmits, sees an error in the ACK slot each time,
    // and its transmit counter climbs to error-passive (where ACK errors stop counting).
    Device& d = s.devices[index];
    d.err_code = k_err_bus;
    d.status.regECCapture = k_ecc_ack_slot;
    d.status.regTECounter = static_cast<std::uint8_t>(std::min(128, d.status.regTECounter + 8));
    if (d.status.regTECounter >= 128) d.err_code |= k_err_passive;
    else if (d.status.regTECounter >= 96) d.err_code |= k_err_warning;
    return control(0, "Transmit", type, index, ch);
  }
  std::uint32_t sent = 0;
  for (; sent < count; ++sent) {
    if (s.unplug_after >= 0 && s.frames >= s.unplug_after) break;
    const CAN_OBJ& o = frames[sent];
    can::Frame f;
    f.extended = o.ExternFlag != 0;
    f.remote = o.RemoteFlag != 0;
    f.id = o.ID;
    f.dlc = o.DataLen;
    if (f.dlc > 8) return control(0, "Transmit", type, index, ch);  // a byte count, 0..8
    if (!f.remote) std::memcpy(f.data.data(), o.Data, f.dlc);
    if (!c->port->send(f, c->port->clock().now() + std::chrono::milliseconds(100))) break;
    ++s.frames;
  }
  return control(sent, "Transmit", type, index, ch);
}

FAKE_EXPORT std::uint32_t Receive(std::uint32_t type, std::uint32_t index, std::uint32_t ch,
                                  CAN_OBJ* buffer, std::uint32_t capacity, int wait_ms) {
  State& s = state();
  if (s.check_unplug()) {
    if (!s.quiet) return control(k_gone, "Receive", type, index, ch);
    if (wait_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
    return 0;
  }
  Channel* c = s.channel(index, ch);
  if (c == nullptr || !c->port || buffer == nullptr) return control(0, "Receive", type, index, ch);
  can::Bus& port = *c->port;
  const auto deadline = port.clock().now() + std::chrono::milliseconds(wait_ms < 0 ? 0 : wait_ms);
  std::uint32_t n = 0;
  while (n < capacity) {
    if (s.unplug_after >= 0 && s.frames >= s.unplug_after) break;
    // Block for the first frame only; then take what is already there.
    auto event = port.receive(n == 0 ? deadline : port.clock().now());
    if (!event || !*event) break;
    const auto* f = std::get_if<can::Frame>(&**event);
    if (f == nullptr) continue;  // the hub's own fault reports: not modelled
    CAN_OBJ& o = buffer[n++];
    o = CAN_OBJ{};
    o.ID = f->id;
    o.TimeFlag = 1;
    o.TimeStamp = static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(port.clock().now().time_since_epoch())
            .count() / 100);
    o.RemoteFlag = f->remote ? 1 : 0;
    o.ExternFlag = f->extended ? 1 : 0;
    // The DLC field: a remote frame's requested length too (no data bytes follow).
    o.DataLen = static_cast<std::uint8_t>(f->remote ? std::min<int>(f->dlc, 8) : f->size());
    std::memcpy(o.Data, f->data.data(), f->size());
    ++s.frames;
  }
  // Too chatty to log every empty poll: log the reads that returned frames.
  if (n > 0) control(n, "Receive", type, index, ch);
  return n;
}

FAKE_EXPORT std::uint32_t GetReference(std::uint32_t type, std::uint32_t index, std::uint32_t ch,
                                       std::uint32_t, void*) {
  return control(0, "GetReference", type, index, ch);
}

FAKE_EXPORT std::uint32_t SetReference(std::uint32_t type, std::uint32_t index, std::uint32_t ch,
                                       std::uint32_t, void*) {
  return control(0, "SetReference", type, index, ch);
}

// ---- Controls for in-process tests (dlsym'd by tests/unit/test_can_ecan.cpp) ----

// The USB link drops after `frames` more frames (sent + received); -1: never.
FAKE_EXPORT void fake_ecan_unplug_after(long frames) {
  State& s = state();
  s.unplug_after = frames < 0 ? -1 : s.frames + frames;
}

// The adapter is plugged back in: OpenDevice works again (the battery kept its state).
FAKE_EXPORT void fake_ecan_replug() {
  State& s = state();
  s.unplugged = false;
  s.unplug_after = -1;
}

// Whether device `index` is open (CloseDevice ran when this turns 0).
FAKE_EXPORT int fake_ecan_is_open(std::uint32_t index) {
  auto it = state().devices.find(index);
  return it != state().devices.end() && it->second.open ? 1 : 0;
}

// What ReadErrInfo and ReadCANStatus report from now on (0s: a healthy controller).
FAKE_EXPORT void fake_ecan_set_errors(std::uint32_t err_code, std::uint8_t reg_status,
                                      std::uint8_t ec_capture, std::uint8_t tx_errors,
                                      std::uint8_t rx_errors) {
  State& s = state();
  s.injected = true;
  s.inject_code = err_code;
  s.inject_status = CAN_STATUS{};
  s.inject_status.regStatus = reg_status;
  s.inject_status.regECCapture = ec_capture;
  s.inject_status.regTECounter = tx_errors;
  s.inject_status.regRECounter = rx_errors;
}
