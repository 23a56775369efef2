package awsproto

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/seclake/seclake/internal/awserr"
)

type region string

type restIn struct {
	ID       string            `json:"-" location:"uri" name:"subscriberId"`
	Version  *int32            `json:"-" location:"uri" name:"version"`
	Regions  []region          `json:"-" location:"querystring" name:"regions"`
	Max      *int              `json:"-" location:"querystring" name:"maxResults"`
	Dry      bool              `json:"-" location:"querystring" name:"dryRun"`
	Since    *time.Time        `json:"-" location:"querystring" name:"since"`
	Rest     map[string]string `json:"-" location:"querystring"`
	Token    string            `json:"-" location:"header" name:"x-amz-client-token"`
	Accepts  []string          `json:"-" location:"header" name:"X-Accept-List"`
	Modified *Timestamp        `json:"-" location:"header" name:"If-Modified-Since"`
	Meta     map[string]string `json:"-" location:"headers" name:"X-Amz-Meta-"`
	Name     string            `json:"subscriberName"`
	Tags     []string          `json:"tags"`
}

func TestDecodeREST(t *testing.T) {
	req := RESTRequest{
		Labels: Labels{{"subscriberId", "a/b c"}, {"version", "7"}},
		Query: url.Values{"regions": {"us-east-1", "eu-west-1"}, "maxResults": {"25"}, "dryRun": {"true"},
			"since": {"2024-05-01T10:00:00Z"}, "other": {"x", "y"}},
		Header: http.Header{"X-Amz-Client-Token": {"tok"}, "X-Accept-List": {"a, b", "c"},
			"If-Modified-Since": {"Wed, 01 May 2024 10:00:00 GMT"}, "X-Amz-Meta-Color": {"blue"}, "Other": {"no"}},
		Body: []byte(`{"subscriberName":"siem","tags":["t"],"subscriberId":"from-body"}`),
	}
	var in restIn
	if err := DecodeREST(req, &in); err != nil {
		t.Fatal(err)
	}
	when := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	if in.ID != "a/b c" || in.Version == nil || *in.Version != 7 || !reflect.DeepEqual(in.Regions, []region{"us-east-1", "eu-west-1"}) ||
		in.Max == nil || *in.Max != 25 || !in.Dry || in.Since == nil || !in.Since.Equal(when) ||
		!reflect.DeepEqual(in.Rest, map[string]string{"other": "x"}) || in.Token != "tok" ||
		!reflect.DeepEqual(in.Accepts, []string{"a", "b", "c"}) || in.Modified == nil || !in.Modified.Time().Equal(when) ||
		!reflect.DeepEqual(in.Meta, map[string]string{"color": "blue"}) || in.Name != "siem" || !reflect.DeepEqual(in.Tags, []string{"t"}) {
		t.Fatalf("bound %+v", in)
	}
}

func TestDecodeRESTEmptyBodyIsZeroInput(t *testing.T) {
	var in restIn
	if err := DecodeREST(RESTRequest{Labels: Labels{{"subscriberId", "x"}, {"version", "1"}}}, &in); err != nil {
		t.Fatal(err)
	}
	if in.Name != "" || in.Regions != nil || in.Max != nil || in.Rest != nil || in.Meta != nil {
		t.Fatalf("bound %+v", in)
	}
}

