package api

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/awsproto"
)

// testRoutes are routes in the shape of Security Lake's, with a few that only exercise the router.
var testRoutes = []string{
	"GET /v1/datalakes",
	"POST /v1/datalake",
	"PUT /v1/datalake",
	"POST /v1/datalake/delete",
	"POST /v1/datalake/logsources/aws",
	"POST /v1/datalake/logsources/aws/delete",
	"DELETE /v1/datalake/logsources/custom/{sourceName}",
	"GET /v1/subscribers",
	"POST /v1/subscribers",
	"GET /v1/subscribers/{subscriberId}",
	"PUT /v1/subscribers/{subscriberId}",
	"DELETE /v1/subscribers/{subscriberId}",
	"POST /v1/subscribers/{subscriberId}/notification",
	"GET /v1/subscribers/special",
	"GET /v1/tags/{resourceArn}",
	"POST /v1/tags/{resourceArn+}",
	"GET /v1/objects/{bucket}/{key+}",
	"GET /v1/objects/{bucket}/list",
	"GET /v1/things/{id}?tagging",
	"GET /v1/things/{id}?list-type=2",
	"GET /v1/things/{id}",
	"GET /2015-03-31/functions/",
	"POST /2015-03-31/functions",
	"GET /",
}

func testRouter(tb testing.TB) *Router {
	tb.Helper()
	ops := make([]*Op, len(testRoutes))
	for i, r := range testRoutes {
		ops[i] = &Op{Name: r, HTTP: r}
	}
	rt, err := NewRouter(ops...)
	if err != nil {
		tb.Fatal(err)
	}
	return rt
}

func TestRouterMatch(t *testing.T) {
	rt := testRouter(t)
	cases := []struct {
		method, target string
		route          string // the route that matches
		labels         awsproto.Labels
	}{
		{"GET", "/v1/datalakes", "GET /v1/datalakes", nil},
		{"GET", "/v1/datalakes?regions=us-east-1&regions=eu-west-1", "GET /v1/datalakes", nil},
		{"GET", "/v1/datalakes/", "GET /v1/datalakes", nil},
		{"POST", "/v1/datalake/logsources/aws", "POST /v1/datalake/logsources/aws", nil},
		{"POST", "/v1/datalake/logsources/aws/delete", "POST /v1/datalake/logsources/aws/delete", nil},
		{"GET", "/v1/subscribers/abc", "GET /v1/subscribers/{subscriberId}", lbls("subscriberId", "abc")},
		{"DELETE", "/v1/subscribers/abc/", "DELETE /v1/subscribers/{subscriberId}", lbls("subscriberId", "abc")},
		// a literal beats a label, but only for the methods it has
		{"GET", "/v1/subscribers/special", "GET /v1/subscribers/special", nil},
		{"DELETE", "/v1/subscribers/special", "DELETE /v1/subscribers/{subscriberId}", lbls("subscriberId", "special")},
		{"POST", "/v1/subscribers/a%20b/notification", "POST /v1/subscribers/{subscriberId}/notification", lbls("subscriberId", "a b")},
		// percent-encoded labels: an encoded slash stays in its label
		{"GET", "/v1/tags/arn%3Aaws%3Asecuritylake%3Aus-east-1%3A111122223333%3Asubscriber%2Fabc", "GET /v1/tags/{resourceArn}",
			lbls("resourceArn", "arn:aws:securitylake:us-east-1:111122223333:subscriber/abc")},
		{"DELETE", "/v1/datalake/logsources/custom/my%2Bsource", "DELETE /v1/datalake/logsources/custom/{sourceName}", lbls("sourceName", "my+source")},
		{"DELETE", "/v1/datalake/logsources/custom/a+b", "DELETE /v1/datalake/logsources/custom/{sourceName}", lbls("sourceName", "a+b")},
		// greedy labels take the rest of the path, slashes (raw or encoded) and a trailing slash included
		{"POST", "/v1/tags/arn:aws:securitylake:us-east-1:111122223333:subscriber/abc", "POST /v1/tags/{resourceArn+}",
			lbls("resourceArn", "arn:aws:securitylake:us-east-1:111122223333:subscriber/abc")},
		{"POST", "/v1/tags/a%2Fb/c%20d/", "POST /v1/tags/{resourceArn+}", lbls("resourceArn", "a/b/c d/")},
		{"POST", "/v1/tags/single", "POST /v1/tags/{resourceArn+}", lbls("resourceArn", "single")},
		{"GET", "/v1/objects/logs/a/b/c.json", "GET /v1/objects/{bucket}/{key+}", lbls("bucket", "logs", "key", "a/b/c.json")},
		{"GET", "/v1/objects/logs/list", "GET /v1/objects/{bucket}/list", lbls("bucket", "logs")},
		{"GET", "/v1/objects/logs/list/more", "GET /v1/objects/{bucket}/{key+}", lbls("bucket", "logs", "key", "list/more")},
		// query-qualified routes are tried before the route without conditions
		{"GET", "/v1/things/t1?tagging", "GET /v1/things/{id}?tagging", lbls("id", "t1")},
		{"GET", "/v1/things/t1?list-type=2&prefix=x", "GET /v1/things/{id}?list-type=2", lbls("id", "t1")},
		{"GET", "/v1/things/t1?list-type=1", "GET /v1/things/{id}", lbls("id", "t1")},
		{"GET", "/v1/things/t1", "GET /v1/things/{id}", lbls("id", "t1")},
		// a trailing slash in a template is insignificant too
		{"GET", "/2015-03-31/functions", "GET /2015-03-31/functions/", nil},
		{"POST", "/2015-03-31/functions/", "POST /2015-03-31/functions", nil},
		{"GET", "/", "GET /", nil},
		// an empty label still routes, and binding refuses it
		{"POST", "/v1/subscribers//notification", "POST /v1/subscribers/{subscriberId}/notification", lbls("subscriberId", "")},
		{"DELETE", "/v1/subscribers/", "DELETE /v1/subscribers/{subscriberId}", lbls("subscriberId", "")},
		{"GET", "/v1/subscribers/", "GET /v1/subscribers", nil},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.target, func(t *testing.T) {
			op, labels, err := rt.Match(httptest.NewRequest(c.method, c.target, nil))
			if err != nil {
				t.Fatalf("Match: %v", err)
			}
			if op.Name != c.route {
				t.Fatalf("matched %q, want %q", op.Name, c.route)
			}
			if !equalLabels(labels, c.labels) {
				t.Fatalf("labels %q, want %q", labels, c.labels)
			}
		})
	}
}

