// The server's connection cap against its file descriptor limit.
#pragma once

#include <cstddef>
#include <string>

namespace hexa {

// Raises this process's soft limit of open files to its hard limit, and returns `wanted`, or
// less when even that limit leaves no room for it (a reserve is kept for the journal, snapshots
// and logs): a flood of connections is refused at accept rather than starving the server of
// descriptors. `note` gets a line to say when the cap was lowered.
std::size_t fit_connections_to_fds(std::size_t wanted, std::string* note);

}  // namespace hexa
