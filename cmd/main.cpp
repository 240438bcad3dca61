// rocketctl: talk to a RocketS SMART battery's BMS over CAN.
// The work is cli::run (cmd/run.cpp), where errors become the one-line message and the
// documented exit status.

#include "run.hpp"

int main(int argc, char** argv) { return cli::run(argc, argv, ROCKETCTL_VERSION); }
