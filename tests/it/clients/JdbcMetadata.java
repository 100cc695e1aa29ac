// pgjdbc (what DBeaver, Metabase and DataGrip connect with) against the Postgres listener: every
// DatabaseMetaData call those tools make when they open a connection and browse it, a query's own
// column types, and a prepared statement with a timestamp and a LIMIT parameter. Prints one JSON
// object; a call that fails prints its error under its name instead of rows.
//
// Run as a single-file program: java -cp postgresql.jar JdbcMetadata.java URL PASSWORD INSTANCE
import java.sql.*;
import java.util.*;

public class JdbcMetadata {
    interface Call {
        ResultSet run(DatabaseMetaData md) throws SQLException;
    }

    static final StringBuilder out = new StringBuilder("{");

    static String quote(Object v) {
        if (v == null) return "null";
        if (v instanceof Number || v instanceof Boolean) return v.toString();
        StringBuilder s = new StringBuilder("\"");
        for (char c : v.toString().toCharArray()) {
            switch (c) {
                case '"': s.append("\\\""); break;
                case '\\': s.append("\\\\"); break;
                case '\n': s.append("\\n"); break;
                case '\r': s.append("\\r"); break;
                case '\t': s.append("\\t"); break;
                default:
                    if (c < 0x20) s.append(String.format("\\u%04x", (int) c));
                    else s.append(c);
            }
        }
        return s.append('"').toString();
    }

    static void field(String name, String json) {
        if (out.length() > 1) out.append(',');
        out.append(quote(name)).append(':').append(json);
    }

    /** The rows of a result set, each a list of the named columns. */
    static String rows(ResultSet rs, String... columns) throws SQLException {
        StringBuilder s = new StringBuilder("[");
        while (rs.next()) {
            if (s.length() > 1) s.append(',');
            s.append('[');
            for (int i = 0; i < columns.length; i++) {
                if (i > 0) s.append(',');
                s.append(quote(rs.getObject(columns[i])));
            }
            s.append(']');
        }
        rs.close();
        return s.append(']').toString();
    }

    /** One metadata call: its rows (the named columns), or {"error": message}. */
    static void call(DatabaseMetaData md, String name, Call c, String... columns) {
        try {
            field(name, rows(c.run(md), columns));
        } catch (SQLException e) {
            field(name, "{\"error\":" + quote(e.getMessage()) + "}");
        }
    }

    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        p.setProperty("user", "connectql");
        p.setProperty("password", args[1]);
        try (Connection conn = DriverManager.getConnection(args[0], p)) {
            DatabaseMetaData md = conn.getMetaData();
            field("product", quote(md.getDatabaseProductName() + " " + md.getDatabaseProductVersion()));
            field("user", quote(md.getUserName()));
            call(md, "catalogs", m -> m.getCatalogs(), "TABLE_CAT");
            call(md, "schemas", m -> m.getSchemas(), "TABLE_SCHEM");
            call(md, "table_types", m -> m.getTableTypes(), "TABLE_TYPE");
            call(md, "tables", m -> m.getTables(null, "connect", "%", null), "TABLE_NAME", "TABLE_TYPE");
            call(md, "columns", m -> m.getColumns(null, "connect", "users", "%"), "COLUMN_NAME", "TYPE_NAME", "DATA_TYPE", "REMARKS");
            call(md, "primary_keys", m -> m.getPrimaryKeys(null, "connect", "users"), "COLUMN_NAME");
            call(md, "imported_keys", m -> m.getImportedKeys(null, "connect", "users"), "FKCOLUMN_NAME");
            call(md, "exported_keys", m -> m.getExportedKeys(null, "connect", "users"), "FKTABLE_NAME");
            call(md, "index_info", m -> m.getIndexInfo(null, "connect", "users", false, true), "INDEX_NAME");
            call(md, "best_row_identifier", m -> m.getBestRowIdentifier(null, "connect", "users", DatabaseMetaData.bestRowSession, true), "COLUMN_NAME");
            call(md, "version_columns", m -> m.getVersionColumns(null, "connect", "users"), "COLUMN_NAME");
            call(md, "type_info", m -> m.getTypeInfo(), "TYPE_NAME", "DATA_TYPE");
            call(md, "functions", m -> m.getFunctions(null, "pg_catalog", "version"), "FUNCTION_NAME");
            call(md, "function_columns", m -> m.getFunctionColumns(null, "pg_catalog", "version", "%"), "COLUMN_NAME");
            call(md, "procedures", m -> m.getProcedures(null, "pg_catalog", "version"), "PROCEDURE_NAME");
            call(md, "procedure_columns", m -> m.getProcedureColumns(null, "pg_catalog", "version", "%"), "COLUMN_NAME");
            call(md, "table_privileges", m -> m.getTablePrivileges(null, "connect", "users"), "PRIVILEGE");
            call(md, "column_privileges", m -> m.getColumnPrivileges(null, "connect", "users", "%"), "PRIVILEGE");
            call(md, "udts", m -> m.getUDTs(null, "connect", "%", null), "TYPE_NAME");

            // What a query returns, as a tool's result grid reads it.
            try (Statement st = conn.createStatement();
                 ResultSet rs = st.executeQuery("SELECT * FROM connect.users LIMIT 1")) {
                ResultSetMetaData rm = rs.getMetaData();
                StringBuilder s = new StringBuilder("[");
                for (int i = 1; i <= rm.getColumnCount(); i++) {
                    if (i > 1) s.append(',');
                    s.append('[').append(quote(rm.getColumnName(i))).append(',')
                        .append(quote(rm.getColumnTypeName(i))).append(',')
                        .append(rm.getColumnType(i)).append(']');
                }
                field("query_columns", s.append(']').toString());
            }

            // A report's parameters as a tool binds them: a timestamp and a LIMIT.
            try (PreparedStatement ps = conn.prepareStatement(
                    "SELECT username FROM connect.users WHERE instance_id = ? AND last_modified_time > ? ORDER BY username LIMIT ?")) {
                ps.setString(1, args[2]);
                ps.setTimestamp(2, Timestamp.valueOf("2001-01-01 00:00:00"));
                ps.setInt(3, 5);
                field("prepared", rows(ps.executeQuery(), "username"));
            } catch (SQLException e) {
                field("prepared", "{\"error\":" + quote(e.getMessage()) + "}");
            }
        }
        System.out.println(out.append('}'));
    }
}
