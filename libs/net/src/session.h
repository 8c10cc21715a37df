// One HTTP/1.1 connection of a Server: read a request under the header and
// body timeouts, route it, run the handler with its span, write the
// response, repeat while keep-alive holds.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "server_state.h"

namespace spanline::net::detail {

// Serves `socket` until the peer closes, a limit or timeout ends the
// connection, or shutdown. Runs on `worker`'s thread; never throws.
boost::asio::awaitable<void> run_session(ServerState& state, Worker& worker,
                                         boost::asio::ip::tcp::socket socket);

// Shutdown steps, on the worker's thread: cancel the sessions waiting for a
// request (those in the middle of one finish it), or close every session.
void cancel_idle_sessions(Worker& worker) noexcept;
void close_all_sessions(Worker& worker) noexcept;

}  // namespace spanline::net::detail
