#pragma once
// The Asio vocabulary the proxy shell uses. Asio is compiled once
// (BOOST_ASIO_SEPARATE_COMPILATION, see asio_impl.cpp), and only the proxy
// module includes it: the codec and the rewriter never see a socket.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace pgshim::proxy {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

template <class T = void>
using awaitable = asio::awaitable<T>;

// Completion token for the data plane: results come back as (error_code, ...)
// tuples instead of exceptions.
inline constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

}  // namespace pgshim::proxy
