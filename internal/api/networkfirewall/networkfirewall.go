// Package networkfirewall serves the part of the AWS Network Firewall API (JSON 1.0) that its logs need:
// CreateFirewall, DescribeFirewall, DeleteFirewall and ListFirewalls, and UpdateLoggingConfiguration and
// DescribeLoggingConfiguration, over internal/firewall.
package networkfirewall

import (
	"context"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awsproto"
	"github.com/seclake/seclake/internal/firewall"
)

// TargetPrefix is Network Firewall's X-Amz-Target prefix.
const TargetPrefix = "NetworkFirewall_20201112"

// New returns the Network Firewall service.
func New(fw *firewall.Service) *api.Service {
	h := &handler{fw: fw}
	update := api.JSON("UpdateLoggingConfiguration", "network-firewall:UpdateLoggingConfiguration", false, h.updateLogging)
	update.Also = []string{"logs:CreateLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery"}
	return &api.Service{
		Name:         "network-firewall",
		EventSource:  "network-firewall.amazonaws.com",
		Protocol:     awsproto.JSON10,
		TargetPrefix: TargetPrefix,
		Ops: api.Ops(
			api.JSON("CreateFirewall", "network-firewall:CreateFirewall", false, h.createFirewall),
			api.JSON("DescribeFirewall", "network-firewall:DescribeFirewall", true, h.describeFirewall),
			api.JSON("DeleteFirewall", "network-firewall:DeleteFirewall", false, h.deleteFirewall),
			api.JSON("ListFirewalls", "network-firewall:ListFirewalls", true, h.listFirewalls),
			update,
			api.JSON("DescribeLoggingConfiguration", "network-firewall:DescribeLoggingConfiguration", true, h.describeLogging),
		),
	}
}

type handler struct{ fw *firewall.Service }

type tag struct{ Key, Value string }

type subnetMapping struct {
	SubnetId      string
	IPAddressType string `json:",omitempty"`
}

type zoneMapping struct{ AvailabilityZone string }

type createFirewallInput struct {
	FirewallName, FirewallPolicyArn, VpcId, Description                      string
	SubnetMappings                                                           []subnetMapping
	AvailabilityZoneMappings                                                 []zoneMapping
	DeleteProtection, SubnetChangeProtection, FirewallPolicyChangeProtection bool
	Tags                                                                     []tag
}

type firewallShape struct {
	FirewallName, FirewallArn, FirewallPolicyArn, VpcId, FirewallId string
	Description                                                     string          `json:",omitempty"`
	SubnetMappings                                                  []subnetMapping `json:"SubnetMappings"`
	AvailabilityZoneMappings                                        []zoneMapping   `json:",omitempty"`
	DeleteProtection, SubnetChangeProtection                        bool
	FirewallPolicyChangeProtection                                  bool
	Tags                                                            []tag `json:",omitempty"`
}

type firewallStatus struct{ Status, ConfigurationSyncStateSummary string }

type firewallOutput struct {
	UpdateToken    string `json:",omitempty"`
	Firewall       firewallShape
	FirewallStatus firewallStatus
}

func shape(f *firewall.Firewall) firewallShape {
	out := firewallShape{FirewallName: f.Name, FirewallArn: f.ARN(), FirewallPolicyArn: f.PolicyARN, VpcId: f.VPCID, FirewallId: f.ID,
		Description: f.Description, SubnetMappings: []subnetMapping{}, DeleteProtection: f.DeleteProtection,
		SubnetChangeProtection: f.SubnetChangeProtection, FirewallPolicyChangeProtection: f.PolicyChangeProtection}
	for _, s := range f.Subnets {
		out.SubnetMappings = append(out.SubnetMappings, subnetMapping{s.SubnetID, s.IPAddressType})
	}
	for _, z := range f.Zones {
		out.AvailabilityZoneMappings = append(out.AvailabilityZoneMappings, zoneMapping{z})
	}
	for _, t := range f.Tags {
		out.Tags = append(out.Tags, tag{t.Key, t.Value})
	}
	return out
}

func output(c *api.Call, f *firewall.Firewall, status string) *firewallOutput {
	c.AddResource(f.ARN(), f.Account, "AWS::NetworkFirewall::Firewall")
	return &firewallOutput{UpdateToken: f.UpdateToken, Firewall: shape(f), FirewallStatus: firewallStatus{status, "IN_SYNC"}}
}

