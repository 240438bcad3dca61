#include "isotp/engine.hpp"
