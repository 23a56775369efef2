package suricata

import (
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"

	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/source"
)

// dnsRecord holds a DNS Activity event and the objects it points at.
type dnsRecord struct {
	ev     ocsf.DNSActivity
	query  ocsf.DNSQuery
	id     int32
	opcode int32
	rcode  int32
	c      common
}

// rcodes are the response codes by rcode_id: the name Suricata writes (RFC 6895's) and OCSF's caption; IDs
// without a code are empty. BADSIG shares BADVERS's 16.
var rcodes = [...][2]string{
	{"NOERROR", "NoError"}, {"FORMERR", "FormError"}, {"SERVFAIL", "ServError"}, {"NXDOMAIN", "NXDomain"},
	{"NOTIMP", "NotImp"}, {"REFUSED", "Refused"}, {"YXDOMAIN", "YXDomain"}, {"YXRRSET", "YXRRSet"},
	{"NXRRSET", "NXRRSet"}, {"NOTAUTH", "NotAuth"}, {"NOTZONE", "NotZone"}, {"DSOTYPENI", "DSOTYPENI"},
	12: {}, 16: {"BADVERS", "BADSIG_VERS"}, {"BADKEY", "BADKEY"}, {"BADTIME", "BADTIME"}, {"BADMODE", "BADMODE"},
	{"BADNAME", "BADNAME"}, {"BADALG", "BADALG"}, {"BADTRUNC", "BADTRUNC"}, {"BADCOOKIE", "BADCOOKIE"},
}

// rcode returns the rcode_id and caption of a response code as Suricata writes it (a name, or a number for a
// code it has no name for); Other (99) with the text when OCSF has no ID for it.
func rcode(text string) (int32, string) {
	if strings.EqualFold(text, "BADSIG") {
		return 16, rcodes[16][1]
	}
	for i, rc := range rcodes {
		if rc[0] != "" && (strings.EqualFold(text, rc[0]) || text == strconv.Itoa(i)) {
			return int32(i), rc[1]
		}
	}
	return 99, text
}

// dns makes the DNS Activity event of a dns event (EVE DNS formats 1, 2 and 3).
func (m *Mapper) dns(f source.Fields) (*ocsf.DNSActivity, string) {
	r := &dnsRecord{}
	e := &r.ev
	if why := m.begin(f, &r.c, head{&e.Time, &e.TimeDT, &e.Metadata, &e.SrcEndpoint, &e.DstEndpoint, &e.ConnectionInfo}); why != "" {
		return nil, why
	}
	e.SetActivity(0)
	e.SetSeverity(1)
	if d, ok := f.Object("dns"); ok {
		switch d.String("type") {
		case "query", "request":
			e.SetActivity(1)
		case "answer", "response":
			e.SetActivity(2)
		}
		q, format3 := d, false
		if qs := d.Objects("queries"); len(qs) > 0 {
			q, format3 = qs[0], true
			for _, x := range qs[1:] {
				e.Unmapped = x.Rest(e.Unmapped)
			}
		}
		r.query = ocsf.DNSQuery{Hostname: q.String("rrname"), Type: q.String("rrtype")}
		if h := r.query.Hostname; h != "" && !ocsf.IsHostname(h) {
			e.Unmapped = withUnmapped(e.Unmapped, "dns.rrname", h)
			r.query.Hostname = ""
		}
		if format3 {
			e.Unmapped = q.Rest(e.Unmapped)
		}
		if id, ok := d.Int("id", 0, 65535); ok {
			r.id = int32(id)
			r.query.PacketUID = &r.id
		}
		if op, ok := d.Int("opcode", 0, 15); ok {
			if op <= 6 {
				r.opcode = int32(op)
				r.query.OpcodeID = &r.opcode
			} else {
				e.Unmapped = withUnmapped(e.Unmapped, "dns.opcode", itoa(op))
			}
		}
		if r.query.Hostname != "" {
			e.Query = &r.query
		} else if r.query.Type != "" {
			e.Unmapped = withUnmapped(e.Unmapped, "dns.rrtype", r.query.Type)
		}
		if rc := d.String("rcode"); rc != "" {
			r.rcode, e.Rcode = rcode(rc)
			e.RcodeID = &r.rcode
		}
		if d.Has("rdata") {
			// Format 1: one event per answer record, its fields beside the query's.
			e.Answers = answer(e.Answers, d, "dns", &e.Unmapped)
		}
		for _, a := range d.Objects("answers") {
			e.Answers = answer(e.Answers, a, "dns.answers[]", &e.Unmapped)
			e.Unmapped = a.Rest(e.Unmapped)
		}
		e.Unmapped = d.Rest(e.Unmapped)
	}
	if why := finish(f, &r.c, &e.Unmapped, &e.Observables, "query.hostname", r.query.Hostname); why != "" {
		return nil, why
	}
	return e, ""
}

// answer adds the answer of a record with rdata (a text: SOA and other structured data stay under unmapped).
func answer(answers []ocsf.DNSAnswer, a source.Fields, path string, um *map[string]string) []ocsf.DNSAnswer {
	rdata, ok := a.Get("rdata").(string)
	if !ok || rdata == "" {
		return answers
	}
	a.Take("rdata")
	ans := ocsf.DNSAnswer{Rdata: rdata, Type: a.String("rrtype")}
	if ttl, ok := a.Get("ttl").(json.Number); ok {
		if n, err := strconv.ParseInt(string(ttl), 10, 32); err == nil && n >= 0 {
			a.Take("ttl")
			ans.TTL = ocsf.Int32(int32(n))
		}
	}
	return append(answers, ans)
}

