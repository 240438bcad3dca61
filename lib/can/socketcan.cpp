#include "can/socketcan.hpp"

#include <fmt/format.h>
#include <linux/can.h>
#include <linux/can/error.h>
#include <linux/can/raw.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "can/interfaces.hpp"

namespace can {
namespace {

// strerror in the style of our messages: "no such device".
std::string errno_text(int err) {
  std::string text = std::strerror(err);
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z' && (text.size() < 2 || text[1] > 'Z'))
    text[0] = static_cast<char>(text[0] - 'A' + 'a');
  return text;
}

// A ppoll timeout for what is left until `deadline`: at least 0, at most an hour per call.
timespec timeout_until(util::TimePoint deadline, util::TimePoint now) {
  auto left =
      std::clamp<util::Duration>(deadline - now, util::Duration::zero(), std::chrono::hours(1));
  auto sec = std::chrono::duration_cast<std::chrono::seconds>(left);
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(sec.count());
  ts.tv_nsec = static_cast<long>((left - sec).count());
  return ts;
}

bool looks_virtual(const std::string& name) {
  if (auto info = find_can_interface(name)) return info->is_virtual;
  return name.starts_with("vcan") || name.starts_with("vxcan");
}

std::string up_command(const std::string& name, bool is_virtual) {
  return is_virtual ? fmt::format("sudo ip link set {} up", name)
                    : fmt::format("sudo ip link set {} up type can bitrate 250000", name);
}

std::string known_interfaces() {
  std::string names;
  for (const InterfaceInfo& info : list_can_interfaces())
    names += (names.empty() ? "" : ", ") + info.name;
  return names;
}

// "no CAN interface 'can0' (CAN interfaces here: vcan0, can1)".
util::Error missing_interface(const std::string& name) {
  std::string known = known_interfaces();
  std::string what = network_interface_exists(name)
                         ? fmt::format("'{}' is not a CAN interface", name)
                         : fmt::format("no CAN interface '{}'", name);
  if (known.empty())
    return {
        util::Errc::interface_error,
        what + ": this machine has no CAN interfaces: plug in the USB-CAN adapter, or try -i sim"};
  return {util::Errc::interface_error, fmt::format("{} (CAN interfaces here: {})", what, known)};
}

util::Error interface_down(const std::string& name) {
  return {util::Errc::interface_error,
          fmt::format("interface {} is down: {}", name, up_command(name, looks_virtual(name)))};
}

util::Error permission_denied(const std::string& name, int err) {
  return {util::Errc::interface_error,
          fmt::format("cannot open {}: {}: raw CAN sockets are not allowed here (run as a user "
                      "who may open them, or try -i sim)",
                      name, errno_text(err))};
}

template <class T>
bool set_option(int fd, int level, int option, const T& value, std::size_t size = sizeof(T)) {
  return ::setsockopt(fd, level, option, &value, static_cast<socklen_t>(size)) == 0;
}

}  // namespace

std::uint32_t error_filter_mask() {
  return CAN_ERR_TX_TIMEOUT | CAN_ERR_CRTL | CAN_ERR_PROT | CAN_ERR_ACK | CAN_ERR_BUSOFF |
         CAN_ERR_BUSERROR | CAN_ERR_RESTARTED;
}

BusError translate_error_frame(const ::can_frame& cf) {
  const canid_t id = cf.can_id;
  BusError e;
  if (id & CAN_ERR_CNT) {
    e.tx_errors = cf.data[6];
    e.rx_errors = cf.data[7];
  }
  const std::uint8_t ctrl = (id & CAN_ERR_CRTL) ? cf.data[1] : 0;
  const bool ack_slot = (id & CAN_ERR_PROT) && (cf.data[3] == CAN_ERR_PROT_LOC_ACK ||
                                                cf.data[3] == CAN_ERR_PROT_LOC_ACK_DEL);
  using Kind = BusError::Kind;
  if (id & CAN_ERR_BUSOFF)
    e.kind = Kind::bus_off;
  else if (id & CAN_ERR_RESTARTED)
    e.kind = Kind::restarted;
  else if ((id & CAN_ERR_ACK) || ack_slot)
    e.kind = Kind::no_ack;
  else if (ctrl & CAN_ERR_CRTL_RX_OVERFLOW)
    e.kind = Kind::rx_overflow;
  else if (ctrl & (CAN_ERR_CRTL_RX_PASSIVE | CAN_ERR_CRTL_TX_PASSIVE))
    e.kind = Kind::error_passive;
  else if (ctrl & (CAN_ERR_CRTL_RX_WARNING | CAN_ERR_CRTL_TX_WARNING))
    e.kind = Kind::error_warning;
  else if (id & (CAN_ERR_PROT | CAN_ERR_BUSERROR))
    e.kind = Kind::protocol;
  else if (id & CAN_ERR_TX_TIMEOUT)
    e.kind = Kind::tx_timeout;
  else
    e.kind = Kind::other;
  return e;
}

Frame from_kernel_frame(const ::can_frame& cf) {
  Frame f;
  f.extended = (cf.can_id & CAN_EFF_FLAG) != 0;
  f.remote = (cf.can_id & CAN_RTR_FLAG) != 0;
  f.id = f.extended ? (cf.can_id & CAN_EFF_MASK) : (cf.can_id & CAN_SFF_MASK);
  const std::uint8_t len = std::min<std::uint8_t>(cf.len, CAN_MAX_DLEN);
  f.dlc = (len == CAN_MAX_DLEN && cf.len8_dlc > CAN_MAX_DLEN && cf.len8_dlc <= CAN_MAX_RAW_DLC)
              ? cf.len8_dlc
              : len;
  f.data = {};
  if (!f.remote) std::copy_n(cf.data, len, f.data.begin());
  return f;
}

::can_frame to_kernel_frame(const Frame& frame) {
  ::can_frame cf{};
  cf.can_id =
      frame.extended ? ((frame.id & CAN_EFF_MASK) | CAN_EFF_FLAG) : (frame.id & CAN_SFF_MASK);
  if (frame.remote) cf.can_id |= CAN_RTR_FLAG;
  const std::uint8_t dlc = std::min<std::uint8_t>(frame.dlc, CAN_MAX_RAW_DLC);
  cf.len = std::min<std::uint8_t>(dlc, CAN_MAX_DLEN);
  if (dlc > CAN_MAX_DLEN) cf.len8_dlc = dlc;
  if (!frame.remote) std::copy_n(frame.data.begin(), cf.len, cf.data);
  return cf;
}

SocketCanBus::SocketCanBus(int fd, std::string name) : m_fd(fd), m_name(std::move(name)) {}

SocketCanBus::~SocketCanBus() {
  if (m_fd >= 0) ::close(m_fd);
}

util::Result<std::unique_ptr<Bus>> SocketCanBus::open(const std::string& ifname,
                                                      std::vector<Filter> filters) {
  using util::Errc;
  if (ifname.empty() || ifname.size() >= IFNAMSIZ || ifname.find('/') != std::string::npos)
    return util::fail(Errc::usage, fmt::format("'{}' is not a valid interface name", ifname));
  int fd = ::socket(PF_CAN, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, CAN_RAW);
  if (fd < 0) {
    int err = errno;
    if (err == EAFNOSUPPORT || err == EPROTONOSUPPORT)
      return util::fail(Errc::interface_error,
                        fmt::format("cannot open {}: this kernel has no SocketCAN support: load "
                                    "the can and can-raw modules (modprobe can-raw), or try -i sim",
                                    ifname));
    if (err == EACCES || err == EPERM) return tl::unexpected(permission_denied(ifname, err));
    return util::fail(Errc::interface_error,
                      fmt::format("cannot open {}: socket: {}", ifname, errno_text(err)));
  }
  std::unique_ptr<SocketCanBus> bus(new SocketCanBus(fd, ifname));

  ifreq ifr{};
  std::memcpy(ifr.ifr_name, ifname.c_str(), ifname.size() + 1);
  if (::ioctl(fd, SIOCGIFINDEX, &ifr) < 0) return tl::unexpected(missing_interface(ifname));
  const int ifindex = ifr.ifr_ifindex;
  if (::ioctl(fd, SIOCGIFHWADDR, &ifr) == 0 && ifr.ifr_hwaddr.sa_family != ARPHRD_CAN)
    return tl::unexpected(missing_interface(ifname));
  if (::ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & IFF_UP))
    return tl::unexpected(interface_down(ifname));
  bus->m_is_virtual = looks_virtual(ifname);

