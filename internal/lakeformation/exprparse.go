package lakeformation

import (
	"fmt"
	"strings"
)

type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tQuoted // "identifier"
	tString
	tNumber
	tOp
)

type token struct {
	kind tokKind
	text string // an identifier's or string's value, or the operator
	pos  int
}

// lex cuts src into tokens.
func lex(src string) ([]token, error) {
	var out []token
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i + 1
			for j < len(src) && (src[j] == '_' || src[j] >= 'a' && src[j] <= 'z' || src[j] >= 'A' && src[j] <= 'Z' || src[j] >= '0' && src[j] <= '9') {
				j++
			}
			out = append(out, token{tIdent, src[i:j], i})
			i = j
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			j := number(src, i)
			out = append(out, token{tNumber, src[i:j], i})
			i = j
		case c == '\'' || c == '"':
			s, j, err := quoted(src, i)
			if err != nil {
				return nil, err
			}
			kind := tString
			if c == '"' {
				kind = tQuoted
			}
			out = append(out, token{kind, s, i})
			i = j
		default:
			op := ""
			for _, o := range []string{"<>", "!=", "<=", ">=", "||", "=", "<", ">", "+", "-", "*", "/", "%", "(", ")", ",", "."} {
				if strings.HasPrefix(src[i:], o) {
					op = o
					break
				}
			}
			if op == "" {
				return nil, fmt.Errorf("unexpected character %q at offset %d", c, i)
			}
			out = append(out, token{tOp, op, i})
			i += len(op)
		}
	}
	return append(out, token{tEOF, "end of expression", len(src)}), nil
}

func number(src string, i int) int {
	j := i
	for j < len(src) && src[j] >= '0' && src[j] <= '9' {
		j++
	}
	if j < len(src) && src[j] == '.' {
		j++
		for j < len(src) && src[j] >= '0' && src[j] <= '9' {
			j++
		}
	}
	if j < len(src) && (src[j] == 'e' || src[j] == 'E') {
		k := j + 1
		if k < len(src) && (src[k] == '+' || src[k] == '-') {
			k++
		}
		if k < len(src) && src[k] >= '0' && src[k] <= '9' {
			for k < len(src) && src[k] >= '0' && src[k] <= '9' {
				k++
			}
			j = k
		}
	}
	return j
}

// quoted reads a quoted string or identifier at src[i] (a doubled quote is one quote character).
func quoted(src string, i int) (string, int, error) {
	q := src[i]
	var b strings.Builder
	for j := i + 1; j < len(src); j++ {
		if src[j] != q {
			b.WriteByte(src[j])
			continue
		}
		if j+1 < len(src) && src[j+1] == q {
			b.WriteByte(q)
			j++
			continue
		}
		return b.String(), j + 1, nil
	}
	return "", 0, fmt.Errorf("the quote at offset %d is not closed", i)
}

type parser struct {
	toks  []token
	i     int
	depth int
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// word reports whether the next token is the keyword w, and takes it if so.
func (p *parser) word(w string) bool {
	if t := p.peek(); t.kind == tIdent && strings.EqualFold(t.text, w) {
		p.i++
		return true
	}
	return false
}

func (p *parser) op(o string) bool {
	if t := p.peek(); t.kind == tOp && t.text == o {
		p.i++
		return true
	}
	return false
}

func (p *parser) expect(o string) error {
	if !p.op(o) {
		t := p.peek()
		return fmt.Errorf("expected %q at offset %d, found %q", o, t.pos, t.text)
	}
	return nil
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return fmt.Errorf("the filter expression nests deeper than %d levels", maxDepth)
	}
	return nil
}

func (p *parser) expr() (Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	return p.logical("OR", p.and)
}

func (p *parser) and() (Expr, error) { return p.logical("AND", p.not) }

func (p *parser) logical(op string, sub func() (Expr, error)) (Expr, error) {
	l, err := sub()
	if err != nil {
		return nil, err
	}
	for p.word(op) {
		r, err := sub()
		if err != nil {
			return nil, err
		}
		if !l.boolean() || !r.boolean() {
			return nil, fmt.Errorf("%s needs boolean operands: %s %s %s", op, l.String(), op, r.String())
		}
		l = &binary{op: op, l: l, r: r}
	}
	return l, nil
}

func (p *parser) not() (Expr, error) {
	if p.word("NOT") {
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		if !x.boolean() {
			return nil, fmt.Errorf("NOT needs a boolean operand: NOT %s", x.String())
		}
		return &unary{op: "NOT", x: x}, nil
	}
	return p.predicate()
}

