// sqitch.plan, deploy scripts and the sqitch registry (see sqitch_source.hpp).
#include "pgshim/migrations/sqitch_source.hpp"

#include <cctype>
#include <filesystem>

#include "files.hpp"

namespace pgshim::migrations {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kPlanFile = "sqitch.plan";
constexpr std::string_view kDeployDir = "deploy";
constexpr std::string_view kExtension = ".sql";

[[noreturn]] void plan_error(const std::string& path, std::size_t line, const std::string& message) {
  throw MigrationError(path + ":" + std::to_string(line) + ": " + message);
}

[[nodiscard]] std::string_view skip_blanks(std::string_view s) noexcept {
  while (!s.empty() && detail::blank(s.front())) s.remove_prefix(1);
  return s;
}

// The leading run of `s` up to a blank or any of `stops`; `s` keeps the rest.
[[nodiscard]] std::string_view take_token(std::string_view& s, std::string_view stops = {}) noexcept {
  std::size_t n = 0;
  while (n < s.size() && !detail::blank(s[n]) && stops.find(s[n]) == std::string_view::npos) ++n;
  const std::string_view token = s.substr(0, n);
  s.remove_prefix(n);
  return token;
}

// YYYY-MM-DDTHH:MM:SSZ, the form sqitch writes plan timestamps in.
[[nodiscard]] bool is_plan_timestamp(std::string_view t) noexcept {
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:ddZ";
  if (t.size() != kShape.size()) return false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const bool ok = kShape[i] == 'd' ? std::isdigit(static_cast<unsigned char>(t[i])) != 0 : t[i] == kShape[i];
    if (!ok) return false;
  }
  return true;
}

// The part of a change or tag line after its name:
// `[deps] <timestamp> <planner name> <<email>> [# note]`.
void parse_line_rest(std::string_view rest, SqitchChange& c, bool allow_dependencies, const std::string& path) {
  rest = skip_blanks(rest);
  if (allow_dependencies && !rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) plan_error(path, c.line, "dependency list without `]`");
    std::string_view deps = rest.substr(1, close - 1);
    rest = skip_blanks(rest.substr(close + 1));
    while (!(deps = skip_blanks(deps)).empty()) c.dependencies.emplace_back(take_token(deps));
  }
  const std::string_view timestamp = take_token(rest);
  if (!is_plan_timestamp(timestamp)) {
    plan_error(path, c.line, "expected a timestamp (YYYY-MM-DDTHH:MM:SSZ), found \"" + std::string(timestamp) + "\"");
  }
  c.planned_at = std::string(timestamp);
  const auto lt = rest.find('<');
  const auto gt = lt == std::string_view::npos ? lt : rest.find('>', lt);
  if (gt == std::string_view::npos) plan_error(path, c.line, "expected the planner as `name <email>`");
  c.planner_name = std::string(detail::trim(rest.substr(0, lt)));
  c.planner_email = std::string(rest.substr(lt + 1, gt - lt - 1));
  rest = skip_blanks(rest.substr(gt + 1));
  if (rest.empty()) return;
  if (rest.front() != '#') plan_error(path, c.line, "unexpected \"" + std::string(rest) + "\" after the planner");
  c.note = std::string(detail::trim(rest.substr(1)));
}

struct Planned {
  std::string migration;  // pgshim's name: the change, or change@tag for an earlier appearance
  std::string change;     // the name as the registry records it
  fs::path script;
};

[[nodiscard]] SqitchPlan read_plan(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw MigrationError("migrations directory " + dir + " does not exist");
  const fs::path plan = fs::path(dir) / kPlanFile;
  if (!fs::is_regular_file(plan, ec)) throw MigrationError("sqitch plan " + plan.string() + " does not exist");
  return parse_sqitch_plan(detail::read_file(plan), plan.string());
}

struct Project {
  std::string name;              // %project, as the registry's rows name it
  std::vector<Planned> changes;  // plan order
};

// Every change of the plan with the deploy script sqitch would run for it.
[[nodiscard]] Project planned(const std::string& dir) {
  const SqitchPlan plan = read_plan(dir);
  const fs::path deploy = fs::path(dir) / kDeployDir;
  Project out{plan.project, {}};
  for (const auto& c : plan.changes) {
    std::error_code ec;
    if (c.rework_tags.empty()) {
      const fs::path script = deploy / (c.name + std::string(kExtension));
      if (!fs::is_regular_file(script, ec)) {
        throw MigrationError("sqitch change " + c.name + " has no deploy script " + script.string());
      }
      out.changes.push_back(Planned{c.name, c.name, script});
      continue;
    }
    // sqitch takes the first rework tag whose copy of the script exists.
    bool found = false;
    for (const auto& tag : c.rework_tags) {
      const fs::path script = deploy / (c.name + "@" + tag + std::string(kExtension));
      if (fs::is_regular_file(script, ec)) {
        out.changes.push_back(Planned{c.name + "@" + tag, c.name, script});
        found = true;
        break;
      }
    }
    if (!found) {
      throw MigrationError("sqitch change " + c.name + " (line " + std::to_string(c.line) +
                           ") is reworked later but has no deploy script " +
                           (deploy / (c.name + "@" + c.rework_tags.front() + std::string(kExtension))).string());
    }
  }
  return out;
}

}  // namespace

