#include "uds/nrc.hpp"
