// Boost.JSON's definitions, compiled once for the observability integration
// tests (they parse Alertmanager's and Prometheus's API answers).
#include <boost/json/src.hpp>
