package lakeformation

import (
	"encoding/base64"
	"strconv"
)

// Page asks for a page of a listing: the previous response's NextToken and the page size (0: 100, at most 1000).
type Page struct {
	Token string
	Max   int
}

// pageOf cuts a listing into pages; a token is the offset of the next item, opaque to clients.
func pageOf[T any](items []T, p Page) ([]T, string, error) {
	from := 0
	if p.Token != "" {
		raw, err := base64.StdEncoding.DecodeString(p.Token)
		if err == nil {
			from, err = strconv.Atoi(string(raw))
		}
		if err != nil || from < 0 || from > len(items) {
			return nil, "", errInvalid("The NextToken is not valid: pass the NextToken of the previous response as it was.")
		}
	}
	size := p.Max
	switch {
	case size <= 0:
		size = 100
	case size > 1000:
		return nil, "", errInvalid("MaxResults must be between 1 and 1000.")
	}
	to := min(len(items), from+size)
	out := append([]T{}, items[from:to]...)
	if to == len(items) {
		return out, "", nil
	}
	return out, base64.StdEncoding.EncodeToString([]byte(strconv.Itoa(to))), nil
}