func (p *parser) predicate() (Expr, error) {
	x, err := p.additive()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind == tOp && comparisons[t.text] {
		p.next()
		r, err := p.additive()
		if err != nil {
			return nil, err
		}
		return &binary{op: t.text, l: x, r: r}, nil
	}
	if p.word("IS") {
		not := p.word("NOT")
		if !p.word("NULL") {
			t := p.peek()
			return nil, fmt.Errorf("expected NULL after IS at offset %d, found %q", t.pos, t.text)
		}
		return &isNull{x: x, not: not}, nil
	}
	not := p.word("NOT")
	switch {
	case p.word("IN"):
		list, err := p.list()
		if err != nil {
			return nil, err
		}
		return &inList{x: x, list: list, not: not}, nil
	case p.word("LIKE"):
		pat, err := p.additive()
		if err != nil {
			return nil, err
		}
		return &like{x: x, pat: pat, not: not}, nil
	case p.word("BETWEEN"):
		lo, err := p.additive()
		if err != nil {
			return nil, err
		}
		if !p.word("AND") {
			t := p.peek()
			return nil, fmt.Errorf("expected AND in BETWEEN at offset %d, found %q", t.pos, t.text)
		}
		hi, err := p.additive()
		if err != nil {
			return nil, err
		}
		return &between{x: x, lo: lo, hi: hi, not: not}, nil
	case not:
		t := p.peek()
		return nil, fmt.Errorf("expected IN, LIKE or BETWEEN after NOT at offset %d, found %q", t.pos, t.text)
	}
	return x, nil
}

func (p *parser) list() ([]Expr, error) {
	if err := p.expect("("); err != nil {
		return nil, err
	}
	var out []Expr
	for {
		e, err := p.additive()
		if err != nil {
			return nil, err
		}
		out = append(out, e)
		if p.op(")") {
			return out, nil
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
	}
}

func (p *parser) additive() (Expr, error) {
	return p.arith([]string{"+", "-", "||"}, p.term)
}

func (p *parser) term() (Expr, error) { return p.arith([]string{"*", "/", "%"}, p.factor) }

func (p *parser) arith(ops []string, sub func() (Expr, error)) (Expr, error) {
	l, err := sub()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if t.kind != tOp || !contains(ops, t.text) {
			return l, nil
		}
		p.next()
		r, err := sub()
		if err != nil {
			return nil, err
		}
		l = &binary{op: t.text, l: l, r: r}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (p *parser) factor() (Expr, error) {
	if p.op("-") {
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		x, err := p.factor()
		if err != nil {
			return nil, err
		}
		return &unary{op: "-", x: x}, nil
	}
	return p.primary()
}

func (p *parser) primary() (Expr, error) {
	t := p.next()
	switch t.kind {
	case tNumber:
		return &literal{text: t.text, kind: 'n'}, nil
	case tString:
		return &literal{text: "'" + strings.ReplaceAll(t.text, "'", "''") + "'", kind: 's'}, nil
	case tQuoted:
		return p.columnFrom(t.text)
	case tIdent:
		switch up := strings.ToUpper(t.text); {
		case up == "TRUE" || up == "FALSE":
			return &literal{text: up, kind: 'b'}, nil
		case up == "NULL":
			return &literal{text: up, kind: '0'}, nil
		case keywords[up]:
			return nil, fmt.Errorf("unexpected %s at offset %d", up, t.pos)
		}
		if p.op("(") {
			return p.call(t.text)
		}
		return p.columnFrom(t.text)
	case tOp:
		if t.text == "(" {
			e, err := p.expr()
			if err != nil {
				return nil, err
			}
			return e, p.expect(")")
		}
	}
	return nil, fmt.Errorf("unexpected %q at offset %d", t.text, t.pos)
}

func (p *parser) columnFrom(first string) (Expr, error) {
	path := []string{first}
	for p.op(".") {
		t := p.next()
		if t.kind != tIdent && t.kind != tQuoted {
			return nil, fmt.Errorf("expected a field name after '.' at offset %d, found %q", t.pos, t.text)
		}
		path = append(path, t.text)
	}
	return &column{path: path}, nil
}

func (p *parser) call(name string) (Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	c := &call{name: strings.ToLower(name)}
	if p.op(")") {
		return c, nil
	}
	for {
		a, err := p.expr()
		if err != nil {
			return nil, err
		}
		c.args = append(c.args, a)
		if p.op(")") {
			return c, nil
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
	}
}
