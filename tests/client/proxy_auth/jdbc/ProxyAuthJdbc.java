// JDBC (pgjdbc from Debian's libpostgresql-jdbc-java) through pgshim in auth
// mode proxy, TLS on both legs. Run by tests/client/proxy_auth/jdbc_test.sh.
//
//   java -cp /usr/share/java/postgresql.jar:DIR ProxyAuthJdbc PORT DB CA_FILE
//
// Asserts: sslmode=verify-full against pgshim's certificate (host localhost,
// sslrootcert = the sandbox CA) with SCRAM logs in as pgshim_scram, the
// upstream session is TLS (pg_stat_ssl), prepared statements with parameters
// and a transaction work; the md5 user logs in; a wrong password and an
// unknown user get SQLState 28P01 with PostgreSQL's text; verify-full with
// another CA bundle is refused. Exit status 0 only
// when every check passed.
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

public final class ProxyAuthJdbc {
  private static final String NAME = "client_proxy_auth_jdbc";
  private static String url;

  private static void check(String what, Object expected, Object actual) {
    if (!expected.equals(actual)) {
      throw new AssertionError(what + ": expected " + expected + ", got " + actual);
    }
    System.out.println("ok   [" + NAME + "] " + what + ": " + actual);
  }

  private static Connection open(String user, String password, String caFile) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", user);
    p.setProperty("password", password);
    p.setProperty("sslmode", "verify-full");
    p.setProperty("sslrootcert", caFile);
    p.setProperty("connectTimeout", "10");
    p.setProperty("socketTimeout", "30");
    p.setProperty("ApplicationName", NAME);
    return DriverManager.getConnection(url, p);
  }

  private static void session(Connection c, String user) throws SQLException {
    try (Statement s = c.createStatement();
         ResultSet r = s.executeQuery(
             "SELECT current_user, s.ssl FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()")) {
      check(user + ": a row from pg_stat_ssl", true, r.next());
      check(user + ": current_user", user, r.getString(1));
      check(user + ": upstream session is TLS", true, r.getBoolean(2));
    }
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TEMP TABLE t (id int PRIMARY KEY, v text) ON COMMIT DROP");
    }
    try (PreparedStatement ins = c.prepareStatement("INSERT INTO t VALUES (?, ?)")) {
      for (int i = 1; i <= 20; i++) {
        ins.setInt(1, i);
        ins.setString(2, "v" + i);
        ins.addBatch();
      }
      ins.executeBatch();
    }
    // Run the same prepared statement often enough for pgjdbc to switch to a
    // named server-side statement (prepareThreshold 5).
    try (PreparedStatement q = c.prepareStatement("SELECT count(*), max(id) FROM t WHERE id > ?")) {
      for (int i = 0; i < 8; i++) {
        q.setInt(1, 10);
        try (ResultSet r = q.executeQuery()) {
          r.next();
          if (r.getInt(1) != 10 || r.getInt(2) != 20) {
            throw new AssertionError("prepared query run " + i + ": got " + r.getInt(1) + ", " + r.getInt(2));
          }
        }
      }
    }
    c.commit();
    System.out.println("ok   [" + NAME + "] " + user + ": batch insert and 8 prepared queries in a transaction");
  }

  private static void refused(String user, String caFile) {
    try (Connection c = open(user, "wrong-pass", caFile)) {
      throw new AssertionError(user + ": login with a wrong password succeeded");
    } catch (SQLException e) {
      check(user + " with a wrong password: SQLState", "28P01", e.getSQLState());
      String needle = "password authentication failed for user \"" + user + "\"";
      if (e.getMessage() == null || !e.getMessage().contains(needle)) {
        throw new AssertionError(user + ": message lacks '" + needle + "': " + e.getMessage());
      }
      System.out.println("ok   [" + NAME + "] " + user + " refused: " + e.getMessage());
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: ProxyAuthJdbc PORT DB CA_FILE");
      System.exit(2);
    }
    url = "jdbc:postgresql://localhost:" + args[0] + "/" + args[1];
    String ca = args[2];
    try {
      try (Connection c = open("pgshim_scram", "scram-pass", ca)) {
        session(c, "pgshim_scram");
      }
      try (Connection c = open("pgshim_md5", "md5-pass", ca)) {
        session(c, "pgshim_md5");
      }
      refused("pgshim_scram", ca);
      refused("pgshim_md5", ca);
      refused("no_such_user", ca);
      // verify-full really verifies: public CAs only, not the sandbox's.
      try (Connection c = open("pgshim_scram", "scram-pass", "/etc/ssl/certs/ca-certificates.crt")) {
        throw new AssertionError("verify-full accepted pgshim's certificate without its CA");
      } catch (SQLException e) {
        if ("28P01".equals(e.getSQLState())) throw new AssertionError("foreign CA: unexpected " + e);
        System.out.println("ok   [" + NAME + "] a foreign CA is refused: " + e.getMessage());
      }
    } catch (AssertionError | SQLException e) {
      System.err.println("FAIL [" + NAME + "]: " + e);
      e.printStackTrace();
      System.exit(1);
    }
    System.out.println("PASS [" + NAME + "]");
  }
}
