package firewall

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/meta"
)

// refusal is how Network Firewall answers a denied request.
var refusal = actor.AccessDeniedException

var (
	nameRE   = regexp.MustCompile(`^[a-zA-Z0-9-]{1,128}$`)
	vpcRE    = regexp.MustCompile(`^vpc-[0-9a-f]+$`)
	policyRE = regexp.MustCompile(`^arn:aws[a-z-]*:network-firewall:[a-z0-9-]*:\d{12}:firewall-policy/[a-zA-Z0-9-]{1,128}$`)
)

func invalid(format string, args ...any) *awserr.Error {
	return awserr.New("InvalidRequestException", awserr.StatusBadRequest, format, args...)
}

func notFound(name string) *awserr.Error {
	return awserr.New("ResourceNotFoundException", awserr.StatusBadRequest, "Firewall %s does not exist.", name)
}

// CreateInput is what CreateFirewall takes.
type CreateInput struct {
	Name, PolicyARN, VPCID, Description                              string
	Subnets                                                          []Subnet
	Zones                                                            []string
	DeleteProtection, SubnetChangeProtection, PolicyChangeProtection bool
	Tags                                                             []actor.Tag
}

// CreateFirewall creates a firewall in the caller's account and region. Its policy ARN is stored, not enforced:
// seclake logs what a Suricata sensor sees.
func (s *Service) CreateFirewall(ctx context.Context, c *actor.Caller, in CreateInput) (*Firewall, error) {
	fw := &Firewall{Name: in.Name, Account: c.Account, Region: s.region(c), PolicyARN: in.PolicyARN, VPCID: in.VPCID,
		Subnets: in.Subnets, Zones: in.Zones, Description: in.Description, DeleteProtection: in.DeleteProtection,
		SubnetChangeProtection: in.SubnetChangeProtection, PolicyChangeProtection: in.PolicyChangeProtection, Tags: in.Tags}
	if err := actor.Check(ctx, s.cfg.Authz, c, actor.Request{Action: "network-firewall:CreateFirewall", Resource: fw.ARN()}, refusal); err != nil {
		return nil, err
	}
	switch {
	case !nameRE.MatchString(in.Name):
		return nil, invalid("FirewallName %q must be 1 to 128 letters, digits and hyphens.", in.Name)
	case !policyRE.MatchString(in.PolicyARN):
		return nil, invalid("FirewallPolicyArn %q is not a firewall policy ARN (arn:aws:network-firewall:<region>:<account>:firewall-policy/<name>).", in.PolicyARN)
	case in.VPCID != "" && !vpcRE.MatchString(in.VPCID):
		return nil, invalid("VpcId %q is not a VPC ID.", in.VPCID)
	}
	id, err := newUUID(s.cfg.Rand)
	if err != nil {
		return nil, err
	}
	token, err := newUUID(s.cfg.Rand)
	if err != nil {
		return nil, err
	}
	fw.ID, fw.UpdateToken, fw.Created = id, token, s.cfg.Clock.Now().UTC()
	err = s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		key := firewallKey(fw.Account, fw.Region, fw.Name)
		if _, err := tx.Get(tableFirewalls, key); err == nil {
			return invalid("A firewall named %s already exists in this account and region.", fw.Name)
		} else if !errors.Is(err, meta.ErrNotFound) {
			return err
		}
		return putFirewall(tx, fw)
	})
	if err != nil {
		return nil, err
	}
	return fw, nil
}

// DescribeFirewall returns the caller's firewall named by name or arn.
func (s *Service) DescribeFirewall(ctx context.Context, c *actor.Caller, name, arn string) (*Firewall, error) {
	return s.authorized(ctx, c, name, arn, "network-firewall:DescribeFirewall")
}

// DeleteFirewall deletes a firewall; one with delete protection is refused. Its files already held for
// delivery are still delivered.
func (s *Service) DeleteFirewall(ctx context.Context, c *actor.Caller, name, arn string) (*Firewall, error) {
	fw, err := s.authorized(ctx, c, name, arn, "network-firewall:DeleteFirewall")
	if err != nil {
		return nil, err
	}
	if fw.DeleteProtection {
		return nil, awserr.New("InvalidOperationException", awserr.StatusBadRequest,
			"Firewall %s has delete protection enabled; turn it off first.", fw.Name)
	}
	err = s.cfg.Store.Update(ctx, func(tx meta.Tx) error { return tx.Delete(tableFirewalls, firewallKey(fw.Account, fw.Region, fw.Name)) })
	if err != nil {
		return nil, err
	}
	return fw, s.reload(ctx, true)
}