  // Extended data frames only: EFF and RTR take part in the comparison.
  std::vector<can_filter> kernel_filters;
  for (const Filter& f : filters)
    kernel_filters.push_back({(f.id & CAN_EFF_MASK) | CAN_EFF_FLAG,
                              (f.mask & CAN_EFF_MASK) | CAN_EFF_FLAG | CAN_RTR_FLAG});
  const can_err_mask_t err_mask = error_filter_mask();
  const int on = 1;
  const char* failed = nullptr;
  if (!kernel_filters.empty() &&
      !set_option(fd, SOL_CAN_RAW, CAN_RAW_FILTER, *kernel_filters.data(),
                  kernel_filters.size() * sizeof(can_filter)))
    failed = "CAN_RAW_FILTER";
  else if (!set_option(fd, SOL_CAN_RAW, CAN_RAW_ERR_FILTER, err_mask))
    failed = "CAN_RAW_ERR_FILTER";
  else if (!set_option(fd, SOL_SOCKET, SO_TIMESTAMPNS, on))
    failed = "SO_TIMESTAMPNS";
  else if (!set_option(fd, SOL_SOCKET, SO_RXQ_OVFL, on))
    failed = "SO_RXQ_OVFL";
  if (failed)
    return util::fail(Errc::interface_error,
                      fmt::format("cannot set up {}: {}: {}", ifname, failed, errno_text(errno)));
  // Room for a whole ISO-TP message (585 frames of a 4095-byte one) arriving at once, as it
  // does from a USB adapter's buffer or on vcan: best effort, since the limit above
  // net.core.rmem_max needs CAP_NET_ADMIN.
  constexpr int k_receive_buffer = 1 << 20;
  if (!set_option(fd, SOL_SOCKET, SO_RCVBUFFORCE, k_receive_buffer))
    set_option(fd, SOL_SOCKET, SO_RCVBUF, k_receive_buffer);

