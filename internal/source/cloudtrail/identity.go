package cloudtrail

import (
	"strconv"
	"time"

	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/source/jsonrec"
)

// identity maps userIdentity to the actor: the user, its session and identity provider; what has no OCSF home
// goes to unmapped under its path.
func (b *builder) identity(e *event, v jsonrec.Value) {
	t := &b.t
	p := e.p
	u := &p.user
	for _, m := range t.Members(v) {
		s := t.Text(m.Val)
		switch string(m.Key) {
		case "type":
			u.Type = b.intern(s)
		case "principalId":
			u.UIDAlt = b.intern(s)
		case "arn":
			u.UID = b.intern(s)
		case "accountId":
			if len(s) > 0 {
				p.account.UID = b.intern(s)
				u.Account = &p.account
			}
		case "accessKeyId", "credentialId":
			if len(s) > 0 {
				u.CredentialUID = b.intern(s)
			}
		case "userName":
			u.Name = b.intern(s)
		case "invokedBy":
			p.actor.InvokedBy = b.intern(s)
		case "identityProvider":
			if len(s) > 0 {
				p.idp.Name = b.intern(s)
			}
		case "onBehalfOf":
			b.onBehalfOf(e, m.Val)
		case "sessionContext":
			b.sessionContext(e, m.Val)
		default:
			b.flatten(e, "userIdentity."+string(m.Key), m.Val)
		}
	}
	p.actor.User = u
}

func (b *builder) onBehalfOf(e *event, v jsonrec.Value) {
	t := &b.t
	for _, m := range t.Members(v) {
		switch s := t.Text(m.Val); string(m.Key) {
		case "userId":
			e.p.user.UIDAlt = b.intern(s)
		case "identityStoreArn":
			e.p.idp.UID = b.intern(s)
		default:
			b.flatten(e, "userIdentity.onBehalfOf."+string(m.Key), m.Val)
		}
	}
}

func (b *builder) sessionContext(e *event, v jsonrec.Value) {
	t := &b.t
	p := e.p
	for _, m := range t.Members(v) {
		switch string(m.Key) {
		case "sessionIssuer":
			for _, i := range t.Members(m.Val) {
				if string(i.Key) == "arn" {
					p.session.Issuer = b.intern(t.Text(i.Val))
					continue
				}
				b.flatten(e, "userIdentity.sessionContext.sessionIssuer."+string(i.Key), i.Val)
			}
		case "webIdFederationData":
			for _, i := range t.Members(m.Val) {
				if s := t.Text(i.Val); string(i.Key) == "federatedProvider" && len(s) > 0 {
					p.idp.Name = b.intern(s)
					continue
				}
				b.flatten(e, "userIdentity.sessionContext.webIdFederationData."+string(i.Key), i.Val)
			}
		case "attributes":
			for _, a := range t.Members(m.Val) {
				s := t.Text(a.Val)
				switch string(a.Key) {
				case "creationDate":
					if ms, ok := creationDate(s); ok {
						p.session.CreatedTimeDT = ocsf.Datetime(ms)
						continue
					}
				case "mfaAuthenticated":
					if v, err := strconv.ParseBool(string(s)); err == nil {
						p.mfa = v
						p.session.IsMFA = &p.mfa
						continue
					}
				}
				b.flatten(e, "userIdentity.sessionContext.attributes."+string(a.Key), a.Val)
			}
		default:
			b.flatten(e, "userIdentity.sessionContext."+string(m.Key), m.Val)
		}
	}
}

// creationDate parses a session's creation date: RFC 3339, or the basic form of the oldest events
// (20131102T010628Z).
func creationDate(s []byte) (int64, bool) {
	for _, layout := range []string{time.RFC3339Nano, "20060102T150405Z07:00"} {
		if tm, err := time.Parse(layout, string(s)); err == nil {
			return inRange(tm.UnixMilli())
		}
	}
	return 0, false
}

