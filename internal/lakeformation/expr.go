package lakeformation

import (
	"fmt"
	"strings"
)

// A data cells filter's row filter is a SQL predicate (PartiQL-like, as Lake Formation takes it): comparisons,
// AND/OR/NOT, IS [NOT] NULL, [NOT] IN (…), [NOT] LIKE, [NOT] BETWEEN … AND …, arithmetic, function calls,
// literals and column references (dotted for struct fields). ParseFilter checks that an expression is such a
// boolean predicate over a table's columns; the query engine evaluates it.

// MaxFilterLength is the longest filter expression accepted (Lake Formation's PredicateString limit).
const MaxFilterLength = 2048

const maxDepth = 64

// Expr is a parsed filter expression.
type Expr interface {
	// String prints the expression fully parenthesized, so that printing is stable under re-parsing.
	String() string
	boolean() bool
	columns(add func(path []string))
}

type (
	binary struct {
		op   string
		l, r Expr
	}
	unary struct {
		op string
		x  Expr
	}
	literal struct {
		text string
		kind byte // 'n' number, 's' string, 'b' boolean, '0' null
	}
	column struct{ path []string }
	call   struct {
		name string
		args []Expr
	}
	inList struct {
		x    Expr
		list []Expr
		not  bool
	}
	between struct {
		x, lo, hi Expr
		not       bool
	}
	isNull struct {
		x   Expr
		not bool
	}
	like struct {
		x, pat Expr
		not    bool
	}
)

var comparisons = map[string]bool{"=": true, "<>": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true}

func (e *binary) String() string { return "(" + e.l.String() + " " + e.op + " " + e.r.String() + ")" }
func (e *binary) boolean() bool  { return e.op == "AND" || e.op == "OR" || comparisons[e.op] }
func (e *binary) columns(add func([]string)) {
	e.l.columns(add)
	e.r.columns(add)
}

func (e *unary) String() string {
	if e.op == "NOT" {
		return "(NOT " + e.x.String() + ")"
	}
	return "(" + e.op + e.x.String() + ")"
}
func (e *unary) boolean() bool               { return e.op == "NOT" }
func (e *unary) columns(add func([]string))  { e.x.columns(add) }
func (e *literal) String() string            { return e.text }
func (e *literal) boolean() bool             { return e.kind == 'b' }
func (e *literal) columns(func([]string))    {}
func (e *column) String() string             { return quoteIdents(e.path) }
func (e *column) boolean() bool              { return true } // a boolean column, as far as the parser can tell
func (e *column) columns(add func([]string)) { add(e.path) }

func (e *call) String() string {
	args := make([]string, len(e.args))
	for i, a := range e.args {
		args[i] = a.String()
	}
	return e.name + "(" + strings.Join(args, ", ") + ")"
}
func (e *call) boolean() bool { return true }
func (e *call) columns(add func([]string)) {
	for _, a := range e.args {
		a.columns(add)
	}
}

func notWord(not bool) string {
	if not {
		return " NOT"
	}
	return ""
}

func (e *inList) String() string {
	items := make([]string, len(e.list))
	for i, a := range e.list {
		items[i] = a.String()
	}
	return "(" + e.x.String() + notWord(e.not) + " IN (" + strings.Join(items, ", ") + "))"
}
func (e *inList) boolean() bool { return true }
func (e *inList) columns(add func([]string)) {
	e.x.columns(add)
	for _, a := range e.list {
		a.columns(add)
	}
}

func (e *between) String() string {
	return "(" + e.x.String() + notWord(e.not) + " BETWEEN " + e.lo.String() + " AND " + e.hi.String() + ")"
}
func (e *between) boolean() bool { return true }
func (e *between) columns(add func([]string)) {
	e.x.columns(add)
	e.lo.columns(add)
	e.hi.columns(add)
}

func (e *isNull) String() string             { return "(" + e.x.String() + " IS" + notWord(e.not) + " NULL)" }
func (e *isNull) boolean() bool              { return true }
func (e *isNull) columns(add func([]string)) { e.x.columns(add) }
func (e *like) String() string {
	return "(" + e.x.String() + notWord(e.not) + " LIKE " + e.pat.String() + ")"
}
func (e *like) boolean() bool              { return true }
func (e *like) columns(add func([]string)) { e.x.columns(add); e.pat.columns(add) }

// quoteIdents prints a column path, quoting the parts that are not plain identifiers or are keywords.
func quoteIdents(path []string) string {
	parts := make([]string, len(path))
	for i, p := range path {
		if plainIdent(p) && !keywords[strings.ToUpper(p)] {
			parts[i] = p
		} else {
			parts[i] = `"` + strings.ReplaceAll(p, `"`, `""`) + `"`
		}
	}
	return strings.Join(parts, ".")
}

func plainIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

var keywords = map[string]bool{"AND": true, "OR": true, "NOT": true, "IS": true, "NULL": true, "IN": true, "LIKE": true,
	"BETWEEN": true, "TRUE": true, "FALSE": true}

// ParseFilter parses a row filter expression and checks that it is a boolean predicate whose column references
// name columns of the table (cols; nil skips that check). The error says what is wrong and where.
func ParseFilter(src string, cols []string) (Expr, error) {
	if strings.TrimSpace(src) == "" {
		return nil, fmt.Errorf("the filter expression is empty: give a predicate such as accountid = '123456789012', or AllRowsWildcard")
	}
	if len(src) > MaxFilterLength {
		return nil, fmt.Errorf("the filter expression is %d characters long; the limit is %d", len(src), MaxFilterLength)
	}
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, fmt.Errorf("unexpected %q at offset %d: the expression should end there", t.text, t.pos)
	}
	if !e.boolean() {
		return nil, fmt.Errorf("%s is not a boolean expression: a row filter must be a predicate such as a comparison", e.String())
	}
	if cols != nil {
		known := make(map[string]bool, len(cols))
		for _, c := range cols {
			known[strings.ToLower(c)] = true
		}
		var bad string
		e.columns(func(path []string) {
			if bad == "" && !known[strings.ToLower(path[0])] {
				bad = path[0]
			}
		})
		if bad != "" {
			return nil, fmt.Errorf("the filter expression names the column %s, which the table does not have", bad)
		}
	}
	return e, nil
}
