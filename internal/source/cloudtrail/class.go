package cloudtrail

import (
	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/source/jsonrec"
)

// finish makes the event of class k from what the record's members gave.
func (b *builder) finish(e *event, k kindOf, root jsonrec.Value) ocsf.Event {
	p := e.p
	if p.user.UID != "" || p.user.Name != "" || p.user.Account != nil {
		p.actor.User = &p.user
	} else {
		// OCSF asks a user for a uid, name or account: an identity with none of them (an AWS service's,
		// {"type": "AWSService", "invokedBy": …}) keeps what it has under unmapped.
		p.actor.User = nil
		for _, f := range [...]struct{ key, v string }{{"type", p.user.Type}, {"principalId", p.user.UIDAlt},
			{"accessKeyId", p.user.CredentialUID}} {
			if f.v != "" {
				b.un.Set("userIdentity."+f.key, f.v)
			}
		}
	}
	if p.session != (ocsf.Session{}) {
		p.actor.Session = &p.session
	}
	if p.idp != (ocsf.IDP{}) {
		p.actor.IDP = &p.idp
	}
	var http *ocsf.HTTPRequest
	if p.http.UserAgent != "" {
		http = &p.http
	}
	var dst *ocsf.NetworkEndpoint
	if p.dst.SvcName != "" {
		dst = &p.dst
	}
	if k.class != ocsf.ClassAPIActivity && e.res >= 0 {
		b.un.Flatten(&b.t, "resources", e.res)
	}
	if k.class == ocsf.ClassAPIActivity && e.res >= 0 {
		b.resources(e, e.res)
		e.res = -1
	}
	e.unmapped = b.un.Map()
	switch k.class {
	case ocsf.ClassAuthentication:
		if b.signIn(e, root) {
			ev := b.auth.New()
			ev.SetActivity(k.activity)
			ev.SetSeverity(1)
			ev.Time, ev.TimeDT, ev.Metadata, ev.Cloud = e.time, ocsf.Datetime(e.time), &p.meta, e.cloud
			ev.Actor, ev.API, ev.HTTPRequest, ev.SrcEndpoint, ev.DstEndpoint = &p.actor, &p.api, http, &p.src, dst
			ev.Status, ev.Unmapped, ev.User = e.status, e.unmapped, &p.target
			if p.tsess != (ocsf.Session{}) {
				ev.Session = &p.tsess
			}
			if dst == nil {
				// OCSF asks Authentication for a service or a dst_endpoint; Security Lake's table has only
				// dst_endpoint.svc_name, which names the service signed in to.
				p.dst.SvcName = p.svc.Name
				ev.DstEndpoint = &p.dst
			}
			if p.hasMFA {
				ev.IsMFA = &p.isMFA
			}
			ev.Observables = b.observables(e, ev.User)
			return ev
		}
	case ocsf.ClassAccountChange:
		if b.changedUser(e, root) {
			ev := b.change.New()
			ev.SetActivity(k.activity)
			ev.SetSeverity(1)
			ev.Time, ev.TimeDT, ev.Metadata, ev.Cloud = e.time, ocsf.Datetime(e.time), &p.meta, e.cloud
			ev.Actor, ev.API, ev.HTTPRequest, ev.SrcEndpoint = &p.actor, &p.api, http, &p.src
			ev.Status, ev.Unmapped, ev.User = e.status, e.unmapped, &p.target
			if p.policy.UID != "" {
				ev.Policy = &p.policy
			}
			ev.Observables = b.observables(e, ev.User)
			return ev
		}
	}
	if k.class != ocsf.ClassAPIActivity {
		// Neither an Authentication nor an Account Change event after all: its resources were flattened.
		k.activity = apiActivity(p.api.Operation)
	}
	ev := b.api.New()
	ev.SetActivity(k.activity)
	ev.SetSeverity(1)
	ev.Time, ev.TimeDT, ev.Metadata, ev.Cloud = e.time, ocsf.Datetime(e.time), &p.meta, e.cloud
	ev.Actor, ev.API, ev.HTTPRequest, ev.SrcEndpoint, ev.DstEndpoint = &p.actor, &p.api, http, &p.src, dst
	ev.Status, ev.Unmapped, ev.Resources = e.status, e.unmapped, e.resources
	ev.Observables = b.observables(e, nil)
	return ev
}

