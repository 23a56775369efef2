package cloudtrail

import (
	"strconv"
	"time"

	"github.com/seclake/seclake/internal/ocsf"
)

// identity maps userIdentity to the actor: the user, its session and identity provider; what has no OCSF home
// goes to unmapped under its path.
func (b *builder) identity(e *event, v int32) {
	t := &b.t
	p := e.p
	u := &p.user
	for _, m := range t.kids(v) {
		s := t.text(m.val)
		switch string(m.key) {
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
			b.onBehalfOf(e, m.val)
		case "sessionContext":
			b.sessionContext(e, m.val)
		default:
			b.flatten(e, "userIdentity."+string(m.key), m.val)
		}
	}
	p.actor.User = u
}

func (b *builder) onBehalfOf(e *event, v int32) {
	t := &b.t
	for _, m := range t.kids(v) {
		switch s := t.text(m.val); string(m.key) {
		case "userId":
			e.p.user.UIDAlt = b.intern(s)
		case "identityStoreArn":
			e.p.idp.UID = b.intern(s)
		default:
			b.flatten(e, "userIdentity.onBehalfOf."+string(m.key), m.val)
		}
	}
}

func (b *builder) sessionContext(e *event, v int32) {
	t := &b.t
	p := e.p
	for _, m := range t.kids(v) {
		switch string(m.key) {
		case "sessionIssuer":
			for _, i := range t.kids(m.val) {
				if string(i.key) == "arn" {
					p.session.Issuer = b.intern(t.text(i.val))
					continue
				}
				b.flatten(e, "userIdentity.sessionContext.sessionIssuer."+string(i.key), i.val)
			}
		case "webIdFederationData":
			for _, i := range t.kids(m.val) {
				if s := t.text(i.val); string(i.key) == "federatedProvider" && len(s) > 0 {
					p.idp.Name = b.intern(s)
					continue
				}
				b.flatten(e, "userIdentity.sessionContext.webIdFederationData."+string(i.key), i.val)
			}
		case "attributes":
			for _, a := range t.kids(m.val) {
				s := t.text(a.val)
				switch string(a.key) {
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
				b.flatten(e, "userIdentity.sessionContext.attributes."+string(a.key), a.val)
			}
		default:
			b.flatten(e, "userIdentity.sessionContext."+string(m.key), m.val)
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
func (b *builder) resources(e *event, v int32) {
	t := &b.t
	kids := t.kids(v)
	if t.vals[v].kind != kArray || len(kids) == 0 {
		b.flatten(e, "resources", v)
		return
	}
	out := make([]ocsf.ResourceDetails, 0, len(kids))
	for _, el := range kids {
		var r ocsf.ResourceDetails
		for _, m := range t.kids(el.val) {
			s := t.text(m.val)
			switch string(m.key) {
			case "ARN":
				r.UID = b.intern(s)
			case "accountId":
				if len(s) > 0 {
					r.Owner = &ocsf.User{Account: &ocsf.Account{UID: b.intern(s)}}
				}
			case "type":
				r.Type = b.intern(s)
			default:
				b.flatten(e, "resources[]."+string(m.key), m.val)
			}
		}
		if r.UID != "" {
			out = append(out, r)
			continue
		}
		// OCSF names a resource by uid or name: one without an ARN stays under unmapped.
		for _, m := range t.kids(el.val) {
			if k := string(m.key); k == "accountId" || k == "type" {
				b.flatten(e, "resources[]."+k, m.val)
			}
		}
	}
	e.resources = out
}

// additional maps additionalEventData: LoginTo and MFAUsed for sign-ins (Authentication), UserName for the
// actor when userIdentity has none; the rest goes to unmapped.
func (b *builder) additional(e *event, v int32, k kindOf) {
	t := &b.t
	for _, m := range t.kids(v) {
		s := t.text(m.val)
		switch key := string(m.key); {
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
		b.flatten(e, "additionalEventData."+string(m.key), m.val)
	}
}

// flatten writes a value under unmapped as Security Lake does (see source.Flatten): dotted paths, "[]" after
// arrays, the leaves of an array's elements joined by commas.
func (b *builder) flatten(e *event, path string, v int32) {
	t := &b.t
	val := &t.vals[v]
	switch val.kind {
	case kNull:
	case kObject:
		for _, m := range t.kids(v) {
			b.flatten(e, path+"."+string(m.key), m.val)
		}
	case kArray:
		for _, m := range t.kids(v) {
			b.flatten(e, path+"[]", m.val)
		}
	default:
		if e.unmapped == nil {
			e.unmapped = make(map[string]string, 8)
		}
		text := b.intern(val.text)
		if prev, ok := e.unmapped[path]; ok && len(path) > 2 && containsArray(path) {
			text = prev + "," + text
		}
		e.unmapped[path] = text
	}
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
