#include "can/interfaces.hpp"

#include <linux/can/netlink.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <system_error>

namespace can {
namespace {

struct Attribute {
  std::uint16_t type = 0;
  std::span<const std::uint8_t> data;
};

// The rtattr list in `bytes` (nested ones too); stops at the first malformed entry.
std::vector<Attribute> attributes(std::span<const std::uint8_t> bytes) {
  std::vector<Attribute> out;
  while (bytes.size() >= sizeof(rtattr)) {
    rtattr a{};
    std::memcpy(&a, bytes.data(), sizeof a);
    if (a.rta_len < RTA_LENGTH(0) || a.rta_len > bytes.size()) break;
    out.push_back({static_cast<std::uint16_t>(a.rta_type & NLA_TYPE_MASK),
                   bytes.subspan(RTA_LENGTH(0), a.rta_len - RTA_LENGTH(0))});
    std::size_t step = RTA_ALIGN(a.rta_len);
    if (step >= bytes.size()) break;
    bytes = bytes.subspan(step);
  }
  return out;
}

template <class T>
std::optional<T> read_as(std::span<const std::uint8_t> data) {
  if (data.size() < sizeof(T)) return std::nullopt;
  T value{};
  std::memcpy(&value, data.data(), sizeof(T));
  return value;
}

void parse_can_data(std::span<const std::uint8_t> data, LinkDetails& out) {
  for (const Attribute& a : attributes(data)) {
    if (a.type == IFLA_CAN_BITTIMING) {
      if (auto bt = read_as<can_bittiming>(a.data); bt && bt->bitrate != 0)
        out.bitrate = bt->bitrate;
    } else if (a.type == IFLA_CAN_STATE) {
      if (auto s = read_as<std::uint32_t>(a.data)) out.state = can_state_name(*s);
    } else if (a.type == IFLA_CAN_BERR_COUNTER) {
      if (auto bec = read_as<can_berr_counter>(a.data)) {
        out.tx_errors = bec->txerr;
        out.rx_errors = bec->rxerr;
      }
    }
  }
}

class Fd {
 public:
  explicit Fd(int fd) : m_fd(fd) {}
  ~Fd() {
    if (m_fd >= 0) ::close(m_fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return m_fd; }

 private:
  int m_fd;
};

std::string read_line(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\n' || line.back() == ' ' || line.back() == '\r'))
    line.pop_back();
  return line;
}

}  // namespace

std::string can_state_name(std::uint32_t state) {
  switch (state) {
    case CAN_STATE_ERROR_ACTIVE:
      return "ERROR-ACTIVE";
    case CAN_STATE_ERROR_WARNING:
      return "ERROR-WARNING";
    case CAN_STATE_ERROR_PASSIVE:
      return "ERROR-PASSIVE";
    case CAN_STATE_BUS_OFF:
      return "BUS-OFF";
    case CAN_STATE_STOPPED:
      return "STOPPED";
    case CAN_STATE_SLEEPING:
      return "SLEEPING";
    default:
      return "";
  }
}

std::optional<LinkDetails> parse_link_message(std::span<const std::uint8_t> message) {
  auto header = read_as<nlmsghdr>(message);
  if (!header || header->nlmsg_type != RTM_NEWLINK || header->nlmsg_len > message.size() ||
      header->nlmsg_len < NLMSG_LENGTH(sizeof(ifinfomsg)))
    return std::nullopt;
  std::span<const std::uint8_t> attrs = message.subspan(
      NLMSG_LENGTH(sizeof(ifinfomsg)), header->nlmsg_len - NLMSG_LENGTH(sizeof(ifinfomsg)));
  LinkDetails out;
  for (const Attribute& a : attributes(attrs)) {
    if (a.type != IFLA_LINKINFO) continue;
    for (const Attribute& info : attributes(a.data)) {
      if (info.type == IFLA_INFO_KIND) {
        out.kind.assign(info.data.begin(), info.data.end());
        out.kind.erase(std::find(out.kind.begin(), out.kind.end(), '\0'), out.kind.end());
      } else if (info.type == IFLA_INFO_DATA) {
        parse_can_data(info.data, out);
      }
    }
  }
  return out;
}

std::optional<LinkDetails> query_link(const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ) return std::nullopt;
  Fd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (fd.get() < 0) return std::nullopt;
  timeval timeout{1, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);

