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
			b.un.Flatten(&b.t, "userIdentity."+string(m.Key), m.Val)
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
			b.un.Flatten(&b.t, "userIdentity.onBehalfOf."+string(m.Key), m.Val)
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
				b.un.Flatten(&b.t, "userIdentity.sessionContext.sessionIssuer."+string(i.Key), i.Val)
			}
		case "webIdFederationData":
			for _, i := range t.Members(m.Val) {
				if s := t.Text(i.Val); string(i.Key) == "federatedProvider" && len(s) > 0 {
					p.idp.Name = b.intern(s)
					continue
				}
				b.un.Flatten(&b.t, "userIdentity.sessionContext.webIdFederationData."+string(i.Key), i.Val)
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
				b.un.Flatten(&b.t, "userIdentity.sessionContext.attributes."+string(a.Key), a.Val)
			}
		default:
			b.un.Flatten(&b.t, "userIdentity.sessionContext."+string(m.Key), m.Val)
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
		b.un.Flatten(&b.t, "resources", v)
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
				b.un.Flatten(&b.t, "resources[]."+string(m.Key), m.Val)
			}
		}
		if r.UID != "" {
			out = append(out, r)
			continue
		}
		// OCSF names a resource by uid or name: one without an ARN stays under unmapped.
		for _, m := range t.Members(el.Val) {
			if k := string(m.Key); k == "accountId" || k == "type" {
				b.un.Flatten(&b.t, "resources[]."+k, m.Val)
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
		b.un.Flatten(&b.t, "additionalEventData."+string(m.Key), m.Val)
	}
}
