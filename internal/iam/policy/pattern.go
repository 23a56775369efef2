package policy

import (
	"strings"
	"unicode/utf8"
)

// A pattern is a compiled Action, Resource or condition value: literal text, the wildcards * (any run of
// characters) and ? (one character) where the element allows them, and policy variables.
//
// Policy variables (IAM UG reference_policies_variables): ${key} is replaced by the request's value of the
// context key (key names are case-insensitive); ${key, 'default'} falls back to the default; ${*}, ${?} and
// ${$} are a literal *, ? and $. Variables are recognised only in documents with Version 2012-10-17
// ("If you don't include the Version element … variables like ${aws:username} are treated as literal
// strings").

type tokKind uint8

const (
	tokLit tokKind = iota
	tokStar
	tokOne
	tokVar
)

type token struct {
	kind   tokKind
	lit    string // tokLit: the text; tokVar: the variable's default
	key    string // tokVar: lowercased context key
	name   string // tokVar: the key as written
	hasDef bool
	n      int // tokVar: the variable's ordinal in the pattern
}

type patMode uint8

const (
	patExact  patMode = iota // no wildcards, no variables: compare lit
	patPrefix                // lit followed by one trailing *
	patAny                   // a lone *
	patGlob                  // wildcards, no variables
	patVar                   // has variables: resolve, then match
)

type pattern struct {
	text string // as written in the policy
	mode patMode
	lit  string
	toks []token
	fold bool // ASCII case-insensitive (actions); lit and toks are lowercased
	wild bool // * and ? are wildcards
}

// compilePattern compiles text. wild makes * and ? wildcards; vars recognises policy variables; fold makes
// the pattern match case-insensitively (for action names, which are ASCII).
func compilePattern(text string, wild, vars, fold bool) pattern {
	p := pattern{text: text, fold: fold, wild: wild}
	src := text
	if fold {
		src = strings.ToLower(text)
	}
	p.toks = tokenize(src, wild, vars)
	hasVar, hasWild, nVars := false, false, 0
	for i, t := range p.toks {
		switch t.kind {
		case tokVar:
			hasVar = true
			p.toks[i].n = nVars
			nVars++
		case tokStar, tokOne:
			hasWild = true
		}
	}
	switch {
	case hasVar:
		p.mode = patVar
	case !hasWild:
		p.mode, p.lit = patExact, literalText(p.toks)
		p.toks = nil
	case len(p.toks) == 1 && p.toks[0].kind == tokStar:
		p.mode, p.toks = patAny, nil
	case len(p.toks) == 2 && p.toks[0].kind == tokLit && p.toks[1].kind == tokStar:
		p.mode, p.lit, p.toks = patPrefix, p.toks[0].lit, nil
	default:
		p.mode = patGlob
	}
	return p
}

func literalText(toks []token) string {
	if len(toks) == 1 {
		return toks[0].lit
	}
	var b strings.Builder
	for _, t := range toks {
		b.WriteString(t.lit)
	}
	return b.String()
}

// tokenize splits src into literal runs, wildcards and variables, merging adjacent literals.
func tokenize(src string, wild, vars bool) []token {
	var toks []token
	addLit := func(s string) {
		if s == "" {
			return
		}
		if n := len(toks); n > 0 && toks[n-1].kind == tokLit {
			toks[n-1].lit += s
			return
		}
		toks = append(toks, token{kind: tokLit, lit: s})
	}
	start := 0
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case wild && (c == '*' || c == '?'):
			addLit(src[start:i])
			kind := tokStar
			if c == '?' {
				kind = tokOne
			}
			if kind != tokStar || len(toks) == 0 || toks[len(toks)-1].kind != tokStar {
				toks = append(toks, token{kind: kind})
			}
			i++
			start = i
		case vars && c == '$' && strings.HasPrefix(src[i:], "${"):
			end := strings.IndexByte(src[i:], '}')
			if end < 0 {
				i++ // an unterminated ${ is literal text
				continue
			}
			addLit(src[start:i])
			t, isLit := parseVariable(src[i+2 : i+end])
			if isLit {
				addLit(t.lit)
			} else {
				toks = append(toks, t)
			}
			i += end + 1
			start = i
		default:
			i++
		}
	}
	addLit(src[start:])
	return toks
}

// parseVariable parses the inside of ${…}. It reports isLit for the special variables ${*}, ${?}, ${$}.
func parseVariable(inner string) (t token, isLit bool) {
	switch inner {
	case "*", "?", "$":
		return token{kind: tokLit, lit: inner}, true
	}
	key, def, hasDef := strings.Cut(inner, ",")
	name := strings.TrimSpace(key)
	t = token{kind: tokVar, key: strings.ToLower(name), name: name}
	if hasDef {
		def = strings.TrimSpace(def)
		if len(def) >= 2 && def[0] == '\'' && def[len(def)-1] == '\'' {
			def = def[1 : len(def)-1]
		}
		t.lit, t.hasDef = def, true
	}
	return t, false
}

