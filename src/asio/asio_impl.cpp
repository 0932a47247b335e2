// Asio's and Asio SSL's out-of-line definitions, compiled once for the whole
// program (BOOST_ASIO_SEPARATE_COMPILATION) instead of in every file that
// includes Asio: a large part of keeping the build lean.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
