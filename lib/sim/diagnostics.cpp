#include "sim/diagnostics.hpp"
