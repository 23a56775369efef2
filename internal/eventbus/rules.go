package eventbus

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/eventpattern"
	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

// Rule states.
const (
	Enabled  = "ENABLED"
	Disabled = "DISABLED"
)

// Rule is a rule of a bus, with its targets.
type Rule struct {
	Name, ARN, Bus, Account, Region string
	EventPattern                    string `json:",omitempty"`
	ScheduleExpression              string `json:",omitempty"`
	State                           string
	Description                     string `json:",omitempty"`
	RoleARN                         string `json:",omitempty"`
	ManagedBy                       string `json:",omitempty"`
	CreatedBy                       string
	Targets                         []Target `json:",omitempty"`
	// LastFired is the last time a scheduled rule fired.
	LastFired time.Time `json:",omitzero"`
}

// RuleInput is PutRule's input.
type RuleInput struct {
	Name, EventBusName, EventPattern, ScheduleExpression, State, Description, RoleARN string
	Tags                                                                              []Tag
}

// MaxRules is how many rules an event bus may have (EventBridge's default quota).
const MaxRules = 300

var ruleName = regexp.MustCompile(`^[\.\-_A-Za-z0-9]{1,64}$`)

// ruleRef resolves a rule's bus and checks action on the rule's ARN.
func (s *Service) ruleRef(ctx context.Context, c *actor.Caller, action, bus, name string) (account, region, busName, arn string, err error) {
	account, region, busName, err = s.busRef(c, bus)
	if err != nil {
		return
	}
	if !ruleName.MatchString(name) {
		err = validation("Parameter Name is not valid: %q must be 1 to 64 of [.-_A-Za-z0-9].", name)
		return
	}
	arn = ruleARN(region, account, busName, name)
	err = s.check(ctx, c, action, arn, account, nil)
	return
}

func getRule(tx meta.Tx, account, region, bus, name string) (*Rule, error) {
	b, err := tx.Get(tableRules, key(account, region, bus, name))
	if errors.Is(err, meta.ErrNotFound) {
		return nil, notFound("Rule %s does not exist on EventBus %s.", name, bus)
	}
	if err != nil {
		return nil, err
	}
	r := &Rule{}
	return r, json.Unmarshal(b, r)
}

// saveRule stores r and moves its bus's version, so that every node's matcher sees the change.
func saveRule(tx meta.Tx, r *Rule) error {
	bus, err := getBus(tx, r.Account, r.Region, r.Bus)
	if err != nil {
		return err
	}
	bus.Version++
	if err := putJSON(tx, tableBuses, key(r.Account, r.Region, r.Bus), bus); err != nil {
		return err
	}
	k := key(r.Account, r.Region, r.Bus, r.Name)
	if r.ScheduleExpression != "" {
		if err := tx.Put(tableScheduled, k, []byte{}); err != nil {
			return err
		}
	} else if err := deleteIfThere(tx, tableScheduled, k); err != nil {
		return err
	}
	return putJSON(tx, tableRules, k, r)
}

