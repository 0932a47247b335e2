// Snapshot helpers: state names, lookup, and the MissingSet built from Missing columns.
#include "pgshim/schema/snapshot.hpp"

#include <gtest/gtest.h>

#include <string>

namespace pgshim::schema {
namespace {

ColumnStatus status(std::string table, std::string column, ColumnState state) {
  ColumnStatus s;
  s.column.table = std::move(table);
  s.column.column = std::move(column);
  s.column.type = "text";
  s.state = state;
  return s;
}

TEST(Snapshot, StateNames) {
  EXPECT_STREQ(to_string(ColumnState::Unknown), "unknown");
  EXPECT_STREQ(to_string(ColumnState::Missing), "missing");
  EXPECT_STREQ(to_string(ColumnState::Present), "present");
}

TEST(Snapshot, FindIsExact) {
  Snapshot snapshot;
  snapshot.columns = {status("environments", "last_error", ColumnState::Missing)};
  ASSERT_NE(snapshot.find("public", "environments", "last_error"), nullptr);
  EXPECT_EQ(snapshot.find("public", "Environments", "last_error"), nullptr);
  EXPECT_EQ(snapshot.find("app", "environments", "last_error"), nullptr);
}

// Only Missing columns enter the set; none missing gives an empty (not null) set.
TEST(Snapshot, MissingSetHoldsOnlyMissingColumns) {
  std::vector<ColumnStatus> columns = {status("environments", "last_error", ColumnState::Missing),
                                       status("environments", "finished_at", ColumnState::Present),
                                       status("deployments", "note", ColumnState::Unknown)};
  const auto set = build_missing_set(columns, 9);
  EXPECT_EQ(set->version(), 9u);
  ASSERT_EQ(set->columns().size(), 1u);
  EXPECT_NE(set->find("public", "environments", "last_error"), nullptr);
  columns[0].state = ColumnState::Present;
  const auto none = build_missing_set(columns, 10);
  ASSERT_NE(none, nullptr);
  EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace pgshim::schema
