package cloudtrail

import (
	"net/netip"
	"time"

	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/source/jsonrec"
)

// parts holds the objects of one event, so that an event is one allocation in a block of them.
type parts struct {
	actor   ocsf.Actor
	user    ocsf.User
	account ocsf.Account
	session ocsf.Session
	idp     ocsf.IDP
	api     ocsf.API
	req     ocsf.Request
	resp    ocsf.Response
	svc     ocsf.Service
	meta    ocsf.Metadata
	http    ocsf.HTTPRequest
	src     ocsf.NetworkEndpoint
	dst     ocsf.NetworkEndpoint
	target  ocsf.User
	tsess   ocsf.Session
	policy  ocsf.Policy
	obs     [4]ocsf.Observable
	isMFA   bool
	hasMFA  bool
	mfa     bool
}

// event is what the members of a record give, before the class is chosen.
type event struct {
	p         *parts
	time      int64
	status    string
	cloud     *ocsf.Cloud
	unmapped  map[string]string
	resources []ocsf.ResourceDetails
	hasSrc    bool
	// res is the record's resources member, -1 when it has none: resources[] for API Activity, unmapped
	// for the classes without resources.
	res jsonrec.Value
}

// builder turns parsed records into events; one builder serves one call of Normalize.
type builder struct {
	obj     source.Object
	t       jsonrec.Tree
	parts   ocsf.Slab[parts]
	api     ocsf.Slab[ocsf.APIActivity]
	auth    ocsf.Slab[ocsf.Authentication]
	change  ocsf.Slab[ocsf.AccountChange]
	text    ocsf.Interner
	clouds  map[string]*ocsf.Cloud
	product map[[2]string]*ocsf.Product
	compact []byte
	un      jsonrec.Unmapped
}

func newBuilder(obj source.Object) *builder {
	b := &builder{obj: obj, parts: ocsf.Slab[parts]{Block: 64}, api: ocsf.Slab[ocsf.APIActivity]{Block: 64},
		auth: ocsf.Slab[ocsf.Authentication]{Block: 16}, change: ocsf.Slab[ocsf.AccountChange]{Block: 16},
		text: ocsf.Interner{Max: maxStrings}, clouds: map[string]*ocsf.Cloud{}, product: map[[2]string]*ocsf.Product{}}
	b.un.Intern = b.intern
	return b
}

const maxStrings = 1 << 14

// intern returns v as a string shared with earlier equal values (event sources and names, regions, accounts,
// user agents and principals repeat from record to record).
func (b *builder) intern(v []byte) string { return b.text.Intern(v) }

// str returns a string value's text as a string ("" for other values).
func (b *builder) str(v jsonrec.Value) string { return b.text.Of(b.t.Text(v)) }

// rejection is why a record was set aside.
type rejection string

// build makes the event of one record, the table it goes to, or why it is set aside; table "" with no reason
// means that the record is of a kind Security Lake does not collect (skipped).
func (b *builder) build(raw []byte) (ocsf.Event, string, rejection) {
	root, err := b.t.Parse(raw)
	if err != nil {
		return nil, "", rejection(err.Error())
	}
	t := &b.t
	if t.Kind(root) != jsonrec.Object {
		return nil, "", "not a JSON object"
	}
	name, src := t.Text(t.Get(root, "eventName")), t.Text(t.Get(root, "eventSource"))
	if insight(t, root) {
		return nil, "", ""
	}
	if len(name) == 0 || len(src) == 0 {
		return nil, "", "not a CloudTrail event: no eventName or eventSource"
	}
	table, ok := tableOf(t, root, src)
	if !ok {
		return nil, "", ""
	}
	b.un.Map() // what a record set aside left
	e := event{p: b.parts.New(), res: -1}
	k := classify(string(src), string(name), table)
	if why := b.members(&e, root, k); why != "" {
		return nil, "", why
	}
	if e.time == 0 {
		if b.obj.Time.IsZero() {
			return nil, "", "no eventTime, and the object's time is unknown"
		}
		e.time = b.obj.Time.UnixMilli()
	}
	if !e.hasSrc && e.p.actor.InvokedBy != "" {
		// A service acting for the user (userIdentity.invokedBy) is the source of a call that names none.
		e.p.src.SvcName, e.hasSrc = e.p.actor.InvokedBy, true
	}
	if !e.hasSrc {
		return nil, "", "no sourceIPAddress or vpcEndpointId: the event names no source"
	}
	if u := &e.p.user; u.UID == "" && u.Name == "" && u.Account == nil && e.p.actor.InvokedBy == "" &&
		e.p.session == (ocsf.Session{}) {
		return nil, "", "no userIdentity that names an actor"
	}
	return b.finish(&e, k, root), table, ""
}

