// Boost.JSON's implementation, compiled once for the module (header-only use,
// so no separate boost_json library is needed). Only Drizzle's journal uses it.
#include <boost/json/src.hpp>
