package glue

import "strconv"

// page returns the items of a list call's page: from the offset NextToken names, at most maxResults of them
// (all when it is 0), and the token of the next page ("" on the last).
func page[T any](items []T, token string, maxResults int) ([]T, string, error) {
	start := 0
	if token != "" {
		n, err := strconv.Atoi(token)
		if err != nil || n < 0 || n > len(items) {
			return nil, "", invalid("The NextToken %q is not one this list gave.", token)
		}
		start = n
	}
	if maxResults < 0 {
		return nil, "", invalid("MaxResults must be positive.")
	}
	end := len(items)
	if maxResults > 0 && start+maxResults < end {
		end = start + maxResults
	}
	next := ""
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	return items[start:end], next, nil
}
