package query

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/seclake/seclake/internal/awserr"
)

// Athena's error names (the AthenaError types its StateChangeReason starts with). A user error is an *awserr.Error
// whose Code is one of these and whose Message says where and what: "line 1:15: Table 'awsdatacatalog.db.t' does
// not exist"; its Error() reads as Athena's reason: "TABLE_NOT_FOUND: line 1:15: …".
const (
	CodeSyntaxError         = "SYNTAX_ERROR"
	CodeTableNotFound       = "TABLE_NOT_FOUND"
	CodeSchemaNotFound      = "SCHEMA_NOT_FOUND"
	CodeCatalogNotFound     = "CATALOG_NOT_FOUND"
	CodeColumnNotFound      = "COLUMN_NOT_FOUND"
	CodeFunctionNotFound    = "FUNCTION_NOT_FOUND"
	CodeInvalidCast         = "INVALID_CAST_ARGUMENT"
	CodeInvalidArgument     = "INVALID_FUNCTION_ARGUMENT"
	CodePermissionDenied    = "PERMISSION_DENIED"
	CodeNotSupported        = "NOT_SUPPORTED"
	CodeExceededMemoryLimit = "EXCEEDED_MEMORY_LIMIT"
	CodeUserCancelled       = "USER_CANCELLED"
)

// userError is an error of the query's own making, at byte offset loc of sql (unknownLoc: no position).
func userError(code, sql string, loc int, format string, args ...any) *awserr.Error {
	msg := fmt.Sprintf(format, args...)
	if loc >= 0 && loc <= len(sql) {
		line, col := lineCol(sql, loc)
		msg = fmt.Sprintf("line %d:%d: %s", line, col, msg)
	}
	return awserr.New(code, awserr.StatusBadRequest, "%s", msg)
}

// lineCol turns a byte offset into Athena's 1-based line and column.
func lineCol(sql string, off int) (int, int) {
	line, col := 1, 1
	for _, r := range sql[:off] {
		if r == '\n' {
			line, col = line+1, 1
			continue
		}
		col++
	}
	return line, col
}

var (
	reColumn    = regexp.MustCompile(`Referenced column "([^"]+)" not found`)
	reFunction  = regexp.MustCompile(`(?:Scalar|Aggregate|Table) Function with name "?([^" ]+)"? does not exist`)
	reTable     = regexp.MustCompile(`Table with name "?([^" ]+)"? does not exist`)
	reStructKey = regexp.MustCompile(`Could not find key "([^"]+)" in struct`)
)

// fromDuckDB turns an error DuckDB raised while running the user's SQL into Athena's wording; errors that are
// not the query's fault come back as they are (internal failures).
func fromDuckDB(err error, sql string, p *parsed, memLimit int64) error {
	if errors.Is(err, context.Canceled) {
		return userError(CodeUserCancelled, sql, unknownLoc, "Query was cancelled")
	}
	var de *duckdb.Error
	if !errors.As(err, &de) {
		return err
	}
	msg := firstLine(de.Msg)
	colLoc := func(name string) int {
		if p != nil {
			if l, ok := p.ColumnLocs[strings.ToLower(name)]; ok {
				return l
			}
		}
		return unknownLoc
	}
	switch de.Type {
	case duckdb.ErrorTypeOutOfMemory:
		return userError(CodeExceededMemoryLimit, sql, unknownLoc,
			"Query exceeded the per-query memory limit of %s: narrow it (fewer columns, a tighter WHERE on time_dt, "+
				"region or accountid, a LIMIT) or ask for a higher limit (%s)", bytesText(memLimit), msg)
	case duckdb.ErrorTypeParser:
		return userError(CodeSyntaxError, sql, unknownLoc, "%s", msg)
	case duckdb.ErrorTypeBinder, duckdb.ErrorTypeCatalog:
		if m := reColumn.FindStringSubmatch(msg); m != nil {
			return userError(CodeColumnNotFound, sql, colLoc(m[1]), "Column '%s' cannot be resolved", m[1])
		}
		if m := reStructKey.FindStringSubmatch(msg); m != nil {
			return userError(CodeColumnNotFound, sql, colLoc(m[1]), "Column '%s' cannot be resolved", m[1])
		}
		if m := reFunction.FindStringSubmatch(msg); m != nil {
			return userError(CodeFunctionNotFound, sql, unknownLoc, "Function '%s' not registered", m[1])
		}
		if m := reTable.FindStringSubmatch(msg); m != nil {
			return userError(CodeTableNotFound, sql, unknownLoc, "Table '%s' does not exist", m[1])
		}
		return userError(CodeSyntaxError, sql, unknownLoc, "%s", msg)
	case duckdb.ErrorTypeConversion:
		return userError(CodeInvalidCast, sql, unknownLoc, "%s", msg)
	case duckdb.ErrorTypeInvalidInput, duckdb.ErrorTypeOutOfRange, duckdb.ErrorTypeDivideByZero,
		duckdb.ErrorTypeMismatchType, duckdb.ErrorTypeInvalidType:
		return userError(CodeInvalidArgument, sql, unknownLoc, "%s", msg)
	case duckdb.ErrorTypePermission:
		return userError(CodePermissionDenied, sql, unknownLoc,
			"%s: queries read the catalog's tables only, never local files", msg)
	case duckdb.ErrorTypeInterrupt:
		return userError(CodeUserCancelled, sql, unknownLoc, "Query was cancelled")
	case duckdb.ErrorTypeNotImplemented:
		return userError(CodeNotSupported, sql, unknownLoc, "%s", msg)
	}
	return err
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "\n"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	if _, after, ok := strings.Cut(s, " Error: "); ok {
		return after
	}
	return s
}

func bytesText(n int64) string {
	const mib = 1 << 20
	if n >= 1<<30 && n%(1<<30) == 0 {
		return fmt.Sprintf("%dGB", n>>30)
	}
	return fmt.Sprintf("%dMB", n/mib)
}