func TestDecodeRESTErrors(t *testing.T) {
	ok := Labels{{"subscriberId", "x"}, {"version", "1"}}
	cases := []struct {
		name     string
		req      RESTRequest
		code     string
		contains string
	}{
		{"empty label", RESTRequest{Labels: Labels{{"subscriberId", ""}, {"version", "1"}}}, "ValidationException", "{subscriberId} is empty"},
		{"missing label", RESTRequest{Labels: Labels{{"version", "1"}}}, "ValidationException", "{subscriberId}"},
		{"label not int", RESTRequest{Labels: Labels{{"subscriberId", "x"}, {"version", "v1"}}}, "SerializationException", `path label {version} must be an integer from -2147483648 to 2147483647; got "v1"`},
		{"query not int", RESTRequest{Labels: ok, Query: url.Values{"maxResults": {"ten"}}}, "SerializationException", `query parameter "maxResults" must be an integer`},
		{"query overflow", RESTRequest{Labels: ok, Query: url.Values{"maxResults": {"99999999999999999999"}}}, "SerializationException", `"maxResults"`},
		{"bool", RESTRequest{Labels: ok, Query: url.Values{"dryRun": {"yes"}}}, "SerializationException", `"dryRun" must be "true" or "false"`},
		{"time", RESTRequest{Labels: ok, Query: url.Values{"since": {"yesterday"}}}, "SerializationException", "ISO 8601"},
		{"header time", RESTRequest{Labels: ok, Header: http.Header{"If-Modified-Since": {"soon"}}}, "SerializationException", "header If-Modified-Since must be an HTTP date"},
		{"body", RESTRequest{Labels: ok, Body: []byte(`{"tags":"x"}`)}, "SerializationException", `"tags"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var in restIn
			err := DecodeREST(c.req, &in)
			e, ok := awserr.As(err)
			if !ok || e.Code != c.code || e.Status != 400 || !strings.Contains(e.Message, c.contains) {
				t.Fatalf("got %v, want %s containing %q", err, c.code, c.contains)
			}
		})
	}
}

func TestDecodeRESTListItemError(t *testing.T) {
	var in struct {
		N []int `json:"-" location:"querystring" name:"n"`
	}
	err := DecodeREST(RESTRequest{Query: url.Values{"n": {"1", "x"}}}, &in)
	if e, ok := awserr.As(err); !ok || !strings.HasPrefix(e.Message, `Each value of the query parameter "n" must be an integer`) {
		t.Fatalf("got %v", err)
	}
}

func TestRESTLabelsChecksTags(t *testing.T) {
	labels, err := RESTLabels(&restIn{})
	if err != nil || !reflect.DeepEqual(labels, []string{"subscriberId", "version"}) {
		t.Fatalf("RESTLabels = %v, %v", labels, err)
	}
	bad := []any{
		struct {
			A string `location:"uri" name:"a"` // no json:"-"
		}{},
		struct {
			A string `json:"-" location:"uri"` // no name
		}{},
		struct {
			A []string `json:"-" location:"uri" name:"a"` // a list in a label
		}{},
		struct {
			A map[string]int `json:"-" location:"querystring"`
		}{},
		struct {
			A string `json:"-" location:"statusCode"`
		}{},
		struct {
			A string `json:"-" location:"body" name:"a"`
		}{},
		struct {
			A struct{} `json:"-" location:"header" name:"X"`
		}{},
	}
	for _, v := range bad {
		if _, err := RESTLabels(v); err == nil {
			t.Errorf("RESTLabels(%T) accepted bad tags", v)
		}
	}
	if _, err := RESTLabels(3); err == nil {
		t.Error("RESTLabels(int) accepted a non-struct")
	}
}

type restOut struct {
	Status     int               `json:"-" location:"statusCode"`
	RetryAfter *int              `json:"-" location:"header" name:"Retry-After"`
	ETag       string            `json:"-" location:"header" name:"ETag"`
	Empty      string            `json:"-" location:"header" name:"X-Empty"`
	Modified   time.Time         `json:"-" location:"header" name:"Last-Modified"`
	Parts      []int64           `json:"-" location:"header" name:"X-Parts"`
	Meta       map[string]string `json:"-" location:"headers" name:"X-Amz-Meta-"`
	Name       string            `json:"name"`
}

func TestEncodeREST(t *testing.T) {
	seven := 7
	out := &restOut{Status: 201, RetryAfter: &seven, ETag: `"e"`, Modified: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC),
		Parts: []int64{1, 2}, Meta: map[string]string{"color": "blue"}, Name: "n"}
	res, err := EncodeREST(out)
	if err != nil {
		t.Fatal(err)
	}
	want := http.Header{"Retry-After": {"7"}, "Etag": {`"e"`}, "Last-Modified": {"Wed, 01 May 2024 10:00:00 GMT"},
		"X-Parts": {"1, 2"}, "X-Amz-Meta-Color": {"blue"}}
	if res.Status != 201 || !reflect.DeepEqual(res.Header, want) || string(res.Body) != `{"name":"n"}` {
		t.Fatalf("got %d %v %s", res.Status, res.Header, res.Body)
	}
	res, err = EncodeREST(&restOut{})
	if err != nil || res.Status != 200 || res.Header != nil || string(res.Body) != `{"name":""}` {
		t.Fatalf("zero output: %+v, %v", res, err)
	}
	res, err = EncodeREST(nil)
	if err != nil || res.Status != 200 || string(res.Body) != "{}" {
		t.Fatalf("nil output: %+v, %v", res, err)
	}
	res, err = EncodeREST(&restOut{Status: 204, Name: "gone"})
	if err != nil || res.Status != 204 || res.Body != nil {
		t.Fatalf("204 output: %+v, %v", res, err)
	}
	if _, err := EncodeREST(&restOut{Status: 42}); err == nil {
		t.Fatal("a status of 42 was encoded")
	}
}
