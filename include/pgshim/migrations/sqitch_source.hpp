#pragma once
// sqitch's plan and registry.
//
// Directory: the sqitch project's top directory, holding `sqitch.plan` and
// `deploy/<change>.sql` (revert/ and verify/ are not read). The layout
// sqitch.conf can change (top_dir, deploy_dir, plan_file, another script
// extension) is not followed: pgshim reads the default one. The plan, in
// order:
//   %syntax-version=1.0.0                       pragmas; %project is required
//   %project=incident
//   # a comment                                 comment and blank lines
//   change [dep !conflict] 2025-06-01T09:00:00Z Ada <ada@example.com> # note
//   @v1.0 2025-06-02T10:00:00Z Ada <ada@example.com> # tag the change above
// Each change line is one migration, named by the change. A change may appear
// again after a tag (`sqitch rework`): the last appearance's script is
// `deploy/<change>.sql` and keeps the change's name; an earlier one's script
// was copied to `deploy/<change>@<tag>.sql`, `<tag>` one of the tags between it
// and its next appearance (the first whose file exists, as sqitch looks it
// up), and that migration is named `<change>@<tag>`. A name repeated with no
// tag in between is an error (sqitch refuses such a plan), and so is the old
// `-change` (revert) syntax.
//
// Registry: schema `sqitch` (sqitch's `registry` setting). `sqitch.changes`
// has one row per deployed change (`change` is its name, `project` the plan's
// %project); a reworked change has a row per deployed appearance, and as
// sqitch deploys in plan order and reverts from the end, the first N
// appearances of a name are the deployed ones when it has N rows.
// `sqitch.events` logs every deploy, revert and fail: the appearance after
// the deployed ones is failed when the name's latest event is `fail` (the
// deploy script died, possibly half applied when it does not run in one
// transaction), pending otherwise.
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgshim/migrations/migration_source.hpp"

namespace pgshim::migrations {

class SqitchSource final : public MigrationSource {
 public:
  static constexpr std::string_view kDefaultRegistry = "sqitch";

  // `registry` is the schema of sqitch's tables.
  explicit SqitchSource(std::string dir, std::string registry = std::string(kDefaultRegistry))
      : dir_(std::move(dir)), registry_(std::move(registry)) {}

  [[nodiscard]] std::string_view tool() const noexcept override { return "sqitch"; }
  // The plan's changes in plan order with their deploy scripts. Throws
  // MigrationError for a missing or malformed plan or a missing script.
  [[nodiscard]] std::vector<Migration> list() const override;
  [[nodiscard]] std::map<std::string, MigrationState> recorded(Database& db) const override;
  // Committed_at of the changes row of each deployed appearance.
  [[nodiscard]] std::optional<AppliedTimes> applied_at(Database& db) const override;

 private:
  std::string dir_;
  std::string registry_;
};

// One change line of a plan.
struct SqitchChange {
  std::string name;
  std::vector<std::string> dependencies;  // as the brackets list them (`users`, `!old`, `users@v1.0`)
  std::string planned_at;                 // YYYY-MM-DDTHH:MM:SSZ
  std::string planner_name;
  std::string planner_email;
  std::string note;
  std::vector<std::string> tags;         // the tags right after it, without `@`
  // For an appearance that is reworked later: the tags between it and the
  // next appearance, in plan order (its script is `<name>@<tag>.sql` for one
  // of them). Empty for a change's last appearance.
  std::vector<std::string> rework_tags;
  std::size_t line = 0;  // in the plan file
};

struct SqitchPlan {
  std::string project;
  std::vector<SqitchChange> changes;  // plan order
};

// Parses a plan (`path` for messages: errors name path:line).
[[nodiscard]] SqitchPlan parse_sqitch_plan(const std::string& text, const std::string& path);

}  // namespace pgshim::migrations
