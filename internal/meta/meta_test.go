package meta

import "testing"

func TestPrefixEnd(t *testing.T) {
	cases := map[string]string{"": "", "a": "b", "ab": "ac", "a\xff": "b", "\xff\xff": "", "k/\x00": "k/\x01"}
	for in, want := range cases {
		if got := PrefixEnd(in); got != want {
			t.Errorf("PrefixEnd(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBounds(t *testing.T) {
	cases := []struct {
		r      Range
		lo, hi string
	}{
		{Range{}, "", ""},
		{Range{Prefix: "k/"}, "k/", "k0"},
		{Range{Prefix: "k/", Start: "k/b"}, "k/b", "k0"},
		{Range{Prefix: "k/", Start: "a"}, "k/", "k0"},
		{Range{Prefix: "k/", End: "k/c"}, "k/", "k/c"},
		{Range{Prefix: "k/", End: "z"}, "k/", "k0"},
		{Range{Start: "m", End: "p"}, "m", "p"},
	}
	for _, c := range cases {
		lo, hi := c.r.Bounds()
		if lo != c.lo || hi != c.hi {
			t.Errorf("%+v.Bounds() = %q,%q want %q,%q", c.r, lo, hi, c.lo, c.hi)
		}
	}
}
