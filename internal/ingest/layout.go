package ingest

import (
	"strings"

	"github.com/seclake/seclake/internal/actor"
)

// Layout is what a raw object's key says about it when it follows one of AWS's delivery layouts.
type Layout struct {
	// Source is the seclake source of the files of this layout ("" when the key follows none).
	Source string
	// Account and Region are the account and region the key names ("" when it names none).
	Account, Region string
	// Ignore, when set, says why objects of this layout hold no log records (CloudTrail's digest files).
	Ignore string
}

// DetectLayout reads a key as AWS's log deliveries lay them out:
//
//	AWSLogs/[o-org/]<account>/CloudTrail/<region>/YYYY/MM/DD/…               cloudtrail
//	AWSLogs/[o-org/]<account>/CloudTrail-Digest/<region>/…                    (digest files: ignored)
//	AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/…                        vpcflow
//	AWSLogs/<account>/vpcdnsquerylogs/<vpc-id>/YYYY/MM/DD/…                    route53
//	AWSLogs/<account>/WAFLogs/<region|cloudfront>/<web-acl>/…                  waf
//	AWSLogs/<account>/network-firewall/<alert|flow|tls>/<region>/<firewall>/…  networkfirewall
//	AWSLogs/<account>/GuardDuty/<region>/…                                     guardduty
//
// and, without an AWSLogs prefix, EKS control-plane audit log streams exported from CloudWatch Logs
// (…/kube-apiserver-audit-…), Security Hub finding exports (a key naming securityhub) and Suricata's eve.json.
func DetectLayout(key string) Layout {
	parts := strings.Split(key, "/")
	for i, p := range parts {
		if p != "AWSLogs" {
			continue
		}
		rest := parts[i+1:]
		if len(rest) > 0 && strings.HasPrefix(rest[0], "o-") {
			rest = rest[1:] // an organization trail's organization ID
		}
		if len(rest) < 3 || !actor.ValidAccountID(rest[0]) {
			continue
		}
		if l, ok := awsLogs(rest[0], rest[1], rest[2:]); ok {
			return l
		}
	}
	lower := strings.ToLower(key)
	base := lower[strings.LastIndex(lower, "/")+1:]
	switch {
	case strings.Contains(lower, "kube-apiserver-audit"):
		return Layout{Source: "eksaudit"}
	case strings.Contains(lower, "securityhub") || strings.Contains(lower, "security-hub"):
		return Layout{Source: "securityhub"}
	case strings.HasPrefix(base, "eve") && (strings.Contains(base, ".json") || strings.Contains(base, ".log")):
		return Layout{Source: "suricata"}
	}
	return Layout{}
}

// awsLogs reads the part of an AWSLogs/<account>/ key after the account: the service's folder and what follows.
func awsLogs(account, service string, rest []string) (Layout, bool) {
	at := func(i int) string {
		if i < len(rest) {
			return rest[i]
		}
		return ""
	}
	region := func(r string) string {
		if looksLikeRegion(r) {
			return r
		}
		return ""
	}
	switch service {
	case "CloudTrail":
		return Layout{Source: "cloudtrail", Account: account, Region: region(at(0))}, true
	case "CloudTrail-Digest":
		return Layout{Account: account, Region: region(at(0)), Ignore: "a CloudTrail digest file holds no events"}, true
	case "CloudTrail-Insight":
		return Layout{Source: "cloudtrail", Account: account, Region: region(at(0))}, true
	case "vpcflowlogs":
		return Layout{Source: "vpcflow", Account: account, Region: region(at(0))}, true
	case "vpcdnsquerylogs":
		return Layout{Source: "route53", Account: account}, true
	case "WAFLogs":
		return Layout{Source: "waf", Account: account, Region: region(at(0))}, true
	case "network-firewall":
		return Layout{Source: "networkfirewall", Account: account, Region: region(at(1))}, true
	case "GuardDuty":
		return Layout{Source: "guardduty", Account: account, Region: region(at(0))}, true
	}
	return Layout{}, false
}

// looksLikeRegion accepts AWS region names ("us-east-1", "us-gov-west-1", "ap-southeast-3").
func looksLikeRegion(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts) < 3 || len(s) > 32 {
		return false
	}
	last := parts[len(parts)-1]
	if last == "" {
		return false
	}
	for _, c := range last {
		if c < '0' || c > '9' {
			return false
		}
	}
	for _, p := range parts[:len(parts)-1] {
		if p == "" {
			return false
		}
		for _, c := range p {
			if c < 'a' || c > 'z' {
				return false
			}
		}
	}
	return true
}
