//! Client SQL that PostgreSQL runs and DataFusion cannot plan, rewritten into SQL it can,
//! before datafusion-postgres sees the statement. Each rule names the clients that send
//! such SQL. Statements no rule touches pass on as the client wrote them.

use std::ops::ControlFlow;
use std::sync::LazyLock;

use datafusion::sql::sqlparser::ast::{
    AccessExpr, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, ObjectName, Query, Select,
    SelectItem, SetExpr, Statement, TableFactor, Value, ValueWithSpan, Visit, VisitMut, Visitor,
    VisitorMut,
};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::parser::Parser;
use datafusion::sql::sqlparser::tokenizer::Token;
use datafusion_postgres::datafusion_pg_catalog::sql::PostgresCompatibilityParser;

use super::catalog_functions::{LIKE_PATTERN, REGTYPE_NAMES, setting};

/// datafusion-postgres's parser: it replaces some client queries whole (psql's and
/// pgcli's, which DataFusion cannot plan), which it can no longer recognise once they are
/// rewritten, so those are left to it.
static UPSTREAM: LazyLock<PostgresCompatibilityParser> =
    LazyLock::new(PostgresCompatibilityParser::new);

/// `statements`, parsed from the client's `sql`, with every rule applied; whether any rule
/// changed them.
pub fn rewrite(statements: &mut Vec<Statement>, sql: &str) -> bool {
    let mut search_path = SearchPath { changed: false };
    for statement in statements.iter_mut() {
        let _ = statement.visit(&mut search_path);
    }
    let mut rewritten = statements.clone();
    let mut rules = Rules { changed: false };
    for statement in &mut rewritten {
        let _ = statement.visit(&mut rules);
    }
    // Once Grafana's search path is a list, upstream has nothing of it to replace.
    let text = match search_path.changed {
        true => display(statements).join(";\n"),
        false => sql.to_string(),
    };
    if !rules.changed || replaced_upstream(&text) {
        return search_path.changed;
    }
    *statements = rewritten;
    true
}

/// Whether datafusion-postgres replaces (part of) `sql` before its own rules (it matches
/// the client's text token by token).
fn replaced_upstream(sql: &str) -> bool {
    let as_upstream = UPSTREAM.parse(sql).map(|parsed| display(&parsed));
    let by_rules_only = Parser::parse_sql(&PostgreSqlDialect {}, sql).map(|parsed| {
        display(
            &parsed
                .into_iter()
                .map(|statement| UPSTREAM.rewrite(statement))
                .collect::<Vec<_>>(),
        )
    });
    as_upstream.ok() != by_rules_only.ok()
}

fn display(statements: &[Statement]) -> Vec<String> {
    statements.iter().map(ToString::to_string).collect()
}

/// `schema IN (the schemas of the search path)`, computed in SQL from
/// `current_setting('search_path')` by Grafana's table and column browser, as the list it
/// is (the search path is fixed: `"$user", public`). DataFusion cannot plan that subquery
/// where Grafana puts it (in ORDER BY), and datafusion-postgres replaces it by one that
/// matches no schema.
struct SearchPath {
    changed: bool,
}

impl VisitorMut for SearchPath {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::InSubquery {
            expr: value,
            subquery,
            negated,
        } = expr
            && subquery
                .to_string()
                .to_lowercase()
                .contains("current_setting('search_path')")
            && let Some(list) = parse(&format!(
                "({value}) {}IN (session_user, 'public')",
                if *negated { "NOT " } else { "" }
            ))
        {
            *expr = list;
            self.changed = true;
        }
        ControlFlow::Continue(())
    }
}

struct Rules {
    changed: bool,
}

