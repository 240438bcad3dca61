#include "uds/client.hpp"
