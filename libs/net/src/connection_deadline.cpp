#include "connection_deadline.h"

#include <algorithm>

namespace spanline::net::detail {

ConnectionDeadline::ConnectionDeadline(boost::asio::ip::tcp::socket& socket,
                                       Clock::duration horizon)
    : timer_(socket.get_executor()), socket_(&socket), horizon_(horizon) {}

void ConnectionDeadline::expires_after(Clock::duration timeout) {
  const auto now = Clock::now();
  deadline_ = now + timeout;
  expired_ = false;
  if (deadline_ < armed_at_) arm(std::min(deadline_, now + horizon_));
}

void ConnectionDeadline::stop() noexcept {
  socket_ = nullptr;
  timer_.cancel();
}

// Re-arming cancels the pending wait; that wait's handler then sees
// operation_aborted and leaves the new one in charge.
void ConnectionDeadline::arm(Clock::time_point at) {
  armed_at_ = at;
  timer_.expires_at(at);
  timer_.async_wait(
      [self = shared_from_this()](const boost::system::error_code& ec) { self->on_timer(ec); });
}

void ConnectionDeadline::on_timer(const boost::system::error_code& ec) {
  if (ec == boost::asio::error::operation_aborted || socket_ == nullptr) return;
  armed_at_ = Clock::time_point::max();
  const auto now = Clock::now();
  if (now >= deadline_) {
    expired_ = true;
    deadline_ = Clock::time_point::max();
    boost::system::error_code ignored;
    socket_->cancel(ignored);
    return;
  }
  if (deadline_ != Clock::time_point::max()) arm(std::min(deadline_, now + horizon_));
}

}  // namespace spanline::net::detail