// ListFirewalls lists the caller's firewalls in its region, of the given VPCs when any, from token on, at most
// max (0 for 100).
func (s *Service) ListFirewalls(ctx context.Context, c *actor.Caller, vpcs []string, max int, token string) ([]*Firewall, string, error) {
	if err := actor.Check(ctx, s.cfg.Authz, c, actor.Request{Action: "network-firewall:ListFirewalls", Resource: "*"}, refusal); err != nil {
		return nil, "", err
	}
	start := 0
	if token != "" {
		n, err := strconv.Atoi(token)
		if err != nil || n < 0 {
			return nil, "", invalid("NextToken %q is not one seclake gave.", token)
		}
		start = n
	}
	if max <= 0 {
		max = 100
	}
	var out []*Firewall
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		out = out[:0]
		var derr error
		err := tx.Scan(tableFirewalls, meta.Range{Prefix: c.Account + "/" + s.region(c) + "/"}, func(_ string, v []byte) bool {
			f := &Firewall{}
			if derr = json.Unmarshal(v, f); derr != nil {
				return false
			}
			if len(vpcs) == 0 || slices.Contains(vpcs, f.VPCID) {
				out = append(out, f)
			}
			return true
		})
		if err != nil {
			return err
		}
		return derr
	})
	if err != nil {
		return nil, "", err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	out = out[min(start, len(out)):]
	next := ""
	if len(out) > max {
		out, next = out[:max], strconv.Itoa(start+max)
	}
	return out, next, nil
}

// authorized finds the caller's firewall and authorizes action on it.
func (s *Service) authorized(ctx context.Context, c *actor.Caller, name, arn, action string) (*Firewall, error) {
	region := s.region(c)
	switch {
	case name == "" && arn == "":
		return nil, invalid("Specify the firewall by FirewallName or FirewallArn.")
	case arn != "":
		probe := &Firewall{Account: c.Account, Region: region}
		n, ok := cutFirewallARN(arn, probe.ARN())
		if !ok || name != "" && name != n {
			if err := actor.Check(ctx, s.cfg.Authz, c, actor.Request{Action: action, Resource: arn}, refusal); err != nil {
				return nil, err
			}
			return nil, notFound(arn)
		}
		name = n
	}
	probe := &Firewall{Name: name, Account: c.Account, Region: region}
	if err := actor.Check(ctx, s.cfg.Authz, c, actor.Request{Action: action, Resource: probe.ARN()}, refusal); err != nil {
		return nil, err
	}
	var fw *Firewall
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		var err error
		fw, err = getFirewall(tx, c.Account, region, name)
		return err
	})
	if errors.Is(err, meta.ErrNotFound) {
		return nil, notFound(name)
	}
	return fw, err
}

// cutFirewallARN returns the name in arn when it is a firewall ARN of the account and region of prefix (the ARN
// of a firewall without a name).
func cutFirewallARN(arn, prefix string) (string, bool) {
	n, ok := strings.CutPrefix(arn, prefix)
	return n, ok && nameRE.MatchString(n)
}

func getFirewall(tx meta.Tx, account, region, name string) (*Firewall, error) {
	b, err := tx.Get(tableFirewalls, firewallKey(account, region, name))
	if err != nil {
		return nil, err
	}
	fw := &Firewall{}
	return fw, json.Unmarshal(b, fw)
}

func putFirewall(tx meta.Tx, fw *Firewall) error {
	b, err := json.Marshal(fw)
	if err != nil {
		return err
	}
	return tx.Put(tableFirewalls, firewallKey(fw.Account, fw.Region, fw.Name), b)
}

func (s *Service) region(c *actor.Caller) string {
	if c.Region != "" {
		return c.Region
	}
	return s.cfg.Region
}

func newUUID(rnd io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(rnd, b[:]); err != nil {
		return "", err
	}
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}
