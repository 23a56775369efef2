package kms

import (
	"encoding/base64"
	"fmt"
	"sort"
)

// Page is one page of a List operation's results. Next is the marker of the following page, "" on the last.
type Page[T any] struct {
	Items []T
	Next  string
}

// Truncated reports whether more results follow.
func (p *Page[T]) Truncated() bool { return p.Next != "" }

// pageLimit checks a List operation's Limit (1–1000; 0 means the operation's default).
func pageLimit(limit, def int) (int, error) {
	switch {
	case limit == 0:
		return def, nil
	case limit < 1:
		return 0, errValidation("limit", fmt.Sprint(limit), "Member must have value greater than or equal to 1")
	case limit > 1000:
		return 0, errValidation("limit", fmt.Sprint(limit), "Member must have value less than or equal to 1000")
	}
	return limit, nil
}

// paginate returns the page of items (sorted by key) that follows marker. A marker is the unpadded base64url
// of the last key of the previous page.
func paginate[T any](items []T, key func(T) string, limit int, marker string) (*Page[T], error) {
	start := 0
	if marker != "" {
		b, err := base64.RawURLEncoding.DecodeString(marker)
		if err != nil || len(b) == 0 {
			return nil, errInvalidMarker()
		}
		after := string(b)
		start = sort.Search(len(items), func(i int) bool { return key(items[i]) > after })
	}
	end := min(start+limit, len(items))
	p := &Page[T]{Items: items[start:end]}
	if end < len(items) {
		p.Next = base64.RawURLEncoding.EncodeToString([]byte(key(items[end-1])))
	}
	return p, nil
}
