#include "bms/event_log.hpp"