impl VisitorMut for Rules {
    type Break = ();

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Some(replacement) = like_escape(expr)
            .or_else(|| field_of_composite(expr))
            .or_else(|| set_returning_in_projection(expr))
            .or_else(|| current_setting(expr))
            .or_else(|| catalogue_scalar_subquery(expr))
            .or_else(|| catalogue_cast(expr))
            .or_else(|| current_user(expr))
        {
            *expr = replacement;
            self.changed = true;
        }
        ControlFlow::Continue(())
    }

    fn post_visit_select(&mut self, select: &mut Select) -> ControlFlow<()> {
        for item in &mut select.projection {
            if let SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. } = item
                && let Expr::Subquery(query) = expr
                && let Some(replacement) = projected_subquery(query)
            {
                *expr = replacement;
                self.changed = true;
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_table_factor(&mut self, table: &mut TableFactor) -> ControlFlow<()> {
        if let Some(replacement) = function_as_table(table).or_else(|| information_schema(table)) {
            *table = replacement;
            self.changed = true;
        }
        ControlFlow::Continue(())
    }
}

/// `user`, PostgreSQL's name for the current user, as `session_user` (which
/// datafusion-postgres answers): Grafana's table browser compares schemas with it.
fn current_user(expr: &Expr) -> Option<Expr> {
    match expr {
        Expr::Identifier(ident)
            if ident.quote_style.is_none() && ident.value.eq_ignore_ascii_case("user") =>
        {
            parse("session_user")
        }
        Expr::Function(function)
            if matches!(function.args, FunctionArguments::None)
                && last_part(&function.name).as_deref() == Some("user") =>
        {
            parse("session_user")
        }
        _ => None,
    }
}

/// Casts to catalogue types DataFusion reads as plain oids:
/// - `'pg_catalog.array_in'::regproc`, compared with `pg_type.typinput` (pgjdbc's
///   getTypeInfo), which holds function names: the name;
/// - `CAST($1 AS REGCLASS)` with a table's name bound (SQLAlchemy), or computed
///   (Metabase's `format('%I.%I', schema, table)`): `to_regclass(…)`;
/// - `x::regtype[]` of `proargtypes` or `proallargtypes` (pgcli's function list): the
///   type names;
/// - `x::regtype::text` (pgcli's function list): the type's name.
fn catalogue_cast(expr: &Expr) -> Option<Expr> {
    let Expr::Cast {
        expr: value,
        data_type,
        ..
    } = expr
    else {
        return None;
    };
    match (
        data_type.to_string().to_lowercase().as_str(),
        value.as_ref(),
    ) {
        ("regproc", Expr::Value(ValueWithSpan { value, .. })) => {
            let name = value.clone().into_string()?;
            let name = name.strip_prefix("pg_catalog.").unwrap_or(&name);
            parse(&quote(name))
        }
        // A literal is datafusion-postgres's (a subquery on pg_class).
        (
            "regclass",
            Expr::Value(ValueWithSpan {
                value: Value::SingleQuotedString(_),
                ..
            }),
        ) => None,
        ("regclass", value) => parse(&format!("to_regclass({value})")),
        ("regtype[]", value) => parse(&format!("{REGTYPE_NAMES}(CAST({value} AS TEXT))")),
        (
            "text",
            Expr::Cast {
                expr: oid,
                data_type,
                ..
            },
        ) if data_type.to_string().eq_ignore_ascii_case("regtype") => {
            parse(&format!("format_type({oid}, NULL)"))
        }
        _ => None,
    }
}

/// `information_schema.columns` in PostgreSQL's columns (DataFusion's has Arrow type names
/// and no `udt_name`), built on `pg_catalog`: Grafana's column browser shows `data_type`,
/// Metabase's field sync reads `udt_name`, `is_identity` and `column_default`.
const COLUMNS: &str = "SELECT 'callsql' AS table_catalog, n.nspname AS table_schema, \
    c.relname AS table_name, a.attname AS column_name, CAST(a.attnum AS INT) AS ordinal_position, \
    CAST(NULL AS TEXT) AS column_default, CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END AS is_nullable, \
    CASE WHEN t.typcategory = 'A' THEN 'ARRAY' ELSE format_type(a.atttypid, NULL) END AS data_type, \
    CAST(NULL AS INT) AS character_maximum_length, CAST(NULL AS INT) AS character_octet_length, \
    CAST(CASE t.typname WHEN 'int2' THEN 16 WHEN 'int4' THEN 32 WHEN 'int8' THEN 64 \
      WHEN 'float4' THEN 24 WHEN 'float8' THEN 53 END AS INT) AS numeric_precision, \
    CAST(CASE WHEN t.typname IN ('int2', 'int4', 'int8', 'float4', 'float8') THEN 2 END AS INT) \
      AS numeric_precision_radix, \
    CAST(CASE WHEN t.typname IN ('int2', 'int4', 'int8') THEN 0 END AS INT) AS numeric_scale, \
    CAST(CASE WHEN t.typcategory = 'D' THEN 3 END AS INT) AS datetime_precision, \
    'callsql' AS udt_catalog, 'pg_catalog' AS udt_schema, t.typname AS udt_name, \
    'NO' AS is_identity, 'NEVER' AS is_generated, 'YES' AS is_updatable \
    FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON a.attrelid = c.oid \
    JOIN pg_catalog.pg_namespace n ON c.relnamespace = n.oid \
    JOIN pg_catalog.pg_type t ON a.atttypid = t.oid WHERE a.attnum > 0";

/// `information_schema.table_constraints` and `key_column_usage`, which DataFusion lacks:
/// callsql's tables have no constraints. Metabase's field sync joins them for primary keys.
const TABLE_CONSTRAINTS: &str = "SELECT CAST(NULL AS TEXT) AS constraint_catalog, \
    CAST(NULL AS TEXT) AS constraint_schema, CAST(NULL AS TEXT) AS constraint_name, \
    CAST(NULL AS TEXT) AS table_catalog, CAST(NULL AS TEXT) AS table_schema, \
    CAST(NULL AS TEXT) AS table_name, CAST(NULL AS TEXT) AS constraint_type, \
    CAST(NULL AS TEXT) AS is_deferrable, CAST(NULL AS TEXT) AS initially_deferred, \
    CAST(NULL AS TEXT) AS enforced WHERE false";
const KEY_COLUMN_USAGE: &str = "SELECT CAST(NULL AS TEXT) AS constraint_catalog, \
    CAST(NULL AS TEXT) AS constraint_schema, CAST(NULL AS TEXT) AS constraint_name, \
    CAST(NULL AS TEXT) AS table_catalog, CAST(NULL AS TEXT) AS table_schema, \
    CAST(NULL AS TEXT) AS table_name, CAST(NULL AS TEXT) AS column_name, \
    CAST(NULL AS INT) AS ordinal_position, CAST(NULL AS INT) AS position_in_unique_constraint \
    WHERE false";

/// The `information_schema` views PostgreSQL clients read that DataFusion's lacks or
/// answers in its own terms, as subqueries under the name the query gave them.
fn information_schema(table: &TableFactor) -> Option<TableFactor> {
    let TableFactor::Table {
        name,
        alias,
        args: None,
        ..
    } = table
    else {
        return None;
    };
    let parts: Vec<String> = name
        .0
        .iter()
        .filter_map(|part| part.as_ident().map(|ident| ident.value.to_lowercase()))
        .collect();
    let [.., schema, view] = parts.as_slice() else {
        return None;
    };
    if schema != "information_schema" {
        return None;
    }
    let definition = match view.as_str() {
        "columns" => COLUMNS,
        "table_constraints" => TABLE_CONSTRAINTS,
        "key_column_usage" => KEY_COLUMN_USAGE,
        _ => return None,
    };
    let alias = alias
        .as_ref()
        .map_or_else(|| view.clone(), |alias| alias.name.to_string());
    derived(&format!("SELECT * FROM ({definition}) AS {alias}"))
}

/// The first table of `sql`'s FROM.
fn derived(sql: &str) -> Option<TableFactor> {
    let query = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(sql)
        .ok()?
        .parse_query()
        .ok()?;
    let SetExpr::Select(select) = *query.body else {
        return None;
    };
    select.from.into_iter().next().map(|from| from.relation)
}

/// A function in FROM as PostgreSQL reads it, with its alias naming its column too:
/// `generate_series(1, 3) AS i` gives a column `i`, and a scalar function such as
/// `string_to_array(…) AS s` a one-row table. Grafana's table and column browser reads
/// the search path this way.
fn function_as_table(table: &TableFactor) -> Option<TableFactor> {
    let TableFactor::Table {
        name,
        alias: Some(alias),
        args: Some(arguments),
        ..
    } = table
    else {
        return None;
    };
    if !alias.columns.is_empty() {
        return None;
    }
    let function = last_part(name)?;
    let column = &alias.name;
    let call = format!(
        "{name}({})",
        arguments
            .args
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    let sql = match function.as_str() {
        "generate_series" | "unnest" => format!("SELECT * FROM {call} AS {column}({column})"),
        "string_to_array" | "parse_ident" | "current_schemas" => {
            format!("SELECT * FROM (SELECT {call} AS {column}) AS {column}")
        }
        _ => return None,
    };
    derived(&sql)
}

/// A subquery in a select list, which datafusion-postgres's parser answers with NULL when
/// it is correlated or holds a parameter (so that catalogue queries plan):
/// - over callsql's own tables, that NULL would be a wrong answer (`SELECT (SELECT
///   count(*) FROM calls c2 WHERE c2.campaign_id = c.campaign_id) …`): DataFusion plans
///   it itself, the parentheses putting it out of that rule's reach;
/// - over the catalogue with parameters, the NULL keeps them, for a parameter taken out
///   of the statement shifts every later one onto the wrong value (SQLAlchemy's column
///   list with psycopg 3).
fn projected_subquery(query: &Query) -> Option<Expr> {
    if !over_catalogue(query) {
        return Some(Expr::Nested(Box::new(Expr::Subquery(Box::new(
            query.clone(),
        )))));
    }
    let parameters = placeholders(query);
    if parameters.is_empty() {
        return None;
    }
    let tests: Vec<String> = parameters
        .iter()
        .map(|parameter| format!("{parameter} IS NULL"))
        .collect();
    parse(&format!("CASE WHEN {} THEN NULL END", tests.join(" OR ")))
}

/// Whether every table `query` reads is a catalogue table.
fn over_catalogue(query: &Query) -> bool {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return false;
    };
    !select.from.is_empty()
        && select.from.iter().all(|table| {
            is_catalogue(&table.relation)
                && table.joins.iter().all(|join| is_catalogue(&join.relation))
        })
}

/// The parameters of `query`, each with the cast that types it where it has one.
fn placeholders(query: &Query) -> Vec<Expr> {
    #[derive(Default)]
    struct Finder {
        found: Vec<Expr>,
        typed: Vec<String>,
    }
    fn placeholder(expr: &Expr) -> Option<&str> {
        match expr {
            Expr::Value(ValueWithSpan {
                value: Value::Placeholder(name),
                ..
            }) => Some(name),
            _ => None,
        }
    }
    impl Visitor for Finder {
        type Break = ();
        fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            // A cast is visited before the parameter inside it.
            if let Expr::Cast { expr: inner, .. } = expr
                && let Some(name) = placeholder(inner)
            {
                self.typed.push(name.to_string());
                self.found.push(expr.clone());
            } else if let Some(name) = placeholder(expr)
                && !self.typed.iter().any(|typed| typed == name)
            {
                self.found.push(expr.clone());
            }
            ControlFlow::Continue(())
        }
    }
    let mut finder = Finder::default();
    let _ = query.visit(&mut finder);
    finder.found
}

