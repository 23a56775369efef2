package waf

import (
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/source"
)

// record holds one event and the objects it points at, so that an event is one allocation.
type record struct {
	ev       ocsf.HTTPActivity
	src      ocsf.NetworkEndpoint
	location ocsf.Location
	req      ocsf.HTTPRequest
	url      ocsf.URL
	rule     ocsf.FirewallRule
	status   int32
	rate     int32
}

// builder turns records into events; one builder serves one call of Normalize.
type builder struct {
	obj      source.Object
	metadata map[[3]string]*ocsf.Metadata
	clouds   source.Clouds
}

// maxShared bounds the metadata objects a builder shares between events.
const maxShared = 256

// methods are the HTTP methods with their activity_id.
var methods = map[string]int32{"CONNECT": 1, "DELETE": 2, "GET": 3, "HEAD": 4, "OPTIONS": 5, "POST": 6, "PUT": 7, "TRACE": 8}

// actions are WAF's actions with action_id, disposition_id and disposition.
var actions = map[string]struct {
	action, disposition int32
	caption             string
}{
	"ALLOW": {1, 1, "Allowed"}, "BLOCK": {2, 2, "Blocked"}, "COUNT": {1, 20, "Count"},
	"CAPTCHA": {2, 22, "Captcha"}, "CHALLENGE": {2, 23, "Challenge"},
}

// event makes the event of one record; it returns the reason when the record cannot be normalized.
func (b *builder) event(raw []byte) (ocsf.Event, string) {
	f, err := source.DecodeFields(raw)
	if err != nil {
		return nil, err.Error()
	}
	r := &record{}
	e := &r.ev
	e.SetSeverity(1)
	var ms int64
	var ok bool
	if text, isText := f.Get("timestamp").(string); isText && strings.ContainsAny(text, "-:") {
		ms, ok = f.Time("timestamp") // an RFC 3339 date and time, as log pipelines (Panther) rewrite it
	} else {
		ms, ok = f.Int("timestamp", 0, 253402300799999)
	}
	if !ok && f.Problem() == "" {
		return nil, "the record has no timestamp"
	}
	e.Time, e.TimeDT = ms, ocsf.Datetime(ms)
	e.Metadata = b.meta(f)
	e.Cloud = b.clouds.Of(b.obj, "", "")
	actionOf(e, f.String("action"))
	r.src.SvcName, r.src.UID = f.String("httpSourceName"), f.String("httpSourceId")
	e.SrcEndpoint = &r.src
	if req, ok := f.Object("httpRequest"); ok {
		b.request(r, req)
		e.Unmapped = req.Rest(e.Unmapped)
	} else {
		e.SetActivity(0)
	}
	if code, ok := f.Int("responseCodeSent", 0, 999); ok {
		r.status = int32(code)
		e.HTTPStatus = &r.status
	}
	b.rule(r, f)
	e.Unmapped = f.Rest(e.Unmapped)
	switch {
	case f.Problem() != "":
		return nil, f.Problem()
	case e.HTTPRequest == nil:
		return nil, "the record has no httpRequest"
	case r.src.IP == "" && r.src.UID == "" && r.src.SvcName == "":
		return nil, "the record has neither httpRequest.clientIp nor httpSourceName nor httpSourceId"
	}
	observables(r)
	return e, ""
}

func actionOf(e *ocsf.HTTPActivity, action string) {
	if a, ok := actions[action]; ok {
		e.ActionID, e.Action = ocsf.ActionID(a.action), map[int32]string{1: "Allowed", 2: "Denied"}[a.action]
		e.DispositionID, e.Disposition = ocsf.Int32(a.disposition), a.caption
		return
	}
	e.ActionID, e.Action = ocsf.ActionID(99), action
	e.DispositionID, e.Disposition = ocsf.Int32(99), action
	if action == "" {
		e.ActionID, e.Action, e.DispositionID, e.Disposition = ocsf.ActionID(0), "Unknown", nil, ""
	}
}

// request maps httpRequest.
func (b *builder) request(r *record, req source.Fields) {
	e := &r.ev
	r.src.IP = req.IP("clientIp")
	if c := req.String("country"); c != "" {
		r.location.Country = c
		r.src.Location = &r.location
	}
	method := req.String("httpMethod")
	if id, ok := methods[strings.ToUpper(method)]; ok {
		e.SetActivity(id)
	} else {
		e.SetActivity(99)
	}
	r.req = ocsf.HTTPRequest{HTTPMethod: method, Version: req.String("httpVersion"), UID: req.String("requestId"),
		Args: req.String("args")}
	r.url.Path = req.String("uri")
	for _, h := range req.Objects("headers") {
		name, value := h.String("name"), h.String("value")
		h.Rest(nil)
		if name == "" || value == "" {
			// OCSF requires a header's name and value: a header sent empty is kept by name under unmapped.
			if name != "" {
				e.Unmapped = addUnmapped(e.Unmapped, "httpRequest.headers[].name", name)
			}
			continue
		}
		r.req.HTTPHeaders = append(r.req.HTTPHeaders, ocsf.HTTPHeader{Name: name, Value: value})
		switch strings.ToLower(name) {
		case "user-agent":
			r.req.UserAgent = value
		case "host":
			if host := hostOf(value); host != "" {
				r.url.Hostname = host
			}
		case "x-forwarded-for":
			r.req.XForwardedFor = addresses(value)
		case "referer":
			r.req.Referrer = value
		}
	}
	if r.url.Path != "" {
		// OCSF's url needs a path (or the whole URL): without uri, the Host header stays in http_headers only.
		r.req.URL = &r.url
	}
	e.HTTPRequest = &r.req
}