SqitchPlan parse_sqitch_plan(const std::string& text, const std::string& path) {
  SqitchPlan plan;
  std::map<std::string, std::size_t> latest;  // change name -> index of its latest appearance
  std::size_t line_no = 0;
  for (detail::Lines lines(text); auto next = lines.next();) {
    ++line_no;
    std::string_view line = detail::trim(*next);
    if (line.empty() || line.front() == '#') continue;
    if (line.front() == '%') {
      const auto eq = line.find('=');
      if (eq == std::string_view::npos) continue;  // a pragma without a value sets nothing pgshim reads
      if (detail::trim(line.substr(1, eq - 1)) == "project") {
        plan.project = std::string(detail::trim(line.substr(eq + 1)));
      }
      continue;
    }
    if (line.front() == '@') {
      line.remove_prefix(1);
      SqitchChange tag;
      tag.line = line_no;
      tag.name = std::string(take_token(line));
      if (tag.name.empty()) plan_error(path, line_no, "a tag line without a name");
      if (plan.changes.empty()) plan_error(path, line_no, "tag @" + tag.name + " before any change");
      parse_line_rest(line, tag, /*allow_dependencies=*/false, path);
      plan.changes.back().tags.push_back(tag.name);
      continue;
    }
    if (line.front() == '-') {
      plan_error(path, line_no, "`-change` (revert in the plan) is not supported");
    }
    if (line.front() == '+') line.remove_prefix(1);
    SqitchChange c;
    c.line = line_no;
    c.name = std::string(take_token(line, "["));
    if (c.name.empty()) plan_error(path, line_no, "a change line without a name");
    parse_line_rest(line, c, /*allow_dependencies=*/true, path);
    const auto [it, first] = latest.emplace(c.name, plan.changes.size());
    if (!first) {
      // A rework: the tags between the earlier appearance and this one name
      // the earlier one's copy of the script.
      std::vector<std::string> between;
      for (std::size_t i = it->second; i < plan.changes.size(); ++i) {
        between.insert(between.end(), plan.changes[i].tags.begin(), plan.changes[i].tags.end());
      }
      if (between.empty()) {
        plan_error(path, line_no,
                   "change " + c.name + " appears again (line " + std::to_string(plan.changes[it->second].line) +
                       ") with no tag in between");
      }
      plan.changes[it->second].rework_tags = std::move(between);
      it->second = plan.changes.size();
    }
    plan.changes.push_back(std::move(c));
  }
  if (plan.project.empty()) throw MigrationError(path + ": no %project pragma");
  return plan;
}

std::vector<Migration> SqitchSource::list() const {
  std::vector<Migration> out;
  for (const auto& p : planned(dir_).changes) {
    out.push_back(Migration{p.migration, detail::read_file(p.script), p.script.string()});
  }
  return out;
}

std::map<std::string, MigrationState> SqitchSource::recorded(Database& db) const {
  const std::string changes = registry_ + ".changes";
  const std::string events = registry_ + ".events";
  if (!detail::table_exists(db, changes)) return {};
  const Project project = planned(dir_);
  std::map<std::string, std::size_t> deployed;  // change name -> rows
  for (const auto& row : db.query("SELECT change, count(*)::text FROM " + detail::quote_table(changes) +
                                      " WHERE project = $1 GROUP BY change",
                                  {project.name})) {
    if (row.size() != 2 || !row[0] || !row[1] || !detail::all_digits(*row[1])) continue;
    deployed[*row[0]] = static_cast<std::size_t>(std::stoull(*row[1]));
  }
  std::map<std::string, std::string> latest_event;  // change name -> deploy/revert/fail/merge
  if (detail::table_exists(db, events)) {
    for (const auto& row : db.query("SELECT DISTINCT ON (change) change, event FROM " + detail::quote_table(events) +
                                        " WHERE project = $1 ORDER BY change, committed_at DESC",
                                    {project.name})) {
      if (row.size() == 2 && row[0] && row[1]) latest_event[*row[0]] = *row[1];
    }
  }
  std::map<std::string, MigrationState> out;
  std::map<std::string, std::size_t> seen;  // appearances of each name so far
  for (const auto& p : project.changes) {
    const std::size_t appearance = seen[p.change]++;
    const auto it = deployed.find(p.change);
    const std::size_t rows = it == deployed.end() ? 0 : it->second;
    if (appearance < rows) {
      out[p.migration] = MigrationState::Applied;
    } else if (appearance == rows) {
      const auto ev = latest_event.find(p.change);
      if (ev != latest_event.end() && ev->second == "fail") out[p.migration] = MigrationState::Failed;
    }
  }
  return out;
}

std::optional<MigrationSource::AppliedTimes> SqitchSource::applied_at(Database& db) const {
  const std::string changes = registry_ + ".changes";
  if (!detail::table_exists(db, changes)) return AppliedTimes{};
  const Project project = planned(dir_);
  // A reworked change has one row per deployed appearance: the oldest row is
  // the first appearance's, as recorded() counts them.
  std::map<std::string, std::vector<std::chrono::system_clock::time_point>> deployed;
  for (const auto& row : db.query("SELECT change, " + detail::epoch_sql("committed_at") + " FROM " +
                                      detail::quote_table(changes) + " WHERE project = $1 ORDER BY committed_at",
                                  {project.name})) {
    if (row.size() != 2 || !row[0]) continue;
    if (const auto at = detail::epoch_time(row[1])) deployed[*row[0]].push_back(*at);
  }
  AppliedTimes out;
  std::map<std::string, std::size_t> seen;
  for (const auto& p : project.changes) {
    const std::size_t appearance = seen[p.change]++;
    const auto it = deployed.find(p.change);
    if (it != deployed.end() && appearance < it->second.size()) out[p.migration] = it->second[appearance];
  }
  return out;
}

}  // namespace pgshim::migrations
