// The PostgreSQL JDBC driver (pgjdbc, as DBeaver, Metabase and DataGrip use it) against
// `callsql serve`; run by tests/it/bi.rs as `java -cp postgresql.jar BiJdbc.java PORT`.
//
// Prints one line per call, `name<TAB>rows<TAB>what it saw`, or `name<TAB>ERROR<TAB>message`
// when the call failed, so the test can name every call that does not work.

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

public class BiJdbc {
    interface Call {
        ResultSet run() throws SQLException;
    }

    /** The rows of `call`, each as its `columns` joined by `|`. */
    static void report(String name, Call call, String... columns) {
        try (ResultSet rows = call.run()) {
            List<String> seen = new ArrayList<>();
            int count = 0;
            while (rows.next()) {
                count++;
                List<String> cells = new ArrayList<>();
                for (String column : columns) {
                    cells.add(String.valueOf(rows.getString(column)));
                }
                seen.add(String.join("|", cells));
            }
            System.out.println(name + "\t" + count + "\t" + String.join(";", seen));
        } catch (SQLException error) {
            System.out.println(name + "\tERROR\t" + error.getMessage().replace('\n', ' '));
        }
    }

    public static void main(String[] args) throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + args[0] + "/callsql";
        Properties properties = new Properties();
        properties.setProperty("user", "callsql");
        properties.setProperty("ApplicationName", "BiJdbc");
        try (Connection connection = DriverManager.getConnection(url, properties)) {
            DatabaseMetaData meta = connection.getMetaData();
            System.out.println("product\t1\t" + meta.getDatabaseProductName() + " "
                + meta.getDatabaseProductVersion());
            // DBeaver's and Metabase's navigators: schemas, then tables, then a table's parts.
            report("getCatalogs", meta::getCatalogs, "TABLE_CAT");
            report("getSchemas", meta::getSchemas, "TABLE_SCHEM");
            report("getTables", () -> meta.getTables(null, "public", "%",
                new String[] {"TABLE", "VIEW"}), "TABLE_NAME", "TABLE_TYPE");
            report("getColumns", () -> meta.getColumns(null, "public", "calls", "%"),
                "COLUMN_NAME", "TYPE_NAME", "IS_NULLABLE");
            report("getPrimaryKeys", () -> meta.getPrimaryKeys(null, "public", "calls"),
                "COLUMN_NAME");
            report("getImportedKeys", () -> meta.getImportedKeys(null, "public", "calls"),
                "PKTABLE_NAME");
            report("getExportedKeys", () -> meta.getExportedKeys(null, "public", "calls"),
                "FKTABLE_NAME");
            report("getIndexInfo", () -> meta.getIndexInfo(null, "public", "calls", false, true),
                "INDEX_NAME");
            report("getFunctions", () -> meta.getFunctions(null, null, "connect_rate"),
                "FUNCTION_SCHEM", "FUNCTION_NAME");
            report("getFunctionColumns",
                () -> meta.getFunctionColumns(null, null, "wilson_lower", null),
                "COLUMN_NAME", "TYPE_NAME");
            report("getTypeInfo", meta::getTypeInfo, "TYPE_NAME");

            // A prepared statement reused past the driver's server-prepare threshold (5 uses
            // by default): from the fifth execution on, pgjdbc names the statement on the
            // server and only binds and executes it.
            try (PreparedStatement statement = connection.prepareStatement(
                    "SELECT count(*) AS attempts, connect_rate(disposition) AS connect_rate "
                    + "FROM calls WHERE campaign_id = ?")) {
                List<String> answers = new ArrayList<>();
                for (int use = 0; use < 8; use++) {
                    statement.setString(1, use % 2 == 0 ? "cmp003" : "cmp001");
                    try (ResultSet rows = statement.executeQuery()) {
                        rows.next();
                        answers.add(rows.getLong("attempts") + "," + rows.getDouble("connect_rate"));
                    }
                }
                System.out.println("prepared\t8\t" + String.join(";", answers));
            } catch (SQLException error) {
                System.out.println("prepared\tERROR\t" + error.getMessage().replace('\n', ' '));
            }

            // Metabase reads inside a read-only transaction it rolls back.
            try {
                connection.setReadOnly(true);
                connection.setAutoCommit(false);
                try (Statement statement = connection.createStatement();
                     ResultSet rows = statement.executeQuery(
                         "SELECT campaign_id, count(*) AS attempts FROM calls "
                         + "GROUP BY campaign_id ORDER BY campaign_id")) {
                    ResultSetMetaData columns = rows.getMetaData();
                    List<String> seen = new ArrayList<>();
                    while (rows.next()) {
                        seen.add(rows.getString(1) + "," + rows.getLong(2));
                    }
                    System.out.println("transaction\t" + seen.size() + "\t"
                        + columns.getColumnTypeName(2) + ";" + String.join(";", seen));
                }
                connection.rollback();
                connection.setAutoCommit(true);
            } catch (SQLException error) {
                System.out.println("transaction\tERROR\t" + error.getMessage().replace('\n', ' '));
            }
        }
    }
}
