package api

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/awsproto"
)

// Router chooses the operation of a REST service from the request's method and path, by the routes its
// operations declare (Op.HTTP). Build one with Routes or NewRouter; it is safe for concurrent use.
//
// A path is matched segment by segment on its percent-encoded form, so an encoded slash (%2F) stays inside
// its segment; a segment is decoded before it is compared or bound. A literal segment wins over a label, a
// label over a greedy label, and the router backtracks when the better choice leads nowhere. A trailing slash
// is insignificant, except inside the value of a greedy label and where only an empty last label would match.
type Router struct {
	root    node
	methods []string // the methods of the routes; a route's bit is its method's index
	ops     []*Op    // every operation, in the order given
}

// Ops returns the router's operations.
func (rt *Router) Ops() []*Op { return rt.ops }

// node is a position in the tree of routes: the segments that may follow it, and the routes that end there.
type node struct {
	literals map[string]*node
	label    *node    // a {name} segment
	greedy   *node    // a {name+} segment, which takes the rest of the path
	routes   []*route // the routes ending here; those with more query conditions first
}

// route is one operation's place in the tree.
type route struct {
	op      *Op
	method  string
	bit     uint64
	pattern string
	labels  []string
	query   []queryCond
}

// queryCond is a condition of a query-qualified route: "?tagging" needs the parameter, "?list-type=2" the value.
type queryCond struct {
	key, value string
	anyValue   bool
}

// Routes returns the router of the given operations. It panics if a route is malformed or two operations
// claim the same method, path and query; services build their routers once, at start.
func Routes(ops ...*Op) *Router {
	rt, err := NewRouter(ops...)
	if err != nil {
		panic(err)
	}
	return rt
}

// NewRouter returns the router of the given operations, or an error naming a malformed route or two that
// conflict.
func NewRouter(ops ...*Op) (*Router, error) {
	rt := &Router{}
	for _, op := range ops {
		if op.HTTP == "" {
			return nil, fmt.Errorf("api: operation %s has no HTTP route", op.Name)
		}
		p, err := parseRoute(op.HTTP)
		if err != nil {
			return nil, fmt.Errorf("api: operation %s: %w", op.Name, err)
		}
		if len(p.labels) > maxLabels {
			return nil, fmt.Errorf("api: operation %s: route %q has more than %d labels", op.Name, op.HTTP, maxLabels)
		}
		if err := rt.add(op, p); err != nil {
			return nil, err
		}
		rt.ops = append(rt.ops, op)
	}
	return rt, nil
}

func (rt *Router) add(op *Op, p *pattern) error {
	n := &rt.root
	for _, s := range p.segs {
		var next **node
		switch s.kind {
		case segLiteral:
			if n.literals == nil {
				n.literals = make(map[string]*node)
			}
			c := n.literals[s.text]
			if c == nil {
				c = &node{}
				n.literals[s.text] = c
			}
			n = c
			continue
		case segLabel:
			next = &n.label
		case segGreedy:
			next = &n.greedy
		}
		if *next == nil {
			*next = &node{}
		}
		n = *next
	}
	i := slices.Index(rt.methods, p.method)
	if i < 0 {
		if i = len(rt.methods); i == 64 {
			return fmt.Errorf("api: route %q: a router takes at most 64 methods", op.HTTP)
		}
		rt.methods = append(rt.methods, p.method)
	}
	r := &route{op: op, method: p.method, bit: 1 << i, pattern: op.HTTP, labels: p.labels, query: p.query}
	for _, o := range n.routes {
		if o.method == r.method && sameConds(o.query, r.query) {
			return fmt.Errorf("api: route %q of %s conflicts with route %q of %s", r.pattern, op.Name, o.pattern, o.op.Name)
		}
	}
	n.routes = append(n.routes, r)
	slices.SortStableFunc(n.routes, func(a, b *route) int { return len(b.query) - len(a.query) })
	return nil
}

func sameConds(a, b []queryCond) bool {
	if len(a) != len(b) {
		return false
	}
	for _, c := range a {
		if !slices.Contains(b, c) {
			return false
		}
	}
	return true
}

