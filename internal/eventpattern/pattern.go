// Package eventpattern is EventBridge's event-pattern language: a pattern is compiled once (refused with AWS's
// InvalidEventPatternException and the position at fault when invalid) and then matched against events, alone or
// as one of many patterns in a Set that reads each event once.
//
// Matching follows EventBridge: a pattern is an object whose fields must all match; a leaf is an array of
// alternatives (exact values, prefix, suffix, anything-but, numeric, exists, cidr, equals-ignore-case, wildcard);
// "$or" lists alternative sub-patterns; an event field holding an array matches when any element matches.
// Arrays of objects in events are flattened: each field of the elements is matched on its own.
package eventpattern

import (
	"fmt"

	"github.com/seclake/seclake/internal/awserr"
)

// MaxLength is the longest pattern PutRule accepts (the model's EventPattern limit).
const MaxLength = 4096

// ErrorCode is the AWS error code of an invalid pattern.
const ErrorCode = "InvalidEventPatternException"

// Pattern is a compiled event pattern.
type Pattern struct {
	src  string
	root *node
	one  *Set // the pattern alone, for Match
}

// node is a conjunction: every condition holds and, for every $or group, one of its branches holds.
type node struct {
	conds []*cond
	ors   [][]*node
}

// cond is one leaf of a pattern: the values at path must satisfy one of the matchers.
type cond struct {
	path     []string
	key      string // path joined by "\x00"
	id       int    // the path's number in the Set it was bound to
	matchers []matcher
	absentOK bool // an {"exists": false} alternative
	presence bool // an {"exists": true} alternative
}

// Source returns the pattern as written.
func (p *Pattern) Source() string { return p.src }

// Match reports whether event (a JSON object) matches the pattern. It fails only on malformed JSON.
func (p *Pattern) Match(event []byte) (bool, error) {
	ids, err := p.one.Match(event, nil)
	return len(ids) > 0, err
}

// Compile parses a pattern. Its error is an *awserr.Error (InvalidEventPatternException) naming the reason and
// the line and column at fault.
func Compile(src string) (*Pattern, error) {
	if len(src) > MaxLength {
		return nil, invalid(src, 0, fmt.Sprintf("pattern is %d characters long; at most %d are allowed", len(src), MaxLength))
	}
	p := &parser{src: src}
	root, err := p.parse()
	if err != nil {
		return nil, err
	}
	pat := &Pattern{src: src, root: root}
	pat.one = NewSet([]*Pattern{pat})
	return pat, nil
}

// invalid is the error of a pattern refused at byte offset off.
func invalid(src string, off int, reason string) error {
	line, col := 1, 1
	for i := 0; i < off && i < len(src); i++ {
		if src[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return awserr.New(ErrorCode, awserr.StatusBadRequest,
		"Event pattern is not valid. Reason: %s at [Source: (String)%q; line: %d, column: %d]", reason, src, line, col)
}
