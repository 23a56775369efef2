package eksaudit

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/source/jsonrec"
)

// parts holds the objects of one event, so that an event is one allocation in a block of them.
type parts struct {
	ev       ocsf.APIActivity
	actor    ocsf.Actor
	user     ocsf.User
	session  ocsf.Session
	api      ocsf.API
	req      ocsf.Request
	resp     ocsf.Response
	group    ocsf.Group
	http     ocsf.HTTPRequest
	url      ocsf.URL
	src      ocsf.NetworkEndpoint
	cloud    ocsf.Cloud
	account  ocsf.Account
	resource [1]ocsf.ResourceDetails
	obs      [4]ocsf.Observable
	code     int32
	typeID   int32
}

// builder turns parsed records into events; one builder serves one call of Normalize.
type builder struct {
	obj      source.Object
	t        jsonrec.Tree
	parts    ocsf.Slab[parts]
	text     ocsf.Interner
	un       jsonrec.Unmapped
	metadata map[[2]string]*ocsf.Metadata
}

func newBuilder(obj source.Object) *builder {
	b := &builder{obj: obj, parts: ocsf.Slab[parts]{Block: 64}, text: ocsf.Interner{Max: 1 << 14},
		metadata: map[[2]string]*ocsf.Metadata{}}
	b.un.Intern = b.text.Intern
	return b
}

// rejection is why a record was set aside.
type rejection string

func (b *builder) str(v jsonrec.Value) string { return b.text.Intern(b.t.Text(v)) }

// record makes the events of one record: an audit Event, or the items of an EventList (all or none: an
// EventList with an item that is not an audit event is set aside whole). It returns why the record is set aside
// when it is.
func (b *builder) record(raw []byte, out []ocsf.Event) ([]ocsf.Event, rejection) {
	root, err := b.t.Parse(raw)
	if err != nil {
		return nil, rejection(err.Error())
	}
	t := &b.t
	if t.Kind(root) != jsonrec.Object {
		return nil, "not a JSON object"
	}
	if string(t.Text(t.Get(root, "kind"))) != "EventList" {
		ev, why := b.event(root)
		if why != "" {
			return nil, why
		}
		return append(out, ev), ""
	}
	for i, it := range t.Members(t.Get(root, "items")) {
		ev, why := b.event(it.Val)
		if why != "" {
			return nil, rejection("item " + strconv.Itoa(i+1) + " of the EventList: " + string(why))
		}
		out = append(out, ev)
	}
	return out, ""
}

