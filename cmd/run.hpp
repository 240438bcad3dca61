#pragma once
// rocketctl's whole command line: main() is this and nothing else.

namespace cli {

// Parses argv, runs the command, reports an error as one line on stderr (a hint, a JSON error
// object with --json) and returns the documented exit status (cmd/exit_status.hpp). `version`
// is what --version prints after "rocketctl ".
int run(int argc, char** argv, const char* version);

}  // namespace cli
