package eventpattern

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// parser reads a pattern token by token, so that every refusal can name its position.
type parser struct {
	src string
	dec *json.Decoder
	at  int // offset of the last token read
}

func (p *parser) parse() (*node, error) {
	p.dec = json.NewDecoder(strings.NewReader(p.src))
	p.dec.UseNumber()
	tok, err := p.next()
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('{') {
		return nil, p.fail("the pattern must be a JSON object")
	}
	root := &node{}
	n, err := p.object(nil, root)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, p.fail("an empty pattern matches nothing; name at least one field")
	}
	if _, err := p.dec.Token(); err != io.EOF {
		p.at = int(p.dec.InputOffset())
		return nil, p.fail("unexpected data after the pattern")
	}
	return root, nil
}

// next reads a token and remembers where it starts.
func (p *parser) next() (json.Token, error) {
	off := int(p.dec.InputOffset())
	for off < len(p.src) && strings.IndexByte(" \t\r\n,:", p.src[off]) >= 0 {
		off++
	}
	p.at = off
	tok, err := p.dec.Token()
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			p.at = int(se.Offset)
			return nil, p.fail("malformed JSON: " + se.Error())
		}
		if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
			p.at = len(p.src)
			return nil, p.fail("unexpected end of the pattern")
		}
		return nil, p.fail("malformed JSON: " + err.Error())
	}
	return tok, nil
}

func (p *parser) fail(reason string) error { return invalid(p.src, p.at, reason) }

// object reads the fields of an object whose '{' was read, adding its conditions (with path as prefix) to n.
// It returns how many fields it read.
func (p *parser) object(path []string, n *node) (int, error) {
	seen := map[string]bool{}
	count := 0
	for {
		tok, err := p.next()
		if err != nil {
			return 0, err
		}
		if tok == json.Delim('}') {
			return count, nil
		}
		key, ok := tok.(string)
		if !ok {
			return 0, p.fail("expected a field name")
		}
		if seen[key] {
			return 0, p.fail(fmt.Sprintf("duplicate field %q", key))
		}
		seen[key] = true
		count++
		if key == "$or" {
			if err := p.or(path, n); err != nil {
				return 0, err
			}
			continue
		}
		sub := append(append([]string(nil), path...), key)
		tok, err = p.next()
		if err != nil {
			return 0, err
		}
		switch tok {
		case json.Delim('{'):
			m, err := p.object(sub, n)
			if err != nil {
				return 0, err
			}
			if m == 0 {
				return 0, p.fail(fmt.Sprintf("%q is an empty object; an object must name at least one field", key))
			}
		case json.Delim('['):
			c, err := p.leaf(sub)
			if err != nil {
				return 0, err
			}
			n.conds = append(n.conds, c)
		default:
			return 0, p.fail(fmt.Sprintf("%q must be an object or an array", key))
		}
	}
}

// or reads the branches of a "$or" field.
func (p *parser) or(path []string, n *node) error {
	tok, err := p.next()
	if err != nil {
		return err
	}
	if tok != json.Delim('[') {
		return p.fail("\"$or\" must be an array of objects")
	}
	var branches []*node
	for {
		tok, err := p.next()
		if err != nil {
			return err
		}
		if tok == json.Delim(']') {
			break
		}
		if tok != json.Delim('{') {
			return p.fail("\"$or\" must be an array of objects")
		}
		b := &node{}
		m, err := p.object(path, b)
		if err != nil {
			return err
		}
		if m == 0 {
			return p.fail("a \"$or\" branch is an empty object")
		}
		branches = append(branches, b)
	}
	if len(branches) < 2 {
		return p.fail("\"$or\" needs at least two branches")
	}
	n.ors = append(n.ors, branches)
	return nil
}

// leaf reads the alternatives of a leaf array whose '[' was read.
func (p *parser) leaf(path []string) (*cond, error) {
	c := &cond{path: path, key: strings.Join(path, "\x00")}
	for {
		tok, err := p.next()
		if err != nil {
			return nil, err
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case ']':
				if len(c.matchers) == 0 && !c.absentOK && !c.presence {
					return nil, p.fail("empty arrays are not allowed in a pattern")
				}
				return c, nil
			case '{':
				if err := p.matchObject(c); err != nil {
					return nil, err
				}
			default:
				return nil, p.fail("nested arrays are not allowed in a pattern")
			}
		default:
			m, err := p.exact(v)
			if err != nil {
				return nil, err
			}
			c.matchers = append(c.matchers, m)
		}
	}
}

// exact is the matcher of a literal value.
func (p *parser) exact(tok json.Token) (matcher, error) {
	switch v := tok.(type) {
	case string:
		return matcher{op: opExact, str: v}, nil
	case json.Number:
		f, err := p.number(v)
		if err != nil {
			return matcher{}, err
		}
		return matcher{op: opExactNum, num: f}, nil
	case bool:
		return matcher{op: opExactBool, b: v}, nil
	case nil:
		return matcher{op: opExactNull}, nil
	}
	return matcher{}, p.fail("unexpected value")
}

// numericLimit is the magnitude beyond which EventBridge refuses numbers in numeric matching.
const numericLimit = 5e9

func (p *parser) number(n json.Number) (float64, error) {
	f, err := n.Float64()
	if err != nil {
		return 0, p.fail(fmt.Sprintf("%s is not a number EventBridge can compare", n))
	}
	return f, nil
}

// str reads a token that must be a string.
func (p *parser) str(what string) (string, error) {
	tok, err := p.next()
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", p.fail(what + " must be a string")
	}
	return s, nil
}

// closeObject reads the '}' that ends a one-field match object.
func (p *parser) closeObject(what string) error {
	tok, err := p.next()
	if err != nil {
		return err
	}
	if tok != json.Delim('}') {
		return p.fail(what + " must be the only field of its object")
	}
	return nil
}