// Match returns the operation that the request's method and path select, and the path's labels. A path that
// no route matches is an UnknownOperationException (404); a path that routes match but not with the request's
// method is a MethodNotAllowedException (405) whose Allow header lists the methods they have.
func (rt *Router) Match(r *http.Request) (*Op, awsproto.Labels, error) {
	m := matcher{method: r.Method, path: r.URL.EscapedPath(), rawQuery: r.URL.RawQuery}
	if !validEscapes(m.path) {
		return nil, nil, awserr.New("SerializationException", http.StatusBadRequest, "The request path %q is not validly percent-encoded.", m.path)
	}
	start := m.begin()
	found := m.find(&rt.root, start)
	if found == nil && m.end < len(m.path) { // a trailing slash may end an empty last label ("DELETE /v1/subscribers/")
		m.end, m.nvals = len(m.path), 0
		found = m.find(&rt.root, start)
	}
	if found == nil {
		return nil, nil, rt.noMatch(&m)
	}
	if len(found.labels) == 0 {
		return found.op, nil, nil
	}
	labels := make(awsproto.Labels, len(found.labels))
	for i, name := range found.labels {
		labels[i] = awsproto.Label{Name: name, Value: m.vals[i]}
	}
	return found.op, labels, nil
}

// maxLabels bounds the labels of a route, so that a match keeps them on the stack.
const maxLabels = 8

// matcher is the state of one Match: the label values bound on the way down, and the methods of the routes
// whose path matched. It walks the encoded path in place; segments are decoded as they are compared.
type matcher struct {
	method, path, rawQuery string
	end                    int // the end of the path without its trailing slash
	query                  url.Values
	vals                   [maxLabels]string
	nvals                  int
	allow                  uint64 // the bits of the methods of routes whose path matched
}

// begin returns the offset of the path's first segment, past its end when the path has none.
func (m *matcher) begin() int {
	p := m.path
	if len(p) > 1 && p[len(p)-1] == '/' {
		p = p[:len(p)-1]
	}
	m.end = len(p)
	if p == "" || p == "/" {
		return m.end + 1
	}
	if p[0] == '/' {
		return 1
	}
	return 0
}

// validEscapes reports whether every '%' in p starts an escape of two hex digits.
func validEscapes(p string) bool {
	for i := strings.IndexByte(p, '%'); i >= 0; i = strings.IndexByte(p, '%') {
		if i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2]) {
			return false
		}
		p = p[i+3:]
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// decode percent-decodes a part of the path, which validEscapes has checked.
func decode(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	t, _ := url.PathUnescape(s)
	return t
}

// find returns the best route below n for the segments that start at offset start, or nil.
func (m *matcher) find(n *node, start int) *route {
	if start > m.end {
		return m.at(n)
	}
	end := m.end
	if i := strings.IndexByte(m.path[start:end], '/'); i >= 0 {
		end = start + i
	}
	text := decode(m.path[start:end])
	if c := n.literals[text]; c != nil {
		if r := m.find(c, end+1); r != nil {
			return r
		}
	}
	if n.label != nil && m.nvals < maxLabels {
		m.vals[m.nvals] = text
		m.nvals++
		if r := m.find(n.label, end+1); r != nil {
			return r
		}
		m.nvals--
	}
	if n.greedy != nil && m.nvals < maxLabels {
		m.vals[m.nvals] = decode(m.path[start:]) // the rest, its trailing slash included
		m.nvals++
		if r := m.at(n.greedy); r != nil {
			return r
		}
		m.nvals--
	}
	return nil
}

// at returns the route ending at n that takes the request's method and query, noting the methods of the
// others.
func (m *matcher) at(n *node) *route {
	for _, r := range n.routes {
		if !m.queryMatches(r.query) {
			continue
		}
		if r.method == m.method {
			return r
		}
		m.allow |= r.bit
	}
	return nil
}

func (m *matcher) queryMatches(conds []queryCond) bool {
	if len(conds) == 0 {
		return true
	}
	if m.query == nil {
		m.query, _ = url.ParseQuery(m.rawQuery) // a malformed pair is skipped, as net/url skips it
	}
	for _, c := range conds {
		vals, ok := m.query[c.key]
		if !ok || !c.anyValue && !slices.Contains(vals, c.value) {
			return false
		}
	}
	return true
}

func (rt *Router) noMatch(m *matcher) error {
	if m.allow == 0 {
		return awserr.New("UnknownOperationException", http.StatusNotFound, "No operation matches %s %s.", m.method, m.path)
	}
	var methods []string
	for i, name := range rt.methods {
		if m.allow&(1<<i) != 0 {
			methods = append(methods, name)
		}
	}
	slices.Sort(methods)
	allow := strings.Join(methods, ", ")
	return awserr.New("MethodNotAllowedException", http.StatusMethodNotAllowed,
		"The method %s is not allowed on %s; it allows %s.", m.method, m.path, allow).WithHeader("Allow", allow)
}