// lbls returns the labels of name, value pairs.
func lbls(kv ...string) awsproto.Labels {
	var l awsproto.Labels
	for i := 0; i < len(kv); i += 2 {
		l = append(l, awsproto.Label{Name: kv[i], Value: kv[i+1]})
	}
	return l
}

func equalLabels(a, b awsproto.Labels) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRouterNoMatch(t *testing.T) {
	rt := testRouter(t)
	cases := []struct {
		method, target string
		status         int
		code, allow    string
	}{
		{"GET", "/v1/nothing", 404, "UnknownOperationException", ""},
		{"GET", "/v1/datalake/logsources", 404, "UnknownOperationException", ""},
		{"GET", "/v1/subscribers/abc/notification/extra", 404, "UnknownOperationException", ""},
		{"POST", "/v1/tags", 404, "UnknownOperationException", ""}, // a greedy label needs a value
		{"GET", "/v1/objects/logs", 404, "UnknownOperationException", ""},
		{"GET", "/v1/tags/a/b", 405, "MethodNotAllowedException", "POST"}, // the greedy route's path matches
		{"DELETE", "/v1/datalakes", 405, "MethodNotAllowedException", "GET"},
		{"PATCH", "/v1/subscribers/abc", 405, "MethodNotAllowedException", "DELETE, GET, PUT"},
		{"GET", "/v1/datalake", 405, "MethodNotAllowedException", "POST, PUT"},
		{"POST", "/v1/subscribers/special", 405, "MethodNotAllowedException", "DELETE, GET, PUT"},
		{"DELETE", "/v1/tags/x", 405, "MethodNotAllowedException", "GET, POST"},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.target, func(t *testing.T) {
			op, _, err := rt.Match(httptest.NewRequest(c.method, c.target, nil))
			e, ok := awserr.As(err)
			if op != nil || !ok {
				t.Fatalf("Match = %v, %v", op, err)
			}
			if e.Status != c.status || e.Code != c.code {
				t.Fatalf("got %d %s, want %d %s", e.Status, e.Code, c.status, c.code)
			}
			if !strings.Contains(e.Message, c.method) || !strings.Contains(e.Message, strings.SplitN(c.target, "?", 2)[0]) {
				t.Fatalf("message %q does not name the method and path", e.Message)
			}
			var allow string
			for _, h := range e.Headers {
				if h.Name == "Allow" {
					allow = h.Value
				}
			}
			if allow != c.allow {
				t.Fatalf("Allow %q, want %q", allow, c.allow)
			}
		})
	}
}

// TestRouterBadEncoding checks a path that is not valid percent-encoding. net/http keeps such a path from
// Match (URL.EscapedPath re-encodes an invalid RawPath), so the check is called directly.
func TestRouterBadEncoding(t *testing.T) {
	for p, want := range map[string]bool{"/v1/%zz": false, "/v1/%4": false, "/v1/a%": false, "/v1/%41%2f": true, "/v1/a": true} {
		if validEscapes(p) != want {
			t.Errorf("validEscapes(%q) = %v", p, !want)
		}
	}
}