// PutRule creates or updates a rule and returns its ARN.
func (s *Service) PutRule(ctx context.Context, c *actor.Caller, in RuleInput) (string, error) {
	account, region, bus, arn, err := s.ruleRef(ctx, c, "events:PutRule", in.EventBusName, in.Name)
	if err != nil {
		return "", err
	}
	if in.EventPattern == "" && in.ScheduleExpression == "" {
		return "", validation("Parameter(s) EventPattern or ScheduleExpression must be specified.")
	}
	if in.EventPattern != "" {
		if _, err := eventpattern.Compile(in.EventPattern); err != nil {
			return "", err
		}
	}
	if in.ScheduleExpression != "" {
		if bus != DefaultBus {
			return "", validation("ScheduleExpression is supported only on the default event bus.")
		}
		if _, err := ParseSchedule(in.ScheduleExpression); err != nil {
			return "", err
		}
	}
	state := in.State
	switch state {
	case "":
		state = Enabled
	case Enabled, Disabled, "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS":
	default:
		return "", validation("Parameter State is not valid: %q.", state)
	}
	err = s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		r, err := getRule(tx, account, region, bus, in.Name)
		if err != nil {
			if _, ok := asNotFound(err); !ok {
				return err
			}
			if _, err := getBus(tx, account, region, bus); err != nil {
				return err
			}
			n := 0
			if err := busRules(tx, account, region, bus, "", func(*Rule) bool { n++; return n < MaxRules }); err != nil {
				return err
			}
			if n >= MaxRules {
				return awserrNew("LimitExceededException", "The requested resource exceeds the maximum number allowed: %d rules per event bus.", MaxRules)
			}
			r = &Rule{Name: in.Name, ARN: arn, Bus: bus, Account: account, Region: region, CreatedBy: c.Account}
			if err := putTags(tx, arn, in.Tags); err != nil {
				return err
			}
		}
		if r.ManagedBy != "" {
			return managed(r)
		}
		r.EventPattern, r.ScheduleExpression, r.State = in.EventPattern, in.ScheduleExpression, state
		r.Description, r.RoleARN = in.Description, in.RoleARN
		if r.ScheduleExpression != "" && r.LastFired.IsZero() {
			r.LastFired = s.cfg.Clock.Now().UTC()
		}
		return saveRule(tx, r)
	})
	if err != nil {
		return "", err
	}
	return arn, nil
}

func managed(r *Rule) error {
	return awserrNew("ManagedRuleException", "Rule %s is managed by %s and cannot be changed.", r.Name, r.ManagedBy)
}

// DescribeRule returns a rule.
func (s *Service) DescribeRule(ctx context.Context, c *actor.Caller, name, bus string) (*Rule, error) {
	account, region, busName, _, err := s.ruleRef(ctx, c, "events:DescribeRule", bus, name)
	if err != nil {
		return nil, err
	}
	var r *Rule
	err = s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		r, err = getRule(tx, account, region, busName, name)
		return err
	})
	return r, err
}

// setState enables or disables a rule.
func (s *Service) setState(ctx context.Context, c *actor.Caller, action, name, bus, state string) error {
	account, region, busName, _, err := s.ruleRef(ctx, c, action, bus, name)
	if err != nil {
		return err
	}
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		r, err := getRule(tx, account, region, busName, name)
		if err != nil {
			return err
		}
		r.State = state
		return saveRule(tx, r)
	})
}

// EnableRule enables a rule.
func (s *Service) EnableRule(ctx context.Context, c *actor.Caller, name, bus string) error {
	return s.setState(ctx, c, "events:EnableRule", name, bus, Enabled)
}

// DisableRule disables a rule.
func (s *Service) DisableRule(ctx context.Context, c *actor.Caller, name, bus string) error {
	return s.setState(ctx, c, "events:DisableRule", name, bus, Disabled)
}

// DeleteRule deletes a rule that has no targets left.
func (s *Service) DeleteRule(ctx context.Context, c *actor.Caller, name, bus string, force bool) error {
	account, region, busName, arn, err := s.ruleRef(ctx, c, "events:DeleteRule", bus, name)
	if err != nil {
		return err
	}
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		r, err := getRule(tx, account, region, busName, name)
		if _, ok := asNotFound(err); ok {
			return nil // AWS answers success
		}
		if err != nil {
			return err
		}
		if r.ManagedBy != "" && !force {
			return managed(r)
		}
		if len(r.Targets) > 0 {
			return validation("Rule can't be deleted since it has targets.")
		}
		if err := tx.Delete(tableRules, key(account, region, busName, name)); err != nil {
			return err
		}
		if err := deleteIfThere(tx, tableScheduled, key(account, region, busName, name)); err != nil {
			return err
		}
		bus, err := getBus(tx, account, region, busName)
		if err != nil {
			return err
		}
		bus.Version++
		if err := putJSON(tx, tableBuses, key(account, region, busName), bus); err != nil {
			return err
		}
		err = tx.Delete(tableTags, arn)
		if errors.Is(err, meta.ErrNotFound) {
			return nil
		}
		return err
	})
}