  sockaddr_can addr{};
  addr.can_family = AF_CAN;
  addr.can_ifindex = ifindex;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0) {
    int err = errno;
    if (err == ENODEV || err == ENXIO) return tl::unexpected(missing_interface(ifname));
    if (err == ENETDOWN) return tl::unexpected(interface_down(ifname));
    if (err == EACCES || err == EPERM) return tl::unexpected(permission_denied(ifname, err));
    return util::fail(Errc::interface_error,
                      fmt::format("cannot open {}: bind: {}", ifname, errno_text(err)));
  }
  return std::unique_ptr<Bus>(std::move(bus));
}

std::optional<ControllerStatus> SocketCanBus::controller_status() {
  auto details = query_link(m_name);
  if (!details) return std::nullopt;
  return ControllerStatus{details->state, details->tx_errors, details->rx_errors, details->bitrate};
}

util::Error SocketCanBus::interface_gone(int err) const {
  if (err == ENETDOWN)
    return {util::Errc::interface_error,
            fmt::format("interface {} went down: {}", m_name, up_command(m_name, m_is_virtual))};
  return {util::Errc::interface_error,
          fmt::format("interface {} disappeared: {} (adapter unplugged or driver unloaded?)",
                      m_name, errno_text(err))};
}

util::Result<void> SocketCanBus::send(const Frame& frame, util::TimePoint deadline) {
  const ::can_frame cf = to_kernel_frame(frame);
  for (;;) {
    ssize_t n = ::write(m_fd, &cf, sizeof cf);
    if (n == static_cast<ssize_t>(sizeof cf)) return {};
    int err = n < 0 ? errno : EIO;
    if (err == EINTR) continue;
    if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS) {
      util::TimePoint now = m_clock.now();
      if (now >= deadline)
        return util::fail(util::Errc::bus_error,
                          fmt::format("transmit queue full: {} cannot get frames onto the bus (is "
                                      "anything else on the bus? 250 kbit/s?)",
                                      m_name));
      if (err == ENOBUFS) {
        // A full device queue does not show in poll(POLLOUT): back off briefly instead.
        m_clock.sleep_until(std::min(deadline, now + std::chrono::milliseconds(1)));
      } else {
        pollfd p{m_fd, POLLOUT, 0};
        timespec ts = timeout_until(deadline, now);
        ::ppoll(&p, 1, &ts, nullptr);
      }
      continue;
    }
    if (err == ENETDOWN || err == ENODEV || err == ENXIO)
      return tl::unexpected(interface_gone(err));
    return util::fail(util::Errc::interface_error,
                      fmt::format("cannot send on {}: {}", m_name, errno_text(err)));
  }
}

