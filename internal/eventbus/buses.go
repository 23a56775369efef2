package eventbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

// DefaultBus is the name of the bus every account has in every region.
const DefaultBus = "default"

// Bus is an event bus.
type Bus struct {
	Name, ARN, Account, Region string
	Description                string `json:",omitempty"`
	// Policy is the bus's resource policy (JSON), empty when none.
	Policy  string    `json:",omitempty"`
	Created time.Time `json:",omitzero"`
	// Version moves whenever the bus's rules change, so that every node rebuilds its matcher.
	Version uint64
}

var busName = regexp.MustCompile(`^[/\.\-_A-Za-z0-9]{1,256}$`)

// busRef resolves an EventBusName member (a name or an ARN; empty is the default bus) for caller c.
func (s *Service) busRef(c *actor.Caller, nameOrARN string) (account, region, name string, err error) {
	account, region, name = c.Account, s.region(c), nameOrARN
	if name == "" {
		name = DefaultBus
	}
	if strings.HasPrefix(name, "arn:") {
		parts := strings.SplitN(name, ":", 6)
		if len(parts) != 6 || parts[2] != "events" || !strings.HasPrefix(parts[5], "event-bus/") || !actor.ValidAccountID(parts[4]) {
			return "", "", "", validation("Parameter EventBusName is not valid: %s is not an event bus ARN.", name)
		}
		return parts[4], parts[3], strings.TrimPrefix(parts[5], "event-bus/"), nil
	}
	if !busName.MatchString(name) {
		return "", "", "", validation("Parameter EventBusName is not valid: %q.", name)
	}
	return account, region, name, nil
}

// getBus reads a bus; the default bus exists even before anything is stored for it.
func getBus(tx meta.Tx, account, region, name string) (*Bus, error) {
	b, err := tx.Get(tableBuses, key(account, region, name))
	if errors.Is(err, meta.ErrNotFound) {
		if name == DefaultBus {
			return &Bus{Name: name, ARN: busARN(region, account, name), Account: account, Region: region}, nil
		}
		return nil, notFound("Event bus %s does not exist.", name)
	}
	if err != nil {
		return nil, err
	}
	bus := &Bus{}
	return bus, json.Unmarshal(b, bus)
}

func putJSON(tx meta.Tx, table, k string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Put(table, k, b)
}

// CreateEventBus creates a custom bus.
func (s *Service) CreateEventBus(ctx context.Context, c *actor.Caller, name, description string, tags []Tag) (*Bus, error) {
	region := s.region(c)
	if !busName.MatchString(name) || strings.Contains(name, "/") && !strings.HasPrefix(name, "aws.partner/") {
		return nil, validation("Event bus name %q is not valid.", name)
	}
	arn := busARN(region, c.Account, name)
	if err := s.check(ctx, c, "events:CreateEventBus", arn, "", nil); err != nil {
		return nil, err
	}
	if name == DefaultBus {
		return nil, exists("Event bus default already exists.")
	}
	bus := &Bus{Name: name, ARN: arn, Account: c.Account, Region: region, Description: description, Created: s.cfg.Clock.Now().UTC()}
	err := s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		b, _ := json.Marshal(bus)
		if err := tx.Insert(tableBuses, key(c.Account, region, name), b); errors.Is(err, meta.ErrExists) {
			return exists("Event bus %s already exists.", name)
		} else if err != nil {
			return err
		}
		return putTags(tx, arn, tags)
	})
	if err != nil {
		return nil, err
	}
	return bus, nil
}

// DescribeEventBus returns a bus.
func (s *Service) DescribeEventBus(ctx context.Context, c *actor.Caller, nameOrARN string) (*Bus, error) {
	account, region, name, err := s.busRef(c, nameOrARN)
	if err != nil {
		return nil, err
	}
	if err := s.check(ctx, c, "events:DescribeEventBus", busARN(region, account, name), account, nil); err != nil {
		return nil, err
	}
	var bus *Bus
	err = s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		bus, err = getBus(tx, account, region, name)
		return err
	})
	return bus, err
}

// ListEventBuses lists the caller's buses in the region whose names start with prefix, the default bus first.
func (s *Service) ListEventBuses(ctx context.Context, c *actor.Caller, prefix string) ([]*Bus, error) {
	region := s.region(c)
	if err := s.check(ctx, c, "events:ListEventBuses", "*", "", nil); err != nil {
		return nil, err
	}
	var out []*Bus
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		def, err := getBus(tx, c.Account, region, DefaultBus)
		if err != nil {
			return err
		}
		if strings.HasPrefix(DefaultBus, prefix) {
			out = append(out, def)
		}
		var derr error
		err = tx.Scan(tableBuses, meta.Range{Prefix: key(c.Account, region, prefix)}, func(_ string, v []byte) bool {
			b := &Bus{}
			if derr = json.Unmarshal(v, b); derr != nil {
				return false
			}
			if b.Name != DefaultBus {
				out = append(out, b)
			}
			return true
		})
		return errors.Join(err, derr)
	})
	return out, err
}

