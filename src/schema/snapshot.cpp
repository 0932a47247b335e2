// Snapshot helpers (see snapshot.hpp).
#include "pgshim/schema/snapshot.hpp"

namespace pgshim::schema {

const char* to_string(ColumnState state) noexcept {
  switch (state) {
    case ColumnState::Unknown:
      return "unknown";
    case ColumnState::Missing:
      return "missing";
    case ColumnState::Present:
      return "present";
  }
  return "invalid";
}

const ColumnStatus* Snapshot::find(std::string_view schema, std::string_view table,
                                   std::string_view column) const noexcept {
  for (const ColumnStatus& status : columns) {
    if (status.column.column == column && status.column.table == table && status.column.schema == schema) {
      return &status;
    }
  }
  return nullptr;
}

std::shared_ptr<const sql::MissingSet> build_missing_set(const std::vector<ColumnStatus>& columns,
                                                        std::uint64_t version) {
  std::vector<sql::PendingColumn> missing;
  for (const ColumnStatus& status : columns) {
    if (status.state == ColumnState::Missing) missing.push_back(status.column);
  }
  return std::make_shared<const sql::MissingSet>(std::move(missing), version);
}

}  // namespace pgshim::schema