/// `x LIKE p ESCAPE '/'`: DataFusion's LIKE escapes with a backslash only, so the pattern
/// is translated into that form. SQLAlchemy's `startswith(…, autoescape=True)` sends it
/// (its schema list, Superset's database browser).
fn like_escape(expr: &Expr) -> Option<Expr> {
    let (Expr::Like {
        negated,
        expr: subject,
        pattern,
        escape_char: Some(escape),
        any: false,
    }
    | Expr::ILike {
        negated,
        expr: subject,
        pattern,
        escape_char: Some(escape),
        any: false,
    }) = expr
    else {
        return None;
    };
    let escape = escape.value.clone().into_string()?;
    if escape == "\\" {
        return None;
    }
    let operator = match (matches!(expr, Expr::ILike { .. }), negated) {
        (false, false) => "LIKE",
        (false, true) => "NOT LIKE",
        (true, false) => "ILIKE",
        (true, true) => "NOT ILIKE",
    };
    parse(&format!(
        "({subject}) {operator} {LIKE_PATTERN}({pattern}, {})",
        quote(&escape)
    ))
}

/// `(expression).field`, PostgreSQL's access to a field of a composite value, as
/// `get_field`: pgjdbc reads its `_pg_expandarray` results this way (`getPrimaryKeys`,
/// `getIndexInfo`), as does Metabase's index sync.
fn field_of_composite(expr: &Expr) -> Option<Expr> {
    let Expr::CompoundFieldAccess { root, access_chain } = expr else {
        return None;
    };
    if !matches!(root.as_ref(), Expr::Nested(_)) {
        return None;
    }
    let mut text = root.to_string();
    for access in access_chain {
        match access {
            AccessExpr::Dot(Expr::Identifier(field)) => {
                text = format!("get_field({text}, {})", quote(&field.value.to_lowercase()));
            }
            AccessExpr::Subscript(subscript) => text = format!("({text})[{subscript}]"),
            AccessExpr::Dot(_) => return None,
        }
    }
    parse(&text)
}