// signIn fills the user and session of an Authentication event: the user who signed in (ConsoleLogin) or the
// role assumed (AssumeRole*), with the session STS issued. It reports false when the record names no user.
func (b *builder) signIn(e *event, root jsonrec.Value) bool {
	t := &b.t
	p := e.p
	req, resp := t.Get(root, "requestParameters"), t.Get(root, "responseElements")
	if roleArn := t.Text(t.Get(req, "roleArn")); len(roleArn) > 0 {
		p.target.UID = b.intern(roleArn)
		if name := t.Text(t.Get(req, "roleSessionName")); len(name) > 0 {
			p.target.Name = b.str(t.Get(req, "roleSessionName"))
		}
		role := t.Get(resp, "assumedRoleUser")
		p.tsess.UID = b.str(t.Get(role, "arn"))
		p.tsess.UIDAlt = b.str(t.Get(role, "assumedRoleId"))
		p.tsess.CredentialUID = b.str(t.Get(t.Get(resp, "credentials"), "accessKeyId"))
		p.tsess.Issuer = b.str(t.Get(resp, "issuer"))
	} else {
		p.target.UID, p.target.UIDAlt = p.user.UID, p.user.UIDAlt
		if p.target.UID == "" {
			// A failed sign-in names no ARN: the name tried, when there is one.
			p.target.Name = p.user.Name
		}
	}
	if s := t.Text(t.Get(resp, "ConsoleLogin")); len(s) > 0 {
		e.status = b.intern(s)
	}
	return p.target.UID != "" || p.target.Name != ""
}

// changedUser fills the user an Account Change event changes: from the response (the user or role created),
// else the request (userName, roleName), else the actor (ChangePassword changes the caller's own). It reports
// false when the record names no user.
func (b *builder) changedUser(e *event, root jsonrec.Value) bool {
	t := &b.t
	p := e.p
	req, resp := t.Get(root, "requestParameters"), t.Get(root, "responseElements")
	for _, name := range []string{"user", "role"} {
		o := t.Get(resp, name)
		if o < 0 {
			continue
		}
		p.target.UID = b.str(t.Get(o, "arn"))
		p.target.UIDAlt = b.str(t.Get(o, name+"Id"))
		p.target.Name = b.str(t.Get(o, name+"Name"))
	}
	if p.target.Name == "" {
		for _, key := range []string{"userName", "roleName"} {
			if s := t.Text(t.Get(req, key)); len(s) > 0 {
				p.target.Name = b.text.Of(s)
				break
			}
		}
	}
	if emptyUser(&p.target) {
		p.target.UID, p.target.UIDAlt, p.target.Name = p.user.UID, p.user.UIDAlt, p.user.Name
	}
	if s := t.Text(t.Get(req, "policyArn")); len(s) > 0 {
		p.policy.UID = b.intern(s)
	}
	return p.target.UID != "" || p.target.Name != ""
}

// Observable names and types.
const (
	ipAddress   = "IP Address"
	hostname    = "Hostname"
	userName    = "User Name"
	resourceUID = "Resource UID"
)

// observables lists the event's IP address or host name, user names and resource ARNs, as Security Lake does;
// target is the user of an Authentication or Account Change event, nil for API Activity.
func (b *builder) observables(e *event, target *ocsf.User) []ocsf.Observable {
	p := e.p
	obs := p.obs[:0]
	actor := ocsf.Observable{Name: "actor.user.name", Type: userName, TypeID: 4, Value: p.user.Name}
	if target == nil && p.user.Name != "" {
		// Amazon's API Activity sample lists the actor first, its Authentication and Account Change samples
		// the source first.
		obs = append(obs, actor)
	}
	switch {
	case p.src.IP != "":
		obs = append(obs, ocsf.Observable{Name: "src_endpoint.ip", Type: ipAddress, TypeID: 2, Value: p.src.IP})
	case p.src.Domain != "":
		obs = append(obs, ocsf.Observable{Name: "src_endpoint.domain", Type: hostname, TypeID: 1, Value: p.src.Domain})
	}
	if target != nil && p.user.Name != "" {
		obs = append(obs, actor)
	}
	if target != nil && target.Name != "" {
		obs = append(obs, ocsf.Observable{Name: "user.name", Type: userName, TypeID: 4, Value: target.Name})
	}
	for _, r := range e.resources {
		if r.UID != "" {
			obs = append(obs, ocsf.Observable{Name: "resources[].uid", Type: resourceUID, TypeID: 10, Value: r.UID})
		}
	}
	if len(obs) == 0 {
		return nil
	}
	return obs
}

// emptyUser reports whether a user has none of the attributes the source sets.
func emptyUser(u *ocsf.User) bool {
	return u.UID == "" && u.UIDAlt == "" && u.Name == "" && u.Type == "" && u.CredentialUID == "" && u.Account == nil
}
