package suricata

import (
	"strings"

	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/source"
)

// finding holds a Detection Finding and the objects it points at, so that an event is one allocation.
type finding struct {
	ev       ocsf.DetectionFinding
	info     ocsf.FindingInfo
	analytic ocsf.Analytic
	evidence [1]ocsf.Evidences
	query    ocsf.DNSQuery
	c        common
}

// severities rank Suricata's alert.severity (priority: 1 is the most urgent).
var severities = [...]int32{1: 4, 2: 3, 3: 2}

// alert makes the Detection Finding of an alert or drop event.
func (m *Mapper) alert(f source.Fields, drop bool) (*ocsf.DetectionFinding, string) {
	r := &finding{}
	e := &r.ev
	if why := readCommon(f, &r.c); why != "" {
		return nil, why
	}
	e.SetActivity(1)
	e.SetSeverity(0)
	e.Time, e.TimeDT = r.c.time, ocsf.Datetime(r.c.time)
	e.Metadata = m.meta(true)
	e.FindingInfo = &r.info
	action := ""
	if a, ok := f.Object("alert"); ok {
		sid, gid, rev := a.String("signature_id"), a.String("gid"), a.String("rev")
		r.info.Title = a.String("signature")
		r.info.UID = sid
		r.analytic = ocsf.Analytic{UID: sid, Name: r.info.Title, TypeID: 1, Type: "Rule", Version: rev,
			Category: a.String("category")}
		if r.analytic.Category != "" {
			r.info.Types = []string{r.analytic.Category}
		}
		if sid != "" || r.analytic.Name != "" {
			r.info.Analytic = &r.analytic
		}
		if gid != "" {
			e.Unmapped = withUnmapped(e.Unmapped, "alert.gid", gid)
		}
		if sev, ok := a.Int("severity", -1<<31, 1<<31-1); ok {
			e.Unmapped = withUnmapped(e.Unmapped, "alert.severity", itoa(sev))
			if sev >= 1 && sev < int64(len(severities)) {
				e.SetSeverity(severities[sev])
			} else {
				e.SetSeverity(1)
			}
		}
		action = a.String("action")
		if md, ok := a.Object("metadata"); ok {
			r.info.Attacks = attacks(md)
			e.Unmapped = md.Rest(e.Unmapped)
		}
		e.Unmapped = a.Rest(e.Unmapped)
	}
	if drop {
		// A drop event without the alert that caused it: the finding is the dropped packet.
		if r.info.Title == "" {
			r.info.Title = "Packet dropped"
		}
		if r.info.UID == "" {
			r.info.UID = r.c.conn.UID
		}
		e.ActionID, e.Action, e.DispositionID, e.Disposition = ocsf.ActionID(2), "Denied", ocsf.Int32(6), "Dropped"
	} else {
		switch action {
		case "allowed":
			e.ActionID, e.Action, e.DispositionID, e.Disposition = ocsf.ActionID(1), "Allowed", ocsf.Int32(1), "Allowed"
		case "blocked":
			e.ActionID, e.Action, e.DispositionID, e.Disposition = ocsf.ActionID(2), "Denied", ocsf.Int32(2), "Blocked"
		case "":
			e.ActionID, e.Action = ocsf.ActionID(0), "Unknown"
		default:
			e.ActionID, e.Action = ocsf.ActionID(99), action
		}
	}
	ev := &r.evidence[0]
	ev.SrcEndpoint, ev.DstEndpoint, ev.ConnectionInfo = &r.c.src, &r.c.dst, &r.c.conn
	if dns, ok := f.Object("dns"); ok {
		r.query = alertQuery(dns, &e.Unmapped)
		if r.query.Hostname != "" {
			ev.Query = &r.query
		}
		e.Unmapped = dns.Rest(e.Unmapped)
	}
	// The server's name, from the alert's TLS (SNI) or HTTP (Host) object, which stay under unmapped whole.
	for _, key := range [2][2]string{{"tls", "sni"}, {"http", "hostname"}} {
		if o, ok := f.Get(key[0]).(map[string]any); ok && r.c.dst.Hostname == "" {
			if h, ok := o[key[1]].(string); ok && ocsf.IsHostname(h) {
				r.c.dst.Hostname = h
			}
		}
	}
	e.Evidences = r.evidence[:]
	e.Unmapped = f.Rest(e.Unmapped)
	switch {
	case f.Problem() != "":
		return nil, f.Problem()
	case r.info.UID == "":
		return nil, "the alert has no signature_id"
	case r.info.Title == "":
		return nil, "the alert has no signature"
	}
	if r.c.src.IP == "" {
		ev.SrcEndpoint = nil
	}
	if r.c.dst.IP == "" {
		ev.DstEndpoint = nil
	}
	var obs []ocsf.Observable
	if r.c.src.IP != "" && r.c.dst.IP != "" {
		obs = ipObservables(obs, "evidences[].", &r.c)
	}
	obs = hostObservable(obs, "evidences[].dst_endpoint.hostname", r.c.dst.Hostname)
	e.Observables = hostObservable(obs, "evidences[].query.hostname", r.query.Hostname)
	return e, ""
}

// alertQuery reads the query of an alert's dns object: {"query":[{"rrname":…}]} (Suricata 6 and 7) or
// {"rrname":…} (older); "" when it names none OCSF takes.
func alertQuery(dns source.Fields, um *map[string]string) ocsf.DNSQuery {
	var q ocsf.DNSQuery
	if qs := dns.Objects("query"); len(qs) > 0 {
		q = ocsf.DNSQuery{Hostname: qs[0].String("rrname"), Type: qs[0].String("rrtype")}
		for _, x := range qs {
			*um = x.Rest(*um)
		}
	} else if dns.Has("rrname") {
		q = ocsf.DNSQuery{Hostname: dns.String("rrname"), Type: dns.String("rrtype")}
	}
	if !ocsf.IsHostname(q.Hostname) {
		if q.Hostname != "" {
			*um = withUnmapped(*um, "dns.query[].rrname", q.Hostname)
		}
		if q.Type != "" {
			*um = withUnmapped(*um, "dns.query[].rrtype", q.Type)
		}
		return ocsf.DNSQuery{}
	}
	return q
}

// attacks reads the MITRE ATT&CK tags of a rule's metadata (Emerging Threats' mitre_tactic_id and _name,
// mitre_technique_id and _name, lists side by side): one attack per technique, with the tactic at the same
// place (or the last one); one per tactic when there is no technique. Names lose their underscores.
func attacks(md source.Fields) []ocsf.Attack {
	tacticIDs, tacticNames := md.Strings("mitre_tactic_id"), md.Strings("mitre_tactic_name")
	techIDs, techNames := md.Strings("mitre_technique_id"), md.Strings("mitre_technique_name")
	name := func(list []string, i int) string {
		if i < len(list) {
			return strings.ReplaceAll(list[i], "_", " ")
		}
		return ""
	}
	n := max(len(techIDs), len(tacticIDs))
	out := make([]ocsf.Attack, 0, n)
	for i := range n {
		var at ocsf.Attack
		if t := min(i, len(tacticIDs)-1); t >= 0 {
			at.Tactic = &ocsf.Tactic{UID: tacticIDs[t], Name: name(tacticNames, t)}
		}
		if i < len(techIDs) {
			at.Technique = &ocsf.Technique{UID: techIDs[i], Name: name(techNames, i)}
		}
		out = append(out, at)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
