// ConnectionDeadline: the one timer behind a server connection's timeouts.
//
// Moving the deadline is a store, not a timer operation: the timer is armed
// at most `horizon` (the shortest configured timeout) ahead, and when it
// fires before the deadline it re-arms for the rest. Since every deadline is
// "now + a timeout >= horizon", a new deadline is never earlier than the
// armed time, so the steady state costs one timer wake-up per horizon per
// busy connection rather than an arm and a cancel per socket operation.
//
// On expiry it cancels the socket's pending operations but leaves the socket
// open, so the session can still answer 408 (a beast::tcp_stream closes it).
//
// Threads: everything runs on the connection's thread. Lifetime: the timer's
// handler co-owns this object; stop() (from the session's destructor)
// detaches it from the socket.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>

namespace spanline::net::detail {

class ConnectionDeadline : public std::enable_shared_from_this<ConnectionDeadline> {
 public:
  using Clock = std::chrono::steady_clock;

  ConnectionDeadline(boost::asio::ip::tcp::socket& socket, Clock::duration horizon);

  // Pending operations are cancelled once `timeout` has passed from now.
  void expires_after(Clock::duration timeout);
  // No deadline (a handler is running).
  void disarm() noexcept { deadline_ = Clock::time_point::max(); }
  // Whether the last deadline passed (reset by expires_after).
  bool expired() const noexcept { return expired_; }
  // The socket is going away: never touch it again.
  void stop() noexcept;

 private:
  void arm(Clock::time_point at);
  void on_timer(const boost::system::error_code& ec);

  boost::asio::steady_timer timer_;
  boost::asio::ip::tcp::socket* socket_;
  Clock::duration horizon_;
  Clock::time_point deadline_ = Clock::time_point::max();
  Clock::time_point armed_at_ = Clock::time_point::max();  // max: not armed
  bool expired_ = false;
};

}  // namespace spanline::net::detail