/// Set-returning functions of PostgreSQL in a select list, as DataFusion's `unnest`:
/// `information_schema._pg_expandarray(a)` (pgjdbc's keys and indexes, Metabase) and
/// `generate_subscripts(a, 1)` (SQLAlchemy's keys, indexes and unique constraints).
fn set_returning_in_projection(expr: &Expr) -> Option<Expr> {
    let Expr::Function(function) = expr else {
        return None;
    };
    let name = last_part(&function.name)?;
    let arguments = plain_arguments(&function.args)?;
    match (name.as_str(), arguments.as_slice()) {
        ("_pg_expandarray", [array]) => parse(&format!("unnest(_pg_expandarray({array}))")),
        // callsql's catalogue arrays have one dimension; the dimension stays in the call
        // so that a parameter bound to it keeps its place.
        ("generate_subscripts", [array, dimension]) => parse(&format!(
            "unnest(generate_series(1, CASE WHEN {dimension} = 1 \
             THEN CAST(cardinality({array}) AS BIGINT) ELSE 0 END))"
        )),
        _ => None,
    }
}

/// `current_setting('name')` as the setting's value: Grafana's table and column browser
/// reads `search_path` this way, and its version probe `server_version_num`. (Done before
/// datafusion-postgres's parser, which replaces Grafana's search-path subquery with one
/// that matches no schema.)
fn current_setting(expr: &Expr) -> Option<Expr> {
    let Expr::Function(function) = expr else {
        return None;
    };
    if last_part(&function.name)? != "current_setting" {
        return None;
    }
    let arguments = plain_arguments(&function.args)?;
    let [Expr::Value(ValueWithSpan { value, .. })] = arguments.as_slice() else {
        return None;
    };
    let value = setting(&value.clone().into_string()?)?;
    parse(&quote(value))
}