// busRules reads the rules of a bus, in name order, from the one named after start.
func busRules(tx meta.Tx, account, region, bus, start string, fn func(*Rule) bool) error {
	var derr error
	prefix := key(account, region, bus, "")
	r := meta.Range{Prefix: prefix}
	if start != "" {
		r.Start = prefix + start + "\x00"
	}
	err := tx.Scan(tableRules, r, func(_ string, v []byte) bool {
		rule := &Rule{}
		if derr = json.Unmarshal(v, rule); derr != nil {
			return false
		}
		return fn(rule)
	})
	return errors.Join(err, derr)
}

// ListRules lists a bus's rules whose names start with prefix: at most limit (0: 100) after token.
func (s *Service) ListRules(ctx context.Context, c *actor.Caller, bus, prefix, token string, limit int) ([]*Rule, string, error) {
	account, region, busName, err := s.busRef(c, bus)
	if err != nil {
		return nil, "", err
	}
	if err := s.checkList(ctx, c, "events:ListRules", account, region, busName); err != nil {
		return nil, "", err
	}
	return s.listRules(ctx, account, region, busName, token, limit, func(r *Rule) bool { return strings.HasPrefix(r.Name, prefix) })
}

func (s *Service) listRules(ctx context.Context, account, region, bus, token string, limit int, keep func(*Rule) bool) ([]*Rule, string, error) {
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	var out []*Rule
	next := ""
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		if _, err := getBus(tx, account, region, bus); err != nil {
			return err
		}
		return busRules(tx, account, region, bus, token, func(r *Rule) bool {
			if !keep(r) {
				return true
			}
			if len(out) == limit {
				next = out[len(out)-1].Name
				return false
			}
			out = append(out, r)
			return true
		})
	})
	return out, next, err
}

// ListRuleNamesByTarget lists the names of the bus's rules that have a target with targetARN.
func (s *Service) ListRuleNamesByTarget(ctx context.Context, c *actor.Caller, bus, targetARN, token string, limit int) ([]string, string, error) {
	account, region, busName, err := s.busRef(c, bus)
	if err != nil {
		return nil, "", err
	}
	if err := s.checkList(ctx, c, "events:ListRuleNamesByTarget", account, region, busName); err != nil {
		return nil, "", err
	}
	rules, next, err := s.listRules(ctx, account, region, busName, token, limit, func(r *Rule) bool {
		for _, t := range r.Targets {
			if t.ARN == targetARN {
				return true
			}
		}
		return false
	})
	names := make([]string, len(rules))
	for i, r := range rules {
		names[i] = r.Name
	}
	return names, next, err
}

// checkList authorizes listing a bus's rules: only the bus owner's principals may, as identity policies decide.
func (s *Service) checkList(ctx context.Context, c *actor.Caller, action, account, region, bus string) error {
	if err := s.check(ctx, c, action, "*", "", nil); err != nil {
		return err
	}
	if account != c.Account {
		return refusal.Refuse(c, action, busARN(region, account, bus), policy.Decision{},
			"Rules of another account's event bus cannot be listed.").Err
	}
	return nil
}

// TestEventPattern reports whether event matches pattern.
func (s *Service) TestEventPattern(ctx context.Context, c *actor.Caller, pattern, event string) (bool, error) {
	if err := s.check(ctx, c, "events:TestEventPattern", "*", "", nil); err != nil {
		return false, err
	}
	p, err := eventpattern.Compile(pattern)
	if err != nil {
		return false, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(event), &fields); err != nil {
		return false, validation("Parameter Event is not valid: it is not a JSON object.")
	}
	for _, f := range []string{"id", "account", "source", "time", "region", "detail-type"} {
		if _, ok := fields[f]; !ok {
			return false, validation("Parameter Event is not valid: the event has no field %q.", f)
		}
	}
	return p.Match([]byte(event))
}

// asNotFound reports whether err is a ResourceNotFoundException.
func asNotFound(err error) (error, bool) {
	if e, ok := awserrAs(err); ok && e.Code == "ResourceNotFoundException" {
		return e, true
	}
	return err, false
}