// resources maps resources[]: ARN, accountId and type; other members go to unmapped.
func (b *builder) resources(e *event, v jsonrec.Value) {
	t := &b.t
	kids := t.Members(v)
	if t.Kind(v) != jsonrec.Array || len(kids) == 0 {
		b.flatten(e, "resources", v)
		return
	}
	out := make([]ocsf.ResourceDetails, 0, len(kids))
	for _, el := range kids {
		var r ocsf.ResourceDetails
		for _, m := range t.Members(el.Val) {
			s := t.Text(m.Val)
			switch string(m.Key) {
			case "ARN":
				r.UID = b.intern(s)
			case "accountId":
				if len(s) > 0 {
					r.Owner = &ocsf.User{Account: &ocsf.Account{UID: b.intern(s)}}
				}
			case "type":
				r.Type = b.intern(s)
			default:
				b.flatten(e, "resources[]."+string(m.Key), m.Val)
			}
		}
		if r.UID != "" {
			out = append(out, r)
			continue
		}
		// OCSF names a resource by uid or name: one without an ARN stays under unmapped.
		for _, m := range t.Members(el.Val) {
			if k := string(m.Key); k == "accountId" || k == "type" {
				b.flatten(e, "resources[]."+k, m.Val)
			}
		}
	}
	e.resources = out
}

// additional maps additionalEventData: LoginTo and MFAUsed for sign-ins (Authentication), UserName for the
// actor when userIdentity has none; the rest goes to unmapped.
func (b *builder) additional(e *event, v jsonrec.Value, k kindOf) {
	t := &b.t
	for _, m := range t.Members(v) {
		s := t.Text(m.Val)
		switch key := string(m.Key); {
		case key == "LoginTo" && k.class == ocsf.ClassAuthentication && len(s) > 0:
			e.p.dst.SvcName = b.intern(s)
			continue
		case key == "MFAUsed" && k.class == ocsf.ClassAuthentication && (string(s) == "Yes" || string(s) == "No"):
			e.p.isMFA, e.p.hasMFA = string(s) == "Yes", true
			continue
		case key == "UserName" && len(s) > 0:
			if e.p.user.Name == "" {
				e.p.user.Name = b.intern(s)
				continue
			}
		}
		b.flatten(e, "additionalEventData."+string(m.Key), m.Val)
	}
}

// flatten writes a value under unmapped as Security Lake does (see source.Flatten): dotted paths, "[]" after
// arrays, the leaves of an array's elements joined by commas.
func (b *builder) flatten(e *event, path string, v jsonrec.Value) {
	t := &b.t
	switch t.Kind(v) {
	case jsonrec.Null:
	case jsonrec.Object:
		for _, m := range t.Members(v) {
			b.flatten(e, path+"."+string(m.Key), m.Val)
		}
	case jsonrec.Array:
		for _, m := range t.Members(v) {
			b.flatten(e, path+"[]", m.Val)
		}
	default:
		if containsArray(path) {
			// The leaves of an array's elements are joined by commas when the record is done (joining them
			// here, string by string, would take time quadratic in their number).
			if e.joins == nil {
				e.joins = map[string][]byte{}
			}
			j, ok := e.joins[path]
			if ok {
				j = append(j, ',')
			}
			e.joins[path] = append(j, t.Raw(v)...)
			return
		}
		b.unmap(e, path, b.intern(t.Raw(v)))
	}
}

// joined moves the joined leaves of arrays to unmapped.
func (b *builder) joined(e *event) {
	for path, j := range e.joins {
		b.unmap(e, path, b.intern(j))
	}
	e.joins = nil
}

// unmap writes one value under unmapped.
func (b *builder) unmap(e *event, path, v string) {
	if e.unmapped == nil {
		e.unmapped = make(map[string]string, 8)
	}
	e.unmapped[path] = v
}

func containsArray(p string) bool {
	for i := 0; i+1 < len(p); i++ {
		if p[i] == '[' && p[i+1] == ']' {
			return true
		}
	}
	return false
}