/// A scalar subquery over catalogue tables that selects one column without aggregating
/// it: PostgreSQL takes its one row, DataFusion plans a correlated one only when it is
/// aggregated, so it takes `first_value`. SQLAlchemy's column list (defaults, collations),
/// pgjdbc's `getTypeInfo` and pgcli send these; the catalogue's keys make them one row.
fn catalogue_scalar_subquery(expr: &Expr) -> Option<Expr> {
    let Expr::Subquery(query) = expr else {
        return None;
    };
    if !over_catalogue(query) {
        return None;
    }
    let mut query: Box<Query> = query.clone();
    let SetExpr::Select(select) = query.body.as_mut() else {
        return None;
    };
    if query.limit_clause.is_some()
        || query.limit_clause.is_some()
        || select.having.is_some()
        || !matches!(&select.group_by, datafusion::sql::sqlparser::ast::GroupByExpr::Expressions(e, _) if e.is_empty())
    {
        return None;
    }
    let [item] = select.projection.as_mut_slice() else {
        return None;
    };
    let (SelectItem::UnnamedExpr(value) | SelectItem::ExprWithAlias { expr: value, .. }) = item
    else {
        return None;
    };
    if contains_aggregate(value) {
        return None;
    }
    *value = parse(&format!("first_value({value})"))?;
    Some(Expr::Subquery(query))
}

/// Whether `relation` is a table of `pg_catalog` or `information_schema`.
fn is_catalogue(relation: &TableFactor) -> bool {
    let TableFactor::Table { name, .. } = relation else {
        return false;
    };
    let parts: Vec<String> = name
        .0
        .iter()
        .filter_map(|part| part.as_ident().map(|ident| ident.value.to_lowercase()))
        .collect();
    match parts.as_slice() {
        [table] => table.starts_with("pg_"),
        [.., schema, _] => schema == "pg_catalog" || schema == "information_schema",
        [] => false,
    }
}