func TestNewRouterRefusesConflictsAndMalformedRoutes(t *testing.T) {
	bad := [][]string{
		{"GET /v1/x/{a}", "GET /v1/x/{b}"},
		{"GET /v1/x", "GET /v1/x/"},
		{"GET /v1/x?a&b=1", "GET /v1/x?b=1&a"},
		{"POST /v1/{a+}", "POST /v1/{b+}"},
		{"get /v1/x"},
		{"GET v1/x"},
		{"GET"},
		{"GET /v1//x"},
		{"GET /v1/{a+}/x"},
		{"GET /v1/{a}/{a}"},
		{"GET /v1/x{a}"},
		{"GET /v1/{}"},
		{"GET /v1/x?=1"},
		{"GET /{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}"},
		{""},
	}
	for _, routes := range bad {
		ops := make([]*Op, len(routes))
		for i, r := range routes {
			ops[i] = &Op{Name: "Op", HTTP: r}
		}
		if _, err := NewRouter(ops...); err == nil {
			t.Errorf("NewRouter(%q) accepted", routes)
		}
	}
	if _, err := NewRouter(&Op{Name: "A", HTTP: "GET /v1/x?a"}, &Op{Name: "B", HTTP: "GET /v1/x"}, &Op{Name: "C", HTTP: "PUT /v1/x"}); err != nil {
		t.Errorf("NewRouter refused distinct routes: %v", err)
	}
}

func FuzzRouterMatch(f *testing.F) {
	for _, s := range []string{"/v1/subscribers/abc", "/v1/tags/a%2Fb/c/", "/v1/objects/b/list", "//", "/v1/things/x?tagging", "/%41", "/v1/subscribers//notification"} {
		f.Add("GET", s)
	}
	rt := testRouter(f)
	f.Fuzz(func(t *testing.T, method, target string) {
		u, err := url.ParseRequestURI(target)
		if err != nil {
			return
		}
		r := &http.Request{Method: method, URL: u}
		op, labels, err := rt.Match(r)
		if err != nil {
			e, ok := awserr.As(err)
			if op != nil || !ok || e.Status != 400 && e.Status != 404 && e.Status != 405 {
				t.Fatalf("Match(%s %s) = %v, %v", method, target, op, err)
			}
			return
		}
		p, err := parseRoute(op.HTTP)
		if err != nil {
			t.Fatal(err)
		}
		if p.method != method || len(labels) != len(p.labels) {
			t.Fatalf("Match(%s %s) = %s with labels %q", method, target, op.HTTP, labels)
		}
		for _, l := range labels {
			if l.Value == "" { // an empty label ("//") has no canonical form to rebuild
				return
			}
		}
		// the path rebuilt from the template and the labels matches the same route with the same labels
		u2, err := url.ParseRequestURI(rebuild(p, labels) + "?" + u.RawQuery)
		if err != nil {
			t.Fatalf("rebuilt %q: %v", rebuild(p, labels), err)
		}
		again, labels2, err := rt.Match(&http.Request{Method: method, URL: u2})
		if err != nil || again != op || !equalLabels(labels, labels2) {
			t.Fatalf("Match(%s %s) = %s %q; rebuilt %q = %v %q %v", method, target, op.HTTP, labels, rebuild(p, labels), again, labels2, err)
		}
	})
}

// rebuild renders the path a client would send for a route and its labels: labels escaped whole, greedy
// labels escaped with their slashes kept.
func rebuild(p *pattern, labels awsproto.Labels) string {
	var b strings.Builder
	i := 0
	for _, s := range p.segs {
		b.WriteByte('/')
		switch s.kind {
		case segLiteral:
			b.WriteString(url.PathEscape(s.text))
		case segLabel:
			b.WriteString(url.PathEscape(labels[i].Value))
			i++
		case segGreedy:
			parts := strings.Split(labels[i].Value, "/")
			for j := range parts {
				parts[j] = url.PathEscape(parts[j])
			}
			b.WriteString(strings.Join(parts, "/"))
			i++
		}
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

func BenchmarkRouterMatch(b *testing.B) {
	rt := testRouter(b)
	for _, bc := range []struct{ name, method, target string }{
		{"literal", "GET", "/v1/datalakes?regions=us-east-1"},
		{"label", "GET", "/v1/subscribers/8c7a4b9e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"},
		{"backtrack", "DELETE", "/v1/subscribers/special"},
		{"encoded", "GET", "/v1/tags/arn%3Aaws%3Asecuritylake%3Aus-east-1%3A111122223333%3Asubscriber%2Fabc"},
		{"greedy", "GET", "/v1/objects/logs/aws/CLOUD_TRAIL_MGMT/2.0/region=us-east-1/file.parquet"},
		{"notfound", "GET", "/v1/nothing/here"},
	} {
		r := httptest.NewRequest(bc.method, bc.target, nil)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _, _ = rt.Match(r)
			}
		})
	}
}
