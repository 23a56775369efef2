package vpcflow

import (
	"bytes"
	"fmt"
	"strings"
)

// field identifies a flow log field that the mapping reads; fields it does not read go to unmapped.
type field uint8

const (
	fOther field = iota
	fVersion
	fAccountID
	fInterfaceID
	fSrcAddr
	fDstAddr
	fSrcPort
	fDstPort
	fProtocol
	fPackets
	fBytes
	fStart
	fEnd
	fAction
	fLogStatus
	fVPCID
	fSubnetID
	fInstanceID
	fTCPFlags
	fType
	fPktSrcAddr
	fPktDstAddr
	fRegion
	fAZID
	fPktSrcAWSService
	fPktDstAWSService
	fFlowDirection
	fTrafficPath
	numFields
)

// known maps the flow log fields the mapping reads to their ids. Every other field of a format (sublocation-*,
// the transit gateway and ECS fields, reject-reason, and fields AWS adds later) is kept under unmapped with its
// name spelled with underscores, as Security Lake does.
var known = map[string]field{
	"version": fVersion, "account-id": fAccountID, "interface-id": fInterfaceID, "srcaddr": fSrcAddr,
	"dstaddr": fDstAddr, "srcport": fSrcPort, "dstport": fDstPort, "protocol": fProtocol, "packets": fPackets,
	"bytes": fBytes, "start": fStart, "end": fEnd, "action": fAction, "log-status": fLogStatus, "vpc-id": fVPCID,
	"subnet-id": fSubnetID, "instance-id": fInstanceID, "tcp-flags": fTCPFlags, "type": fType,
	"pkt-srcaddr": fPktSrcAddr, "pkt-dstaddr": fPktDstAddr, "region": fRegion, "az-id": fAZID,
	"pkt-src-aws-service": fPktSrcAWSService, "pkt-dst-aws-service": fPktDstAWSService,
	"flow-direction": fFlowDirection, "traffic-path": fTrafficPath,
}

// names are the names of the fields the mapping reads, by id.
var names = func() [numFields]string {
	var out [numFields]string
	for n, id := range known {
		out[id] = n
	}
	return out
}()

// others are the fields AWS documents that go to unmapped: VPC (v4, v7, v8) and transit gateway (v6) fields.
var others = []string{
	"sublocation-type", "sublocation-id", "ecs-cluster-arn", "ecs-cluster-name", "ecs-container-instance-arn",
	"ecs-container-instance-id", "ecs-container-id", "ecs-second-container-id", "ecs-service-name",
	"ecs-task-definition-arn", "ecs-task-arn", "ecs-task-id", "reject-reason", "resource-type", "tgw-id",
	"tgw-attachment-id", "tgw-src-vpc-account-id", "tgw-dst-vpc-account-id", "tgw-src-vpc-id", "tgw-dst-vpc-id",
	"tgw-src-subnet-id", "tgw-dst-subnet-id", "tgw-src-eni", "tgw-dst-eni", "tgw-src-az-id", "tgw-dst-az-id",
	"tgw-pair-attachment-id", "packets-lost-no-route", "packets-lost-blackhole", "packets-lost-mtu-exceeded",
	"packets-lost-ttl-expired",
}

var documented = func() map[string]bool {
	m := map[string]bool{}
	for n := range known {
		m[n] = true
	}
	for _, n := range others {
		m[n] = true
	}
	return m
}()

// defaultFormat is the format of flow logs created without a LogFormat: version 2's fourteen fields.
const defaultFormat = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"

// format is the order of the fields of a flow log's records.
type format struct {
	// ids holds each position's field, fOther for unmapped ones.
	ids []field
	// unmapped holds each position's unmapped key (sublocation_id), "" for mapped fields.
	unmapped []string
	// has tells which mapped fields the format has.
	has [numFields]bool
	// nUnmapped is the number of unmapped fields.
	nUnmapped int
}

// parseFormat reads a format: field names separated by spaces, as in the header line of a flow log file
// ("version account-id …"), or a LogFormat ("${version} ${account-id} …"). Names may be spelled with
// underscores (account_id), as Athena and Security Lake's inputs spell them.
func parseFormat(s string) (*format, error) {
	names := strings.Fields(s)
	if len(names) == 0 {
		return nil, fmt.Errorf("empty format")
	}
	f := &format{ids: make([]field, len(names)), unmapped: make([]string, len(names))}
	seen := map[string]bool{}
	for i, n := range names {
		n = strings.TrimSuffix(strings.TrimPrefix(n, "${"), "}")
		n = strings.ReplaceAll(n, "_", "-")
		if !fieldName(n) {
			return nil, fmt.Errorf("%q is not a flow log field name", names[i])
		}
		if seen[n] {
			return nil, fmt.Errorf("field %s appears twice", n)
		}
		seen[n] = true
		if id, ok := known[n]; ok {
			f.ids[i] = id
			f.has[id] = true
			continue
		}
		f.unmapped[i] = strings.ReplaceAll(n, "-", "_")
		f.nUnmapped++
	}
	return f, nil
}

// fieldName reports whether s looks like a field name: lowercase words joined by hyphens.
func fieldName(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && c != '-' && (c < '0' || c > '9' || i == 0) {
			return false
		}
	}
	return true
}

// isHeader reports whether a line is a header line: its first word is a documented field name, or every word
// is a field name with no digits (a field AWS adds later). Records never look like that: their version is a
// number and most of their values have digits.
func isHeader(fields [][]byte) bool {
	if len(fields) == 0 {
		return false
	}
	first := strings.ReplaceAll(string(fields[0]), "_", "-")
	if documented[first] {
		return true
	}
	for _, f := range fields {
		if bytes.ContainsAny(f, "0123456789") || !fieldName(strings.ReplaceAll(string(f), "_", "-")) {
			return false
		}
	}
	return true
}
