package lake

import (
	"encoding/base64"
	"sort"
)

// defaultPage is the page size when a request gives no maxResults.
const defaultPage = 100

// keyed is a listed item and the key it sorts by.
type keyed[T any] struct {
	key  string
	item T
}

// page returns the items from the one whose key the token names on, at most max (1–100; nil: the default), and
// the token of the next page ("" after the last). Tokens are opaque to clients: the next item's key.
func page[T any](items []keyed[T], token string, max *int) ([]T, string, error) {
	var f fields
	if max != nil && (*max < 1 || *max > 100) {
		f.fail("Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100.", *max)
	}
	if len(token) > 2048 {
		f.fail("Value at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to 2048.")
	}
	if f.err != nil {
		return nil, "", f.err
	}
	start := ""
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil || len(b) == 0 {
			return nil, "", badRequest("The nextToken is not valid: pass the nextToken of the previous response as it was.")
		}
		start = string(b)
	}
	sort.Slice(items, func(i, j int) bool { return items[i].key < items[j].key })
	i := sort.Search(len(items), func(i int) bool { return items[i].key >= start })
	n := defaultPage
	if max != nil {
		n = *max
	}
	out := []T{}
	for ; i < len(items) && len(out) < n; i++ {
		out = append(out, items[i].item)
	}
	next := ""
	if i < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte(items[i].key))
	}
	return out, next, nil
}