// httpRecord holds an HTTP Activity event and the objects it points at.
type httpRecord struct {
	ev        ocsf.HTTPActivity
	req       ocsf.HTTPRequest
	resp      ocsf.HTTPResponse
	url       ocsf.URL
	urlPort   int32
	reqLength int32
	status    int32
	c         common
}

// http makes the HTTP Activity event of an http event.
func (m *Mapper) http(f source.Fields) (*ocsf.HTTPActivity, string) {
	r := &httpRecord{}
	e := &r.ev
	if why := m.begin(f, &r.c, head{&e.Time, &e.TimeDT, &e.Metadata, &e.SrcEndpoint, &e.DstEndpoint, &e.ConnectionInfo}); why != "" {
		return nil, why
	}
	e.SetActivity(0)
	e.SetSeverity(1)
	if h, ok := f.Object("http"); ok {
		r.request(h)
		if code, ok := lenientInt(h, "status", 100, 999); ok {
			r.status = int32(code)
			r.resp.Code = r.status
			e.HTTPStatus = &r.status
			r.resp.ContentType = h.String("http_content_type")
			if n, ok := lenientInt(h, "length", 0, 1<<31-1); ok {
				r.resp.Length = ocsf.Int32(int32(n))
			}
			r.resp.HTTPHeaders = headers(h, "response_headers", &e.Unmapped)
			e.HTTPResponse = &r.resp
		}
		e.Unmapped = h.Rest(e.Unmapped)
	}
	hostPath, host := "http_request.url.hostname", r.url.Hostname
	if host == "" {
		hostPath, host = "dst_endpoint.hostname", r.c.dst.Hostname
	}
	if why := finish(f, &r.c, &e.Unmapped, &e.Observables, hostPath, host); why != "" {
		return nil, why
	}
	if e.HTTPRequest == nil {
		return nil, "the http event has no http object"
	}
	return e, ""
}

// request maps the request's side of an http object.
func (r *httpRecord) request(h source.Fields) {
	e := &r.ev
	method := h.String("http_method")
	e.SetActivity(99)
	if method == "" {
		e.SetActivity(0)
	}
	for id := int32(1); id <= 8; id++ {
		if name, _ := activityName(id); strings.EqualFold(name, method) {
			e.SetActivity(id)
		}
	}
	r.req = ocsf.HTTPRequest{HTTPMethod: method, UserAgent: h.String("http_user_agent"),
		Referrer: h.String("http_refer"), Version: h.String("protocol")}
	// OCSF's url needs a path: a request target without one ("?x", absent) stays under unmapped, and the host
	// name is then the destination's.
	host, _ := h.Get("hostname").(string)
	if !ocsf.IsHostname(host) {
		host = ""
	}
	if target, ok := h.Get("url").(string); ok && target != "" && target[0] != '?' {
		h.Take("url")
		r.url.Path, r.url.QueryString, _ = strings.Cut(target, "?")
		if host != "" {
			r.url.Hostname = h.String("hostname")
		}
		if port, ok := lenientInt(h, "http_port", 0, 65535); ok {
			r.urlPort = int32(port)
			r.url.Port = &r.urlPort
		}
		r.req.URL = &r.url
	} else if host != "" {
		r.c.dst.Hostname = h.String("hostname")
	}
	if xff, ok := h.Get("xff").(string); ok {
		if list := forwardedFor(xff); list != nil {
			h.Take("xff")
			r.req.XForwardedFor = list
		}
	}
	r.req.HTTPHeaders = headers(h, "request_headers", &e.Unmapped)
	e.HTTPRequest = &r.req
}

// activityName returns the caption of an HTTP Activity activity.
func activityName(id int32) (string, string) {
	var e ocsf.HTTPActivity
	e.SetActivity(id)
	return e.ActivityName, e.TypeName
}

// headers maps the headers Suricata dumps ([{"name":…,"value":…}]); a header without a value (OCSF requires
// it) stays under unmapped.
func headers(h source.Fields, key string, um *map[string]string) []ocsf.HTTPHeader {
	var out []ocsf.HTTPHeader
	for _, x := range h.Objects(key) {
		name, value := x.Get("name"), x.Get("value")
		if n, ok := name.(string); ok && n != "" {
			if v, ok := value.(string); ok && v != "" {
				out = append(out, ocsf.HTTPHeader{Name: x.String("name"), Value: x.String("value")})
			}
		}
		*um = x.Rest(*um)
	}
	return out
}

// lenientInt takes a field that is an integer from lo to hi, and leaves it (for unmapped) when it is not.
func lenientInt(f source.Fields, key string, lo, hi int64) (int64, bool) {
	var text string
	switch x := f.Get(key).(type) {
	case json.Number:
		text = string(x)
	case string:
		text = x
	default:
		return 0, false
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, false
	}
	f.Take(key)
	return n, true
}

// forwardedFor splits an X-Forwarded-For value into its addresses; nil when one is not an IP address (the
// value then stays under unmapped).
func forwardedFor(v string) []string {
	list := strings.Split(v, ",")
	for i := range list {
		list[i] = strings.TrimSpace(list[i])
		if _, err := netip.ParseAddr(list[i]); err != nil {
			return nil
		}
	}
	return list
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
