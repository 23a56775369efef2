package awserr

import (
	"fmt"
	"testing"
)

func TestAsUnwraps(t *testing.T) {
	base := New("NotFoundException", 400, "Key '%s' does not exist", "arn:aws:kms:us-east-1:111122223333:key/x")
	err := fmt.Errorf("describe key: %w", base)
	got, ok := As(err)
	if !ok || got != base {
		t.Fatalf("As(%v) = %v, %v", err, got, ok)
	}
	if got.Error() != "NotFoundException: Key 'arn:aws:kms:us-east-1:111122223333:key/x' does not exist" {
		t.Fatalf("Error() = %q", got.Error())
	}
	if _, ok := As(fmt.Errorf("plain")); ok {
		t.Fatal("As matched a plain error")
	}
}

func TestWithCopies(t *testing.T) {
	a := New("NoSuchBucket", 404, "The specified bucket does not exist")
	b := a.With("BucketName", "logs")
	if len(a.Fields) != 0 || len(b.Fields) != 1 || b.Fields[0] != (Field{"BucketName", "logs"}) {
		t.Fatalf("a=%v b=%v", a.Fields, b.Fields)
	}
}

func TestWithHeaderCopies(t *testing.T) {
	a := New("MethodNotAllowedException", 405, "GET is not allowed")
	b := a.WithHeader("Allow", "POST")
	if len(a.Headers) != 0 || len(b.Headers) != 1 || b.Headers[0] != (Field{"Allow", "POST"}) {
		t.Fatalf("a=%v b=%v", a.Headers, b.Headers)
	}
}