/// Whether `expr` calls an aggregate: the ones catalogue queries use.
fn contains_aggregate(expr: &Expr) -> bool {
    const AGGREGATES: &[&str] = &[
        "count",
        "min",
        "max",
        "sum",
        "avg",
        "array_agg",
        "string_agg",
        "bool_and",
        "bool_or",
        "every",
        "first_value",
        "json_agg",
    ];
    let text = expr.to_string().to_lowercase();
    AGGREGATES
        .iter()
        .any(|name| text.contains(&format!("{name}(")))
}

/// The unqualified, lower-case name of a function.
fn last_part(name: &ObjectName) -> Option<String> {
    name.0
        .last()
        .and_then(|part| part.as_ident())
        .map(|ident| ident.value.to_lowercase())
}

/// The arguments of a call without named arguments, DISTINCT, ORDER BY or FILTER.
fn plain_arguments(arguments: &FunctionArguments) -> Option<Vec<Expr>> {
    let FunctionArguments::List(list) = arguments else {
        return None;
    };
    if list.duplicate_treatment.is_some() || !list.clauses.is_empty() {
        return None;
    }
    list.args
        .iter()
        .map(|argument| match argument {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(expr)) => Some(expr.clone()),
            _ => None,
        })
        .collect()
}

fn quote(text: &str) -> String {
    Value::SingleQuotedString(text.to_string()).to_string()
}

/// The expression `sql`, when it is one whole expression.
fn parse(sql: &str) -> Option<Expr> {
    let mut parser = Parser::new(&PostgreSqlDialect {}).try_with_sql(sql).ok()?;
    let expr = parser.parse_expr().ok()?;
    (parser.peek_token().token == Token::EOF).then_some(expr)
}

#[cfg(test)]
mod tests {
    use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
    use datafusion::sql::sqlparser::parser::Parser;

    use super::rewrite;

    fn rewritten(sql: &str) -> String {
        let mut statements = Parser::parse_sql(&PostgreSqlDialect {}, sql).unwrap();
        rewrite(&mut statements, sql);
        statements
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    }

    #[test]
    fn like_with_another_escape_is_translated() {
        assert_eq!(
            rewritten("SELECT 1 WHERE n NOT LIKE 'pg/_' || '%' ESCAPE '/'"),
            "SELECT 1 WHERE (n) NOT LIKE callsql_like_pattern('pg/_' || '%', '/')"
        );
        let unchanged = "SELECT 1 WHERE n LIKE 'a\\_%' ESCAPE '\\'";
        assert_eq!(rewritten(unchanged), unchanged);
    }

    #[test]
    fn composite_fields_and_set_returning_functions() {
        assert_eq!(
            rewritten(
                "SELECT (information_schema._pg_expandarray(i.indkey)).n AS k FROM pg_index AS i"
            ),
            "SELECT get_field((unnest(_pg_expandarray(i.indkey))), 'n') AS k FROM pg_index AS i"
        );
        assert_eq!(
            rewritten("SELECT 1 FROM r WHERE r.a = (r.keys).x"),
            "SELECT 1 FROM r WHERE r.a = get_field((r.keys), 'x')"
        );
        assert_eq!(
            rewritten("SELECT generate_subscripts(c.conkey, $1::INTEGER) FROM pg_constraint AS c"),
            "SELECT unnest(generate_series(1, CASE WHEN $1::INTEGER = 1 \
             THEN CAST(cardinality(c.conkey) AS BIGINT) ELSE 0 END)) FROM pg_constraint AS c"
        );
    }

    #[test]
    fn settings_become_their_values() {
        assert_eq!(
            rewritten("SELECT current_setting('server_version_num')::int / 100"),
            "SELECT '160006'::INT / 100"
        );
        let unknown = "SELECT current_setting('no_such_setting')";
        assert_eq!(rewritten(unknown), unknown);
    }

