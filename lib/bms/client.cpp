#include "bms/client.hpp"

namespace bms {

DispatcherOptions dispatcher_options(const ClientOptions& o) {
  DispatcherOptions d;
  d.tool = o.tool;
  d.policy.timeout = o.timeout;
  d.policy.retries = o.retries;
  d.window = o.window;
  d.cancelled = o.cancelled;
  return d;
}

Client::Client(can::Bus& bus, const FrameMap& map, ClientOptions options)
    : m_options(std::move(options)),
      m_dispatcher(bus, map, dispatcher_options(m_options)),
      m_peer(m_dispatcher.peer(m_options.bms)) {}

}  // namespace bms
