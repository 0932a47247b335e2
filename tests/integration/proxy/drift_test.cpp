// Both directions of drift with the real pgshim binary (issue: every statement
// shape): the database ahead of the code. A rolling deploy where a migration
// dropped a column old pods still use (retired), and one where it renamed a
// column old pods still use by its old name (renamed).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <thread>

#include "integration/alert/obs_support.hpp"
#include "support/harness.hpp"

namespace pgshim::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using obs_test::wait_until;

std::string value_or_error(PGconn* c, const std::string& sql) { return query_value(c, sql); }

TEST(Drift, RetiredColumnOldCodeKeepsWorkingAndIsAlertedByName) {
  // Proves: with `legacy_note` dropped, an old client's INSERT/SELECT/UPDATE of
  // it succeed (NULL read, writes dropped), other values are stored, and the
  // webhook gets PgshimRetiredColumnInUse naming the client's application_name;
  // it resolves once nothing used the column for the quiet period.
  obs_test::Receiver hook;
  IncidentDatabase db("drift_retired");
  Pgshim shim({"--upstream", db.url_with_credentials(), "--retired",
               "environments.legacy_note:text:20250901000000_drop_legacy_note", "--schema-poll-interval", "200ms",
               "--webhook", "http://127.0.0.1:" + std::to_string(hook.port()) + "/hook", "--alert-interval", "200ms",
               "--retired-quiet-period", "1s"},
              false);
  EXPECT_NE(shim.log().find("retired column public.environments.legacy_note is gone from the database"),
            std::string::npos)
      << shim.log();
  std::this_thread::sleep_for(400ms);
  EXPECT_TRUE(hook.requests().empty()) << "alerted before any old code used the column";

  auto old_pod = connect(shim.conninfo("dbname=" + db.name() +
                                       " user=pgshim_scram password=scram-pass application_name=billing-v1"));
  ASSERT_EQ(PQstatus(old_pod.get()), CONNECTION_OK) << PQerrorMessage(old_pod.get());
  EXPECT_EQ(value_or_error(old_pod.get(),
                           "INSERT INTO environments (id, name, user_id, legacy_note) VALUES ('env_old', 'old pod', "
                           "'user_1', 'note') RETURNING legacy_note"),
            "");  // NULL: the dropped column reads as NULL
  EXPECT_EQ(value_or_error(old_pod.get(), "SELECT count(*) FROM environments WHERE legacy_note IS NULL"), "4");
  EXPECT_EQ(value_or_error(old_pod.get(),
                           "UPDATE environments SET legacy_note = 'n2', status = 'FAILED' WHERE id = 'env_old' "
                           "RETURNING status"),
            "FAILED");
  auto direct = db.direct();
  EXPECT_EQ(query_value(direct.get(), "SELECT name || '/' || status FROM environments WHERE id = 'env_old'"),
            "old pod/FAILED");

  ASSERT_TRUE(wait_until([&] { return !hook.requests().empty(); }, 5s)) << shim.log();
  const auto first = json::parse(hook.requests().front().body);
  EXPECT_EQ(first.at("status"), "firing");
  const auto& alert = first.at("alerts").as_array().at(0);
  EXPECT_EQ(alert.at("labels").at("alertname"), "PgshimRetiredColumnInUse");
  EXPECT_EQ(alert.at("labels").at("migration"), "20250901000000_drop_legacy_note");
  const std::string summary(alert.at("annotations").at("summary").as_string());
  EXPECT_NE(summary.find("application_name=billing-v1 client=127.0.0.1:"), std::string::npos) << summary;
  EXPECT_NE(shim.log().find("retired column public.environments.legacy_note is still used by old code"),
            std::string::npos);

  // Old pods gone: quiet for the period, then resolved.
  old_pod.reset();
  ASSERT_TRUE(wait_until(
      [&] {
        const auto reqs = hook.requests();
        return !reqs.empty() && json::parse(reqs.back().body).at("status") == "resolved";
      },
      10s))
      << shim.log();
  EXPECT_NE(shim.log().find("retired column public.environments.legacy_note is no longer used"), std::string::npos);
}

TEST(Drift, RenamedColumnOldNameWritesLandInTheNewColumn) {
  // Proves: with `title` renamed to `name`, an old client that says `title`
  // reads `name` under the old output name, and its INSERT/UPDATE/upsert write
  // into `name` (nothing dropped); /status lists it as renamed.
  IncidentDatabase db("drift_renamed");
  Pgshim shim({"--upstream", db.url_with_credentials(), "--renamed", "environments.title:name",
               "--schema-poll-interval", "200ms"},
              false);
  ASSERT_TRUE(wait_until([&] { return shim.log().find("renamed column public.environments.title is now") !=
                                      std::string::npos; },
                         5s))
      << shim.log();
  auto old_pod = connect(shim.conninfo("dbname=" + db.name() + " user=pgshim_scram password=scram-pass"));
  ASSERT_EQ(PQstatus(old_pod.get()), CONNECTION_OK) << PQerrorMessage(old_pod.get());
  EXPECT_EQ(query_value(old_pod.get(), "SELECT title FROM environments WHERE id = 'env_1'"), "staging");
  Result r(PQexec(old_pod.get(), "SELECT id, title FROM environments WHERE title = 'prod'"));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  EXPECT_STREQ(PQfname(r.get(), 1), "title");
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 0), "env_3");

  EXPECT_EQ(query_value(old_pod.get(),
                        "INSERT INTO environments (id, title, user_id) VALUES ('env_new', 'written by old code', "
                        "'user_1') RETURNING title"),
            "written by old code");
  EXPECT_EQ(query_value(old_pod.get(), "UPDATE environments SET title = 'renamed ok' WHERE id = 'env_2' RETURNING id"),
            "env_2");
  EXPECT_EQ(query_value(old_pod.get(),
                        "INSERT INTO environments (id, title, user_id) VALUES ('env_1', 'upserted', 'user_1') "
                        "ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title RETURNING title"),
            "upserted");
  auto direct = db.direct();
  EXPECT_EQ(query_value(direct.get(), "SELECT string_agg(id || '=' || name, ',' ORDER BY id) FROM environments"),
            "env_1=upserted,env_2=renamed ok,env_3=prod,env_new=written by old code");
}

}  // namespace
}  // namespace pgshim::test