// event makes the event of one audit Event.
func (b *builder) event(v jsonrec.Value) (*ocsf.APIActivity, rejection) {
	t := &b.t
	b.un.Map() // what an event set aside left
	if t.Kind(v) != jsonrec.Object {
		return nil, "not a JSON object"
	}
	kind := t.Text(t.Get(v, "kind"))
	verb := t.Text(t.Get(v, "verb"))
	if (kind != nil && string(kind) != "Event") || len(verb) == 0 {
		return nil, "not a Kubernetes audit event: no verb, or a kind other than Event"
	}
	p := b.parts.New()
	e := &p.ev
	e.SetActivity(activity(string(verb)))
	e.SetSeverity(1)
	p.api.Operation = b.text.Intern(verb)
	e.API, e.Actor, e.Cloud = &p.api, &p.actor, &p.cloud
	p.cloud.Provider = "AWS"
	var version, level []byte
	var stage, received int64
	for _, m := range t.Members(v) {
		val := m.Val
		switch string(m.Key) {
		case "apiVersion":
			version = t.Text(val)
		case "level":
			level = t.Text(val)
		case "auditID":
			if s := t.Text(val); len(s) > 0 {
				p.req.UID = b.text.Of(s)
				p.api.Request = &p.req
			}
		case "stage":
			e.Message = b.str(val)
		case "requestURI":
			if s := t.Text(val); len(s) > 0 {
				p.url.Path = b.text.Of(s)
				p.http.URL = &p.url
				e.HTTPRequest = &p.http
			}
		case "verb":
		case "userAgent":
			if s := t.Text(val); len(s) > 0 {
				p.http.UserAgent = b.text.Intern(s)
				e.HTTPRequest = &p.http
			}
		case "user":
			b.user(p, val)
		case "sourceIPs":
			b.sources(p, val)
			b.un.Flatten(t, "sourceIPs", val) // as Amazon's sample keeps them
		case "objectRef":
			b.objectRef(p, val)
		case "responseStatus":
			b.status(p, val)
		case "requestObject":
			p.req.Containers = b.containers(val)
			if p.req.Containers != nil {
				p.api.Request = &p.req
			}
			b.un.Flatten(t, "requestObject", val)
		case "responseObject":
			p.resp.Containers = b.containers(val)
			if p.resp.Containers != nil {
				p.api.Response = &p.resp
			}
			b.un.Flatten(t, "responseObject", val)
		case "requestReceivedTimestamp", "stageTimestamp":
			ms, ok := timestamp(t.Text(val))
			if !ok {
				b.un.Flatten(t, string(m.Key), val) // kept, not used
				continue
			}
			if string(m.Key) == "stageTimestamp" {
				stage = ms
			} else {
				received = ms
			}
		default:
			b.un.Flatten(t, string(m.Key), val)
		}
	}
	switch {
	case stage > 0:
		e.Time = stage
	case received > 0:
		e.Time = received
	case !b.obj.Time.IsZero():
		e.Time = b.obj.Time.UnixMilli()
	default:
		return nil, "no stageTimestamp or requestReceivedTimestamp, and the object's time is unknown"
	}
	e.TimeDT = ocsf.Datetime(e.Time)
	if received > 0 {
		e.StartTimeDT = ocsf.Datetime(received)
	}
	if e.SrcEndpoint == nil {
		return nil, "no source IP address (sourceIPs)"
	}
	if p.user.Name == "" && p.user.UID == "" {
		return nil, "no user (user.username or user.uid)"
	}
	if p.req.UID == "" {
		// Request.uid is required: an event without an auditID gets "''", as Amazon writes for CloudTrail.
		p.req.UID = "''"
	}
	p.api.Request = &p.req
	e.Metadata = b.meta(version, level)
	e.Unmapped = b.un.Map()
	e.Observables = b.observables(p)
	return e, ""
}

// activity maps a verb: create → Create, get, list and watch → Read, update and patch → Update, delete and
// deletecollection → Delete, anything else (proxy, impersonate, …) → Other.
func activity(verb string) int32 {
	switch verb {
	case "create":
		return 1
	case "get", "list", "watch":
		return 2
	case "update", "patch":
		return 3
	case "delete", "deletecollection":
		return 4
	}
	return 99
}

// meta returns the metadata of events of an audit API version and level, shared by the events of one call.
func (b *builder) meta(version, level []byte) *ocsf.Metadata {
	key := [2]string{string(version), string(level)}
	if m, ok := b.metadata[key]; ok {
		return m
	}
	m := &ocsf.Metadata{
		Product: &ocsf.Product{Name: Product, VendorName: "AWS", Feature: &ocsf.Feature{Name: "Elastic Kubernetes Service"},
			Version: string(version)},
		Profiles: []string{"cloud", "datetime"}, Version: ocsf.Version, LogLevel: string(level),
	}
	if len(b.metadata) < 64 {
		b.metadata[key] = m
	}
	return m
}

