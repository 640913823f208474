// The request id (docs/observability.md): the client's X-Request-Id when it is well formed,
// else one made here. The server returns it in the answer's X-Request-Id, logs it with the
// request, journals it with the commands the request wrote and passes it in the start and stop
// orders those commands cause, so that one id follows a submit from the API to the agent.
#pragma once

#include <string>
#include <string_view>

#include "model/status.h"

namespace hexa {

constexpr std::size_t kMaxRequestId = 64;
// 1..64 characters of [A-Za-z0-9._-]; Invalid naming the header and the rule else.
Status check_request_id(std::string_view id);
// 16 random hex digits (not secret: unique enough to find one request in the logs).
std::string new_request_id();

}  // namespace hexa
