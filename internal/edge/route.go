package edge

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/awsproto"
	"github.com/seclake/seclake/internal/sigv4"
)

// service picks the service a request is for: the signing name of its credential scope, or S3 for an
// anonymous request (the only service that may allow one).
func (s *Server) service(r *http.Request, auth *sigv4.Auth) *api.Service {
	if auth != nil {
		return s.named(auth.Service, r.URL.Path)
	}
	if name := scopeService(r); name != "" { // a malformed signature still names its service
		return s.named(name, r.URL.Path)
	}
	if !mayBeS3(r) {
		return nil
	}
	return s.byName["s3"]
}

// named returns the service of a signing name for a request to path: one that shares the name and whose path
// prefix path has, else the service of the name.
func (s *Server) named(name, path string) *api.Service {
	for _, svc := range s.byPrefix[name] {
		if strings.HasPrefix(path, svc.PathPrefix) {
			return svc
		}
	}
	return s.byName[name]
}

// mayBeS3 reports whether an unsigned request could be an S3 call. Calls of the JSON protocols (an
// X-Amz-Target header) and of the Query protocol (a form-encoded Action) never are; they get the missing-
// authentication error of their own protocol, as their own endpoints would answer on AWS.
func mayBeS3(r *http.Request) bool {
	if r.Header.Get("X-Amz-Target") != "" {
		return false
	}
	if r.URL.Query().Get("Action") != "" && r.URL.Path == "/" {
		return false
	}
	ct := r.Header.Get("Content-Type")
	return !(r.Method == http.MethodPost && r.URL.Path == "/" && strings.HasPrefix(ct, "application/x-www-form-urlencoded"))
}

// scopeService extracts the service from a credential scope that sigv4.Parse could not fully parse, so the
// error goes out in the right protocol.
func scopeService(r *http.Request) string {
	cred := r.URL.Query().Get("X-Amz-Credential")
	if h := r.Header.Get("Authorization"); h != "" {
		if i := strings.Index(h, "Credential="); i >= 0 {
			cred = h[i+len("Credential="):]
			if j := strings.IndexAny(cred, ", "); j >= 0 {
				cred = cred[:j]
			}
		}
	}
	parts := strings.Split(cred, "/")
	if len(parts) == 5 {
		return parts[3]
	}
	return ""
}

// operation resolves the operation a request names, in its protocol's way.
func (s *Server) operation(r *http.Request, rq *request) (*api.Op, error) {
	svc := rq.svc
	switch rq.proto {
	case awsproto.JSON10, awsproto.JSON11:
		target := r.Header.Get("X-Amz-Target")
		if op := svc.Ops[targetOperation(svc.TargetPrefix, target)]; op != nil {
			return op, nil
		}
		return nil, awserr.New("UnknownOperationException", http.StatusBadRequest, "%s does not name an operation of %s that seclake serves.", quoteOr(target, "A missing X-Amz-Target header"), svc.Name)
	case awsproto.Query, awsproto.EC2:
		form, err := queryForm(r, rq.call.Body)
		if err != nil {
			return nil, err
		}
		rq.call.Form = form
		action := form.Get("Action")
		if op := svc.Ops[action]; op != nil {
			return op, nil
		}
		if svc.Protocol == awsproto.EC2 {
			return nil, awserr.New("UnsupportedOperation", http.StatusBadRequest, "seclake's %s implements only %s; %q is not supported.",
				strings.ToUpper(svc.Name), strings.Join(opNames(svc), ", "), action)
		}
		return nil, awserr.New("InvalidAction", http.StatusBadRequest, "Could not find operation %s for version %s", action, form.Get("Version"))
	}
	if svc.Router != nil {
		op, labels, err := svc.Router.Match(r)
		if err != nil {
			return nil, err
		}
		rq.call.Labels = labels
		return op, nil
	}
	if svc.Route != nil {
		if op := svc.Route(r); op != nil {
			return op, nil
		}
	}
	if svc.Unimplemented != nil {
		if name := svc.Unimplemented(r); name != "" {
			return nil, awserr.New("NotImplemented", http.StatusNotImplemented, "seclake does not implement %s (%s).", name, svc.Name)
		}
	}
	if svc.Protocol == awsproto.RESTXML {
		return nil, awserr.New("NotImplemented", http.StatusNotImplemented, "seclake does not implement %s %s for %s.", r.Method, r.URL.Path, svc.Name)
	}
	return nil, awserr.New("UnknownOperationException", http.StatusNotFound, "No operation of %s matches %s %s.", svc.Name, r.Method, r.URL.Path)
}

