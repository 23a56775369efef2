package suricata

import (
	"strconv"

	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/source"
)

// network holds a Network Activity event and the objects it points at, so that an event is one allocation.
type network struct {
	ev       ocsf.NetworkActivity
	traffic  ocsf.NetworkTraffic
	counts   [6]int64
	tls      ocsf.TLS
	cert     ocsf.Certificate
	fp       [3]ocsf.Fingerprint
	tcpFlags int32
	c        common
}

const maxCount = 1<<63 - 1

// flow makes the Network Activity event of a flow or netflow event: the traffic of the flow (both directions)
// or of one direction.
func (m *Mapper) flow(f source.Fields, key string) (*ocsf.NetworkActivity, string) {
	r, why := m.network(f)
	if why != "" {
		return nil, why
	}
	e := &r.ev
	t := &r.traffic
	if fl, ok := f.Object(key); ok {
		if key == "flow" {
			// counts: bytes out, in, both; packets out, in, both.
			var ok [4]bool
			for i, key := range [4]string{"bytes_toserver", "bytes_toclient", "pkts_toserver", "pkts_toclient"} {
				r.counts[i+i/2], ok[i] = fl.Int(key, 0, maxCount)
			}
			r.counts[2], r.counts[5] = r.counts[0]+r.counts[1], r.counts[3]+r.counts[4]
			for i, p := range [6]**int64{&t.BytesOut, &t.BytesIn, &t.Bytes, &t.PacketsOut, &t.PacketsIn, &t.Packets} {
				dir := i % 3
				if (dir < 2 && ok[i/3*2+dir]) || (dir == 2 && ok[i/3*2] && ok[i/3*2+1] && r.counts[i] >= 0) {
					*p = &r.counts[i]
				}
			}
		} else {
			if n, ok := fl.Int("bytes", 0, maxCount); ok {
				r.counts[2] = n
				t.Bytes = &r.counts[2]
			}
			if n, ok := fl.Int("pkts", 0, maxCount); ok {
				r.counts[5] = n
				t.Packets = &r.counts[5]
			}
		}
		if *t != (ocsf.NetworkTraffic{}) {
			e.Traffic = t
		}
		start, okS, why := takeTime(fl, "start")
		if why == "" {
			var end int64
			var okE bool
			end, okE, why = takeTime(fl, "end")
			if okS {
				e.StartTime, e.StartTimeDT = start, ocsf.Datetime(start)
			}
			if okE {
				e.EndTime, e.EndTimeDT = end, ocsf.Datetime(end)
			}
		}
		if why != "" {
			return nil, key + "." + why
		}
		e.Unmapped = fl.Rest(e.Unmapped)
	}
	return m.finishNetwork(r, f)
}

// tlsEvent makes the Network Activity event of a tls event, with the tls object.
func (m *Mapper) tlsEvent(f source.Fields) (*ocsf.NetworkActivity, string) {
	r, why := m.network(f)
	if why != "" {
		return nil, why
	}
	if t, ok := f.Object("tls"); ok {
		if why := r.readTLS(t); why != "" {
			return nil, why
		}
		r.ev.Unmapped = t.Rest(r.ev.Unmapped)
	}
	return m.finishNetwork(r, f)
}

// readTLS maps a tls object: the version (OCSF requires it: without one, the object stays under unmapped), the
// server name, the JA3 hashes and the server's certificate (when it has its issuer, serial and fingerprint,
// which OCSF requires).
func (r *network) readTLS(t source.Fields) string {
	version := t.Get("version")
	if v, ok := version.(string); !ok || v == "" {
		return ""
	}
	r.tls.Version = t.String("version")
	r.tls.SNI = t.String("sni")
	if sni := r.tls.SNI; sni != "" && ocsf.IsHostname(sni) {
		r.c.dst.Hostname = sni
	}
	for i, key := range []string{"ja3", "ja3s"} {
		if j, ok := t.Get(key).(map[string]any); ok {
			if h, ok := j["hash"].(string); ok && h != "" {
				r.fp[i] = ocsf.Fingerprint{AlgorithmID: 1, Algorithm: "MD5", Value: h}
				if i == 0 {
					r.tls.JA3Hash = &r.fp[0]
				} else {
					r.tls.JA3SHash = &r.fp[1]
				}
				delete(j, "hash")
			}
		}
	}
	r.tls.CertificateChain = t.Strings("chain")
	issuer, serial, fp := t.Get("issuerdn"), t.Get("serial"), t.Get("fingerprint")
	if s, ok := issuer.(string); ok && s != "" {
		if n, ok := serial.(string); ok && n != "" {
			if h, ok := fp.(string); ok && h != "" {
				r.cert = ocsf.Certificate{Issuer: t.String("issuerdn"), SerialNumber: t.String("serial"),
					Subject: t.String("subject")}
				r.fp[2] = ocsf.Fingerprint{AlgorithmID: 2, Algorithm: "SHA-1", Value: t.String("fingerprint")}
				r.cert.Fingerprints = r.fp[2:3]
				if ms, ok, why := takeTime(t, "notbefore"); why != "" {
					return "tls." + why
				} else if ok {
					r.cert.CreatedTime, r.cert.CreatedTimeDT = ms, ocsf.Datetime(ms)
				}
				if ms, ok, why := takeTime(t, "notafter"); why != "" {
					return "tls." + why
				} else if ok {
					r.cert.ExpirationTime, r.cert.ExpirationTimeDT = ms, ocsf.Datetime(ms)
				}
				r.tls.Certificate = &r.cert
			}
		}
	}
	r.ev.TLS = &r.tls
	return ""
}

// network reads what every Network Activity event has.
func (m *Mapper) network(f source.Fields) (*network, string) {
	r := &network{}
	e := &r.ev
	if why := m.begin(f, &r.c, head{&e.Time, &e.TimeDT, &e.Metadata, &e.SrcEndpoint, &e.DstEndpoint, &e.ConnectionInfo}); why != "" {
		return nil, why
	}
	e.SetActivity(6)
	e.SetSeverity(1)
	return r, ""
}

// finishNetwork maps the tcp object's flags, keeps the rest under unmapped and checks the event.
func (m *Mapper) finishNetwork(r *network, f source.Fields) (*ocsf.NetworkActivity, string) {
	e := &r.ev
	if tcp, ok := f.Get("tcp").(map[string]any); ok {
		if hex, ok := tcp["tcp_flags"].(string); ok {
			if n, err := strconv.ParseUint(hex, 16, 8); err == nil {
				r.tcpFlags = int32(n)
				r.c.conn.TCPFlags = &r.tcpFlags
				delete(tcp, "tcp_flags")
			}
		}
	}
	if why := finish(f, &r.c, &e.Unmapped, &e.Observables, "tls.sni", r.c.dst.Hostname); why != "" {
		return nil, why
	}
	return e, ""
}
