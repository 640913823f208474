// A progress bar on stderr for long runs, shown only on a terminal and unless --quiet.
#pragma once

#include <functional>

namespace hexa {

// A callback for SimOptions::progress, or none when stderr is not a terminal or `quiet`.
std::function<void(double)> progress_bar(bool quiet);

}  // namespace hexa