// protocolFor returns the protocol a request to svc speaks: a query-compatible JSON service (SQS) also
// answers the Query protocol of older SDKs, a form-encoded Action without X-Amz-Target.
func protocolFor(r *http.Request, svc *api.Service) awsproto.Protocol {
	if svc.QueryCompatible && r.Header.Get("X-Amz-Target") == "" &&
		(strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") || r.URL.Query().Get("Action") != "") {
		return awsproto.Query
	}
	return svc.Protocol
}

// targetOperation returns the operation an X-Amz-Target names, or "". Clients spell the prefix two ways:
// botocore writes the model's targetPrefix ("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"), the
// Smithy-based SDKs only its last part ("CloudTrail_20131101"); AWS accepts both.
func targetOperation(prefix, target string) string {
	i := strings.LastIndexByte(target, '.')
	if i < 0 {
		return ""
	}
	p := target[:i]
	if p == prefix || strings.HasSuffix(prefix, "."+p) {
		return target[i+1:]
	}
	return ""
}

// opNames returns the names of a service's operations, sorted.
func opNames(svc *api.Service) []string {
	names := make([]string, 0, len(svc.Ops))
	for n := range svc.Ops {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func quoteOr(s, alt string) string {
	if s == "" {
		return alt
	}
	return "X-Amz-Target " + `"` + s + `"`
}

// queryForm returns the parameters of a Query request: the form body of a POST, or the URL's query.
func queryForm(r *http.Request, body []byte) (url.Values, error) {
	if r.Method != http.MethodPost {
		return r.URL.Query(), nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, awserr.New("MalformedQueryString", http.StatusBadRequest, "The request body is not a valid form: %v", err)
	}
	for k, v := range r.URL.Query() { // parameters may also ride in the URL
		if _, ok := form[k]; !ok {
			form[k] = v
		}
	}
	return form, nil
}

// protocolOf picks the error format for a request to a service seclake does not serve: the service's own
// protocol when the signature names a service AWS has, else a guess from the request.
func (s *Server) protocolOf(r *http.Request, auth *sigv4.Auth) awsproto.Protocol {
	name := scopeService(r)
	if auth != nil {
		name = auth.Service
	}
	if p, ok := awsProtocols[name]; ok {
		return p
	}
	return guessProtocol(r)
}

// guessProtocol picks the error format for a request whose service is unknown.
func guessProtocol(r *http.Request) awsproto.Protocol {
	switch {
	case r.Header.Get("X-Amz-Target") != "":
		return awsproto.JSON11
	case strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"):
		return awsproto.Query
	case strings.Contains(r.Header.Get("Content-Type"), "json"):
		return awsproto.RESTJSON
	}
	return awsproto.RESTXML
}

func (s *Server) unknownService(auth *sigv4.Auth) *awserr.Error {
	names := make([]string, 0, len(s.byName))
	for n := range s.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	name := "(none)"
	if auth != nil {
		name = auth.Service
	}
	return awserr.New("UnknownServiceException", http.StatusBadRequest,
		"seclake does not serve the service %q named in the request's credential scope; it serves: %s.", name, strings.Join(names, ", "))
}

// checkOps makes sure every operation of svc declares the IAM action it authorizes (or why it needs none).
func checkOps(svc *api.Service) error {
	var ops []*api.Op
	for _, op := range svc.Ops {
		ops = append(ops, op)
	}
	if svc.Router != nil {
		ops = append(ops, svc.Router.Ops()...)
	}
	for _, op := range ops {
		if err := op.Check(); err != nil {
			return fmt.Errorf("edge: service %s: %w", svc.Name, err)
		}
	}
	return nil
}