util::Result<std::optional<Event>> SocketCanBus::receive(util::TimePoint deadline) {
  if (m_pending) {
    std::optional<Event> event = std::move(m_pending);
    m_pending.reset();
    return event;
  }
  for (;;) {
    auto event = read_one();
    if (!event || *event) return event;
    util::TimePoint now = m_clock.now();
    if (now >= deadline) return std::optional<Event>{};
    pollfd p{m_fd, POLLIN, 0};
    timespec ts = timeout_until(deadline, now);
    if (::ppoll(&p, 1, &ts, nullptr) < 0 && errno != EINTR)
      return util::fail(util::Errc::interface_error,
                        fmt::format("cannot wait for frames on {}: {}", m_name, errno_text(errno)));
  }
}

// One frame or fault from the socket without waiting; nullopt when there is none.
util::Result<std::optional<Event>> SocketCanBus::read_one() {
  for (;;) {
    ::can_frame cf{};
    iovec iov{&cf, sizeof cf};
    alignas(cmsghdr)
        std::array<char, CMSG_SPACE(sizeof(timespec)) + CMSG_SPACE(sizeof(std::uint32_t)) + 64>
            control{};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    ssize_t n = ::recvmsg(m_fd, &msg, 0);
    if (n < 0) {
      int err = errno;
      if (err == EINTR) continue;
      if (err == EAGAIN || err == EWOULDBLOCK) return std::optional<Event>{};
      if (err == ENETDOWN || err == ENODEV || err == ENXIO)
        return tl::unexpected(interface_gone(err));
      return util::fail(util::Errc::interface_error,
                        fmt::format("cannot read from {}: {}", m_name, errno_text(err)));
    }
    if (n != static_cast<ssize_t>(sizeof cf)) continue;  // not a classical CAN frame

    std::uint32_t dropped = m_dropped;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET) continue;
      if (c->cmsg_type == SCM_TIMESTAMPNS && c->cmsg_len >= CMSG_LEN(sizeof(timespec))) {
        timespec ts{};
        std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
        m_timestamp = std::chrono::system_clock::time_point(
            std::chrono::duration_cast<std::chrono::system_clock::duration>(
                std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
      } else if (c->cmsg_type == SO_RXQ_OVFL && c->cmsg_len >= CMSG_LEN(sizeof(std::uint32_t))) {
        std::memcpy(&dropped, CMSG_DATA(c), sizeof dropped);
      }
    }

    Event event = (cf.can_id & CAN_ERR_FLAG) ? Event{translate_error_frame(cf)}
                                             : Event{from_kernel_frame(cf)};
    if (dropped != m_dropped) {
      m_dropped = dropped;
      m_pending = std::move(event);  // the loss happened before this frame arrived
      return std::optional<Event>{BusError{BusError::Kind::rx_overflow}};
    }
    return std::optional<Event>{std::move(event)};
  }
}

}  // namespace can