// DeleteEventBus deletes a custom bus and its rules.
func (s *Service) DeleteEventBus(ctx context.Context, c *actor.Caller, name string) error {
	region := s.region(c)
	if err := s.check(ctx, c, "events:DeleteEventBus", busARN(region, c.Account, name), "", nil); err != nil {
		return err
	}
	if name == DefaultBus {
		return validation("Cannot delete event bus default.")
	}
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		err := tx.Delete(tableBuses, key(c.Account, region, name))
		if errors.Is(err, meta.ErrNotFound) {
			return nil // AWS answers success for a bus that does not exist
		}
		if err != nil {
			return err
		}
		var keys []string
		if err := tx.Scan(tableRules, meta.Range{Prefix: key(c.Account, region, name, "")}, func(k string, _ []byte) bool {
			keys = append(keys, k)
			return true
		}); err != nil {
			return err
		}
		for _, k := range keys {
			if err := tx.Delete(tableRules, k); err != nil {
				return err
			}
		}
		return tx.Delete(tableTags, busARN(region, c.Account, name))
	})
}

// Permission is PutPermission's input.
type Permission struct {
	EventBusName, Action, Principal, StatementID string
	// Condition limits a "*" principal to an organization: Type "StringEquals", Key "aws:PrincipalOrgID".
	ConditionType, ConditionKey, ConditionValue string
	// Policy replaces the whole policy when set.
	Policy string
}

// PutPermission adds a statement to a bus's policy, or replaces the policy.
func (s *Service) PutPermission(ctx context.Context, c *actor.Caller, p Permission) error {
	account, region, name, err := s.busRef(c, p.EventBusName)
	if err != nil {
		return err
	}
	if err := s.check(ctx, c, "events:PutPermission", busARN(region, account, name), account, nil); err != nil {
		return err
	}
	if account != c.Account {
		return refusal.Refuse(c, "events:PutPermission", busARN(region, account, name), policy.Decision{},
			"Only the owner of an event bus can change its policy.").Err
	}
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		bus, err := getBus(tx, account, region, name)
		if err != nil {
			return err
		}
		doc, err := s.newPolicy(bus, p)
		if err != nil {
			return err
		}
		bus.Policy = doc
		return putJSON(tx, tableBuses, key(account, region, name), bus)
	})
}

// policyDoc is a resource policy as EventBridge writes it.
type policyDoc struct {
	Version   string           `json:"Version"`
	Statement []map[string]any `json:"Statement"`
}

func (s *Service) newPolicy(bus *Bus, p Permission) (string, error) {
	if p.Policy != "" {
		if _, err := policy.Parse([]byte(p.Policy), policy.Resource); err != nil {
			return "", validation("Policy is not valid: %v", err)
		}
		return p.Policy, nil
	}
	if p.Action != "events:PutEvents" {
		return "", validation("Provided value in parameter 'action' is not supported.")
	}
	if p.StatementID == "" || p.Principal == "" {
		return "", validation("StatementId and Principal are required when no Policy is given.")
	}
	doc := policyDoc{Version: "2012-10-17"}
	if bus.Policy != "" {
		if err := json.Unmarshal([]byte(bus.Policy), &doc); err != nil {
			return "", fmt.Errorf("eventbus: stored policy of %s: %w", bus.ARN, err)
		}
	}
	for _, st := range doc.Statement {
		if st["Sid"] == p.StatementID {
			return "", exists("Statement with ID %s already exists.", p.StatementID)
		}
	}
	principal := any(map[string]string{"AWS": "arn:aws:iam::" + p.Principal + ":root"})
	if p.Principal == "*" {
		principal = "*"
		if p.ConditionKey == "" {
			return "", validation("A principal of * needs a Condition (aws:PrincipalOrgID).")
		}
	} else if !actor.ValidAccountID(p.Principal) {
		return "", validation("Principal must be an account ID or *.")
	}
	st := map[string]any{"Sid": p.StatementID, "Effect": "Allow", "Principal": principal, "Action": p.Action, "Resource": bus.ARN}
	if p.ConditionKey != "" {
		st["Condition"] = map[string]any{p.ConditionType: map[string]string{p.ConditionKey: p.ConditionValue}}
	}
	doc.Statement = append(doc.Statement, st)
	b, err := json.Marshal(doc)
	return string(b), err
}

// RemovePermission removes a statement from a bus's policy, or the whole policy.
func (s *Service) RemovePermission(ctx context.Context, c *actor.Caller, busNameOrARN, statementID string, all bool) error {
	account, region, name, err := s.busRef(c, busNameOrARN)
	if err != nil {
		return err
	}
	if err := s.check(ctx, c, "events:RemovePermission", busARN(region, account, name), account, nil); err != nil {
		return err
	}
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		bus, err := getBus(tx, account, region, name)
		if err != nil {
			return err
		}
		if all {
			bus.Policy = ""
			return putJSON(tx, tableBuses, key(account, region, name), bus)
		}
		var doc policyDoc
		if bus.Policy == "" || json.Unmarshal([]byte(bus.Policy), &doc) != nil {
			return notFound("EventBus does not have a policy.")
		}
		kept := doc.Statement[:0]
		for _, st := range doc.Statement {
			if st["Sid"] != statementID {
				kept = append(kept, st)
			}
		}
		if len(kept) == len(doc.Statement) {
			return notFound("Statement with the provided id does not exist.")
		}
		doc.Statement = kept
		bus.Policy = ""
		if len(kept) > 0 {
			b, _ := json.Marshal(doc)
			bus.Policy = string(b)
		}
		return putJSON(tx, tableBuses, key(account, region, name), bus)
	})
}
