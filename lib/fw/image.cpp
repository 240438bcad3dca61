#include "fw/image.hpp"
