#pragma once
// The C ABI of GCAN's libECanVci.so.1 (USBCAN-I/II "ECAN" adapters), declared here with
// fixed-width types from the ABI sheet (docs: ecan-abi.md) so that the library is loaded with
// dlopen and never linked. The vendor header is never included: it #defines uint8_t, DWORD ...
// as macros, and its DWORD/ULONG/UINT are 32 bits on Linux (never unsigned long, 64 bits on
// x86_64). Natural alignment, no packing; every size and offset is checked below.

#include <cstddef>
#include <cstdint>

namespace can::ecan {

// DeviceType values.
inline constexpr std::uint32_t k_usbcan_1 = 3;  // USBCAN-I, one channel
inline constexpr std::uint32_t k_usbcan_2 = 4;  // USBCAN-II, two channels

// Control results: 1 is success, anything else failure; 0xFFFFFFFF (ZLG-compatible libraries,
// also from Transmit/Receive) means the device is missing or its USB link dropped.
inline constexpr std::uint32_t k_ok = 1;
inline constexpr std::uint32_t k_device_gone = 0xFFFFFFFFU;

// ERR_INFO.ErrCode bits, GCAN's (not ZLG's: GCAN has no bus-off bit, and ZLG's 0x0020
// "bus-off" is "receive register full" here).
inline constexpr std::uint32_t k_err_can_overflow = 0x0001;     // controller FIFO overflow
inline constexpr std::uint32_t k_err_warning = 0x0002;          // error warning
inline constexpr std::uint32_t k_err_passive = 0x0004;          // error passive
inline constexpr std::uint32_t k_err_arbitration_lost = 0x0008;
inline constexpr std::uint32_t k_err_bus = 0x0010;              // bus error
inline constexpr std::uint32_t k_err_rx_full = 0x0020;          // receive register full
inline constexpr std::uint32_t k_err_rx_overrun = 0x0040;       // receive register overrun
inline constexpr std::uint32_t k_err_active = 0x0080;           // controller error-active
inline constexpr std::uint32_t k_err_device_open = 0x0100;      // device already open
inline constexpr std::uint32_t k_err_open_failed = 0x0200;
inline constexpr std::uint32_t k_err_not_open = 0x0400;
inline constexpr std::uint32_t k_err_buffer_overflow = 0x0800;  // driver buffer overflow
inline constexpr std::uint32_t k_err_no_device = 0x1000;        // device does not exist
inline constexpr std::uint32_t k_err_load_driver = 0x2000;
inline constexpr std::uint32_t k_err_command_failed = 0x4000;
inline constexpr std::uint32_t k_err_no_memory = 0x8000;

// Bit timing (SJA1000 BTR0/BTR1) for 250 kbit/s, the protocol's bitrate.
inline constexpr std::uint8_t k_timing0_250k = 0x01;
inline constexpr std::uint8_t k_timing1_250k = 0x1C;

struct CanObj {  // CAN_OBJ
  std::uint32_t ID;          // right-aligned 11- or 29-bit identifier
  std::uint32_t TimeStamp;   // receive time; unit unconfirmed on GCAN (0.1 ms on ZLG)
  std::uint8_t TimeFlag;     // 1: TimeStamp valid
  std::uint8_t SendType;     // 0 normal (automatic retransmission), 1 single shot, 2/3 self-test
  std::uint8_t RemoteFlag;   // 1: remote frame
  std::uint8_t ExternFlag;   // 1: 29-bit identifier
  std::uint8_t DataLen;      // data bytes, 0..8
  std::uint8_t Data[8];
  std::uint8_t Reserved[3];
};

struct InitConfig {  // INIT_CONFIG
  std::uint32_t AccCode;
  std::uint32_t AccMask;  // bit 1 = "don't care": 0xFFFFFFFF accepts everything
  std::uint32_t Reserved;
  std::uint8_t Filter;
  std::uint8_t Timing0;
  std::uint8_t Timing1;
  std::uint8_t Mode;      // 0 normal, 1 listen-only, 2 self-test
};

struct ErrInfo {  // ERR_INFO
  std::uint32_t ErrCode;
  std::uint8_t Passive_ErrData[3];
  std::uint8_t ArLost_ErrData;
};

struct CanStatus {  // CAN_STATUS: SJA1000 registers
  std::uint8_t ErrInterrupt;
  std::uint8_t regMode;
  std::uint8_t regStatus;     // bit 7: bus status (1 = bus-off)
  std::uint8_t regALCapture;
  std::uint8_t regECCapture;  // error code capture: type in bits 7..6, segment in bits 4..0
  std::uint8_t regEWLimit;
  std::uint8_t regRECounter;
  std::uint8_t regTECounter;
  std::uint32_t Reserved;
};

struct BoardInfo {  // BOARD_INFO
  std::uint16_t hw_Version;
  std::uint16_t fw_Version;
  std::uint16_t dr_Version;
  std::uint16_t in_Version;
  std::uint16_t irq_Num;
  std::uint8_t can_Num;
  char str_Serial_Num[20];
  char str_hw_Type[40];
  std::uint16_t Reserved[4];
};

static_assert(sizeof(CanObj) == 24);
static_assert(offsetof(CanObj, ID) == 0);
static_assert(offsetof(CanObj, TimeStamp) == 4);
static_assert(offsetof(CanObj, TimeFlag) == 8);
static_assert(offsetof(CanObj, SendType) == 9);
static_assert(offsetof(CanObj, RemoteFlag) == 10);
static_assert(offsetof(CanObj, ExternFlag) == 11);
static_assert(offsetof(CanObj, DataLen) == 12);
static_assert(offsetof(CanObj, Data) == 13);
static_assert(offsetof(CanObj, Reserved) == 21);

static_assert(sizeof(InitConfig) == 16);
static_assert(offsetof(InitConfig, AccCode) == 0);
static_assert(offsetof(InitConfig, AccMask) == 4);
static_assert(offsetof(InitConfig, Reserved) == 8);
static_assert(offsetof(InitConfig, Filter) == 12);
static_assert(offsetof(InitConfig, Timing0) == 13);
static_assert(offsetof(InitConfig, Timing1) == 14);
static_assert(offsetof(InitConfig, Mode) == 15);

static_assert(sizeof(ErrInfo) == 8);
static_assert(offsetof(ErrInfo, ErrCode) == 0);
static_assert(offsetof(ErrInfo, Passive_ErrData) == 4);
static_assert(offsetof(ErrInfo, ArLost_ErrData) == 7);

static_assert(sizeof(CanStatus) == 12);
static_assert(offsetof(CanStatus, ErrInterrupt) == 0);
static_assert(offsetof(CanStatus, regMode) == 1);
static_assert(offsetof(CanStatus, regStatus) == 2);
static_assert(offsetof(CanStatus, regALCapture) == 3);
static_assert(offsetof(CanStatus, regECCapture) == 4);
static_assert(offsetof(CanStatus, regEWLimit) == 5);
static_assert(offsetof(CanStatus, regRECounter) == 6);
static_assert(offsetof(CanStatus, regTECounter) == 7);
static_assert(offsetof(CanStatus, Reserved) == 8);

static_assert(sizeof(BoardInfo) == 80);
static_assert(offsetof(BoardInfo, hw_Version) == 0);
static_assert(offsetof(BoardInfo, fw_Version) == 2);
static_assert(offsetof(BoardInfo, dr_Version) == 4);
static_assert(offsetof(BoardInfo, in_Version) == 6);
static_assert(offsetof(BoardInfo, irq_Num) == 8);
static_assert(offsetof(BoardInfo, can_Num) == 10);
static_assert(offsetof(BoardInfo, str_Serial_Num) == 11);
static_assert(offsetof(BoardInfo, str_hw_Type) == 31);
static_assert(offsetof(BoardInfo, Reserved) == 72);

// The functions (plain C calling convention on Linux). Arguments after the first two:
// DeviceType, DeviceInd.
using OpenDeviceFn = std::uint32_t (*)(std::uint32_t type, std::uint32_t index,
                                       std::uint32_t reserved);
using CloseDeviceFn = std::uint32_t (*)(std::uint32_t type, std::uint32_t index);
using InitCanFn = std::uint32_t (*)(std::uint32_t type, std::uint32_t index,
                                    std::uint32_t channel, InitConfig* config);
using ChannelFn = std::uint32_t (*)(std::uint32_t type, std::uint32_t index,
                                    std::uint32_t channel);  // StartCAN, ResetCAN, ClearBuffer
using ReadBoardInfoFn = std::uint32_t (*)(std::uint32_t type, std::uint32_t index,
                                          BoardInfo* info);
using ReadErrInfoFn = std::uint32_t (*)(std::uint32_t type, std::uint32_t index,
                                        std::uint32_t channel, ErrInfo* info);
using ReadCanStatusFn = std::uint32_t (*)(std::uint32_t type, std::uint32_t index,
                                          std::uint32_t channel, CanStatus* status);
using GetReceiveNumFn = std::uint32_t (*)(std::uint32_t type, std::uint32_t index,
                                          std::uint32_t channel);
using TransmitFn = std::uint32_t (*)(std::uint32_t type, std::uint32_t index,
                                     std::uint32_t channel, CanObj* frames, std::uint32_t count);
using ReceiveFn = std::uint32_t (*)(std::uint32_t type, std::uint32_t index,
                                    std::uint32_t channel, CanObj* buffer,
                                    std::uint32_t capacity, int wait_ms);

}  // namespace can::ecan