func (h *handler) createFirewall(ctx context.Context, c *api.Call, in *createFirewallInput) (*firewallOutput, error) {
	ci := firewall.CreateInput{Name: in.FirewallName, PolicyARN: in.FirewallPolicyArn, VPCID: in.VpcId, Description: in.Description,
		DeleteProtection: in.DeleteProtection, SubnetChangeProtection: in.SubnetChangeProtection,
		PolicyChangeProtection: in.FirewallPolicyChangeProtection}
	for _, s := range in.SubnetMappings {
		ci.Subnets = append(ci.Subnets, firewall.Subnet{SubnetID: s.SubnetId, IPAddressType: s.IPAddressType})
	}
	for _, z := range in.AvailabilityZoneMappings {
		ci.Zones = append(ci.Zones, z.AvailabilityZone)
	}
	for _, t := range in.Tags {
		ci.Tags = append(ci.Tags, actor.Tag{Key: t.Key, Value: t.Value})
	}
	f, err := h.fw.CreateFirewall(ctx, c.Caller, ci)
	if err != nil {
		return nil, err
	}
	return output(c, f, "READY"), nil
}

type firewallRef struct{ FirewallName, FirewallArn string }

func (h *handler) describeFirewall(ctx context.Context, c *api.Call, in *firewallRef) (*firewallOutput, error) {
	f, err := h.fw.DescribeFirewall(ctx, c.Caller, in.FirewallName, in.FirewallArn)
	if err != nil {
		return nil, err
	}
	return output(c, f, "READY"), nil
}

func (h *handler) deleteFirewall(ctx context.Context, c *api.Call, in *firewallRef) (*firewallOutput, error) {
	f, err := h.fw.DeleteFirewall(ctx, c.Caller, in.FirewallName, in.FirewallArn)
	if err != nil {
		return nil, err
	}
	out := output(c, f, "DELETING")
	out.UpdateToken = ""
	return out, nil
}

type listFirewallsInput struct {
	NextToken  string
	VpcIds     []string
	MaxResults int
}

type firewallMetadata struct{ FirewallName, FirewallArn string }

type listFirewallsOutput struct {
	NextToken string `json:",omitempty"`
	Firewalls []firewallMetadata
}

func (h *handler) listFirewalls(ctx context.Context, c *api.Call, in *listFirewallsInput) (*listFirewallsOutput, error) {
	fws, next, err := h.fw.ListFirewalls(ctx, c.Caller, in.VpcIds, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &listFirewallsOutput{NextToken: next, Firewalls: []firewallMetadata{}}
	for _, f := range fws {
		out.Firewalls = append(out.Firewalls, firewallMetadata{f.Name, f.ARN()})
	}
	return out, nil
}

type logDestinationConfig struct {
	LogType, LogDestinationType string
	LogDestination              map[string]string
}

type loggingConfiguration struct {
	LogDestinationConfigs []logDestinationConfig
}

type updateLoggingInput struct {
	FirewallName, FirewallArn string
	LoggingConfiguration      *loggingConfiguration
	EnableMonitoringDashboard *bool
}

type loggingOutput struct {
	FirewallName              string `json:",omitempty"`
	FirewallArn               string
	LoggingConfiguration      loggingConfiguration
	EnableMonitoringDashboard bool
}

func logging(c *api.Call, f *firewall.Firewall) *loggingOutput {
	c.AddResource(f.ARN(), f.Account, "AWS::NetworkFirewall::Firewall")
	out := &loggingOutput{FirewallName: f.Name, FirewallArn: f.ARN(), LoggingConfiguration: loggingConfiguration{LogDestinationConfigs: []logDestinationConfig{}}}
	for _, d := range f.Logging {
		out.LoggingConfiguration.LogDestinationConfigs = append(out.LoggingConfiguration.LogDestinationConfigs,
			logDestinationConfig{d.LogType, d.DestinationType, d.Destination})
	}
	return out
}

func (h *handler) updateLogging(ctx context.Context, c *api.Call, in *updateLoggingInput) (*loggingOutput, error) {
	var dests []firewall.LogDestination
	if in.LoggingConfiguration != nil {
		for _, d := range in.LoggingConfiguration.LogDestinationConfigs {
			dests = append(dests, firewall.LogDestination{LogType: d.LogType, DestinationType: d.LogDestinationType, Destination: d.LogDestination})
		}
	}
	f, err := h.fw.UpdateLoggingConfiguration(ctx, c.Caller, in.FirewallName, in.FirewallArn, dests)
	if err != nil {
		return nil, err
	}
	return logging(c, f), nil
}

func (h *handler) describeLogging(ctx context.Context, c *api.Call, in *firewallRef) (*loggingOutput, error) {
	f, err := h.fw.DescribeLoggingConfiguration(ctx, c.Caller, in.FirewallName, in.FirewallArn)
	if err != nil {
		return nil, err
	}
	out := logging(c, f)
	out.FirewallName = ""
	return out, nil
}
