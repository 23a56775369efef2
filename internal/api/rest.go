package api

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/seclake/seclake/internal/awsproto"
)

// REST returns an operation of a REST-JSON service, chosen by route: a method and a path template as the
// service's model spells them, for example "GET /v1/subscribers/{subscriberId}", "POST /v1/tags/{resourceArn+}"
// (a greedy label, last) or "GET /v1/things?tagging" (the query must have the parameter; "?k=v", its value).
//
// The input is bound from the path's labels, the query, the headers and the JSON body, as In's struct tags say
// (see awsproto.DecodeREST); the output is encoded by awsproto.EncodeREST. The operation is audited as JSON's
// are. REST panics if the route is malformed or its labels are not exactly those In binds.
func REST[In, Out any](name, route, action string, readOnly bool, fn func(ctx context.Context, c *Call, in *In) (*Out, error)) *Op {
	if err := checkBinding(route, new(In), new(Out)); err != nil {
		panic(fmt.Sprintf("api: operation %s: %v", name, err))
	}
	return &Op{Name: name, Action: action, HTTP: route, ReadOnly: readOnly, Serve: func(ctx context.Context, c *Call) (any, error) {
		in := new(In)
		req := awsproto.RESTRequest{Labels: c.Labels, Query: c.HTTP.URL.Query(), Header: c.HTTP.Header, Body: c.Body}
		if err := awsproto.DecodeREST(req, in); err != nil {
			return nil, err
		}
		return serveTyped(ctx, c, in, readOnly, fn)
	}}
}

// checkBinding checks that a route parses and that its labels are those the input binds, and that the output's
// tags are valid.
func checkBinding(route string, in, out any) error {
	p, err := parseRoute(route)
	if err != nil {
		return err
	}
	bound, err := awsproto.RESTLabels(in)
	if err != nil {
		return err
	}
	if _, err := awsproto.RESTLabels(out); err != nil {
		return err
	}
	for _, l := range p.labels {
		if !slices.Contains(bound, l) {
			return fmt.Errorf("route %q has the label {%s}, which no field of %T binds (location:\"uri\" name:%q)", route, l, in, l)
		}
	}
	for _, l := range bound {
		if !slices.Contains(p.labels, l) {
			return fmt.Errorf("%T binds the label {%s}, which route %q does not have", in, l, route)
		}
	}
	return nil
}

// segKind is the kind of a segment of a path template.
type segKind uint8

const (
	segLiteral segKind = iota
	segLabel
	segGreedy
)

// patternSeg is one segment of a path template.
type patternSeg struct {
	kind segKind
	text string // the literal, or the label's name
}

// pattern is a parsed route.
type pattern struct {
	method string
	segs   []patternSeg
	labels []string
	query  []queryCond
}

// parseRoute parses "METHOD /path/{label}/{greedy+}?key&key=value".
func parseRoute(route string) (*pattern, error) {
	method, rest, ok := strings.Cut(route, " ")
	if !ok || method == "" || strings.ToUpper(method) != method || !strings.HasPrefix(rest, "/") {
		return nil, fmt.Errorf("route %q is not \"METHOD /path\"", route)
	}
	path, query, _ := strings.Cut(rest, "?")
	p := &pattern{method: method}
	if len(path) > 1 {
		path = strings.TrimSuffix(path, "/")
	}
	if path != "/" {
		for s := range strings.SplitSeq(path[1:], "/") {
			seg, err := parseSegment(s)
			if err != nil {
				return nil, fmt.Errorf("route %q: %w", route, err)
			}
			if n := len(p.segs); n > 0 && p.segs[n-1].kind == segGreedy {
				return nil, fmt.Errorf("route %q: the greedy label {%s+} must be the last segment", route, p.segs[n-1].text)
			}
			if seg.kind != segLiteral {
				if slices.Contains(p.labels, seg.text) {
					return nil, fmt.Errorf("route %q: the label {%s} appears twice", route, seg.text)
				}
				p.labels = append(p.labels, seg.text)
			}
			p.segs = append(p.segs, seg)
		}
	}
	conds, err := parseQueryConds(query)
	if err != nil {
		return nil, fmt.Errorf("route %q: %w", route, err)
	}
	p.query = conds
	return p, nil
}

func parseSegment(s string) (patternSeg, error) {
	switch {
	case s == "":
		return patternSeg{}, errors.New("empty path segment")
	case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
		name, greedy := strings.CutSuffix(s[1:len(s)-1], "+")
		if name == "" || strings.ContainsAny(name, "{}/+") {
			return patternSeg{}, fmt.Errorf("malformed label %q", s)
		}
		if greedy {
			return patternSeg{kind: segGreedy, text: name}, nil
		}
		return patternSeg{kind: segLabel, text: name}, nil
	case strings.ContainsAny(s, "{}"):
		return patternSeg{}, fmt.Errorf("segment %q mixes a label with text; a label must be a whole segment", s)
	}
	text, err := url.PathUnescape(s)
	if err != nil {
		return patternSeg{}, fmt.Errorf("segment %q: %w", s, err)
	}
	return patternSeg{kind: segLiteral, text: text}, nil
}

func parseQueryConds(query string) ([]queryCond, error) {
	if query == "" {
		return nil, nil
	}
	var conds []queryCond
	for part := range strings.SplitSeq(query, "&") {
		k, v, hasValue := strings.Cut(part, "=")
		if k == "" {
			return nil, fmt.Errorf("malformed query condition %q", part)
		}
		conds = append(conds, queryCond{key: k, value: v, anyValue: !hasValue})
	}
	return conds, nil
}
