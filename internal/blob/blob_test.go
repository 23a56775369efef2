package blob

import (
	"errors"
	"strings"
	"testing"
)

func TestValidKey(t *testing.T) {
	good := []string{"a", "objects/ab/cd-ef.bin", "lake/region=us-east-1/part_0.parquet"}
	bad := []string{"", "/a", "a/", "a//b", "../x", "a/./b", "a b", "a\\b", strings.Repeat("x", 1025), "é"}
	for _, k := range good {
		if err := ValidKey(k); err != nil {
			t.Errorf("ValidKey(%q) = %v", k, err)
		}
	}
	for _, k := range bad {
		if err := ValidKey(k); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ValidKey(%q) = %v, want ErrInvalidKey", k, err)
		}
	}
}