  // nlmsghdr + ifinfomsg + IFLA_IFNAME: RTM_GETLINK for one link, by name.
  alignas(nlmsghdr) std::array<std::uint8_t, 128> request{};
  nlmsghdr header{};
  header.nlmsg_type = RTM_GETLINK;
  header.nlmsg_flags = NLM_F_REQUEST;
  header.nlmsg_seq = 1;
  ifinfomsg info{};
  info.ifi_family = AF_UNSPEC;
  rtattr name_attr{};
  name_attr.rta_type = IFLA_IFNAME;
  name_attr.rta_len = static_cast<unsigned short>(RTA_LENGTH(name.size() + 1));
  std::size_t attr_at = NLMSG_LENGTH(sizeof(ifinfomsg));
  header.nlmsg_len = static_cast<std::uint32_t>(attr_at + RTA_ALIGN(name_attr.rta_len));
  std::memcpy(request.data(), &header, sizeof header);
  std::memcpy(request.data() + NLMSG_HDRLEN, &info, sizeof info);
  std::memcpy(request.data() + attr_at, &name_attr, sizeof name_attr);
  std::memcpy(request.data() + attr_at + RTA_LENGTH(0), name.c_str(), name.size() + 1);

  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd.get(), request.data(), header.nlmsg_len, 0,
               reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel) < 0)
    return std::nullopt;

  std::vector<std::uint8_t> buffer(32768);
  ssize_t n = ::recv(fd.get(), buffer.data(), buffer.size(), 0);
  if (n < static_cast<ssize_t>(sizeof(nlmsghdr))) return std::nullopt;
  std::span<const std::uint8_t> reply(buffer.data(), static_cast<std::size_t>(n));
  while (auto h = read_as<nlmsghdr>(reply)) {
    if (h->nlmsg_len < sizeof(nlmsghdr) || h->nlmsg_len > reply.size()) break;
    if (h->nlmsg_type == RTM_NEWLINK) return parse_link_message(reply.first(h->nlmsg_len));
    if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_DONE) break;
    std::size_t step = NLMSG_ALIGN(h->nlmsg_len);
    if (step >= reply.size()) break;
    reply = reply.subspan(step);
  }
  return std::nullopt;
}

std::vector<InterfaceInfo> list_can_interfaces(const std::filesystem::path& sys_class_net,
                                               const LinkQuery& query) {
  namespace fs = std::filesystem;
  std::vector<InterfaceInfo> out;
  std::error_code ec;
  for (fs::directory_iterator it(sys_class_net, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path dir = it->path();
    if (read_line(dir / "type") != "280") continue;  // ARPHRD_CAN
    InterfaceInfo info;
    info.name = dir.filename().string();
    unsigned long flags = 0;
    try {
      flags = std::stoul(read_line(dir / "flags"), nullptr, 0);
    } catch (const std::exception&) {
      flags = 0;
    }
    info.up = (flags & IFF_UP) != 0;
    std::optional<LinkDetails> details = query ? query(info.name) : std::nullopt;
    if (details && !details->kind.empty()) {
      info.is_virtual = details->kind == "vcan" || details->kind == "vxcan";
    } else {
      // No rtnetlink answer: a software device named like one.
      std::error_code device_ec;
      info.is_virtual = !fs::exists(dir / "device", device_ec) &&
                        (info.name.starts_with("vcan") || info.name.starts_with("vxcan"));
    }
    if (details) {
      info.bitrate = details->bitrate;
      info.state = details->state;
      info.tx_errors = details->tx_errors;
      info.rx_errors = details->rx_errors;
    }
    out.push_back(std::move(info));
  }
  std::sort(out.begin(), out.end(),
            [](const InterfaceInfo& a, const InterfaceInfo& b) { return a.name < b.name; });
  return out;
}

std::vector<InterfaceInfo> list_can_interfaces() {
  return list_can_interfaces("/sys/class/net", query_link);
}

std::optional<InterfaceInfo> find_can_interface(std::string_view name) {
  for (InterfaceInfo& info : list_can_interfaces())
    if (info.name == name) return std::move(info);
  return std::nullopt;
}

bool network_interface_exists(std::string_view name) {
  if (name.empty() || name.size() >= IFNAMSIZ) return false;
  return ::if_nametoindex(std::string(name).c_str()) != 0;
}

}  // namespace can