// user maps the requesting user: username, uid and groups to actor.user; the AWS IAM identity the EKS
// authenticator adds (user.extra) to actor.session and cloud.account.uid, as Amazon does; other extra keys to
// unmapped.
func (b *builder) user(p *parts, v jsonrec.Value) {
	t := &b.t
	for _, m := range t.Members(v) {
		switch string(m.Key) {
		case "username":
			p.user.Name = b.str(m.Val)
		case "uid":
			p.user.UID = b.str(m.Val)
		case "groups":
			for _, g := range t.Members(m.Val) {
				if s := t.Text(g.Val); len(s) > 0 {
					p.user.Groups = append(p.user.Groups, ocsf.Group{Name: b.text.Intern(s)})
				}
			}
		case "extra":
			for _, x := range t.Members(m.Val) {
				first := t.Text(firstOf(t, x.Val))
				switch string(x.Key) {
				case "accessKeyId":
					p.session.CredentialUID = b.text.Intern(first)
				case "canonicalArn":
					p.session.Issuer = b.text.Intern(first)
				case "sessionName":
					p.session.UID = b.text.Intern(first)
				case "arn":
					if len(first) > 0 {
						p.account.UID = b.text.Intern(first)
						p.cloud.Account = &p.account
					}
					continue
				default:
					b.un.Flatten(t, "user.extra."+string(x.Key), x.Val)
					continue
				}
			}
		default:
			b.un.Flatten(t, "user."+string(m.Key), m.Val)
		}
	}
	if p.user.Name != "" || p.user.UID != "" {
		// Amazon's sample writes type_id 0 (Unknown) for every Kubernetes user.
		p.user.TypeID = &p.typeID
		p.actor.User = &p.user
	}
	if p.session != (ocsf.Session{}) {
		p.actor.Session = &p.session
	}
}

// firstOf returns the first element of an array (user.extra values are arrays), or the value itself.
func firstOf(t *jsonrec.Tree, v jsonrec.Value) jsonrec.Value {
	if t.Kind(v) == jsonrec.Array {
		if els := t.Members(v); len(els) > 0 {
			return els[0].Val
		}
		return jsonrec.None
	}
	return v
}

// sources maps sourceIPs: the first is the client's address, the others the proxies it came through.
func (b *builder) sources(p *parts, v jsonrec.Value) {
	for i, m := range b.t.Members(v) {
		ip, ok := address(b.t.Text(m.Val))
		if !ok {
			continue
		}
		if i == 0 {
			p.src.IP = b.text.Intern(ip)
			p.ev.SrcEndpoint = &p.src
			continue
		}
		p.src.IntermediateIPs = append(p.src.IntermediateIPs, b.text.Intern(ip))
	}
	if p.ev.SrcEndpoint == nil {
		p.src.IntermediateIPs = nil
	}
}

// address returns an IP address in its canonical form; IPv4 octets with leading zeros ("12.000.22.33", as
// the anonymized samples write them) are read as decimal.
func address(s []byte) ([]byte, bool) {
	if a, err := netip.ParseAddr(string(s)); err == nil {
		return []byte(a.String()), true
	}
	var octets [4]byte
	n, cur, digits := 0, 0, 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if digits == 0 || digits > 3 || cur > 255 || n == 4 {
				return nil, false
			}
			octets[n] = byte(cur)
			n, cur, digits = n+1, 0, 0
			continue
		}
		if s[i] < '0' || s[i] > '9' {
			return nil, false
		}
		cur, digits = cur*10+int(s[i]-'0'), digits+1
	}
	if n != 4 {
		return nil, false
	}
	return []byte(netip.AddrFrom4(octets).String()), true
}

// objectRef maps the object acted on to the event's resource, its API version and group to api.
func (b *builder) objectRef(p *parts, v jsonrec.Value) {
	t := &b.t
	r := &p.resource[0]
	var resource, sub []byte
	for _, m := range t.Members(v) {
		switch string(m.Key) {
		case "resource":
			resource = t.Text(m.Val)
		case "subresource":
			sub = t.Text(m.Val)
		case "namespace":
			r.Namespace = b.str(m.Val)
		case "name":
			r.Name = b.str(m.Val)
		case "uid":
			r.UID = b.str(m.Val)
		case "resourceVersion":
			r.Version = b.str(m.Val)
		case "apiVersion":
			p.api.Version = b.str(m.Val)
		case "apiGroup":
			if s := t.Text(m.Val); len(s) > 0 {
				p.group.Name = b.text.Intern(s)
				p.api.Group = &p.group
			}
		default:
			b.un.Flatten(t, "objectRef."+string(m.Key), m.Val)
		}
	}
	switch {
	case len(sub) > 0:
		r.Type = b.text.Intern(append(append(append([]byte(nil), resource...), '/'), sub...))
	case len(resource) > 0:
		r.Type = b.text.Intern(resource)
	}
	if r.Name != "" || r.UID != "" {
		p.ev.Resources = p.resource[:]
	} else {
		// OCSF names a resource by name or uid: a collection (list pods) keeps its type under unmapped.
		for _, f := range [...]struct{ k, v string }{{"objectRef.resource", r.Type}, {"objectRef.namespace", r.Namespace}} {
			if f.v != "" {
				b.un.Set(f.k, f.v)
			}
		}
	}
}

