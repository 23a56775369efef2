package query

// macros are the Athena (Trino) functions that Security Lake's example queries and common security queries use,
// defined for DuckDB where it lacks them or names them otherwise. Each is a temporary macro of the query's database.
var macros = []string{
	// Dates and times. Trino's date_format and date_parse take MySQL's format letters; DuckDB's strftime and strptime
	// take C's: translate the ones (date_parse is a Go function: udf.go) that differ (%i minutes, %s seconds, %M month name, %T time, %h/%l 12-hour, …).
	`CREATE OR REPLACE TEMP MACRO seclake_mysql_format(f) AS
	  replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(f,
	  '%M', '%B'), '%i', '%M'), '%s', '%S'), '%T', '%H:%M:%S'), '%h', '%I'), '%k', '%-H'), '%l', '%-I'),
	  '%W', '%A'), '%c', '%-m'), '%e', '%-d'), '%r', '%I:%M:%S %p')`,
	`CREATE OR REPLACE TEMP MACRO date_format(t, f) AS strftime(t, seclake_mysql_format(f))`,
	`CREATE OR REPLACE TEMP MACRO from_unixtime(x) AS to_timestamp(x)`,
	`CREATE OR REPLACE TEMP MACRO to_unixtime(t) AS epoch(t)`,
	`CREATE OR REPLACE TEMP MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)`,
	`CREATE OR REPLACE TEMP MACRO to_iso8601(t) AS strftime(t, '%Y-%m-%dT%H:%M:%S.%gZ')`,
	// Arrays (Trino's names).
	`CREATE OR REPLACE TEMP MACRO cardinality(l) AS seclake_cardinality(l)`,
	`CREATE OR REPLACE TEMP MACRO element_at(c, k) AS c[k]`,
	`CREATE OR REPLACE TEMP MACRO any_match(l, f) AS CASE WHEN l IS NULL THEN NULL ELSE coalesce(list_bool_or(list_transform(l, f)), false) END`,
	`CREATE OR REPLACE TEMP MACRO all_match(l, f) AS CASE WHEN l IS NULL THEN NULL ELSE coalesce(list_bool_and(list_transform(l, f)), true) END`,
	`CREATE OR REPLACE TEMP MACRO none_match(l, f) AS CASE WHEN l IS NULL THEN NULL ELSE NOT coalesce(list_bool_or(list_transform(l, f)), false) END`,
	`CREATE OR REPLACE TEMP MACRO array_join(l, sep) AS array_to_string(l, sep)`,
	// Strings and JSON.
	`CREATE OR REPLACE TEMP MACRO regexp_like(s, p) AS regexp_matches(s, p)`,
	`CREATE OR REPLACE TEMP MACRO json_extract_scalar(j, p) AS json_extract_string(j, p)`,
	`CREATE OR REPLACE TEMP MACRO json_format(j) AS CAST(j AS VARCHAR)`,
	`CREATE OR REPLACE TEMP MACRO json_parse(s) AS CAST(s AS JSON)`,
	`CREATE OR REPLACE TEMP MACRO strpos(s, sub) AS instr(s, sub)`,
	`CREATE OR REPLACE TEMP MACRO codepoint(s) AS unicode(s)`,
	`CREATE OR REPLACE TEMP MACRO is_nan(x) AS isnan(x)`,
	// Aggregates Trino names otherwise.
	`CREATE OR REPLACE TEMP MACRO approx_distinct(x) AS approx_count_distinct(x)`,
}
