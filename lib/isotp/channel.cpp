#include "isotp/channel.hpp"
