// Boost.JSON's definitions, compiled once for the whole program (header-only
// use, so no separate boost_json library is needed): Drizzle's migration
// journal, pgshim's journal of dropped writes, and the tests that read
// Alertmanager's and Prometheus's answers.
#include <boost/json/src.hpp>