// status maps responseStatus: code, message, reason (response.error) and status (response.error_message).
func (b *builder) status(p *parts, v jsonrec.Value) {
	t := &b.t
	for _, m := range t.Members(v) {
		switch string(m.Key) {
		case "code":
			if n, err := strconv.ParseInt(string(t.Raw(m.Val)), 10, 32); err == nil && t.Kind(m.Val) == jsonrec.Number {
				p.code = int32(n)
				p.resp.Code = &p.code
				continue
			}
		case "message":
			if s := t.Text(m.Val); len(s) > 0 {
				p.resp.Message = b.text.Of(s)
				continue
			}
		case "reason":
			if s := t.Text(m.Val); len(s) > 0 {
				p.resp.Error = b.text.Intern(s)
				continue
			}
		case "status":
			if s := t.Text(m.Val); len(s) > 0 {
				p.resp.ErrorMessage = b.text.Intern(s)
				continue
			}
		}
		b.un.Flatten(t, "responseStatus."+string(m.Key), m.Val)
	}
	if p.resp.Code != nil || p.resp.Message != "" || p.resp.Error != "" || p.resp.ErrorMessage != "" {
		p.api.Response = &p.resp
	}
}

// containers maps the containers of a pod (spec.containers) to api.request/response.containers: name, and the
// image as its name and uid (OCSF requires image.uid; Amazon's table builds it from the image and the volume
// mounts, which we do not guess at).
func (b *builder) containers(obj jsonrec.Value) []ocsf.Container {
	t := &b.t
	list := t.Members(t.Get(t.Get(obj, "spec"), "containers"))
	if len(list) == 0 {
		return nil
	}
	out := make([]ocsf.Container, 0, len(list))
	for _, c := range list {
		var ct ocsf.Container
		ct.Name = b.str(t.Get(c.Val, "name"))
		if img := t.Text(t.Get(c.Val, "image")); len(img) > 0 {
			s := b.text.Intern(img)
			ct.Image = &ocsf.Image{Name: s, UID: s}
		}
		if ct.Name != "" { // OCSF names a container by name or uid
			out = append(out, ct)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// observables lists the user name, the source address, the request's path and the resource's uid, in the order
// of Amazon's sample.
func (b *builder) observables(p *parts) []ocsf.Observable {
	obs := p.obs[:0]
	if p.user.Name != "" {
		obs = append(obs, ocsf.Observable{Name: "actor.user.name", Type: "User Name", TypeID: 4, Value: p.user.Name})
	}
	if p.src.IP != "" {
		obs = append(obs, ocsf.Observable{Name: "src_endpoint.ip", Type: "IP Address", TypeID: 2, Value: p.src.IP})
	}
	if p.url.Path != "" {
		obs = append(obs, ocsf.Observable{Name: "http_request.url.path", Type: "URL String", TypeID: 6, Value: p.url.Path})
	}
	if r := p.resource[0]; r.UID != "" && p.ev.Resources != nil {
		obs = append(obs, ocsf.Observable{Name: "resources[].uid", Type: "Resource UID", TypeID: 10, Value: r.UID})
	}
	if len(obs) == 0 {
		return nil
	}
	return obs
}

// timestamp parses an audit timestamp: RFC 3339 with microseconds as the API server writes them, or the
// "2006-01-02 15:04:05" UTC form of exports; times outside 1970–9999 are refused.
func timestamp(s []byte) (int64, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999"} {
		if tm, err := time.Parse(layout, string(s)); err == nil {
			if ms := tm.UnixMilli(); ms > 0 && ms <= 253402300799999 {
				return ms, true
			}
			return 0, false
		}
	}
	return 0, false
}
