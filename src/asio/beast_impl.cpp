// Beast's out-of-line definitions, compiled once for the whole program
// (BOOST_BEAST_SEPARATE_COMPILATION). Asio's own are in asio_impl.cpp.
#include <boost/beast/src.hpp>