// addUnmapped adds a value under unmapped, joined by a comma to one already there, as source.Flatten joins an
// array's.
func addUnmapped(m map[string]string, key, value string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	if prev, ok := m[key]; ok {
		value = prev + "," + value
	}
	m[key] = value
	return m
}

// hostOf returns the host name of a Host header (without its port), "" when it is not a host name.
func hostOf(v string) string {
	if h, _, err := net.SplitHostPort(v); err == nil {
		v = h
	}
	if !ocsf.IsHostname(v) {
		return ""
	}
	return v
}

// addresses returns the addresses of an X-Forwarded-For header, nil when one is not an IP address.
func addresses(v string) []string {
	var out []string
	for _, a := range strings.Split(v, ",") {
		a = strings.TrimSpace(a)
		if _, err := netip.ParseAddr(a); err != nil {
			return nil
		}
		out = append(out, a)
	}
	return out
}

// rule maps the terminating rule, its first match and the first rate-based rule.
func (b *builder) rule(r *record, f source.Fields) {
	rule := &r.rule
	rule.UID, rule.Type = f.String("terminatingRuleId"), f.String("terminatingRuleType")
	if details := f.Objects("terminatingRuleMatchDetails"); len(details) > 0 {
		d := details[0]
		rule.Condition, rule.MatchLocation, rule.MatchDetails = d.String("conditionType"), d.String("location"), d.Strings("matchedData")
		for _, d := range details {
			r.ev.Unmapped = d.Rest(r.ev.Unmapped)
		}
	}
	if rates := f.Objects("rateBasedRuleList"); len(rates) > 0 {
		if n, ok := rates[0].Int("maxRateAllowed", 0, 1<<31-1); ok {
			r.rate = int32(n)
			rule.RateLimit = &r.rate
		}
		for _, rb := range rates {
			r.ev.Unmapped = rb.Rest(r.ev.Unmapped)
		}
	}
	switch {
	case rule.UID != "":
		r.ev.FirewallRule = rule
	default:
		// OCSF's firewall rule needs its uid: without terminatingRuleId, what the rule would hold stays under
		// unmapped.
		for k, v := range map[string]string{"terminatingRuleType": rule.Type,
			"terminatingRuleMatchDetails[].conditionType": rule.Condition,
			"terminatingRuleMatchDetails[].location":      rule.MatchLocation,
			"terminatingRuleMatchDetails[].matchedData[]": strings.Join(rule.MatchDetails, ",")} {
			if v != "" {
				r.ev.Unmapped = addUnmapped(r.ev.Unmapped, k, v)
			}
		}
		if rule.RateLimit != nil {
			r.ev.Unmapped = addUnmapped(r.ev.Unmapped, "rateBasedRuleList[].maxRateAllowed", strconv.Itoa(int(*rule.RateLimit)))
		}
	}
}

// meta returns the metadata of a web ACL's records, shared by the events of one call.
func (b *builder) meta(f source.Fields) *ocsf.Metadata {
	var labels []string
	for _, l := range f.Objects("labels") {
		labels = append(labels, l.String("name"))
		l.Rest(nil)
	}
	key := [3]string{f.String("webaclId"), f.String("formatVersion"), strings.Join(labels, "\x00")}
	if m, ok := b.metadata[key]; ok {
		return m
	}
	m := &ocsf.Metadata{Product: &ocsf.Product{Name: Product, VendorName: "AWS", Version: key[1]},
		Labels: labels, Profiles: []string{"cloud", "security_control", "datetime"}, Version: ocsf.Version}
	if key[0] != "" {
		m.Product.Feature = &ocsf.Feature{UID: key[0]}
	}
	if len(b.metadata) < maxShared {
		b.metadata[key] = m
	}
	return m
}

// observables lists the Host header, the client's address, the rule and the source, in the order of Amazon's
// sample.
func observables(r *record) {
	var obs []ocsf.Observable
	if h := r.url.Hostname; h != "" {
		obs = append(obs, ocsf.Observable{Name: "httpRequest.headers[].value", Type: "Hostname", TypeID: 1, Value: h})
	}
	if ip := r.src.IP; ip != "" {
		obs = append(obs, ocsf.Observable{Name: "src_endpoint.ip", Type: "IP Address", TypeID: 2, Value: ip})
	}
	if id := r.rule.UID; id != "" {
		obs = append(obs, ocsf.Observable{Name: "firewall_rule.uid", Type: "Resource UID", TypeID: 10, Value: id})
	}
	if id := r.src.UID; id != "" {
		obs = append(obs, ocsf.Observable{Name: "src_endpoint.uid", Type: "Resource UID", TypeID: 10, Value: id})
	}
	r.ev.Observables = obs
}