    #[test]
    fn catalogue_subqueries_take_their_one_row() {
        assert_eq!(
            rewritten(
                "SELECT (SELECT c.relkind = 'c' FROM pg_catalog.pg_class AS c \
                 WHERE c.oid = t.typrelid) FROM pg_type AS t"
            ),
            "SELECT (SELECT first_value(c.relkind = 'c') FROM pg_catalog.pg_class AS c \
             WHERE c.oid = t.typrelid) FROM pg_type AS t"
        );
        // Over callsql's own tables a subquery is planned by DataFusion, as written.
        assert_eq!(
            rewritten(
                "SELECT (SELECT c.campaign_id FROM calls AS c WHERE c.call_id = o.id) FROM o"
            ),
            "SELECT ((SELECT c.campaign_id FROM calls AS c WHERE c.call_id = o.id)) FROM o"
        );
    }

    #[test]
    fn catalogue_casts() {
        assert_eq!(
            rewritten("SELECT typinput = 'pg_catalog.array_in'::regproc FROM pg_type"),
            "SELECT typinput = 'array_in' FROM pg_type"
        );
        assert_eq!(
            rewritten("SELECT 1 WHERE classoid = CAST($2 AS REGCLASS)"),
            "SELECT 1 WHERE classoid = to_regclass($2)"
        );
        assert_eq!(
            rewritten("SELECT COALESCE(proallargtypes::regtype[], proargtypes::regtype[])"),
            "SELECT COALESCE(callsql_regtype_names(CAST(proallargtypes AS TEXT)), \
             callsql_regtype_names(CAST(proargtypes AS TEXT)))"
        );
        assert_eq!(
            rewritten("SELECT prorettype::regtype::text FROM pg_proc"),
            "SELECT format_type(prorettype, NULL) FROM pg_proc"
        );
        assert_eq!(
            rewritten("SELECT CASE WHEN s = '\"$user\"' THEN user END"),
            "SELECT CASE WHEN s = '\"$user\"' THEN session_user END"
        );
    }

    #[test]
    fn functions_in_from_name_their_column() {
        assert_eq!(
            rewritten("SELECT s[i] FROM generate_series(1, 2) AS i, string_to_array('a,b', ',') s"),
            "SELECT s[i] FROM generate_series(1, 2) AS i (i), \
             (SELECT string_to_array('a,b', ',') AS s) AS s"
        );
    }

    #[test]
    fn queries_datafusion_postgres_replaces_are_left_to_it() {
        // pgcli's user-defined types, which datafusion-postgres answers with no rows; its
        // subquery would otherwise take first_value.
        let pgcli = "SELECT n.nspname schema_name, t.typname type_name \
            FROM pg_catalog.pg_type t INNER JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
            WHERE (t.typrelid = 0 OR (SELECT c.relkind = 'c' FROM pg_catalog.pg_class c \
            WHERE c.oid = t.typrelid)) AND NOT EXISTS(SELECT 1 FROM pg_catalog.pg_type el \
            WHERE el.oid = t.typelem AND el.typarray = t.oid) AND n.nspname <> 'pg_catalog' \
            AND n.nspname <> 'information_schema' ORDER BY 1, 2";
        let mut statements = Parser::parse_sql(&PostgreSqlDialect {}, pgcli).unwrap();
        let original = statements.clone();
        assert!(!rewrite(&mut statements, pgcli));
        assert_eq!(statements, original);
    }

    #[test]
    fn grafanas_search_path_is_a_list() {
        assert_eq!(
            rewritten(
                "SELECT 1 FROM information_schema.tables WHERE quote_ident(table_schema) IN \
                 (SELECT trim(s[i]) FROM generate_series(1, 2) AS i, \
                 string_to_array(current_setting('search_path'), ',') s)"
            ),
            "SELECT 1 FROM information_schema.tables WHERE \
             (quote_ident(table_schema)) IN (session_user, 'public')"
        );
    }

    #[test]
    fn subqueries_in_select_lists() {
        assert_eq!(
            rewritten(
                "SELECT (SELECT json_build_object($1::VARCHAR, s.seqstart) FROM pg_sequence AS s \
                 WHERE s.seqrelid = a.attrelid AND a.attidentity != $2::VARCHAR) AS identity, \
                 a.attnum > $3::SMALLINT FROM pg_attribute AS a"
            ),
            "SELECT CASE WHEN $1::VARCHAR IS NULL OR $2::VARCHAR IS NULL THEN NULL END AS identity, \
             a.attnum > $3::SMALLINT FROM pg_attribute AS a"
        );
    }
}