// tableOf returns the table of a record: management events go to cloud_trail_mgmt, S3 and Lambda data events to
// s3_data and lambda_execution; other data events, Insights and network activity events are not collected.
func tableOf(t *jsonrec.Tree, root jsonrec.Value, src []byte) (string, bool) {
	category := string(t.Text(t.Get(root, "eventCategory")))
	mgmt := t.Get(root, "managementEvent")
	data := category == "Data" || (category == "" && mgmt >= 0 && string(t.Raw(mgmt)) == "false")
	switch {
	case data && string(src) == "s3.amazonaws.com":
		return TableS3, true
	case data && string(src) == "lambda.amazonaws.com":
		return TableLambda, true
	case data, category == "NetworkActivity":
		return "", false
	}
	return TableManagement, true
}

// insight reports whether a record is a CloudTrail Insights event, which Security Lake does not collect.
func insight(t *jsonrec.Tree, root jsonrec.Value) bool {
	return string(t.Text(t.Get(root, "eventCategory"))) == "Insight" ||
		string(t.Text(t.Get(root, "eventType"))) == "AwsCloudTrailInsight"
}

// members maps the record's members.
func (b *builder) members(e *event, root jsonrec.Value, k kindOf) rejection {
	t := &b.t
	p := e.p
	p.api.Service, p.api.Request = &p.svc, &p.req
	p.meta.Profiles, p.meta.Version = profiles, ocsf.Version
	var version, feature string
	for _, m := range t.Members(root) {
		v := m.Val
		switch string(m.Key) {
		case "eventVersion":
			version = b.intern(t.Text(v))
		case "eventTime":
			s := t.Text(v)
			ms, ok := eventTime(s)
			if !ok {
				return rejection("eventTime " + quote(s) + " is not an RFC 3339 time")
			}
			e.time = ms
		case "eventSource":
			p.svc.Name = b.intern(t.Text(v))
		case "eventName":
			p.api.Operation = b.intern(t.Text(v))
		case "awsRegion":
			e.cloud = b.cloud(t.Text(v))
		case "sourceIPAddress":
			b.source(e, t.Text(v))
		case "userAgent":
			if s := t.Text(v); len(s) > 0 {
				p.http.UserAgent = b.intern(s)
			}
		case "requestID":
			p.req.UID = b.str(v)
		case "eventID":
			p.meta.UID = b.str(v)
		case "eventType":
			p.meta.EventCode = b.intern(t.Text(v))
		case "eventCategory":
			feature = b.intern(t.Text(v))
		case "apiVersion":
			p.api.Version = b.intern(t.Text(v))
		case "errorCode":
			p.resp.Error = b.str(v)
		case "errorMessage":
			p.resp.Message = b.str(v)
		case "requestParameters":
			p.req.Data = b.json(v)
		case "responseElements":
			p.resp.Data = b.json(v)
		case "vpcEndpointId":
			if s := t.Text(v); len(s) > 0 {
				p.src.UID = b.intern(s)
				e.hasSrc = true
			}
		case "userIdentity":
			b.identity(e, v)
		case "resources":
			e.res = v
		case "additionalEventData":
			b.additional(e, v, k)
		default:
			b.un.Flatten(&b.t, string(m.Key), v)
		}
	}
	if feature == "" {
		feature = "Management, Data, and Insights"
	}
	p.meta.Product = b.productOf(version, feature)
	if p.resp.Error != "" || p.resp.Message != "" || len(p.resp.Data) > 0 {
		p.api.Response = &p.resp
	}
	if p.req.UID == "" {
		// Request.uid is required; Amazon writes "''" for events without a requestID.
		p.req.UID = "''"
	}
	e.status = "Success"
	if p.resp.Error != "" {
		e.status = "Failure"
	}
	if e.cloud == nil {
		e.cloud = b.cloud([]byte(b.obj.Region))
	}
	return ""
}

