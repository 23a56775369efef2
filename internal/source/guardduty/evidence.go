package guardduty

import (
	"strings"

	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/source"
)

// evidences makes an evidence of each action GuardDuty saw; what an evidence takes leaves action, and what the
// objects it reads keep goes under *um.
func evidences(action source.Fields, um *map[string]string) []ocsf.Evidences {
	var out []ocsf.Evidences
	if api, ok := action.Object("awsApiCallAction"); ok {
		ev := ocsf.Evidences{}
		if op := api.String("api"); op != "" {
			ev.API = &ocsf.API{Operation: op}
			if svc := api.String("serviceName"); svc != "" {
				ev.API.Service = &ocsf.Service{Name: svc}
			}
		}
		if remote, ok := api.Object("remoteIpDetails"); ok {
			ev.SrcEndpoint = endpoint(remote, "ipAddressV4", um)
			*um = remote.Rest(*um)
		}
		if ev.API != nil || ev.SrcEndpoint != nil {
			out = append(out, ev)
		}
		*um = api.Rest(*um)
	}
	if conn, ok := action.Object("networkConnectionAction"); ok {
		ev := ocsf.Evidences{}
		var remote, local *ocsf.NetworkEndpoint
		if r, ok := conn.Object("remoteIpDetails"); ok {
			remote = endpoint(r, "ipAddressV4", um)
			*um = r.Rest(*um)
		}
		if l, ok := conn.Object("localIpDetails"); ok {
			local = endpoint(l, "ipAddressV4", um)
			*um = l.Rest(*um)
		}
		remote = withPort(remote, conn, "remotePortDetails", um)
		local = withPort(local, conn, "localPortDetails", um)
		direction := strings.ToUpper(conn.String("connectionDirection"))
		info := &ocsf.NetworkConnectionInfo{ProtocolName: conn.String("protocol")}
		switch direction {
		case "INBOUND":
			info.DirectionID, info.Direction = 1, "Inbound"
			ev.SrcEndpoint, ev.DstEndpoint = remote, local
		case "OUTBOUND":
			info.DirectionID, info.Direction = 2, "Outbound"
			ev.SrcEndpoint, ev.DstEndpoint = local, remote
		default:
			info.DirectionID, info.Direction = 0, "Unknown"
			ev.SrcEndpoint, ev.DstEndpoint = remote, local
		}
		ev.ConnectionInfo = info
		out = append(out, ev)
		*um = conn.Rest(*um)
	}
	if dns, ok := action.Object("dnsRequestAction"); ok {
		if domain := dns.String("domain"); ocsf.IsHostname(domain) {
			out = append(out, ocsf.Evidences{Query: &ocsf.DNSQuery{Hostname: domain}})
		} else if domain != "" {
			// Not a host name as OCSF takes it: the domain stays under unmapped.
			*um = addUnmapped(*um, "service.action.dnsRequestAction.domain", domain)
		}
		*um = dns.Rest(*um)
	}
	if probe, ok := action.Object("portProbeAction"); ok {
		for _, d := range probe.Objects("portProbeDetails") {
			ev := ocsf.Evidences{}
			if r, ok := d.Object("remoteIpDetails"); ok {
				ev.SrcEndpoint = endpoint(r, "ipAddressV4", um)
				*um = r.Rest(*um)
			}
			ev.DstEndpoint = withPort(nil, d, "localPortDetails", um)
			if ev.SrcEndpoint != nil || ev.DstEndpoint != nil {
				out = append(out, ev)
			}
			*um = d.Rest(*um)
		}
		*um = probe.Rest(*um)
	}
	return out
}

// endpoint maps a remoteIpDetails or localIpDetails object: the address and where it is.
func endpoint(d source.Fields, key string, um *map[string]string) *ocsf.NetworkEndpoint {
	ep := &ocsf.NetworkEndpoint{IP: d.IP(key)}
	if ep.IP == "" {
		ep.IP = d.IP("ipAddressV6")
	}
	loc := &ocsf.Location{}
	if city, ok := d.Object("city"); ok {
		loc.City = city.String("cityName")
		*um = city.Rest(*um)
	}
	if country, ok := d.Object("country"); ok {
		loc.Country = country.String("countryName")
		*um = country.Rest(*um)
	}
	if geo, ok := d.Object("geoLocation"); ok {
		lat, okLat := geo.Float("lat")
		lon, okLon := geo.Float("lon")
		if okLat && okLon {
			loc.Coordinates = []float64{lon, lat}
		}
		*um = geo.Rest(*um)
	}
	if loc.City != "" || loc.Country != "" || loc.Coordinates != nil {
		ep.Location = loc
	}
	if ep.IP == "" && ep.Location == nil {
		return nil
	}
	return ep
}

// withPort adds the port of a remotePortDetails or localPortDetails object to ep (made when nil).
func withPort(ep *ocsf.NetworkEndpoint, f source.Fields, key string, um *map[string]string) *ocsf.NetworkEndpoint {
	d, ok := f.Object(key)
	if !ok {
		return ep
	}
	if port, ok := d.Int("port", 0, 65535); ok {
		if ep == nil {
			ep = &ocsf.NetworkEndpoint{}
		}
		ep.Port = ocsf.Int32(int32(port))
		if name := d.String("portName"); name != "" {
			ep.SvcName = name
		}
	}
	*um = d.Rest(*um)
	return ep
}
