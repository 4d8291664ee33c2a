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
                    // A number names a column by its position (`SELECT 1` has no portable name).
                    cells.add(String.valueOf(column.matches("[0-9]+")
                        ? rows.getString(Integer.parseInt(column)) : rows.getString(column)));
                }
                seen.add(String.join("|", cells));
            }
            System.out.println(name + "\t" + count + "\t" + String.join(";", seen));
        } catch (SQLException error) {
            System.out.println(name + "\tERROR\t" + error.getMessage().replace('\n', ' '));
        }
    }

    /** A query Metabase sends, bound with `values`, reported as its first `columns`. */
    static void metabase(Connection connection, String name, String sql, Object[] values,
            String... columns) {
        report(name, () -> {
            PreparedStatement statement = connection.prepareStatement(sql);
            for (int i = 0; i < values.length; i++) {
                statement.setObject(i + 1, values[i]);
            }
            return statement.executeQuery();
        }, columns);
    }

    // Metabase's PostgreSQL driver (metabase/metabase, src/metabase/driver/postgres.clj and
    // the sql-jdbc sync it builds on): its connection test, session set-up, and the sync
    // queries behind "Sync database schema", as it renders them, through pgjdbc.
    static void metabaseSync(Connection connection) throws SQLException {
        connection.setTransactionIsolation(Connection.TRANSACTION_READ_UNCOMMITTED);
        connection.setReadOnly(true);
        metabase(connection, "canConnect", "SELECT 1", new Object[] {}, "1");
        metabase(connection, "timezone", "show timezone;", new Object[] {}, "1");
        metabase(connection, "syncTables",
            "SELECT \"n\".\"nspname\" AS \"schema\", \"c\".\"relname\" AS \"name\", "
            + "CASE \"c\".\"relkind\" WHEN 'r' THEN 'TABLE' WHEN 'p' THEN 'PARTITIONED TABLE' "
            + "WHEN 'v' THEN 'VIEW' WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'm' THEN 'MATERIALIZED VIEW' "
            + "ELSE NULL END AS \"type\", \"d\".\"description\" AS \"description\", "
            + "\"stat\".\"n_live_tup\" AS \"estimated_row_count\" "
            + "FROM \"pg_catalog\".\"pg_class\" AS \"c\" "
            + "INNER JOIN \"pg_catalog\".\"pg_namespace\" AS \"n\" ON \"c\".\"relnamespace\" = \"n\".\"oid\" "
            + "LEFT JOIN \"pg_catalog\".\"pg_description\" AS \"d\" ON (\"c\".\"oid\" = \"d\".\"objoid\") "
            + "AND (\"d\".\"objsubid\" = ?) AND (\"d\".\"classoid\" = 'pg_class'::regclass) "
            + "LEFT JOIN \"pg_stat_user_tables\" AS \"stat\" ON (\"n\".\"nspname\" = \"stat\".\"schemaname\") "
            + "AND (\"c\".\"relname\" = \"stat\".\"relname\") "
            + "WHERE (\"c\".\"relnamespace\" = \"n\".\"oid\") AND (\"n\".\"nspname\" !~ ?) "
            + "AND (\"n\".\"nspname\" <> ?) AND c.relkind in ('r', 'p', 'v', 'f', 'm') "
            + "AND (\"n\".\"nspname\" IN (?)) "
            + "ORDER BY \"type\" ASC, \"schema\" ASC, \"name\" ASC",
            new Object[] {0, "^pg_", "information_schema", "public"}, "name", "type");
        metabase(connection, "privileges", String.join("\n",
            "with table_privileges as (",
            " select",
            "   NULL as role,",
            "   t.schemaname as schema,",
            "   t.objectname as table,",
            "   pg_catalog.has_any_column_privilege(current_user, '\"' || replace(t.schemaname, '\"', '\"\"') || '\"' || '.' || '\"' || replace(t.objectname, '\"', '\"\"') || '\"',  'update') as update,",
            "   pg_catalog.has_any_column_privilege(current_user, '\"' || replace(t.schemaname, '\"', '\"\"') || '\"' || '.' || '\"' || replace(t.objectname, '\"', '\"\"') || '\"',  'select') as select,",
            "   pg_catalog.has_any_column_privilege(current_user, '\"' || replace(t.schemaname, '\"', '\"\"') || '\"' || '.' || '\"' || replace(t.objectname, '\"', '\"\"') || '\"',  'insert') as insert,",
            "   pg_catalog.has_table_privilege(     current_user, '\"' || replace(t.schemaname, '\"', '\"\"') || '\"' || '.' || '\"' || replace(t.objectname, '\"', '\"\"') || '\"',  'delete') as delete",
            " from (",
            "   select schemaname, tablename as objectname from pg_catalog.pg_tables",
            "   union",
            "   select schemaname, viewname as objectname from pg_catalog.pg_views",
            "   union",
            "   select schemaname, matviewname as objectname from pg_catalog.pg_matviews",
            " ) t",
            " where t.schemaname !~ '^pg_'",
            "   and t.schemaname <> 'information_schema'",
            "   and pg_catalog.has_schema_privilege(current_user, t.schemaname, 'usage')",
            ")",
            "select t.*",
            "from table_privileges t"), new Object[] {}, "table", "select");
        metabase(connection, "describeFields",
            "SELECT \"c\".\"column_name\" AS \"name\", "
            + "CASE WHEN \"c\".\"udt_schema\" IN ('public', 'pg_catalog') THEN FORMAT('%s', \"c\".\"udt_name\") "
            + "ELSE FORMAT('\"%s\".\"%s\"', \"c\".\"udt_schema\", \"c\".\"udt_name\") END AS \"database-type\", "
            + "\"c\".\"ordinal_position\" - 1 AS \"database-position\", \"c\".\"table_schema\" AS \"table-schema\", "
            + "\"c\".\"table_name\" AS \"table-name\", \"pk\".\"column_name\" IS NOT NULL AS \"pk?\", "
            + "COL_DESCRIPTION(CAST(CAST(FORMAT('%I.%I', CAST(\"c\".\"table_schema\" AS TEXT), "
            + "CAST(\"c\".\"table_name\" AS TEXT)) AS REGCLASS) AS OID), \"c\".\"ordinal_position\") AS \"field-comment\", "
            + "((\"column_default\" IS NULL) OR (LOWER(\"column_default\") = 'null')) AND (\"is_nullable\" = 'NO') "
            + "AND NOT (((\"column_default\" IS NOT NULL) AND (\"column_default\" LIKE '%nextval(%')) "
            + "OR (\"is_identity\" <> 'NO')) AS \"database-required\", "
            + "((\"column_default\" IS NOT NULL) AND (\"column_default\" LIKE '%nextval(%')) "
            + "OR (\"is_identity\" <> 'NO') AS \"database-is-auto-increment\" "
            + "FROM \"information_schema\".\"columns\" AS \"c\" "
            + "LEFT JOIN (SELECT \"tc\".\"table_schema\", \"tc\".\"table_name\", \"kc\".\"column_name\" "
            + "FROM \"information_schema\".\"table_constraints\" AS \"tc\" "
            + "INNER JOIN \"information_schema\".\"key_column_usage\" AS \"kc\" "
            + "ON (\"tc\".\"constraint_name\" = \"kc\".\"constraint_name\") AND (\"tc\".\"table_schema\" = \"kc\".\"table_schema\") "
            + "AND (\"tc\".\"table_name\" = \"kc\".\"table_name\") "
            + "WHERE \"tc\".\"constraint_type\" = 'PRIMARY KEY') AS \"pk\" "
            + "ON (\"c\".\"table_schema\" = \"pk\".\"table_schema\") AND (\"c\".\"table_name\" = \"pk\".\"table_name\") "
            + "AND (\"c\".\"column_name\" = \"pk\".\"column_name\") "
            + "WHERE c.table_schema !~ '^information_schema|catalog_history|pg_' "
            + "AND (\"c\".\"table_schema\" IN (?)) AND (\"c\".\"table_name\" IN (?)) "
            + "ORDER BY \"table-schema\" ASC, \"table-name\" ASC, \"database-position\" ASC",
            new Object[] {"public", "calls"}, "name", "database-type", "database-required");
        metabase(connection, "describeFks",
            "SELECT \"fk_ns\".\"nspname\" AS \"fk-table-schema\", \"fk_table\".\"relname\" AS \"fk-table-name\", "
            + "\"fk_column\".\"attname\" AS \"fk-column-name\", \"pk_ns\".\"nspname\" AS \"pk-table-schema\", "
            + "\"pk_table\".\"relname\" AS \"pk-table-name\", \"pk_column\".\"attname\" AS \"pk-column-name\" "
            + "FROM \"pg_constraint\" AS \"c\" "
            + "INNER JOIN \"pg_class\" AS \"fk_table\" ON \"c\".\"conrelid\" = \"fk_table\".\"oid\" "
            + "INNER JOIN \"pg_namespace\" AS \"fk_ns\" ON \"c\".\"connamespace\" = \"fk_ns\".\"oid\" "
            + "INNER JOIN \"pg_attribute\" AS \"fk_column\" ON \"c\".\"conrelid\" = \"fk_column\".\"attrelid\" "
            + "INNER JOIN \"pg_class\" AS \"pk_table\" ON \"c\".\"confrelid\" = \"pk_table\".\"oid\" "
            + "INNER JOIN \"pg_namespace\" AS \"pk_ns\" ON \"pk_table\".\"relnamespace\" = \"pk_ns\".\"oid\" "
            + "INNER JOIN \"pg_attribute\" AS \"pk_column\" ON \"c\".\"confrelid\" = \"pk_column\".\"attrelid\" "
            + "WHERE fk_ns.nspname !~ '^information_schema|catalog_history|pg_' "
            + "AND (\"c\".\"contype\" = 'f'::char) AND (\"fk_column\".\"attnum\" = ANY(c.conkey)) "
            + "AND (\"pk_column\".\"attnum\" = ANY(c.confkey)) AND (\"fk_table\".\"relname\" IN (?)) "
            + "AND (\"fk_ns\".\"nspname\" IN (?)) "
            + "ORDER BY \"fk-table-schema\" ASC, \"fk-table-name\" ASC",
            new Object[] {"calls", "public"}, "fk-column-name");
        metabase(connection, "enums",
            "SELECT nspname, typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
            + "WHERE t.oid IN (SELECT DISTINCT enumtypid FROM pg_enum e)",
            new Object[] {}, "typname");
        metabase(connection, "fingerprint",
            "-- Metabase:: userID: 1 queryType: MBQL queryHash: 0\n"
            + "SELECT \"public\".\"calls\".\"call_id\" AS \"call_id\", "
            + "SUBSTRING(\"public\".\"calls\".\"disposition\", 1, 1234) AS \"substring12345\", "
            + "\"public\".\"calls\".\"dialed_at\" AS \"dialed_at\" FROM \"public\".\"calls\" LIMIT 10000",
            new Object[] {}, "substring12345");
        metabase(connection, "fieldValues",
            "-- Metabase\nSELECT \"public\".\"calls\".\"disposition\" AS \"disposition\" "
            + "FROM \"public\".\"calls\" GROUP BY \"public\".\"calls\".\"disposition\" "
            + "ORDER BY \"public\".\"calls\".\"disposition\" ASC LIMIT 1000",
            new Object[] {}, "disposition");
        metabase(connection, "fieldValuesBatch",
            "SELECT * FROM (SELECT 'disposition' AS \"field_name\", CAST(\"public\".\"calls\".\"disposition\" AS TEXT) AS \"value_out\" "
            + "FROM \"public\".\"calls\" GROUP BY CAST(\"public\".\"calls\".\"disposition\" AS TEXT) LIMIT ?) AS \"_arm\" "
            + "UNION ALL SELECT * FROM (SELECT 'outcome' AS \"field_name\", CAST(\"public\".\"calls\".\"outcome\" AS TEXT) AS \"value_out\" "
            + "FROM \"public\".\"calls\" GROUP BY CAST(\"public\".\"calls\".\"outcome\" AS TEXT) LIMIT ?) AS \"_arm\"",
            new Object[] {1000, 1000}, "field_name", "value_out");
    }

    public static void main(String[] args) throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + args[0] + "/callsql";
        Properties properties = new Properties();
        properties.setProperty("user", "callsql");
        properties.setProperty("ApplicationName", "BiJdbc");
        if (args.length > 1 && args[1].equals("metabase")) {
            try (Connection connection = DriverManager.getConnection(url, properties)) {
                metabaseSync(connection);
            }
            return;
        }
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
            report("getFunctions", () -> meta.getFunctions(null, "public", "wilson%"),
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