// eventTime parses an eventTime: RFC 3339 as CloudTrail writes it, or the "2006-01-02 15:04:05" UTC form of
// exports that went through Athena or a SIEM.
func eventTime(s []byte) (int64, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999"} {
		if tm, err := time.Parse(layout, string(s)); err == nil {
			return inRange(tm.UnixMilli())
		}
	}
	return 0, false
}

// maxMillis is the end of the year 9999.
const maxMillis = 253402300799999

// inRange accepts times after 1970 and before the year 10000.
func inRange(ms int64) (int64, bool) { return ms, ms > 0 && ms <= maxMillis }

var profiles = []string{"cloud", "datetime"}

func (b *builder) productOf(version, feature string) *ocsf.Product {
	key := [2]string{version, feature}
	if p, ok := b.product[key]; ok {
		return p
	}
	p := &ocsf.Product{Name: Product, VendorName: "AWS", Version: version, Feature: &ocsf.Feature{Name: feature}}
	if len(b.product) < 64 {
		b.product[key] = p
	}
	return p
}

func (b *builder) cloud(region []byte) *ocsf.Cloud {
	if c, ok := b.clouds[string(region)]; ok {
		return c
	}
	c := &ocsf.Cloud{Provider: "AWS", Region: b.intern(region)}
	if len(b.clouds) < 256 {
		b.clouds[c.Region] = c
	}
	return c
}

// source maps sourceIPAddress: an IP address, or the name of the service that called ("AWS Internal",
// "cloudtrail.amazonaws.com").
func (b *builder) source(e *event, s []byte) {
	if len(s) == 0 {
		return
	}
	e.hasSrc = true
	if isIP(s) {
		if _, err := netip.ParseAddr(string(s)); err == nil {
			e.p.src.IP = b.intern(s)
			return
		}
	}
	// OCSF asks a network endpoint for an address or a name, and a domain is neither: the caller's name is also
	// its svc_name.
	e.p.src.Domain = b.intern(s)
	e.p.src.SvcName = e.p.src.Domain
}

// isIP tells addresses from names cheaply before parsing.
func isIP(s []byte) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c == '.' || c == ':' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// json returns a value's JSON compacted, as Security Lake writes api.request.data and api.response.data; null
// is absent.
func (b *builder) json(v jsonrec.Value) ocsf.JSON {
	if b.t.Kind(v) == jsonrec.Null {
		return ""
	}
	b.compact = quoted(b.compact[:0], b.t.Raw(v), b.t.Kind(v) != jsonrec.String)
	return ocsf.JSON(b.text.Of(b.compact))
}

// quoted appends src as a JSON string, compacted first when it is JSON text (compact): Security Lake's tables
// keep api.request.data and api.response.data as strings holding JSON text.
func quoted(dst, src []byte, compact bool) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	in := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case !compact:
		case in && c == '\\' && i+1 < len(src):
			dst = append(dst, '\\', '\\')
			i++
			c = src[i]
		case c == '"':
			in = !in
		case !in && (c == ' ' || c == '\n' || c == '\r' || c == '\t'):
			continue
		}
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

func quote(s []byte) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return `"` + string(s) + `"`
}
