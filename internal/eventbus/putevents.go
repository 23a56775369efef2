package eventbus

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/eventpattern"
	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

// MaxEntriesSize is the largest total size of a PutEvents request's entries.
const MaxEntriesSize = 256 * 1024

// Entry is one event given to PutEvents.
type Entry struct {
	Time                                            time.Time
	Source, DetailType, Detail, EventBusName, Trace string
	Resources                                       []string
}

// EntryResult is PutEvents' answer for one entry: its event ID, or why it was refused.
type EntryResult struct {
	EventID, ErrorCode, ErrorMessage string
}

// compiled is a bus's enabled pattern rules and their matcher, as of a bus version.
type compiled struct {
	version uint64
	set     *eventpattern.Set
	rules   []*Rule
}

// busCompiled returns the matcher of bus, rebuilding it when its rules changed.
func (s *Service) busCompiled(tx meta.Tx, bus *Bus) (*compiled, error) {
	k := key(bus.Account, bus.Region, bus.Name)
	s.mu.Lock()
	c := s.sets[k]
	s.mu.Unlock()
	if c != nil && c.version == bus.Version {
		return c, nil
	}
	c = &compiled{version: bus.Version}
	var pats []*eventpattern.Pattern
	err := busRules(tx, bus.Account, bus.Region, bus.Name, "", func(r *Rule) bool {
		if r.EventPattern == "" || r.State == Disabled {
			return true
		}
		p, err := eventpattern.Compile(r.EventPattern)
		if err != nil {
			s.cfg.Logger.Error("events: a stored rule's pattern does not compile", "rule", r.ARN, "err", err)
			return true
		}
		pats = append(pats, p)
		c.rules = append(c.rules, r)
		return true
	})
	if err != nil {
		return nil, err
	}
	c.set = eventpattern.NewSet(pats)
	s.mu.Lock()
	s.sets[k] = c
	s.mu.Unlock()
	return c, nil
}

// PutEvents accepts events onto buses. Each entry is answered on its own; the call fails only when the caller
// may not put events on a bus it names (cross-account callers need the bus policy's leave).
func (s *Service) PutEvents(ctx context.Context, c *actor.Caller, entries []Entry) ([]EntryResult, int, error) {
	if len(entries) == 0 || len(entries) > 10 {
		return nil, 0, validation("Entries must hold 1 to 10 entries.")
	}
	size := 0
	for _, e := range entries {
		size += len(e.Source) + len(e.DetailType) + len(e.Detail) + len(e.EventBusName)
		for _, r := range e.Resources {
			size += len(r)
		}
	}
	if size > MaxEntriesSize {
		return nil, 0, validation("Total size of the entries in the request is over the limit.")
	}
	results := make([]EntryResult, len(entries))
	buses := make([]*Bus, len(entries))
	comps := map[*Bus]*compiled{}
	now := s.cfg.Clock.Now().UTC()
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		seen := map[string]*Bus{}
		for i, e := range entries {
			account, region, name, err := s.busRef(c, e.EventBusName)
			if err != nil {
				results[i] = EntryResult{ErrorCode: "InvalidArgument", ErrorMessage: err.Error()}
				continue
			}
			k := key(account, region, name)
			if bus, ok := seen[k]; ok {
				buses[i] = bus
				continue
			}
			bus, err := getBus(tx, account, region, name)
			if _, nf := asNotFound(err); nf {
				// Authorize before saying the bus does not exist, as for every operation.
				if err := s.check(ctx, c, "events:PutEvents", busARN(region, account, name), account, nil); err != nil {
					return err
				}
				results[i] = EntryResult{ErrorCode: "ResourceNotFoundException", ErrorMessage: "Event bus " + name + " does not exist."}
				continue
			}
			if err != nil {
				return err
			}
			var pol *policy.Policy
			if bus.Policy != "" {
				if pol, err = policy.Parse([]byte(bus.Policy), policy.Resource); err != nil {
					return fmt.Errorf("eventbus: policy of %s: %w", bus.ARN, err)
				}
			}
			if err := s.check(ctx, c, "events:PutEvents", bus.ARN, account, pol); err != nil {
				return err
			}
			if comps[bus], err = s.busCompiled(tx, bus); err != nil {
				return err
			}
			seen[k], buses[i] = bus, bus
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	var items []*delivery
	for i, e := range entries {
		if buses[i] == nil {
			continue
		}
		if code, msg := checkEntry(&e); code != "" {
			results[i] = EntryResult{ErrorCode: code, ErrorMessage: msg}
			continue
		}
		id, err := s.uuid()
		if err != nil {
			return nil, 0, err
		}
		account := c.Account
		if c.Type == actor.TypeService {
			account = buses[i].Account
		}
		event := buildEvent(id, account, buses[i].Region, &e, now)
		more, err := s.route(comps[buses[i]], event, id, now)
		if err != nil {
			return nil, 0, err
		}
		items = append(items, more...)
		results[i] = EntryResult{EventID: id}
	}
	if err := s.enqueue(ctx, items); err != nil {
		return nil, 0, err
	}
	failed := 0
	for _, r := range results {
		if r.ErrorCode != "" {
			failed++
		}
	}
	return results, failed, nil
}

// route matches an event against a bus's rules and returns a delivery for each target of each matching rule.
func (s *Service) route(comp *compiled, event []byte, id string, now time.Time) ([]*delivery, error) {
	matched, err := comp.set.Match(event, nil)
	if err != nil {
		return nil, err
	}
	var out []*delivery
	for _, m := range matched {
		r := comp.rules[m]
		s.metrics.matched.WithLabelValues(r.ARN).Inc()
		for _, t := range r.Targets {
			out = append(out, s.newDelivery(r, t, event, id, now))
		}
	}
	return out, nil
}

// checkEntry returns PutEvents' per-entry error for an invalid entry.
func checkEntry(e *Entry) (code, msg string) {
	switch {
	case e.Source == "":
		return "InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument."
	case e.DetailType == "":
		return "InvalidArgument", "Parameter DetailType is not valid. Reason: DetailType is a required argument."
	case e.Detail == "":
		return "InvalidArgument", "Parameter Detail is not valid. Reason: Detail is a required argument."
	case len(e.Source) > 256 || len(e.DetailType) > 128:
		return "InvalidArgument", "Parameter Source or DetailType is too long."
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal([]byte(e.Detail), &obj) != nil {
		return "MalformedDetail", "Detail is malformed."
	}
	return "", ""
}

// buildEvent is the event EventBridge delivers for an entry.
func buildEvent(id, account, region string, e *Entry, now time.Time) []byte {
	t := e.Time
	if t.IsZero() {
		t = now
	}
	b := make([]byte, 0, 256+len(e.Detail))
	b = append(b, `{"version":"0","id":`...)
	b = strconv.AppendQuote(b, id)
	b = appendField(b, "detail-type", e.DetailType)
	b = appendField(b, "source", e.Source)
	b = appendField(b, "account", account)
	b = appendField(b, "time", t.UTC().Format("2006-01-02T15:04:05Z"))
	b = appendField(b, "region", region)
	b = append(b, `,"resources":`...)
	res, _ := json.Marshal(append([]string{}, e.Resources...))
	b = append(b, res...)
	b = append(b, `,"detail":`...)
	b = append(b, e.Detail...)
	return append(b, '}')
}

func appendField(b []byte, name, v string) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	q, _ := json.Marshal(v)
	return append(b, q...)
}

// uuid returns a random version-4 UUID.
func (s *Service) uuid() (string, error) {
	var u [16]byte
	if _, err := io.ReadFull(s.cfg.Rand, u[:]); err != nil {
		return "", err
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}