// hasVariables reports whether matching needs a resolver.
func (p *pattern) hasVariables() bool { return p.mode == patVar }

// maxInlineVars is how many variables a pattern may have before resolving them allocates.
const maxInlineVars = 8

// match reports whether s matches the pattern. ok is false when a variable could not be resolved: AWS
// then treats the statement as not matching ("any attempt to match it fails and causes the statement to be
// invalid").
func (p *pattern) match(s string, r *evaluator) (matched, ok bool) {
	switch p.mode {
	case patExact:
		if p.fold {
			return equalFoldASCII(s, p.lit), true
		}
		return s == p.lit, true
	case patAny:
		return true, true
	case patPrefix:
		return hasPrefix(s, p.lit, p.fold), true
	case patGlob:
		return globMatch(p.toks, nil, s, p.fold), true
	}
	var buf [maxInlineVars]string
	vals, ok := p.resolve(r, buf[:0])
	if !ok {
		return false, false
	}
	if !p.wild {
		return equalTokens(p.toks, vals, s), true
	}
	return globMatch(p.toks, vals, s, p.fold), true
}

// value returns the pattern's text with variables resolved (for operators that compare whole values).
func (p *pattern) value(r *evaluator) (string, bool) {
	switch p.mode {
	case patExact:
		return p.lit, true
	case patVar:
		var buf [maxInlineVars]string
		vals, ok := p.resolve(r, buf[:0])
		if !ok {
			return "", false
		}
		var b strings.Builder
		for _, t := range p.toks {
			b.WriteString(tokenText(t, vals))
		}
		return b.String(), true
	}
	return p.text, true
}

// resolve appends the values of the pattern's variables, in order, to vals.
func (p *pattern) resolve(r *evaluator, vals []string) ([]string, bool) {
	for _, t := range p.toks {
		if t.kind != tokVar {
			continue
		}
		v, ok := "", false
		if r != nil {
			v, ok = r.variable(t.key)
		}
		if !ok {
			if !t.hasDef {
				if r != nil {
					r.noteMissing(t.name)
				}
				return nil, false
			}
			v = t.lit
		}
		if p.fold {
			v = strings.ToLower(v)
		}
		vals = append(vals, v)
	}
	return vals, true
}

// tokenText is the text of a literal token, or the resolved value of a variable token (vals holds the
// values of the pattern's variables in order).
func tokenText(t token, vals []string) string {
	if t.kind == tokVar {
		return vals[t.n]
	}
	return t.lit
}

// equalTokens reports whether s is exactly the concatenation of the tokens.
func equalTokens(toks []token, vals []string, s string) bool {
	for _, t := range toks {
		part := tokenText(t, vals)
		if !strings.HasPrefix(s, part) {
			return false
		}
		s = s[len(part):]
	}
	return s == ""
}

// globMatch matches s against toks. On a mismatch it backtracks to the most recent *, which is enough for
// glob patterns; after a * it skips straight to the next occurrence of the literal that follows.
func globMatch(toks []token, vals []string, s string, fold bool) bool {
	ti, si := 0, 0
	starTi, starSi := -1, 0
	for {
		if ti < len(toks) {
			t := toks[ti]
			switch t.kind {
			case tokStar:
				if ti+1 == len(toks) {
					return true // a trailing * matches the rest
				}
				starTi, starSi = ti, si
				ti++
				if next := toks[ti]; next.kind == tokLit || next.kind == tokVar {
					j := index(s[si:], tokenText(next, vals), fold)
					if j < 0 {
						return false
					}
					starSi = si + j
					si = starSi
				}
				continue
			case tokOne:
				if si < len(s) {
					_, size := utf8.DecodeRuneInString(s[si:])
					si += size
					ti++
					continue
				}
			default:
				if part := tokenText(t, vals); hasPrefix(s[si:], part, fold) {
					si += len(part)
					ti++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		if starTi < 0 || starSi >= len(s) {
			return false
		}
		_, size := utf8.DecodeRuneInString(s[starSi:])
		starSi += size
		if next := toks[starTi+1]; next.kind == tokLit || next.kind == tokVar {
			j := index(s[starSi:], tokenText(next, vals), fold)
			if j < 0 {
				return false
			}
			starSi += j
		}
		si, ti = starSi, starTi+1
	}
}

// index is strings.Index, ASCII case-insensitive when fold is set (sub is then lowercase).
func index(s, sub string, fold bool) int {
	if !fold {
		return strings.Index(s, sub)
	}
	for i := 0; i+len(sub) <= len(s); i++ {
		if equalFoldASCII(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

func hasPrefix(s, prefix string, fold bool) bool {
	if len(s) < len(prefix) {
		return false
	}
	if fold {
		return equalFoldASCII(s[:len(prefix)], prefix)
	}
	return s[:len(prefix)] == prefix
}

// equalFoldASCII reports whether s, folded to ASCII lowercase, equals lower (already lowercase).
func equalFoldASCII(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}
