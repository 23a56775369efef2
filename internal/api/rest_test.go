package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/seclake/seclake/internal/awserr"
)

type tagIn struct {
	ResourceARN string            `json:"-" location:"uri" name:"resourceArn"`
	DryRun      bool              `json:"-" location:"querystring" name:"dryRun"`
	Tags        map[string]string `json:"tags"`
}

type tagOut struct {
	Count int `json:"count"`
}

func tagOp(readOnly bool, seen *tagIn) *Op {
	return REST("TagResource", "POST /v1/tags/{resourceArn+}", "test:TagResource", readOnly, func(_ context.Context, _ *Call, in *tagIn) (*tagOut, error) {
		*seen = *in
		return &tagOut{Count: len(in.Tags)}, nil
	})
}

func TestRESTServeBindsAndAudits(t *testing.T) {
	for _, readOnly := range []bool{false, true} {
		var seen tagIn
		op := tagOp(readOnly, &seen)
		r := httptest.NewRequest("POST", "/v1/tags/arn:aws:securitylake:us-east-1:111122223333:subscriber/abc?dryRun=true", nil)
		_, labels, err := Routes(op).Match(r)
		if err != nil {
			t.Fatal(err)
		}
		c := &Call{HTTP: r, Labels: labels, Body: []byte(`{"tags":{"team":"soc"}}`)}
		out, err := op.Serve(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		if seen.ResourceARN != "arn:aws:securitylake:us-east-1:111122223333:subscriber/abc" || !seen.DryRun || seen.Tags["team"] != "soc" {
			t.Fatalf("bound %+v", seen)
		}
		if out.(*tagOut).Count != 1 || c.Audit.RequestParameters.(*tagIn).ResourceARN != seen.ResourceARN {
			t.Fatalf("out %+v, audit %+v", out, c.Audit)
		}
		if got := c.Audit.ResponseElements != nil; got == readOnly {
			t.Fatalf("readOnly=%v: responseElements recorded = %v", readOnly, got)
		}
	}
}

func TestRESTServeRefusesBadBindings(t *testing.T) {
	var seen tagIn
	op := tagOp(false, &seen)
	r := httptest.NewRequest("POST", "/v1/tags/x?dryRun=maybe", nil)
	_, err := op.Serve(context.Background(), &Call{HTTP: r, Labels: nil})
	if e, ok := awserr.As(err); !ok || e.Code != "ValidationException" || !strings.Contains(e.Message, "{resourceArn}") {
		t.Fatalf("missing label: %v", err)
	}
	_, labels, _ := Routes(op).Match(r)
	_, err = op.Serve(context.Background(), &Call{HTTP: r, Labels: labels})
	if e, ok := awserr.As(err); !ok || e.Code != "SerializationException" || !strings.Contains(e.Message, `"dryRun"`) {
		t.Fatalf("bad bool: %v", err)
	}
}

func TestRESTPanicsOnBadDeclarations(t *testing.T) {
	type noLabel struct {
		Name string `json:"name"`
	}
	type badTag struct {
		ID string `location:"uri" name:"id"` // no json:"-"
	}
	fn := func(_ context.Context, _ *Call, _ *tagIn) (*tagOut, error) { return nil, nil }
	cases := map[string]func(){
		"route label not bound": func() {
			REST("A", "GET /v1/x/{id}", "test:A", true, func(_ context.Context, _ *Call, _ *noLabel) (*tagOut, error) { return nil, nil })
		},
		"bound label not in route": func() { REST("A", "POST /v1/tags", "test:A", false, fn) },
		"label names differ":       func() { REST("A", "POST /v1/tags/{arn+}", "test:A", false, fn) },
		"malformed route":          func() { REST("A", "/v1/tags/{resourceArn}", "test:A", false, fn) },
		"bad input tags": func() {
			REST("A", "GET /v1/x/{id}", "test:A", true, func(_ context.Context, _ *Call, _ *badTag) (*tagOut, error) { return nil, nil })
		},
		"bad output tags": func() {
			REST("A", "POST /v1/tags/{resourceArn}", "test:A", false, func(_ context.Context, _ *Call, _ *tagIn) (*badTag, error) { return nil, nil })
		},
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("REST did not panic")
				}
			}()
			f()
		})
	}
}

func TestRoutesPanicsOnConflict(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(error).Error(), "conflicts") {
			t.Fatalf("recovered %v", r)
		}
	}()
	var seen tagIn
	Routes(tagOp(false, &seen), tagOp(false, &seen))
}

type fuzzIn struct {
	Bucket  string            `json:"-" location:"uri" name:"bucket"`
	Version int16             `json:"-" location:"uri" name:"version"`
	Key     string            `json:"-" location:"uri" name:"key"`
	Max     *int32            `json:"-" location:"querystring" name:"max"`
	Regions []string          `json:"-" location:"querystring" name:"regions"`
	Flags   []bool            `json:"-" location:"header" name:"X-Flags"`
	Rest    map[string]string `json:"-" location:"querystring"`
	Name    string            `json:"name"`
}

// FuzzRouterBind routes arbitrary requests and binds them to typed inputs: nothing panics, and every refusal
// is a client error in AWS's form.
func FuzzRouterBind(f *testing.F) {
	f.Add("GET", "/v1/b/logs/3/a/b%2Fc?max=10&regions=us-east-1&x=y", "true, false", `{"name":"n"}`)
	f.Add("GET", "/v1/b/logs/x/k?max=99999999999", "maybe", `[]`)
	f.Add("DELETE", "/v1/b//1/k", "", ``)
	f.Add("PUT", "/v1/b/logs/1/k/", "", `{"name":1}`)
	get := REST("Get", "GET /v1/b/{bucket}/{version}/{key+}", "test:Get", true, func(_ context.Context, _ *Call, in *fuzzIn) (*tagOut, error) {
		return &tagOut{Count: len(in.Regions)}, nil
	})
	del := REST("Delete", "DELETE /v1/b/{bucket}/{version}/{key}", "test:Delete", false, func(_ context.Context, _ *Call, in *fuzzIn) (*tagOut, error) {
		return &tagOut{}, nil
	})
	rt := Routes(get, del)
	f.Fuzz(func(t *testing.T, method, target, flags, body string) {
		r, err := http.NewRequest(method, "http://edge"+target, nil)
		if err != nil || !strings.HasPrefix(target, "/") {
			return
		}
		r.Header.Set("X-Flags", flags)
		op, labels, err := rt.Match(r)
		if err == nil {
			_, err = op.Serve(context.Background(), &Call{HTTP: r, Labels: labels, Body: []byte(body)})
		}
		if err != nil {
			if e, ok := awserr.As(err); !ok || e.Status < 400 || e.Status > 499 {
				t.Fatalf("%s %s: %v", method, target, err)
			}
		}
	})
}
